/// The MQTT 3.1.1 control packets this client sends.
enum MQTTClientPacket: Sendable, Equatable {
    case connect(MQTTConnect)
    case publish(MQTTPublish)
    case pingreq
    case disconnect
}

/// The packets a server may send a client that only publishes.
///
/// A publisher never subscribes, so anything else from the server is a protocol violation and the
/// decoder says so rather than guessing.
enum MQTTServerPacket: Sendable, Equatable {
    case connack(sessionPresent: Bool, returnCode: MQTTConnectReturnCode)
    case puback(packetID: UInt16)
    case pingresp
}

/// Delivery guarantee of a PUBLISH. QoS 2 (exactly once) is not offered: telemetry is superseded
/// ten times a second, and QoS 1 already covers the few messages that matter (status, events).
public enum MQTTQoS: UInt8, Sendable, Equatable {
    case atMostOnce = 0
    case atLeastOnce = 1
}

/// The CONNECT packet's content.
struct MQTTConnect: Sendable, Equatable {
    var clientID: String
    var cleanSession: Bool = true
    /// Seconds; 0 turns keep-alive off.
    var keepAlive: UInt16
    var username: String?
    var password: [UInt8]?
    var will: MQTTPublish?
}

/// A message on a topic: what PUBLISH carries, and what CONNECT's last will describes.
struct MQTTPublish: Sendable, Equatable {
    var topic: String
    var payload: [UInt8]
    var qos: MQTTQoS = .atMostOnce
    var retain: Bool = false
    /// Present exactly when `qos` is 1.
    var packetID: UInt16? = nil
}

/// The CONNACK return codes of MQTT 3.1.1, with the meaning a user is shown.
enum MQTTConnectReturnCode: UInt8, Sendable, Equatable {
    case accepted = 0
    case unacceptableProtocolVersion = 1
    case identifierRejected = 2
    case serverUnavailable = 3
    case badUsernameOrPassword = 4
    case notAuthorized = 5

    var meaning: String {
        switch self {
        case .accepted: "connection accepted"
        case .unacceptableProtocolVersion: "unacceptable protocol version (the server does not speak MQTT 3.1.1)"
        case .identifierRejected: "client identifier rejected (check client_id)"
        case .serverUnavailable: "server unavailable"
        case .badUsernameOrPassword: "bad user name or password"
        case .notAuthorized: "not authorized (check username, password and the server's access rules)"
        }
    }
}

/// Why bytes from the server are not a packet we accept, or why a packet cannot be encoded.
enum MQTTProtocolError: Error, Equatable, CustomStringConvertible {
    case remainingLengthTooLong
    case remainingLengthNotMinimal
    case reservedPacketType(UInt8)
    case unexpectedPacket(String)
    case invalidFlags(packet: String, flags: UInt8)
    case invalidLength(packet: String, length: Int)
    case invalidAcknowledgeFlags(UInt8)
    case unknownReturnCode(UInt8)
    case sessionPresentOnRefusal
    case zeroPacketID
    case stringTooLong(field: String, bytes: Int)
    case packetTooLarge(bytes: Int)

    var description: String {
        switch self {
        case .remainingLengthTooLong: "remaining length longer than 4 bytes"
        case .remainingLengthNotMinimal: "remaining length not in its shortest encoding"
        case let .reservedPacketType(type): "reserved packet type \(type)"
        case let .unexpectedPacket(name): "unexpected \(name) packet from the server"
        case let .invalidFlags(packet, flags): "\(packet) with invalid header flags 0x\(String(flags, radix: 16))"
        case let .invalidLength(packet, length): "\(packet) with invalid remaining length \(length)"
        case let .invalidAcknowledgeFlags(flags): "CONNACK with reserved acknowledge flags set (0x\(String(flags, radix: 16)))"
        case let .unknownReturnCode(code): "CONNACK with unknown return code \(code)"
        case .sessionPresentOnRefusal: "CONNACK refusing the connection yet claiming a session"
        case .zeroPacketID: "PUBACK for packet identifier 0"
        case let .stringTooLong(field, bytes): "\(field) is \(bytes) bytes long (MQTT allows 65535)"
        case let .packetTooLarge(bytes): "packet of \(bytes) bytes exceeds MQTT's limit of 268435455"
        }
    }
}
