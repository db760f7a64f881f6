/// Builds LFS-to-client InSim packets byte by byte from the layouts in `insim-layout.md`, for the
/// fake host. Written apart from the source's decoder so the two check each other.
public enum LFSPacket {
    /// A packet buffer: a 4-byte header then fields appended in order; `finish` sets the Size byte.
    public struct Writer {
        public var bytes: [UInt8]

        public init(type: UInt8, requestID: UInt8 = 0, data: UInt8 = 0) { bytes = [0, type, requestID, data] }

        public mutating func u8(_ value: UInt8) { bytes.append(value) }
        public mutating func u16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        public mutating func i16(_ value: Int16) { u16(UInt16(bitPattern: value)) }
        public mutating func u32(_ value: UInt32) { bytes += (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        public mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }
        public mutating func f32(_ value: Float) { u32(value.bitPattern) }
        public mutating func zeros(_ count: Int) { bytes += [UInt8](repeating: 0, count: count) }

        /// `text` in a `char[capacity]` field, NUL-padded (no terminator when it fills the field).
        public mutating func chars(_ text: [UInt8], _ capacity: Int) {
            precondition(text.count <= capacity)
            bytes += text + [UInt8](repeating: 0, count: capacity - text.count)
        }

        public mutating func chars(_ text: String, _ capacity: Int) { chars(Array(text.utf8), capacity) }

        public func finish() -> [UInt8] {
            var padded = bytes
            while padded.count % 4 != 0 { padded.append(0) }
            padded[0] = UInt8(padded.count / 4)
            return padded
        }
    }

    public static func version(requestID: UInt8, version: String = "0.7F", product: String = "S3", insimVersion: UInt8 = 10) -> [UInt8] {
        var w = Writer(type: 2, requestID: requestID)
        w.chars(version, 8)
        w.chars(product, 6)
        w.u8(insimVersion)
        w.u8(0)
        return w.finish()
    }

    public static func tiny(_ subtype: UInt8, requestID: UInt8 = 0) -> [UInt8] { [1, 3, requestID, subtype] }

    public static func state(
        requestID: UInt8 = 0, flags: UInt16 = 1, viewPlayerID: UInt8 = 0, players: UInt8, connections: UInt8, raceInProgress: UInt8 = 1,
        qualifyingMinutes: UInt8 = 0, raceLaps: UInt8, track: String, weather: UInt8 = 0, wind: UInt8 = 0
    ) -> [UInt8] {
        var w = Writer(type: 5, requestID: requestID)
        w.f32(1)
        w.u16(flags)
        w.u8(3)
        w.u8(viewPlayerID)
        w.u8(players)
        w.u8(connections)
        w.u8(0)
        w.u8(raceInProgress)
        w.u8(qualifyingMinutes)
        w.u8(raceLaps)
        w.u8(0)
        w.u8(1)
        w.chars(track, 6)
        w.u8(weather)
        w.u8(wind)
        return w.finish()
    }

    public static func raceStart(
        requestID: UInt8 = 0, raceLaps: UInt8, qualifyingMinutes: UInt8 = 0, players: UInt8, track: String, nodes: UInt16, finish: UInt16,
        splits: [UInt16] = [100, 200, 300], timing: UInt8 = 0x40 | 2, raceFlags: UInt16 = 0x40
    ) -> [UInt8] {
        var w = Writer(type: 17, requestID: requestID)
        w.u8(raceLaps)
        w.u8(qualifyingMinutes)
        w.u8(players)
        w.u8(timing)
        w.chars(track, 6)
        w.u8(0)
        w.u8(1)
        w.u16(raceFlags)
        w.u16(nodes)
        w.u16(finish)
        for split in splits { w.u16(split) }
        return w.finish()
    }

    public static func multiplayer(requestID: UInt8 = 0, isHost: Bool, hostName: String) -> [UInt8] {
        var w = Writer(type: 10, requestID: requestID)
        w.u8(isHost ? 1 : 0)
        w.zeros(3)
        w.chars(hostName, 32)
        return w.finish()
    }

    public static func newConnection(
        requestID: UInt8 = 0, ucid: UInt8, userName: String, playerName: [UInt8], admin: Bool = false, total: UInt8, remote: Bool = true
    )
        -> [UInt8]
    {
        var w = Writer(type: 18, requestID: requestID, data: ucid)
        w.chars(userName, 24)
        w.chars(playerName, 24)
        w.u8(admin ? 1 : 0)
        w.u8(total)
        w.u8(remote ? 4 : 0)
        w.u8(0)
        return w.finish()
    }

    public static func connectionLeft(ucid: UInt8, reason: UInt8, total: UInt8) -> [UInt8] {
        var w = Writer(type: 19, data: ucid)
        w.u8(reason)
        w.u8(total)
        w.zeros(2)
        return w.finish()
    }

    public static func connectionRenamed(ucid: UInt8, playerName: [UInt8], plate: String) -> [UInt8] {
        var w = Writer(type: 20, data: ucid)
        w.chars(playerName, 24)
        w.chars(plate, 8)
        return w.finish()
    }

    public static func newPlayer(
        requestID: UInt8 = 0, plid: UInt8, ucid: UInt8, playerType: UInt8 = 4, playerName: [UInt8], plate: String, car: [UInt8],
        skin: String = "DEFAULT", players: UInt8
    ) -> [UInt8] {
        var w = Writer(type: 21, requestID: requestID, data: plid)
        w.u8(ucid)
        w.u8(playerType)
        w.u16(0x0200)
        w.chars(playerName, 24)
        w.chars(plate, 8)
        w.chars(car, 4)
        w.chars(skin, 16)
        w.bytes += [2, 2, 3, 3]
        w.u8(20)
        w.u8(5)
        w.u8(0)
        w.u8(0)
        w.zeros(4)
        w.u8(0)
        w.u8(players)
        w.u8(0)
        w.u8(255)
        return w.finish()
    }

    public static func playerPits(plid: UInt8) -> [UInt8] { [1, 22, 0, plid] }
    public static func playerLeft(plid: UInt8) -> [UInt8] { [1, 23, 0, plid] }

    public static func lap(
        plid: UInt8, lapTimeMs: UInt32, totalMs: UInt32, lapsDone: UInt16, penalty: UInt8 = 0, stops: UInt8 = 0, fuel200: UInt8 = 255
    ) -> [UInt8] {
        var w = Writer(type: 24, data: plid)
        w.u32(lapTimeMs)
        w.u32(totalMs)
        w.u16(lapsDone)
        w.u16(0)
        w.u8(0)
        w.u8(penalty)
        w.u8(stops)
        w.u8(fuel200)
        return w.finish()
    }

    public static func split(plid: UInt8, split: UInt8, splitMs: UInt32, totalMs: UInt32) -> [UInt8] {
        var w = Writer(type: 25, data: plid)
        w.u32(splitMs)
        w.u32(totalMs)
        w.u8(split)
        w.u8(0)
        w.u8(0)
        w.u8(255)
        return w.finish()
    }

    public static func pitLane(plid: UInt8, fact: UInt8) -> [UInt8] { [2, 28, 0, plid, fact, 0, 0, 0] }

    public static func pitStop(plid: UInt8, lapsDone: UInt16, stops: UInt8) -> [UInt8] {
        var w = Writer(type: 26, data: plid)
        w.u16(lapsDone)
        w.u16(0)
        w.u8(255)
        w.u8(0)
        w.u8(stops)
        w.u8(0)
        w.bytes += [255, 255, 1, 1]
        w.u32(1 << 17)
        w.u32(0)
        return w.finish()
    }

    public static func pitStopFinished(plid: UInt8, stopMs: UInt32) -> [UInt8] {
        var w = Writer(type: 27, data: plid)
        w.u32(stopMs)
        w.u32(0)
        return w.finish()
    }

    public static func penalty(plid: UInt8, old: UInt8, new: UInt8, reason: UInt8) -> [UInt8] { [2, 30, 0, plid, old, new, reason, 0] }

    public static func finished(plid: UInt8, totalMs: UInt32, bestMs: UInt32, lapsDone: UInt16) -> [UInt8] {
        var w = Writer(type: 34, data: plid)
        w.u32(totalMs)
        w.u32(bestMs)
        w.u8(0)
        w.u8(0)
        w.u8(2)
        w.u8(0)
        w.u16(lapsDone)
        w.u16(0)
        return w.finish()
    }

    public static func result(
        plid: UInt8, userName: String, playerName: [UInt8], car: [UInt8], totalMs: UInt32, bestMs: UInt32, lapsDone: UInt16, position: UInt8,
        results: UInt8
    )
        -> [UInt8]
    {
        var w = Writer(type: 35, data: plid)
        w.chars(userName, 24)
        w.chars(playerName, 24)
        w.chars("PLATE", 8)
        w.chars(car, 4)
        w.u32(totalMs)
        w.u32(bestMs)
        w.u8(0)
        w.u8(0)
        w.u8(2)
        w.u8(0)
        w.u16(lapsDone)
        w.u16(0)
        w.u8(position)
        w.u8(results)
        w.u16(0)
        return w.finish()
    }

    public static func messageOut(ucid: UInt8, plid: UInt8, userType: UInt8, textStart: UInt8, message: [UInt8]) -> [UInt8] {
        var w = Writer(type: 11)
        w.u8(ucid)
        w.u8(plid)
        w.u8(userType)
        w.u8(textStart)
        w.bytes += message + [0]
        return w.finish()
    }

    /// One car of an MCI, in wire units.
    public struct Car: Sendable {
        public var plid: UInt8
        public var node: UInt16
        public var lap: UInt16
        public var position: UInt8
        public var x: Int32
        public var y: Int32
        public var z: Int32
        public var speed: UInt16
        public var heading: UInt16
        public var angularVelocity: Int16

        public init(
            plid: UInt8, node: UInt16, lap: UInt16, position: UInt8, x: Int32, y: Int32, z: Int32, speed: UInt16, heading: UInt16,
            angularVelocity: Int16 = 0
        ) {
            self.plid = plid
            self.node = node
            self.lap = lap
            self.position = position
            self.x = x
            self.y = y
            self.z = z
            self.speed = speed
            self.heading = heading
            self.angularVelocity = angularVelocity
        }
    }

    /// An MCI set: packets of up to 16 cars, CCI_FIRST on the first car, CCI_LAST on the last.
    public static func multiCarInfoSet(_ cars: [Car], requestID: UInt8 = 0) -> [[UInt8]] {
        stride(from: 0, to: cars.count, by: 16).map { start in
            let chunk = cars[start..<min(start + 16, cars.count)]
            var w = Writer(type: 38, requestID: requestID, data: UInt8(chunk.count))
            for (offset, car) in chunk.enumerated() {
                let index = start + offset
                var info: UInt8 = 0
                if index == 0 { info |= 0x40 }
                if index == cars.count - 1 { info |= 0x80 }
                w.u16(car.node)
                w.u16(car.lap)
                w.u8(car.plid)
                w.u8(car.position)
                w.u8(info)
                w.u8(0)
                w.i32(car.x)
                w.i32(car.y)
                w.i32(car.z)
                w.u16(car.speed)
                w.u16(car.heading)
                w.u16(car.heading)
                w.i16(car.angularVelocity)
            }
            return w.finish()
        }
    }

    public static func nodeLap(_ cars: [(plid: UInt8, node: UInt16, lap: UInt16, position: UInt8)]) -> [UInt8] {
        var w = Writer(type: 37, data: UInt8(cars.count))
        for car in cars {
            w.u16(car.node)
            w.u16(car.lap)
            w.u8(car.plid)
            w.u8(car.position)
        }
        return w.finish()
    }

    /// An OutGauge datagram (no InSim header), 92 bytes, or 96 with an ID.
    public static func outGauge(
        time: UInt32 = 1000, car: [UInt8] = Array("XRT".utf8) + [0], flags: UInt16 = 0x4000 | 0x8000, gear: UInt8, plid: UInt8, speed: Float,
        rpm: Float,
        turbo: Float = 0, engineTemp: Float, fuel: Float, oilPressure: Float, oilTemp: Float, dashLights: UInt32, showLights: UInt32,
        throttle: Float, brake: Float, clutch: Float, display1: String = "", display2: String = "", id: Int32? = nil
    ) -> [UInt8] {
        var w = Writer(type: 0)
        w.bytes = []
        w.u32(time)
        w.chars(car, 4)
        w.u16(flags)
        w.u8(gear)
        w.u8(plid)
        for value in [speed, rpm, turbo, engineTemp, fuel, oilPressure, oilTemp] { w.f32(value) }
        w.u32(dashLights)
        w.u32(showLights)
        for value in [throttle, brake, clutch] { w.f32(value) }
        w.chars(display1, 16)
        w.chars(display2, 16)
        if let id { w.i32(id) }
        return w.bytes
    }
}
