import NIOCore

/// Turns MQTT 3.1.1 packets into bytes and the server's bytes back into packets.
///
/// Decoding is strict: header flags, remaining lengths and field values are checked against what
/// the specification allows for each packet a server may send a publisher, and a packet's length
/// is checked before its body is awaited, so a bogus header never makes us buffer megabytes.
enum MQTTPacketCoder {
    /// The largest remaining length the four-byte variable-length encoding can carry.
    static let maximumRemainingLength = 268_435_455

    // MARK: - Encoding

    /// Appends `packet` to `buffer`; throws (having written nothing) when a string or the packet
    /// is too long for MQTT.
    static func encode(_ packet: MQTTClientPacket, into buffer: inout ByteBuffer) throws {
        switch packet {
        case let .connect(connect):
            try encodeConnect(connect, into: &buffer)
        case let .publish(publish):
            try encodePublish(publish, into: &buffer)
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
        // DUP stays 0: with clean sessions a message is never sent twice on one connection.
        var header: UInt8 = 0x30 | (publish.qos.rawValue << 1)
        if publish.retain { header |= 0x01 }
        buffer.writeInteger(header)
        writeRemainingLength(length, into: &buffer)
        writeField(topic, into: &buffer)
        if hasPacketID { buffer.writeInteger(publish.packetID ?? 0) }
        buffer.writeBytes(publish.payload)
    }

    /// MQTT's variable-length integer: seven bits per byte, least significant group first, the top
    /// bit saying another byte follows.
    static func writeRemainingLength(_ length: Int, into buffer: inout ByteBuffer) {
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
    static func readRemainingLength(in buffer: ByteBuffer, at index: Int) throws -> (value: Int, byteCount: Int)? {
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
    /// more bytes are needed. Only what a server may send a publisher is accepted.
    static func decodeServerPacket(from buffer: inout ByteBuffer) throws -> MQTTServerPacket? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        let type = first >> 4
        let flags = first & 0x0F
        let name: String
        let expectedLength: Int
        switch type {
        case 2: (name, expectedLength) = ("CONNACK", 2)
        case 4: (name, expectedLength) = ("PUBACK", 2)
        case 13: (name, expectedLength) = ("PINGRESP", 0)
        case 0, 15: throw MQTTProtocolError.reservedPacketType(type)
        default: throw MQTTProtocolError.unexpectedPacket(packetName(type))
        }
        guard flags == 0 else { throw MQTTProtocolError.invalidFlags(packet: name, flags: flags) }
        guard let (length, lengthBytes) = try readRemainingLength(in: buffer, at: buffer.readerIndex + 1) else { return nil }
        guard length == expectedLength else { throw MQTTProtocolError.invalidLength(packet: name, length: length) }
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
            guard packetID != 0 else { throw MQTTProtocolError.zeroPacketID }
            return .puback(packetID: packetID)
        default:
            return .pingresp
        }
    }

    /// The specification's name of a packet type, for error messages.
    static func packetName(_ type: UInt8) -> String {
        let names = [
            "reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
            "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
        ]
        return Int(type) < names.count ? names[Int(type)] : "type \(type)"
    }
}
