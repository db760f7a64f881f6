import Foundation
import IRacingSource

/// Little-endian byte writing for building irsdk data by hand.
extension Array where Element == UInt8 {
    mutating func put(_ value: Int32, at offset: Int) {
        let bits = UInt32(bitPattern: value)
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt32(i))) }
    }

    mutating func put(_ value: UInt32, at offset: Int) { put(Int32(bitPattern: value), at: offset) }

    mutating func put(_ value: Int64, at offset: Int) {
        let bits = UInt64(bitPattern: value)
        for i in 0..<8 { self[offset + i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
    }

    mutating func put(_ value: Float, at offset: Int) { put(value.bitPattern, at: offset) }

    mutating func put(_ value: Double, at offset: Int) { put(Int64(bitPattern: value.bitPattern), at: offset) }

    mutating func put(_ text: String, at offset: Int, length: Int) {
        let utf8 = Array(text.utf8.prefix(length))
        for i in 0..<length { self[offset + i] = i < utf8.count ? utf8[i] : 0 }
    }

    mutating func put(bytes: [UInt8], at offset: Int) {
        for (i, byte) in bytes.enumerated() { self[offset + i] = byte }
    }
}

/// A variable of a synthetic map: irsdk type number (0 char ... 5 double), count, unit.
struct SyntheticVariable {
    var name: String
    var type: Int32
    var count: Int = 1
    var unit: String = ""
    var description: String = ""
    var offset = 0

    var elementSize: Int { [1, 1, 4, 4, 4, 8][Int(type)] }
}

/// The shape of a synthetic irsdk map or .ibt file, laid out the way the sim lays them out, written
/// with hand-computed offsets (not with the parser under test).
struct SyntheticLayout {
    var variables: [SyntheticVariable]
    let rowLength: Int
    var tickRate: Int32 = 60
    var bufferCount = 3
    var sessionInfoCapacity = 8192

    /// Variables packed one after another from offset 0, unaligned on purpose: an odd-sized bool
    /// first pushes every later field off 4-byte alignment, as in real data.
    init(_ variables: [SyntheticVariable]) {
        var packed: [SyntheticVariable] = []
        var offset = 0
        for var variable in variables {
            variable.offset = offset
            offset += variable.elementSize * variable.count
            packed.append(variable)
        }
        self.variables = packed
        rowLength = offset
    }

    /// A small live-style layout: tick/time, a bool (for misalignment), car basics, laps, session
    /// flags, and 64-slot CarIdx arrays.
    static var standard: SyntheticLayout {
        SyntheticLayout([
            SyntheticVariable(name: "SessionTick", type: 2),
            SyntheticVariable(name: "IsOnTrack", type: 1),
            SyntheticVariable(name: "SessionTime", type: 5, unit: "s"),
            SyntheticVariable(name: "Speed", type: 4, unit: "m/s", description: "GPS vehicle speed"),
            SyntheticVariable(name: "RPM", type: 4, unit: "revs/min"),
            SyntheticVariable(name: "Gear", type: 2),
            SyntheticVariable(name: "Lap", type: 2),
            SyntheticVariable(name: "LapCompleted", type: 2),
            SyntheticVariable(name: "LapLastLapTime", type: 4, unit: "s"),
            SyntheticVariable(name: "SessionFlags", type: 3, unit: "irsdk_Flags"),
            SyntheticVariable(name: "CarLeftRight", type: 3, unit: "irsdk_CarLeftRight"),
            SyntheticVariable(name: "CarIdxLapDistPct", type: 4, count: 64, unit: "%"),
            SyntheticVariable(name: "CarIdxPosition", type: 2, count: 64),
            SyntheticVariable(name: "CarIdxOnPitRoad", type: 1, count: 64),
            SyntheticVariable(name: "CarIdxPaceFlags", type: 2, count: 64, unit: "irsdk_PaceFlags"),
            SyntheticVariable(name: "PlayerName", type: 0, count: 16),
            SyntheticVariable(name: "BrandNewSimVariable", type: 4, unit: "furlongs", description: "Not in the catalogue"),
        ])
    }

    // Live map layout: header, session text, variable headers, row buffers.
    var sessionInfoOffset: Int { 112 }
    var variableHeaderOffset: Int { sessionInfoOffset + sessionInfoCapacity }
    var firstBufferOffset: Int { variableHeaderOffset + 144 * variables.count }
    /// Buffers are spaced wider than a row, as in the sim's map.
    var bufferStride: Int { rowLength + 100 }
    func bufferOffset(_ slot: Int) -> Int { firstBufferOffset + slot * bufferStride }
    var mapSize: Int { bufferOffset(bufferCount) }

    func variable(_ name: String) -> SyntheticVariable {
        guard let variable = variables.first(where: { $0.name == name }) else { fatalError("no synthetic variable \(name)") }
        return variable
    }

    /// A row holding `values` (name to elements); everything else zero.
    func row(_ values: [String: [Double]]) -> [UInt8] {
        var row = [UInt8](repeating: 0, count: rowLength)
        for (name, elements) in values {
            let v = variable(name)
            for (i, value) in elements.enumerated() where i < v.count {
                let at = v.offset + i * v.elementSize
                switch v.type {
                case 0, 1: row[at] = UInt8(truncatingIfNeeded: Int(value))
                case 2: row.put(Int32(value), at: at)
                case 3: row.put(UInt32(value), at: at)
                case 4: row.put(Float(value), at: at)
                default: row.put(value, at: at)
                }
            }
        }
        return row
    }

    func variableHeaders() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 144 * variables.count)
        for (i, v) in variables.enumerated() {
            let base = 144 * i
            bytes.put(v.type, at: base)
            bytes.put(Int32(v.offset), at: base + 4)
            bytes.put(Int32(v.count), at: base + 8)
            bytes[base + 12] = v.name.hasSuffix("_ST") ? 1 : 0
            bytes.put(v.name, at: base + 16, length: 32)
            bytes.put(v.description, at: base + 48, length: 64)
            bytes.put(v.unit, at: base + 112, length: 32)
        }
        return bytes
    }

    /// A complete live map: connected, the session text, every buffer holding `row` at ticks 1...n.
    func liveMap(sessionInfo: String, update: Int32 = 1, row: [UInt8]? = nil, connected: Bool = true) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: mapSize)
        bytes.put(Int32(2), at: 0)
        bytes.put(Int32(connected ? 1 : 0), at: 4)
        bytes.put(tickRate, at: 8)
        bytes.put(update, at: 12)
        bytes.put(Int32(sessionInfoCapacity), at: 16)
        bytes.put(Int32(sessionInfoOffset), at: 20)
        bytes.put(Int32(variables.count), at: 24)
        bytes.put(Int32(variableHeaderOffset), at: 28)
        bytes.put(Int32(bufferCount), at: 32)
        bytes.put(Int32(rowLength), at: 36)
        for slot in 0..<bufferCount {
            bytes.put(Int32(slot + 1), at: 48 + 16 * slot)
            bytes.put(Int32(bufferOffset(slot)), at: 52 + 16 * slot)
            bytes.put(bytes: row ?? self.row([:]), at: bufferOffset(slot))
        }
        bytes.put(sessionInfo, at: sessionInfoOffset, length: sessionInfoCapacity)
        bytes.put(bytes: variableHeaders(), at: variableHeaderOffset)
        return bytes
    }

    /// A complete .ibt file: header, disk sub-header, variable headers, exact session text, rows.
    func ibtFile(sessionInfo: String, rows: [[UInt8]], recordCount: Int32? = nil) -> [UInt8] {
        let text = Array(sessionInfo.utf8)
        let variableOffset = 144
        let textOffset = variableOffset + 144 * variables.count
        let rowsOffset = textOffset + text.count
        var bytes = [UInt8](repeating: 0, count: rowsOffset + rows.count * rowLength)
        bytes.put(Int32(2), at: 0)
        bytes.put(Int32(1), at: 4)
        bytes.put(tickRate, at: 8)
        bytes.put(Int32(0), at: 12)
        bytes.put(Int32(text.count), at: 16)
        bytes.put(Int32(textOffset), at: 20)
        bytes.put(Int32(variables.count), at: 24)
        bytes.put(Int32(variableOffset), at: 28)
        bytes.put(Int32(1), at: 32)
        bytes.put(Int32(rowLength), at: 36)
        bytes.put(Int32(0), at: 48)
        bytes.put(Int32(rowsOffset), at: 52)
        bytes.put(Int64(1_719_258_336), at: 112)
        bytes.put(recordCount ?? Int32(rows.count), at: 140)
        bytes.put(bytes: variableHeaders(), at: variableOffset)
        bytes.put(bytes: text, at: textOffset)
        for (i, row) in rows.enumerated() { bytes.put(bytes: row, at: rowsOffset + i * rowLength) }
        return bytes
    }
}

/// Where a synthetic writer's bytes go: memory the reader reads directly, or a file it maps.
protocol ByteDestination: AnyObject {
    func write(_ bytes: [UInt8], at offset: Int)
}

/// Mutable memory that the live reader reads, with a hook that runs during a row copy (to play a
/// sim that rewrites the buffer while it is being copied).
final class TestMemory: IRSDKInPlaceMemory, ByteDestination, @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    let bytes: UnsafeRawBufferPointer
    /// Called with the copy's offset and length, after the copy, before the reader re-checks.
    var duringCopy: ((Int, Int) -> Void)?

    init(_ contents: [UInt8]) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: contents.count, alignment: 16)
        storage.copyBytes(from: contents)
        bytes = UnsafeRawBufferPointer(storage)
    }

    deinit { storage.deallocate() }

    func write(_ contents: [UInt8], at offset: Int) {
        UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + contents.count)]).copyBytes(from: contents)
    }

    func copyBytes(from offset: Int, count: Int) -> [UInt8] {
        let copy = Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
        duringCopy?(offset, count)
        return copy
    }
}

/// A file written in place, as a bridge mirroring the sim's memory would write it.
final class FileDestination: ByteDestination, @unchecked Sendable {
    let path: String
    private let handle: FileHandle

    init(path: String, contents: [UInt8]) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: Data(contents)) else { throw CocoaError(.fileWriteUnknown) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteUnknown) }
        self.handle = handle
    }

    deinit { try? handle.close() }

    func write(_ bytes: [UInt8], at offset: Int) {
        try? handle.seek(toOffset: UInt64(offset))
        handle.write(Data(bytes))
    }
}

/// Plays the sim: writes rows round-robin into the buffer slots (row first, then its tickCount),
/// changes status and session info, all through a `ByteDestination`.
final class SyntheticSim: @unchecked Sendable {
    let layout: SyntheticLayout
    let destination: ByteDestination
    private(set) var tick: Int32
    private var nextSlot = 0

    /// `destination` must already hold `layout.liveMap(...)`, whose slots carry ticks 1...bufferCount.
    init(layout: SyntheticLayout, destination: ByteDestination) {
        self.layout = layout
        self.destination = destination
        tick = Int32(layout.bufferCount)
    }

    /// Writes the next row into the oldest slot and gives it the next tick.
    func writeRow(_ values: [String: [Double]]) {
        tick += 1
        write(values, tick: tick, slot: nextSlot)
        nextSlot = (nextSlot + 1) % layout.bufferCount
    }

    /// Writes a row with an explicit tick into `slot` (restarts use a tick below the last one).
    func write(_ values: [String: [Double]], tick: Int32, slot: Int) {
        destination.write(layout.row(values), at: layout.bufferOffset(slot))
        setTick(tick, slot: slot)
        self.tick = tick
    }

    func setTick(_ tick: Int32, slot: Int) {
        var bytes = [UInt8](repeating: 0, count: 4)
        bytes.put(tick, at: 0)
        destination.write(bytes, at: 48 + 16 * slot)
    }

    /// The sim restarts its counters: every slot gets a low tick, the newest holding `values`.
    func restart(_ values: [String: [Double]], tick newTick: Int32 = 1) {
        for slot in 0..<layout.bufferCount {
            write(values, tick: newTick - Int32(layout.bufferCount - 1 - slot), slot: slot)
        }
        tick = newTick
        nextSlot = 0
    }

    func setConnected(_ connected: Bool) {
        var bytes = [UInt8](repeating: 0, count: 4)
        bytes.put(Int32(connected ? 1 : 0), at: 0)
        destination.write(bytes, at: 4)
    }

    /// Rewrites the session text (NUL-padded) and then bumps the update counter, as the sim does.
    func setSessionInfo(_ text: String, update: Int32) {
        var bytes = [UInt8](repeating: 0, count: layout.sessionInfoCapacity)
        bytes.put(text, at: 0, length: layout.sessionInfoCapacity)
        destination.write(bytes, at: layout.sessionInfoOffset)
        var counter = [UInt8](repeating: 0, count: 4)
        counter.put(update, at: 0)
        destination.write(counter, at: 12)
    }
}

/// A session text shaped like the sim's, with the given driver names.
func syntheticSessionInfo(track: String = "Synthetic Raceway", drivers: [String] = ["Ada Driver"], setup: String = "baseline.sto") -> String {
    var text = """
        ---
        WeekendInfo:
         TrackName: synthetic
         TrackID: 999
         TrackLength: 3.21 km
         TrackDisplayName: \(track)
         WeekendOptions:
          Date: 2024-04-01
          CourseCautions: off

        DriverInfo:
         DriverCarIdx: 0
         DriverSetupName: \(setup)
         Drivers:

        """
    for (i, name) in drivers.enumerated() {
        text += """
             - CarIdx: \(i)
               UserName: \(name)
               CarNumber: "\(i + 10)"
               CarScreenName: Synthetic Car

            """
    }
    text += "\n...\n"
    return text
}
