/// Follows a live irsdk map the way the SDK's own reader does (`irsdk_getNewData`), one poll at a
/// time: pick the newest row buffer, copy it, re-check its tickCount (a torn copy is retried, then
/// skipped), treat a tick going backwards as a restart, and call the sim gone when no new tick came
/// for `staleAfter` seconds. The session-info text is copied when `sessionInfoUpdate` changes and
/// re-checked the same way.
///
/// It is plain logic over an `IRSDKSharedMemory` and a time value (no clock, no I/O, no hub), so the
/// memory-file follower, the Windows live follower and the tests all drive the same code.
public struct IRSDKLiveReader: Sendable {
    /// What one poll found; the follower applies it in field order.
    public struct Poll: Sendable {
        /// The variable set, when it is new or changed: declare it before publishing `row`.
        public var declared: IRSDKDescription?
        /// Set when the tick went backwards: the tick seen before the restart.
        public var restartedFrom: Int32?
        /// New session-info bytes (up to the first NUL) and the update number they belong to.
        public var sessionInfo: [UInt8]?
        public var sessionInfoUpdate: Int32 = 0
        /// A new row (a private copy), and the buffer tickCount it had.
        public var row: [UInt8]?
        public var tick: Int32 = 0
        /// Copies that changed under the reader during this poll.
        public var tornCopies = 0
    }

    /// Copies tried per poll before a torn row (or session text) is skipped until the next poll.
    public static let copyAttempts = 2

    public let staleAfter: Double
    public private(set) var description: IRSDKDescription?
    /// True from the first row read until the sim goes away or stops writing.
    public private(set) var isConnected = false
    /// Why the reader is not connected (nil while it is), for the source's status.
    public private(set) var reason: String? = "no data read yet"
    /// Polls whose every copy attempt tore, and restarts seen, for diagnostics and tests.
    public private(set) var tornSkips = 0
    public private(set) var restarts = 0

    private var variableTable: [UInt8] = []
    private var lastTick: Int32?
    private var lastSessionInfoUpdate: Int32?
    private var lastNewRowTime: Double?
    private var needsLayoutCheck = true

    public init(staleAfter: Double = 2) {
        self.staleAfter = staleAfter
    }

    /// The memory was mapped again (the file was replaced or resized): read the layout and the
    /// session info afresh before trusting them.
    public mutating func memoryReplaced() {
        needsLayoutCheck = true
        lastSessionInfoUpdate = nil
    }

    /// The memory went away (the file vanished, the sim closed its map).
    public mutating func lost(reason: String) {
        needsLayoutCheck = true
        lastSessionInfoUpdate = nil
        lastTick = nil
        disconnect(reason: reason)
    }

    public mutating func poll(_ memory: some IRSDKSharedMemory, now: Double) -> Poll {
        var poll = Poll()
        guard memory.size >= IRSDK.headerSize else {
            disconnect(reason: "the map is not readable: it holds \(memory.size) bytes, less than the \(IRSDK.headerSize)-byte irsdk header")
            return poll
        }
        let head = memory.copyBytes(from: 0, count: IRSDK.headerSize)
        guard head.count == IRSDK.headerSize else { return shrank(poll) }
        // A map whose status bit is clear is a sim that is not running (or a map not written yet, all
        // zeros); with a version no sim writes, it is not an irsdk map at all and the header check
        // below says so.
        let (version, status) = head.withUnsafeBytes {
            (IRSDKParser.int32($0, IRSDK.HeaderField.version), IRSDKParser.int32($0, IRSDK.HeaderField.status))
        }
        guard status & IRSDK.connectedStatusBit != 0 || !(0...2).contains(version) else {
            lastTick = nil
            lastSessionInfoUpdate = nil
            needsLayoutCheck = true
            disconnect(reason: "the sim is not running (the map's status says not connected)")
            return poll
        }
        let header: IRSDKHeader
        do {
            header = try head.withUnsafeBytes { try IRSDKParser.header(in: $0, regionSize: memory.size) }
        } catch {
            return unreadable(poll, error)
        }
        guard let newest = Self.newestBuffer(memory, header) else { return shrank(poll) }
        if let last = lastTick, newest.tick < last {
            poll.restartedFrom = last
            restarts += 1
            lastTick = nil
            lastSessionInfoUpdate = nil
            needsLayoutCheck = true
        }
        if needsLayoutCheck || description?.header.layoutKey != header.layoutKey {
            do {
                guard try checkLayout(memory, header: header, poll: &poll) else { return shrank(poll) }
            } catch {
                return unreadable(poll, error)
            }
        }
        guard readSessionInfo(memory, header: header, poll: &poll) else { return shrank(poll) }
        if lastTick.map({ newest.tick > $0 }) ?? true {
            guard copyNewestRow(memory, header: header, poll: &poll) else { return shrank(poll) }
        }
        if poll.row != nil {
            lastNewRowTime = now
            isConnected = true
            reason = nil
        } else if isConnected, let last = lastNewRowTime, now - last >= staleAfter {
            disconnect(reason: "no new data for \(formatSeconds(staleAfter)) s: the sim is paused or gone")
        }
        return poll
    }

    // MARK: - Steps

    /// A malformed (or half-written) map: not connected, with the parser's reason, until it reads.
    private mutating func unreadable(_ poll: Poll, _ error: any Error) -> Poll {
        needsLayoutCheck = true
        disconnect(reason: "the map is not readable: \(error)")
        return poll
    }

    /// A copy came back short: the region shrank under the reader (a memory file truncated by its
    /// writer). Nothing from this poll is used; the follower notices the new size and opens it again.
    private mutating func shrank(_ poll: Poll) -> Poll {
        needsLayoutCheck = true
        lastSessionInfoUpdate = nil
        disconnect(reason: "the map shrank while it was being read (truncated by its writer?)")
        var empty = Poll()
        empty.tornCopies = poll.tornCopies
        return empty
    }

    private mutating func disconnect(reason: String) {
        isConnected = false
        self.reason = reason
    }

    /// Reads the variable table; reports it as declared when it differs from the one in use. Returns
    /// false when the table could not be copied whole.
    private mutating func checkLayout(_ memory: some IRSDKSharedMemory, header: IRSDKHeader, poll: inout Poll) throws -> Bool {
        let length = header.variableCount * IRSDK.variableHeaderSize
        let table = memory.copyBytes(from: header.variableHeaderOffset, count: length)
        guard table.count == length else { return false }
        let fresh = try table.withUnsafeBytes { try IRSDKParser.description(table: $0, header: header) }
        if description == nil || table != variableTable || description?.header.layoutKey != header.layoutKey {
            poll.declared = fresh
        }
        description = fresh
        variableTable = table
        needsLayoutCheck = false
        return true
    }

    /// The slot holding the largest tickCount, nil when the region no longer holds the header.
    static func newestBuffer(_ memory: some IRSDKSharedMemory, _ header: IRSDKHeader) -> (index: Int, tick: Int32)? {
        var best = (index: 0, tick: Int32.min)
        for index in header.buffers.indices {
            guard let tick = memory.int32(at: IRSDK.bufferTableOffset + index * IRSDK.bufferEntrySize) else { return nil }
            if tick > best.tick { best = (index, tick) }
        }
        return best
    }

    /// What one attempt at copying the newest row gave.
    struct RowCopy {
        /// The row, nil when nothing newer was there, every attempt tore, or the region shrank.
        var row: [UInt8]?
        var tick: Int32 = 0
        var tornCopies = 0
        /// A copy came back short.
        var shrank = false
    }

    /// The SDK's copy step: pick the newest buffer (newer than `lastTick`), copy it, accept it if its
    /// tickCount did not change meanwhile, else try again. `header` must have been validated against
    /// `memory`.
    static func copyNewestRow(_ memory: some IRSDKSharedMemory, header: IRSDKHeader, newerThan lastTick: Int32?) -> RowCopy {
        var copy = RowCopy()
        for _ in 0..<copyAttempts {
            guard let newest = newestBuffer(memory, header) else {
                copy.shrank = true
                return copy
            }
            if let lastTick, newest.tick <= lastTick { return copy }
            let row = memory.copyBytes(from: header.buffers[newest.index].offset, count: header.bufferLength)
            let tickAfter = memory.int32(at: IRSDK.bufferTableOffset + newest.index * IRSDK.bufferEntrySize)
            guard row.count == header.bufferLength, let tickAfter else {
                copy.shrank = true
                return copy
            }
            if tickAfter == newest.tick {
                copy.row = row
                copy.tick = newest.tick
                return copy
            }
            copy.tornCopies += 1
        }
        return copy
    }

    /// Returns false when the region shrank during the copy.
    private mutating func copyNewestRow(_ memory: some IRSDKSharedMemory, header: IRSDKHeader, poll: inout Poll) -> Bool {
        let copied = Self.copyNewestRow(memory, header: header, newerThan: lastTick)
        poll.tornCopies += copied.tornCopies
        guard !copied.shrank else { return false }
        guard let row = copied.row else {
            if copied.tornCopies == Self.copyAttempts { tornSkips += 1 }
            return true
        }
        lastTick = copied.tick
        poll.row = row
        poll.tick = copied.tick
        return true
    }

    /// Copies the session text when `sessionInfoUpdate` changed, again if the counter moved during
    /// the copy. Returns false when the region shrank during the copy.
    private mutating func readSessionInfo(_ memory: some IRSDKSharedMemory, header: IRSDKHeader, poll: inout Poll) -> Bool {
        guard header.sessionInfoUpdate != lastSessionInfoUpdate else { return true }
        for _ in 0..<Self.copyAttempts {
            guard let update = memory.int32(at: IRSDK.HeaderField.sessionInfoUpdate),
                let text = IRSDKParser.sessionInfoBytes(of: memory, header: header),
                let after = memory.int32(at: IRSDK.HeaderField.sessionInfoUpdate)
            else { return false }
            if after == update {
                lastSessionInfoUpdate = update
                poll.sessionInfo = text
                poll.sessionInfoUpdate = update
                return true
            }
            poll.tornCopies += 1
        }
        return true
    }
}

/// `2` for 2.0, `0.5` for 0.5: seconds as people write them.
func formatSeconds(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
