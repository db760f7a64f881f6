import NIOCore

/// Turns MQTT 3.1.1 packets into bytes and the server's bytes back into packets.
///
/// Decoding is strict: header flags, remaining lengths and field values are checked against what
/// the specification allows for each packet a server may send a client, and a packet's length is
/// checked before its body is awaited, so a bogus header never makes us buffer megabytes.
public enum MQTTPacketCoder {
    /// The largest remaining length the four-byte variable-length encoding can carry.
    public static let maximumRemainingLength = 268_435_455
    /// The longest body a packet other than PUBLISH may have here: a SUBACK for every filter a
    /// SUBSCRIBE could carry is far shorter, so anything longer is garbage.
    static let maximumControlPacketLength = 65_537

    // MARK: - Encoding

    /// Appends `packet` to `buffer`; throws (having written nothing) when a string or the packet
    /// is too long for MQTT.
    public static func encode(_ packet: MQTTClientPacket, into buffer: inout ByteBuffer) throws {
        switch packet {
        case let .connect(connect):
            try encodeConnect(connect, into: &buffer)
        case let .publish(publish):
            try encodePublish(publish, into: &buffer)
        case let .puback(packetID):
            buffer.writeInteger(UInt8(0x40))
            buffer.writeInteger(UInt8(2))
            buffer.writeInteger(packetID)
        case let .subscribe(packetID, subscriptions):
            try encodeSubscribe(packetID: packetID, subscriptions, into: &buffer)
        case .pingreq:
            buffer.writeBytes([0xC0, 0x00])
        case .disconnect:
            buffer.writeBytes([0xE0, 0x00])
        }
    }

    private static func encodeConnect(_ connect: MQTTConnect, into buffer: inout ByteBuffer) throws {
        let clientID = try utf8(connect.clientID, field: "client_id")
        let username = try connect.username.map { try utf8($0, field: "username") }
        if let password = connect.password, password.count > 0xFFFF {
            throw MQTTProtocolError.stringTooLong(field: "password", bytes: password.count)
        }
        var willTopic: [UInt8] = []
        if let will = connect.will {
            willTopic = try utf8(will.topic, field: "will topic")
            if will.payload.count > 0xFFFF { throw MQTTProtocolError.stringTooLong(field: "will payload", bytes: will.payload.count) }
        }

        var flags: UInt8 = 0
        if connect.cleanSession { flags |= 0x02 }
        if let will = connect.will {
            flags |= 0x04 | (will.qos.rawValue << 3)
            if will.retain { flags |= 0x20 }
        }
        if connect.password != nil { flags |= 0x40 }
        if username != nil { flags |= 0x80 }

        // Variable header: protocol name "MQTT", level 4 (3.1.1), flags, keep-alive.
        var length = 2 + 4 + 1 + 1 + 2
        length += 2 + clientID.count
        if let will = connect.will { length += 2 + willTopic.count + 2 + will.payload.count }
        if let username { length += 2 + username.count }
        if let password = connect.password { length += 2 + password.count }

        buffer.writeInteger(UInt8(0x10))
        writeRemainingLength(length, into: &buffer)
        writeField(Array("MQTT".utf8), into: &buffer)
        buffer.writeInteger(UInt8(4))
        buffer.writeInteger(flags)
        buffer.writeInteger(connect.keepAlive)
        writeField(clientID, into: &buffer)
        if let will = connect.will {
            writeField(willTopic, into: &buffer)
            writeField(will.payload, into: &buffer)
        }
        if let username { writeField(username, into: &buffer) }
        if let password = connect.password { writeField(password, into: &buffer) }
    }

    private static func encodePublish(_ publish: MQTTPublish, into buffer: inout ByteBuffer) throws {
        let topic = try utf8(publish.topic, field: "topic")
        let hasPacketID = publish.qos != .atMostOnce
        let length = 2 + topic.count + (hasPacketID ? 2 : 0) + publish.payload.count
        guard length <= maximumRemainingLength else { throw MQTTProtocolError.packetTooLarge(bytes: length) }
        var header: UInt8 = 0x30 | (publish.qos.rawValue << 1)
        if publish.retain { header |= 0x01 }
        if publish.duplicate && hasPacketID { header |= 0x08 }
        buffer.writeInteger(header)
        writeRemainingLength(length, into: &buffer)
        writeField(topic, into: &buffer)
        if hasPacketID { buffer.writeInteger(publish.packetID ?? 0) }
        buffer.writeBytes(publish.payload)
    }

    /// SUBSCRIBE: fixed header 0x82 (its reserved flags are 0010), the packet identifier, then each
    /// filter with its requested QoS byte.
    private static func encodeSubscribe(packetID: UInt16, _ subscriptions: [MQTTSubscription], into buffer: inout ByteBuffer) throws {
        guard !subscriptions.isEmpty else { throw MQTTProtocolError.emptySubscribe }
        let filters = try subscriptions.map { subscription -> [UInt8] in
            let bytes = try utf8(subscription.filter, field: "topic filter")
            guard !bytes.isEmpty else { throw MQTTProtocolError.emptySubscribe }
            return bytes
        }
        let length = 2 + filters.reduce(0) { $0 + 2 + $1.count + 1 }
        guard length <= maximumRemainingLength else { throw MQTTProtocolError.packetTooLarge(bytes: length) }
        buffer.writeInteger(UInt8(0x82))
        writeRemainingLength(length, into: &buffer)
        buffer.writeInteger(packetID)
        for (filter, subscription) in zip(filters, subscriptions) {
            writeField(filter, into: &buffer)
            buffer.writeInteger(subscription.qos.rawValue)
        }
    }

    /// MQTT's variable-length integer: seven bits per byte, least significant group first, the top
    /// bit saying another byte follows.
    public static func writeRemainingLength(_ length: Int, into buffer: inout ByteBuffer) {
        var remaining = length
        repeat {
            var byte = UInt8(remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 { byte |= 0x80 }
            buffer.writeInteger(byte)
        } while remaining > 0
    }

    private static func utf8(_ text: String, field: String) throws -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.count <= 0xFFFF else { throw MQTTProtocolError.stringTooLong(field: field, bytes: bytes.count) }
        return bytes
    }

    /// A two-byte big-endian length, then the bytes.
    private static func writeField(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
    }

    // MARK: - Decoding

    /// Reads a remaining length starting at `index`; nil when the buffer ends inside it.
    public static func readRemainingLength(in buffer: ByteBuffer, at index: Int) throws -> (value: Int, byteCount: Int)? {
        var value = 0
        var shift = 0
        for position in 0..<4 {
            guard let byte = buffer.getInteger(at: index + position, as: UInt8.self) else { return nil }
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if position > 0 && byte == 0 { throw MQTTProtocolError.remainingLengthNotMinimal }
                return (value, position + 1)
            }
            shift += 7
        }
        throw MQTTProtocolError.remainingLengthTooLong
    }

    /// Decodes the packet at the front of `buffer` and consumes it; nil (consuming nothing) when
    /// more bytes are needed. A PUBLISH whose remaining length exceeds `maximumPublishLength` is
    /// returned as `oversizedPublish` once its topic and packet identifier are in: only its fixed
    /// and variable headers are consumed, and the caller skips the payload bytes it names.
    public static func decodeServerPacket(from buffer: inout ByteBuffer, maximumPublishLength: Int = maximumRemainingLength) throws
        -> MQTTServerPacket?
    {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        let type = first >> 4
        let flags = first & 0x0F
        let name = packetName(type)
        switch type {
        case 2, 4, 9, 13:
            guard flags == 0 else { throw MQTTProtocolError.invalidFlags(packet: name, flags: flags) }
        case 3:
            return try decodePublish(flags: flags, from: &buffer, maximumLength: maximumPublishLength)
        case 0, 15:
            throw MQTTProtocolError.reservedPacketType(type)
        default:
            throw MQTTProtocolError.unexpectedPacket(name)
        }
        guard let (length, lengthBytes) = try readRemainingLength(in: buffer, at: buffer.readerIndex + 1) else { return nil }
        let lengthFits: Bool
        switch type {
        case 2, 4: lengthFits = length == 2
        case 9: lengthFits = (3...maximumControlPacketLength).contains(length)
        default: lengthFits = length == 0
        }
        guard lengthFits else { throw MQTTProtocolError.invalidLength(packet: name, length: length) }
        guard buffer.readableBytes >= 1 + lengthBytes + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 1 + lengthBytes)

        switch type {
        case 2:
            let acknowledgeFlags = buffer.readInteger(as: UInt8.self) ?? 0
            let code = buffer.readInteger(as: UInt8.self) ?? 0
            guard acknowledgeFlags & 0xFE == 0 else { throw MQTTProtocolError.invalidAcknowledgeFlags(acknowledgeFlags) }
            guard let returnCode = MQTTConnectReturnCode(rawValue: code) else { throw MQTTProtocolError.unknownReturnCode(code) }
            let sessionPresent = acknowledgeFlags == 1
            if sessionPresent && returnCode != .accepted { throw MQTTProtocolError.sessionPresentOnRefusal }
            return .connack(sessionPresent: sessionPresent, returnCode: returnCode)
        case 4:
            let packetID = buffer.readInteger(as: UInt16.self) ?? 0
            guard packetID != 0 else { throw MQTTProtocolError.zeroPacketID(packet: name) }
            return .puback(packetID: packetID)
        case 9:
            let packetID = buffer.readInteger(as: UInt16.self) ?? 0
            let codes = buffer.readBytes(length: length - 2) ?? []
            guard packetID != 0 else { throw MQTTProtocolError.zeroPacketID(packet: name) }
            let results = try codes.map { code -> MQTTSubscribeResult in
                switch code {
                case 0, 1, 2: return .granted(code)
                case 0x80: return .failure
                default: throw MQTTProtocolError.invalidSubscribeReturnCode(code)
                }
            }
            return .suback(packetID: packetID, results: results)
        default:
            return .pingresp
        }
    }

    /// PUBLISH from the server: DUP, QoS and RETAIN in the header flags (QoS 3 is malformed, DUP
    /// with QoS 0 forbidden, QoS 2 never asked for), a topic name without wildcards, a packet
    /// identifier at QoS 1, then the payload.
    private static func decodePublish(flags: UInt8, from buffer: inout ByteBuffer, maximumLength: Int) throws -> MQTTServerPacket? {
        let qosBits = (flags >> 1) & 0x03
        let duplicate = flags & 0x08 != 0
        if qosBits == 3 || (qosBits == 0 && duplicate) { throw MQTTProtocolError.invalidFlags(packet: "PUBLISH", flags: flags) }
        guard let qos = MQTTQoS(rawValue: qosBits) else { throw MQTTProtocolError.unexpectedQoS(qosBits) }
        guard let (length, lengthBytes) = try readRemainingLength(in: buffer, at: buffer.readerIndex + 1) else { return nil }
        let idBytes = qos == .atLeastOnce ? 2 : 0
        guard length >= 2 + idBytes else { throw MQTTProtocolError.invalidLength(packet: "PUBLISH", length: length) }
        let headerStart = buffer.readerIndex + 1 + lengthBytes
        guard let topicLength = buffer.getInteger(at: headerStart, as: UInt16.self) else { return nil }
        let variableHeader = 2 + Int(topicLength) + idBytes
        guard variableHeader <= length else { throw MQTTProtocolError.invalidLength(packet: "PUBLISH", length: length) }
        let oversized = length > maximumLength
        // An oversized message waits only for its headers; any other for all of it.
        guard buffer.readableBytes >= 1 + lengthBytes + (oversized ? variableHeader : length) else { return nil }

        buffer.moveReaderIndex(forwardBy: 1 + lengthBytes + 2)
        let topicBytes = buffer.readBytes(length: Int(topicLength)) ?? []
        let packetID = qos == .atLeastOnce ? buffer.readInteger(as: UInt16.self) : nil
        let topic = try validTopic(topicBytes)
        if packetID == 0 { throw MQTTProtocolError.zeroPacketID(packet: "PUBLISH") }
        if oversized { return .oversizedPublish(topic: topic, qos: qos, packetID: packetID, bytes: length - variableHeader) }
        let payload = buffer.readBytes(length: length - variableHeader) ?? []
        return .publish(MQTTPublish(topic: topic, payload: payload, qos: qos, retain: flags & 0x01 != 0, packetID: packetID, duplicate: duplicate))
    }

    /// A topic name as the specification allows it in a PUBLISH: UTF-8, at least one character,
    /// no wildcards, no NUL.
    private static func validTopic(_ bytes: [UInt8]) throws -> String {
        guard !bytes.isEmpty else { throw MQTTProtocolError.invalidTopic("it is empty") }
        guard let topic = String(validating: bytes, as: UTF8.self) else { throw MQTTProtocolError.invalidTopic("it is not UTF-8") }
        if bytes.contains(0) { throw MQTTProtocolError.invalidTopic("it contains NUL") }
        if topic.contains("+") || topic.contains("#") { throw MQTTProtocolError.invalidTopic("it contains a wildcard") }
        return topic
    }

    /// The specification's name of a packet type, for error messages.
    public static func packetName(_ type: UInt8) -> String {
        let names = [
            "reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
            "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
        ]
        return Int(type) < names.count ? names[Int(type)] : "type \(type)"
    }
}
