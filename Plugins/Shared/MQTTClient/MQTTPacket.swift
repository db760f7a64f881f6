/// The MQTT 3.1.1 control packets this client sends.
public enum MQTTClientPacket: Sendable, Equatable {
    case connect(MQTTConnect)
    case publish(MQTTPublish)
    /// Acknowledges a QoS 1 PUBLISH the server delivered.
    case puback(packetID: UInt16)
    case subscribe(packetID: UInt16, subscriptions: [MQTTSubscription])
    case pingreq
    case disconnect
}

/// The packets a server may send this client.
///
/// Anything else (a CONNECT, a PUBREC for a QoS 2 flow never started, an UNSUBACK for an
/// UNSUBSCRIBE never sent) is a protocol violation and the decoder says so rather than guessing.
public enum MQTTServerPacket: Sendable, Equatable {
    case connack(sessionPresent: Bool, returnCode: MQTTConnectReturnCode)
    /// A message delivered on a subscription.
    case publish(MQTTPublish)
    /// A PUBLISH longer than the decoder's limit: its topic and packet identifier were read (so a
    /// QoS 1 message can still be acknowledged), its payload is skipped without being buffered.
    case oversizedPublish(topic: String, qos: MQTTQoS, packetID: UInt16?, bytes: Int)
    case puback(packetID: UInt16)
    case suback(packetID: UInt16, results: [MQTTSubscribeResult])
    case pingresp
}

/// Delivery guarantee of a PUBLISH. QoS 2 (exactly once) is not offered: telemetry is superseded
/// ten times a second, and QoS 1 already covers the few messages that matter (status, events).
public enum MQTTQoS: UInt8, Sendable, Equatable {
    case atMostOnce = 0
    case atLeastOnce = 1
}

/// The CONNECT packet's content.
public struct MQTTConnect: Sendable, Equatable {
    public var clientID: String
    public var cleanSession: Bool
    /// Seconds; 0 turns keep-alive off.
    public var keepAlive: UInt16
    public var username: String?
    public var password: [UInt8]?
    public var will: MQTTPublish?

    public init(
        clientID: String, cleanSession: Bool = true, keepAlive: UInt16, username: String? = nil, password: [UInt8]? = nil,
        will: MQTTPublish? = nil
    ) {
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.will = will
    }
}

/// A message on a topic: what PUBLISH carries, and what CONNECT's last will describes.
public struct MQTTPublish: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool
    /// Present exactly when `qos` is 1.
    public var packetID: UInt16?
    /// Set by a server redelivering a QoS 1 message; this client never sends a message twice on one
    /// connection (sessions are clean), so it never sets it.
    public var duplicate: Bool

    public init(
        topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false, packetID: UInt16? = nil,
        duplicate: Bool = false
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.packetID = packetID
        self.duplicate = duplicate
    }
}

/// One topic filter of a SUBSCRIBE and the highest QoS wanted on it.
public struct MQTTSubscription: Sendable, Equatable {
    public var filter: String
    public var qos: MQTTQoS

    public init(filter: String, qos: MQTTQoS) {
        self.filter = filter
        self.qos = qos
    }
}

/// The server's answer to one filter of a SUBSCRIBE.
public enum MQTTSubscribeResult: Sendable, Equatable {
    /// Subscribed; messages arrive at this QoS at most.
    case granted(UInt8)
    /// Refused (return code 0x80), typically by the server's access rules.
    case failure
}

/// The CONNACK return codes of MQTT 3.1.1, with the meaning a user is shown.
public enum MQTTConnectReturnCode: UInt8, Sendable, Equatable {
    case accepted = 0
    case unacceptableProtocolVersion = 1
    case identifierRejected = 2
    case serverUnavailable = 3
    case badUsernameOrPassword = 4
    case notAuthorized = 5

    public var meaning: String {
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
public enum MQTTProtocolError: Error, Equatable, CustomStringConvertible {
    case remainingLengthTooLong
    case remainingLengthNotMinimal
    case reservedPacketType(UInt8)
    case unexpectedPacket(String)
    case invalidFlags(packet: String, flags: UInt8)
    case invalidLength(packet: String, length: Int)
    case invalidAcknowledgeFlags(UInt8)
    case unknownReturnCode(UInt8)
    case sessionPresentOnRefusal
    case zeroPacketID(packet: String)
    case unexpectedQoS(UInt8)
    case invalidTopic(String)
    case invalidSubscribeReturnCode(UInt8)
    case emptySubscribe
    case stringTooLong(field: String, bytes: Int)
    case packetTooLarge(bytes: Int)

    public var description: String {
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
        case let .zeroPacketID(packet): "\(packet) for packet identifier 0"
        case let .unexpectedQoS(qos): "PUBLISH at QoS \(qos), above anything this client subscribes with"
        case let .invalidTopic(reason): "PUBLISH with an invalid topic name: \(reason)"
        case let .invalidSubscribeReturnCode(code): "SUBACK with unknown return code 0x\(String(code, radix: 16))"
        case .emptySubscribe: "SUBSCRIBE needs at least one non-empty topic filter"
        case let .stringTooLong(field, bytes): "\(field) is \(bytes) bytes long (MQTT allows 65535)"
        case let .packetTooLarge(bytes): "packet of \(bytes) bytes exceeds MQTT's limit of 268435455"
        }
    }
}
