/// iracing-teleport's datagram format (sklose/iracing-teleport, protocol.rs): a 20-byte packed
/// little-endian header, then one slice of a snapshot's compressed payload.
public enum TeleportWire {
    public static let headerSize = 20
    /// Payload bytes per fragment: fragment i holds bytes [i * 8980, min(size, (i + 1) * 8980)).
    public static let fragmentPayload = 8980
    /// The largest datagram the sender makes (header + one full slice).
    public static let maxDatagram = headerSize + fragmentPayload
    /// Sanity limit for the compressed payload and for the map it decodes to (the live map is
    /// about 1.1 MiB): anything larger is a lie, and would let a peer make us allocate at will.
    public static let sizeLimit = 8 << 20

    /// One datagram's header.
    public struct Header: Equatable, Sendable {
        /// One per snapshot; wraps.
        public var sequence: UInt32
        public var fragment: UInt16
        public var fragments: UInt16
        /// Total compressed bytes of the snapshot (the prepended size included).
        public var payloadSize: UInt32
        /// The sender's clock in microseconds: meaningless across machines, so unused (the source
        /// measures a snapshot's age from its arrival).
        public var sourceTimeMicroseconds: UInt64

        /// Reads the header at the start of `datagram` (which must hold `headerSize` bytes).
        init(_ datagram: UnsafeRawBufferPointer) {
            sequence = UInt32(littleEndian: datagram.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            fragment = UInt16(littleEndian: datagram.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
            fragments = UInt16(littleEndian: datagram.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
            payloadSize = UInt32(littleEndian: datagram.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            sourceTimeMicroseconds = UInt64(littleEndian: datagram.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
        }
    }

    /// Fragments a payload of `size` bytes takes.
    public static func fragmentCount(payloadSize size: Int) -> Int {
        (size + fragmentPayload - 1) / fragmentPayload
    }
}

/// Puts iracing-teleport's fragments back together into whole compressed snapshots.
///
/// It follows the sender's own receiver: it keeps the fragments of one sequence at a time, and a
/// fragment of another sequence abandons the partial snapshot (so a flood of sequences can hold at
/// most one payload, `TeleportWire.sizeLimit` bytes). Fragments may come in any order; duplicates
/// are ignored, as are late fragments of the snapshot just completed. A datagram whose header
/// cannot be true is dropped with a reason; it never disturbs the snapshot being assembled.
package struct TeleportReassembler: Sendable {
    /// What one datagram did.
    public enum Outcome: Equatable, Sendable {
        /// Stored; the snapshot is not complete yet.
        case stored
        /// Already had it (a duplicate, or a fragment of the snapshot just completed).
        case duplicate
        /// The last missing fragment: the whole compressed payload.
        case complete([UInt8])
        /// Not usable: a reason (stable, for counting) and what was seen.
        case dropped(reason: String, detail: String)
    }

    private var sequence: UInt32?
    private var payloadSize = 0
    private var payload: [UInt8] = []
    private var have: [Bool] = []
    private var missing = 0
    private var lastCompleted: UInt32?

    /// Partial snapshots given up because a fragment of another sequence came first.
    public private(set) var abandoned = 0

    public init() {}

    public mutating func add(_ datagram: [UInt8]) -> Outcome {
        datagram.withUnsafeBytes { add($0) }
    }

    public mutating func add(_ datagram: UnsafeRawBufferPointer) -> Outcome {
        guard datagram.count > TeleportWire.headerSize else {
            return .dropped(
                reason: "short datagram",
                detail: "\(datagram.count) bytes; a fragment is a \(TeleportWire.headerSize)-byte header and at least one payload byte")
        }
        guard datagram.count <= TeleportWire.maxDatagram else {
            return .dropped(reason: "oversized datagram", detail: "\(datagram.count) bytes; the sender makes at most \(TeleportWire.maxDatagram)")
        }
        let header = TeleportWire.Header(datagram)
        let size = Int(header.payloadSize)
        guard size > 0, size <= TeleportWire.sizeLimit else {
            return .dropped(reason: "payload size out of range", detail: "payload_size \(size); expected 1 to \(TeleportWire.sizeLimit)")
        }
        let fragments = Int(header.fragments)
        let index = Int(header.fragment)
        guard fragments == TeleportWire.fragmentCount(payloadSize: size), index < fragments else {
            return .dropped(
                reason: "header lies about sizes",
                detail:
                    "fragment \(index) of \(fragments) for a \(size)-byte payload, which takes \(TeleportWire.fragmentCount(payloadSize: size)) fragments"
            )
        }
        let start = index * TeleportWire.fragmentPayload
        let length = min(size, start + TeleportWire.fragmentPayload) - start
        guard datagram.count - TeleportWire.headerSize == length else {
            return .dropped(
                reason: "header lies about sizes",
                detail: "fragment \(index) of a \(size)-byte payload carries \(datagram.count - TeleportWire.headerSize) bytes, not \(length)")
        }
        if header.sequence == lastCompleted, sequence != header.sequence { return .duplicate }
        if header.sequence != sequence {
            if sequence != nil, missing > 0 { abandoned += 1 }
            begin(header.sequence, size: size, fragments: fragments)
        } else if size != payloadSize {
            return .dropped(
                reason: "header lies about sizes", detail: "sequence \(header.sequence) said \(payloadSize) payload bytes before, now \(size)")
        }
        if have[index] { return .duplicate }
        have[index] = true
        missing -= 1
        payload.withUnsafeMutableBytes { target in
            target.baseAddress!.advanced(by: start).copyMemory(
                from: datagram.baseAddress!.advanced(by: TeleportWire.headerSize), byteCount: length)
        }
        guard missing == 0 else { return .stored }
        lastCompleted = header.sequence
        sequence = nil
        return .complete(payload)
    }

    private mutating func begin(_ newSequence: UInt32, size: Int, fragments: Int) {
        sequence = newSequence
        payloadSize = size
        // A fresh array each time: the completed one is handed out, never written again.
        payload = [UInt8](repeating: 0, count: size)
        have = [Bool](repeating: false, count: fragments)
        missing = fragments
    }
}
