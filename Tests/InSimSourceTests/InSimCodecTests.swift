import NIOCore
import NIOEmbedded
import Testing

@testable import InSimSource

/// Strict length checks of the decoder and the Size x 4 framing of the TCP stream.
struct InSimCodecTests {
    @Test func sizeZeroIsRejected() {
        #expect(throws: InSimDecodingError.zeroSize) { try InSimDecoder.decode([0, 3, 0, 0]) }
    }

    @Test func shorterThanAHeaderIsRejected() {
        #expect(throws: InSimDecodingError.tooShort(length: 2)) { try InSimDecoder.decode([1, 3]) }
    }

    @Test func unknownTypesAreRejected() {
        #expect(throws: InSimDecodingError.unknownType(0)) { try InSimDecoder.decode([1, 0, 0, 0]) }
        #expect(throws: InSimDecodingError.unknownType(71)) { try InSimDecoder.decode([1, 71, 0, 0]) }
        #expect(throws: InSimDecodingError.unknownType(0xFF)) { try InSimDecoder.decode([1, 0xFF, 0, 0]) }
    }

    @Test func aKnownTypeThisSourceDoesNotUseIsSkippedWhenItsLengthIsRight() throws {
        // IS_CCH (camera change, 8 bytes) arrives unprompted from LFS.
        #expect(try InSimDecoder.decode([2, 29, 0, 5, 3, 0, 0, 0]) == .skipped(type: 29))
        #expect(throws: InSimDecodingError.wrongLength(type: 29, length: 12, allowed: "8")) {
            try InSimDecoder.decode([3, 29, 0, 5, 3, 0, 0, 0, 0, 0, 0, 0])
        }
    }

    @Test func fixedSizePacketsOfTheWrongLengthAreRejected() {
        // An IS_NCN must be 56 bytes; 60 is longer than the type allows.
        #expect(throws: InSimDecodingError.wrongLength(type: 18, length: 60, allowed: "56")) {
            try InSimDecoder.decode([15, 18] + [UInt8](repeating: 0, count: 58))
        }
        // A 4-byte IS_STA is truncated.
        #expect(throws: InSimDecodingError.wrongLength(type: 5, length: 4, allowed: "28")) { try InSimDecoder.decode([1, 5, 0, 0]) }
    }

    @Test func variableTextPacketsMustStayInTheirRange() {
        #expect(throws: InSimDecodingError.wrongLength(type: 11, length: 8, allowed: "12...136")) {
            try InSimDecoder.decode([2, 11, 0, 0, 0, 0, 0, 0])
        }
        #expect(throws: InSimDecodingError.wrongLength(type: 11, length: 140, allowed: "12...136")) {
            try InSimDecoder.decode([35, 11] + [UInt8](repeating: 0x41, count: 138))
        }
    }

    @Test func multiCarInfoCarCountMustMatchTheBody() {
        // NumC 3 in a 1-car body: more cars claimed than bytes present.
        let oneCar: [UInt8] = [8, 38, 0, 3] + [UInt8](repeating: 0, count: 28)
        #expect(throws: InSimDecodingError.countMismatch(type: 38, count: 3, length: 32)) { try InSimDecoder.decode(oneCar) }
        var cars: [CompCar] = []
        #expect(throws: InSimDecodingError.countMismatch(type: 38, count: 3, length: 32)) {
            try oneCar.withUnsafeBytes { try InSimDecoder.decodeMultiCarInfo($0, into: &cars) }
        }
        // 17 cars exceed MCI_MAX_CARS even with a matching body (4 + 17 x 28 = 480 bytes).
        let seventeen: [UInt8] = [120, 38, 0, 17] + [UInt8](repeating: 0, count: 476)
        #expect(throws: InSimDecodingError.countMismatch(type: 38, count: 17, length: 480)) { try InSimDecoder.decode(seventeen) }
    }

    @Test func multiCarInfoWithNoCarsIsEmpty() throws {
        #expect(try InSimDecoder.decode([1, 38, 0, 0]) == .multiCarInfo(InSimMultiCarInfo(requestID: 0, cars: [])))
    }

    @Test func nodeLapPaddingFollowsTheCarCount() throws {
        // 1 car: 4 + 6 = 10, padded to 12.
        let one: [UInt8] = [3, 37, 0, 1, 10, 0, 2, 0, 7, 1, 0, 0]
        #expect(try InSimDecoder.decode(one) == .nodeLap(InSimNodeLap(requestID: 0, cars: [NodeLap(node: 10, lap: 2, playerID: 7, position: 1)])))
        // The same 12 bytes claiming 2 cars (which need 16) are rejected.
        var two = one
        two[3] = 2
        #expect(throws: InSimDecodingError.countMismatch(type: 37, count: 2, length: 12)) { try InSimDecoder.decode(two) }
    }

    @Test func everyPacketTypeHasALengthRuleAndNothingElseDoes() {
        #expect(InSimPacketType.lengthRule(for: 0) == nil)
        for type in UInt8(1)...70 { #expect(InSimPacketType.lengthRule(for: type) != nil, "type \(type)") }
        #expect(InSimPacketType.lengthRule(for: 71) == nil)
    }

    @Test func smallAndInitEncodeAsLaidOut() {
        #expect(InSimEncoder.small(SmallSubtype.startGauges, value: 0x0102_0304) == [2, 4, 0, 2, 4, 3, 2, 1])
        let isi = InSimEncoder.encode(InSimInit(requestID: 1, udpPort: 0, flags: 0x30, insimVersion: 10, interval: 100, admin: "", name: "broker"))
        #expect(isi.count == 44)
        #expect(Array(isi[0..<12]) == [11, 1, 1, 0, 0, 0, 0x30, 0, 10, 0, 100, 0])
        #expect(Array(isi[28..<35]) == Array("broker".utf8) + [0])
    }

    // MARK: - Framing

    private func framer() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(InSimFrameDecoder()))
        return channel
    }

    private func readFrames(_ channel: EmbeddedChannel) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while let frame = try channel.readInbound(as: ByteBuffer.self) { frames.append(Array(frame.readableBytesView)) }
        return frames
    }

    @Test func framesSplitAcrossReadsAndJoinedInOneRead() throws {
        let channel = try framer()
        let tiny: [UInt8] = [1, 3, 0, 0]
        let small: [UInt8] = [2, 4, 0, 2, 1, 0, 0, 0]
        let stream = tiny + small + tiny
        // Byte by byte, then all at once.
        for byte in stream { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(try readFrames(channel) == [tiny, small, tiny])
        try channel.writeInbound(ByteBuffer(bytes: stream))
        #expect(try readFrames(channel) == [tiny, small, tiny])
        #expect(try channel.finish().isClean)
    }

    @Test func aZeroSizeByteStopsTheStream() throws {
        let channel = try framer()
        #expect(throws: InSimDecodingError.zeroSize) { try channel.writeInbound(ByteBuffer(bytes: [1, 3, 0, 0, 0, 3, 0, 0])) }
    }

    @Test func aStreamEndingInsideAPacketIsAnError() throws {
        let channel = try framer()
        // A Size byte of 10 (40 bytes) followed by only 16: the published IS_NLP vector's fault.
        try channel.writeInbound(ByteBuffer(bytes: [0x0A, 0x25, 0x01, 0x02] + [UInt8](repeating: 0, count: 12)))
        #expect(try readFrames(channel).isEmpty)
        #expect(throws: InSimDecodingError.truncated(expected: 40, received: 16)) { _ = try channel.finish() }
    }
}
