import BrokerTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import MQTTClient

/// The codec against byte sequences worked out by hand from the MQTT 3.1.1 specification.
@Suite struct MQTTPacketCoderTests {
    func encoded(_ packet: MQTTClientPacket) throws -> [UInt8] {
        var buffer = ByteBuffer()
        try MQTTPacketCoder.encode(packet, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    func decoded(_ bytes: [UInt8], maximumPublishLength: Int = MQTTPacketCoder.maximumRemainingLength) throws -> MQTTServerPacket? {
        var buffer = ByteBuffer(bytes: bytes)
        return try MQTTPacketCoder.decodeServerPacket(from: &buffer, maximumPublishLength: maximumPublishLength)
    }

    @Test func connectCarriesEveryFieldInTheSpecifiedOrder() throws {
        let will = MQTTPublish(topic: "t/s", payload: Array("x".utf8), qos: .atLeastOnce, retain: true)
        let connect = MQTTConnect(clientID: "c1", cleanSession: true, keepAlive: 30, username: "u", password: Array("p".utf8), will: will)
        #expect(
            try encoded(.connect(connect)) == [
                0x10, 28,  // CONNECT, remaining length
                0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04,  // "MQTT", level 4
                0xEE,  // user, password, will retain, will QoS 1, will, clean session
                0x00, 0x1E,  // keep-alive 30 s
                0x00, 0x02, 0x63, 0x31,  // client id "c1"
                0x00, 0x03, 0x74, 0x2F, 0x73,  // will topic "t/s"
                0x00, 0x01, 0x78,  // will payload "x"
                0x00, 0x01, 0x75,  // user name "u"
                0x00, 0x01, 0x70,  // password "p"
            ])
    }

    @Test func anonymousConnectWithoutWillHasOnlyTheCleanSessionFlag() throws {
        let bytes = try encoded(.connect(MQTTConnect(clientID: "", keepAlive: 0)))
        #expect(bytes == [0x10, 12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00])
    }

    @Test func publishAtQoS0AndQoS1() throws {
        let plain = MQTTPublish(topic: "a/b", payload: Array("hi".utf8))
        #expect(try encoded(.publish(plain)) == [0x30, 7, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x68, 0x69])
        let acknowledged = MQTTPublish(topic: "a/b", payload: Array("hi".utf8), qos: .atLeastOnce, retain: true, packetID: 10)
        #expect(try encoded(.publish(acknowledged)) == [0x33, 9, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x0A, 0x68, 0x69])
        let empty = MQTTPublish(topic: "a/b", payload: [], qos: .atLeastOnce, packetID: 258)
        #expect(try encoded(.publish(empty)) == [0x32, 7, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x01, 0x02])
    }

    @Test func smallPacketsAreTwoBytes() throws {
        #expect(try encoded(.pingreq) == [0xC0, 0x00])
        #expect(try encoded(.disconnect) == [0xE0, 0x00])
    }

    @Test func pubackAcknowledgesAMessageByItsIdentifier() throws {
        // 3.4: fixed header 0100 0000, remaining length 2, packet identifier MSB, LSB.
        #expect(try encoded(.puback(packetID: 0x1234)) == [0x40, 0x02, 0x12, 0x34])
    }

    @Test func subscribeCarriesEachFilterWithItsQoS() throws {
        // 3.8: fixed header 1000 0010 (reserved bits 0010), packet identifier, then per filter a
        // length-prefixed UTF-8 string and the requested QoS byte.
        let packet = MQTTClientPacket.subscribe(
            packetID: 10, subscriptions: [MQTTSubscription(filter: "a/+", qos: .atLeastOnce), MQTTSubscription(filter: "b/#", qos: .atMostOnce)])
        #expect(
            try encoded(packet) == [
                0x82, 14,  // SUBSCRIBE, remaining length
                0x00, 0x0A,  // packet identifier 10
                0x00, 0x03, 0x61, 0x2F, 0x2B, 0x01,  // "a/+" at QoS 1
                0x00, 0x03, 0x62, 0x2F, 0x23, 0x00,  // "b/#" at QoS 0
            ])
    }

    @Test func subscribeWithoutAFilterIsRefused() {
        var buffer = ByteBuffer()
        #expect(throws: MQTTProtocolError.emptySubscribe) { try MQTTPacketCoder.encode(.subscribe(packetID: 1, subscriptions: []), into: &buffer) }
        #expect(throws: MQTTProtocolError.emptySubscribe) {
            try MQTTPacketCoder.encode(.subscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: "", qos: .atMostOnce)]), into: &buffer)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test(
        arguments: [
            (0, [0x00]), (127, [0x7F]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
            (2_097_151, [0xFF, 0xFF, 0x7F]), (2_097_152, [0x80, 0x80, 0x80, 0x01]), (268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]),
        ] as [(Int, [UInt8])])
    func remainingLengthUsesTheShortestEncoding(value: Int, bytes: [UInt8]) throws {
        var buffer = ByteBuffer()
        MQTTPacketCoder.writeRemainingLength(value, into: &buffer)
        #expect(Array(buffer.readableBytesView) == bytes)
        let read = try #require(try MQTTPacketCoder.readRemainingLength(in: buffer, at: buffer.readerIndex))
        #expect(read.value == value && read.byteCount == bytes.count)
    }

    @Test func remainingLengthOverFourBytesOrPaddedIsRejected() throws {
        #expect(throws: MQTTProtocolError.remainingLengthTooLong) {
            try MQTTPacketCoder.readRemainingLength(in: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x01]), at: 0)
        }
        #expect(throws: MQTTProtocolError.remainingLengthNotMinimal) {
            try MQTTPacketCoder.readRemainingLength(in: ByteBuffer(bytes: [0x82, 0x00]), at: 0)
        }
        // Cut short inside the length: not an error, more bytes are needed.
        #expect(try MQTTPacketCoder.readRemainingLength(in: ByteBuffer(bytes: [0x80, 0x80]), at: 0) == nil)
    }

    @Test func decodesWhatAServerSendsASubscriber() throws {
        // 3.9: SUBACK 1001 0000, packet identifier, one return code per filter (0, 1, 2 or 0x80).
        #expect(try decoded([0x90, 0x03, 0x00, 0x0A, 0x01]) == .suback(packetID: 10, results: [.granted(1)]))
        #expect(try decoded([0x90, 0x05, 0x01, 0x00, 0x00, 0x80, 0x02]) == .suback(packetID: 256, results: [.granted(0), .failure, .granted(2)]))
        // 3.3: PUBLISH at QoS 0: topic, no packet identifier, the rest is payload (may be empty).
        #expect(
            try decoded([0x30, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x68, 0x69]) == .publish(MQTTPublish(topic: "a/b", payload: Array("hi".utf8))))
        #expect(try decoded([0x31, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x62]) == .publish(MQTTPublish(topic: "a/b", payload: [], retain: true)))
        // QoS 1, DUP and RETAIN set (0011 1011): a packet identifier after the topic.
        #expect(
            try decoded([0x3B, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x0A, 0x68, 0x69])
                == .publish(MQTTPublish(topic: "a/b", payload: Array("hi".utf8), qos: .atLeastOnce, retain: true, packetID: 10, duplicate: true)))
        // A multi-byte UTF-8 topic.
        #expect(try decoded([0x30, 0x04, 0x00, 0x02, 0xC3, 0xA9]) == .publish(MQTTPublish(topic: "é", payload: [])))
    }

    @Test func aPublishOverTheLimitYieldsItsHeadersOnly() throws {
        let bytes: [UInt8] = [0x32, 0x0B, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04]
        var buffer = ByteBuffer(bytes: bytes)
        let packet = try MQTTPacketCoder.decodeServerPacket(from: &buffer, maximumPublishLength: 4)
        #expect(packet == .oversizedPublish(topic: "a/b", qos: .atLeastOnce, packetID: 7, bytes: 4))
        #expect(buffer.readableBytes == 4, "only the fixed and variable headers are consumed")
        // Its headers incomplete: more bytes are needed, nothing is consumed.
        var partial = ByteBuffer(bytes: bytes.prefix(6))
        #expect(try MQTTPacketCoder.decodeServerPacket(from: &partial, maximumPublishLength: 4) == nil)
        #expect(partial.readableBytes == 6)
        // At the limit it is an ordinary message.
        #expect(
            try decoded(bytes, maximumPublishLength: 11)
                == .publish(MQTTPublish(topic: "a/b", payload: [1, 2, 3, 4], qos: .atLeastOnce, packetID: 7)))
    }

    @Test func theChannelDecoderSkipsAnOversizedPayloadAsItStreamsIn() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(MQTTPacketDecoder(maximumPublishLength: 8)))
        defer { _ = try? channel.finish() }
        var payload = [UInt8](repeating: 0x41, count: 300)
        payload[0] = 0xD0  // bytes that would look like packets if they were not skipped
        // PUBLISH "t" at QoS 0 with a 300-byte payload (remaining length 303 = 0xAF 0x02), then PINGRESP.
        let stream: [UInt8] = [0x30, 0xAF, 0x02, 0x00, 0x01, 0x74] + payload + [0xD0, 0x00]
        for chunk in stride(from: 0, to: stream.count, by: 37) {
            try channel.writeInbound(ByteBuffer(bytes: stream[chunk..<min(chunk + 37, stream.count)]))
        }
        #expect(try channel.readInbound(as: MQTTServerPacket.self) == .oversizedPublish(topic: "t", qos: .atMostOnce, packetID: nil, bytes: 300))
        #expect(try channel.readInbound(as: MQTTServerPacket.self) == .pingresp)
        #expect(try channel.readInbound(as: MQTTServerPacket.self) == nil)
    }

    @Test func decodesWhatAServerSendsAPublisher() throws {
        #expect(try decoded([0x20, 0x02, 0x00, 0x00]) == .connack(sessionPresent: false, returnCode: .accepted))
        #expect(try decoded([0x20, 0x02, 0x01, 0x00]) == .connack(sessionPresent: true, returnCode: .accepted))
        #expect(try decoded([0x20, 0x02, 0x00, 0x04]) == .connack(sessionPresent: false, returnCode: .badUsernameOrPassword))
        #expect(try decoded([0x20, 0x02, 0x00, 0x05]) == .connack(sessionPresent: false, returnCode: .notAuthorized))
        #expect(try decoded([0x40, 0x02, 0x12, 0x34]) == .puback(packetID: 0x1234))
        #expect(try decoded([0xD0, 0x00]) == .pingresp)
    }

    @Test func waitsForWholePacketsAndSplitsJoinedOnes() throws {
        let stream: [UInt8] = [0x20, 0x02, 0x00, 0x00, 0x40, 0x02, 0x00, 0x07, 0xD0, 0x00]
        // Every prefix that ends inside a packet yields nothing and consumes nothing.
        for cut in [1, 2, 3] {
            var partial = ByteBuffer(bytes: stream[..<cut])
            #expect(try MQTTPacketCoder.decodeServerPacket(from: &partial) == nil)
            #expect(partial.readableBytes == cut)
        }
        var buffer = ByteBuffer(bytes: stream)
        var packets: [MQTTServerPacket] = []
        while let packet = try MQTTPacketCoder.decodeServerPacket(from: &buffer) { packets.append(packet) }
        #expect(packets == [.connack(sessionPresent: false, returnCode: .accepted), .puback(packetID: 7), .pingresp])
        #expect(buffer.readableBytes == 0)
    }

    @Test(
        arguments: [
            ([0x20, 0x02, 0x02, 0x00], MQTTProtocolError.invalidAcknowledgeFlags(2)),
            ([0x20, 0x02, 0x00, 0x06], .unknownReturnCode(6)),
            ([0x20, 0x02, 0x01, 0x05], .sessionPresentOnRefusal),
            ([0x21, 0x02, 0x00, 0x00], .invalidFlags(packet: "CONNACK", flags: 1)),
            ([0x20, 0x03, 0x00, 0x00, 0x00], .invalidLength(packet: "CONNACK", length: 3)),
            ([0x20, 0xFF, 0xFF, 0xFF, 0x7F], .invalidLength(packet: "CONNACK", length: 268_435_455)),
            ([0x20, 0x82, 0x00, 0x00, 0x00], .remainingLengthNotMinimal),
            ([0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], .remainingLengthTooLong),
            ([0x40, 0x02, 0x00, 0x00], .zeroPacketID(packet: "PUBACK")),
            ([0x42, 0x02, 0x00, 0x01], .invalidFlags(packet: "PUBACK", flags: 2)),
            ([0xD0, 0x01, 0x00], .invalidLength(packet: "PINGRESP", length: 1)),
            ([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], .invalidFlags(packet: "PUBLISH", flags: 6)),
            ([0x38, 0x03, 0x00, 0x01, 0x61], .invalidFlags(packet: "PUBLISH", flags: 8)),
            ([0x34, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], .unexpectedQoS(2)),
            ([0x30, 0x01, 0x00], .invalidLength(packet: "PUBLISH", length: 1)),
            ([0x32, 0x03, 0x00, 0x01, 0x61], .invalidLength(packet: "PUBLISH", length: 3)),
            ([0x30, 0x03, 0x00, 0x05, 0x61], .invalidLength(packet: "PUBLISH", length: 3)),
            ([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00], .zeroPacketID(packet: "PUBLISH")),
            ([0x30, 0x02, 0x00, 0x00], .invalidTopic("it is empty")),
            ([0x30, 0x04, 0x00, 0x02, 0x61, 0x2B], .invalidTopic("it contains a wildcard")),
            ([0x30, 0x04, 0x00, 0x02, 0x23, 0x61], .invalidTopic("it contains a wildcard")),
            ([0x30, 0x04, 0x00, 0x02, 0xC3, 0x28], .invalidTopic("it is not UTF-8")),
            ([0x30, 0x04, 0x00, 0x02, 0x61, 0x00], .invalidTopic("it contains NUL")),
            ([0x90, 0x03, 0x00, 0x01, 0x03], .invalidSubscribeReturnCode(3)),
            ([0x90, 0x03, 0x00, 0x01, 0x81], .invalidSubscribeReturnCode(0x81)),
            ([0x90, 0x02, 0x00, 0x01], .invalidLength(packet: "SUBACK", length: 2)),
            ([0x92, 0x03, 0x00, 0x01, 0x00], .invalidFlags(packet: "SUBACK", flags: 2)),
            ([0x90, 0x03, 0x00, 0x00, 0x00], .zeroPacketID(packet: "SUBACK")),
            ([0xB0, 0x02, 0x00, 0x01], .unexpectedPacket("UNSUBACK")),
            ([0x50, 0x02, 0x00, 0x01], .unexpectedPacket("PUBREC")),
            ([0x10, 0x00], .unexpectedPacket("CONNECT")),
            ([0x00, 0x00], .reservedPacketType(0)),
            ([0xF0, 0x00], .reservedPacketType(15)),
        ] as [([UInt8], MQTTProtocolError)])
    func rejectsWhatTheSpecificationForbids(bytes: [UInt8], error: MQTTProtocolError) {
        #expect(throws: error) { try decoded(bytes) }
    }

    @Test func arbitraryBytesNeverCrashOrOverread() {
        var generator = SplitMix64(seed: 10)
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 12)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Bias towards the packet types a server may send, to reach the body checks.
            if !bytes.isEmpty { bytes[0] = [0x20, 0x40, 0xD0, 0x90, 0x30, 0x32, 0x3B, bytes[0]][Int(generator.next() % 8)] }
            var buffer = ByteBuffer(bytes: bytes)
            let before = buffer.readableBytes
            if let _ = try? MQTTPacketCoder.decodeServerPacket(from: &buffer, maximumPublishLength: Int(generator.next() % 8)) {
                #expect(buffer.readableBytes < before)
            }
        }
    }

    @Test func tooLongStringsAreRefusedBeforeAnythingIsWritten() {
        var buffer = ByteBuffer()
        let topic = String(repeating: "t", count: 70_000)
        #expect(throws: MQTTProtocolError.stringTooLong(field: "topic", bytes: 70_000)) {
            try MQTTPacketCoder.encode(.publish(MQTTPublish(topic: topic, payload: [])), into: &buffer)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func returnCodesNameTheirMeaning() {
        #expect(MQTTConnectReturnCode.badUsernameOrPassword.meaning == "bad user name or password")
        #expect(MQTTConnectReturnCode.notAuthorized.meaning.hasPrefix("not authorized"))
        #expect(MQTTConnectReturnCode.identifierRejected.meaning.contains("client_id"))
    }
}
