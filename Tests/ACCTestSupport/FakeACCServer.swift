import NIOCore
import NIOPosix
import Synchronization

/// Builds ACC broadcasting messages (protocol 4) from the published SDK layout, for the fake
/// server: written independently of the source's decoder so each checks the other.
public enum ACCWire {
    public static func string(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return u16(UInt16(utf8.count)) + utf8
    }
    public static func u16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    public static func i32(_ value: Int32) -> [UInt8] {
        let raw = UInt32(bitPattern: value)
        return [UInt8(raw & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8((raw >> 16) & 0xFF), UInt8(raw >> 24)]
    }
    public static func f32(_ value: Float) -> [UInt8] { i32(Int32(bitPattern: value.bitPattern)) }

    public static func lap(ms: Int32, car: UInt16, splits: [Int32] = [Int32.max, Int32.max, Int32.max]) -> [UInt8] {
        i32(ms) + u16(car) + u16(0) + [UInt8(splits.count)] + splits.flatMap(i32) + [0, 1, 0, 0]
    }

    public static func registrationResult(connectionID: Int32, success: Bool, error: String) -> [UInt8] {
        [1] + i32(connectionID) + [success ? 1 : 0, 0] + string(error)
    }

    public static func realtimeUpdate(focusedCar: Int32, sessionTimeMs: Float, remainingMs: Float, airTemp: UInt8 = 24, trackTemp: UInt8 = 31)
        -> [UInt8]
    {
        [2] + u16(0) + u16(0) + [10, 5] + f32(sessionTimeMs) + f32(remainingMs) + i32(focusedCar) + string("Drivable") + string("Cockpit")
            + string("Basic HUD") + [0] + f32(54_000) + [airTemp, trackTemp, 1, 0, 2] + lap(ms: 93_145, car: 0)
    }

    public static func realtimeCarUpdate(car: UInt16, gearRaw: UInt8, kmh: UInt16, position: UInt16, spline: Float, laps: UInt16, lastLapMs: Int32)
        -> [UInt8]
    {
        [3] + u16(car) + u16(0) + [1, gearRaw] + f32(Float(car)) + f32(-Float(car)) + f32(0.5) + [1] + u16(kmh) + u16(position) + u16(position)
            + u16(0) + f32(spline) + u16(laps) + i32(-25) + lap(ms: 93_000 + Int32(car), car: car) + lap(ms: lastLapMs, car: car)
            + lap(ms: 12_345, car: car)
    }

    public static func entryList(connectionID: Int32, cars: [UInt16]) -> [UInt8] {
        [4] + i32(connectionID) + u16(UInt16(cars.count)) + cars.flatMap(u16)
    }

    public static func entryListCar(car: UInt16, team: String, number: Int32, first: String, last: String, short: String) -> [UInt8] {
        [6] + u16(car) + [1] + string(team) + i32(number) + [0, 0] + u16(2) + [1] + string(first) + string(last) + string(short) + [1] + u16(2)
    }

    public static func trackData(connectionID: Int32, name: String, id: Int32, meters: Int32) -> [UInt8] {
        [5] + i32(connectionID) + string(name) + i32(id) + i32(meters) + [1] + string("Drivable") + [2] + string("Chase") + string("Cockpit")
            + [2] + string("Blank") + string("Basic HUD")
    }

    public static func broadcastingEvent(type: UInt8, message: String, timeMs: Int32, car: Int32) -> [UInt8] {
        [7, type] + string(message) + i32(timeMs) + i32(car)
    }
}

/// A fake ACC on loopback speaking the broadcasting protocol: accepts or refuses registrations by
/// password, answers entry-list and track requests, streams a realtime update plus one car update
/// per car every interval the client asked for, and can be made to add a car, change focus, send
/// events or garbage, fall silent, or stop.
public final class FakeACCServer: Sendable {
    public struct Car: Sendable {
        public var index: UInt16
        public var listed: Bool
    }

    struct State {
        var client: SocketAddress?
        var interval = 0.1
        var streaming = false
        var silent = false
        var cars: [Car]
        var focusedCar: Int32
        var step = 0
        var registrations = 0
        var refusals = 0
        var entryListRequests = 0
        var trackRequests = 0
        var unregistrations = 0
        var nextConnectionID: Int32 = 17
        var timer: RepeatedTask?
    }

    public let password: String
    public let port: Int
    private let channel: any Channel
    private let state: Mutex<State>

    /// ACC car index of the n-th car: even numbers, so slots (0, 1, 2...) and ACC indices differ.
    public static func carIndex(_ n: Int) -> UInt16 { UInt16(n * 2) }

    public init(password: String = "asd", cars: Int = 22, port: Int = 0) async throws {
        self.password = password
        let state = Mutex(State(cars: (0..<cars).map { Car(index: Self.carIndex($0), listed: true) }, focusedCar: Int32(Self.carIndex(0))))
        self.state = state
        let box = ServerBox()
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FakeACCHandler(box: box)) }
            }
            .bind(host: "127.0.0.1", port: port).get()
        self.port = channel.localAddress?.port ?? 0
        box.server.withLock { $0 = self }
    }

    // MARK: controls

    public var registrations: Int { state.withLock { $0.registrations } }
    public var refusals: Int { state.withLock { $0.refusals } }
    public var entryListRequests: Int { state.withLock { $0.entryListRequests } }
    public var trackRequests: Int { state.withLock { $0.trackRequests } }
    public var unregistrations: Int { state.withLock { $0.unregistrations } }

    /// A car joins mid-session: it shows up in updates at once, in the entry list when asked again.
    public func addCar(index: UInt16) { state.withLock { $0.cars.append(Car(index: index, listed: true)) } }

    public func focus(on carIndex: Int32) { state.withLock { $0.focusedCar = carIndex } }

    /// Stops (true) or resumes the stream without telling the client.
    public func setSilent(_ silent: Bool) { state.withLock { $0.silent = silent } }

    public func sendEvent(type: UInt8, message: String, timeMs: Int32, car: Int32) {
        send(ACCWire.broadcastingEvent(type: type, message: message, timeMs: timeMs, car: car))
    }

    /// Sends bytes as they are (garbage, truncated messages).
    public func sendRaw(_ bytes: [UInt8]) { send(bytes) }

    public func stop() async {
        state.withLock { $0.timer?.cancel() }
        try? await channel.close()
    }

    // MARK: protocol

    private func send(_ bytes: [UInt8]) {
        guard let client = state.withLock({ $0.client }) else { return }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: bytes)), promise: nil)
    }

    func receive(_ bytes: [UInt8], from sender: SocketAddress) {
        guard let type = bytes.first else { return }
        switch type {
        case 1:
            var reader = Reader(bytes: bytes, offset: 2)
            _ = reader.string()  // display name
            let given = reader.string()
            let interval = reader.i32()
            let accepted = given == password
            let connectionID = state.withLock { state -> Int32 in
                state.client = sender
                if accepted {
                    state.registrations += 1
                    state.nextConnectionID += 1
                    state.interval = Double(max(interval, 10)) / 1000
                    state.streaming = true
                } else {
                    state.refusals += 1
                }
                return state.nextConnectionID
            }
            send(ACCWire.registrationResult(connectionID: connectionID, success: accepted, error: accepted ? "" : "Wrong password"))
            if accepted { startStreaming() }
        case 9:
            state.withLock {
                $0.unregistrations += 1
                $0.streaming = false
            }
        case 10:
            let (connectionID, cars) = state.withLock { state -> (Int32, [UInt16]) in
                state.entryListRequests += 1
                return (state.nextConnectionID, state.cars.map(\.index))
            }
            send(ACCWire.entryList(connectionID: connectionID, cars: cars))
            for car in cars {
                send(ACCWire.entryListCar(car: car, team: "Team \(car)", number: Int32(car) + 100, first: "Driver", last: "\(car)", short: "D\(car)"))
            }
        case 11:
            let connectionID = state.withLock { state -> Int32 in
                state.trackRequests += 1
                return state.nextConnectionID
            }
            send(ACCWire.trackData(connectionID: connectionID, name: "Red Bull Ring", id: 26, meters: 4318))
        default:
            break
        }
    }

    private func startStreaming() {
        let interval = state.withLock { $0.interval }
        let task = channel.eventLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(Int64(interval * 1000)), delay: .milliseconds(Int64(interval * 1000))
        ) {
            [weak self] _ in self?.tick()
        }
        state.withLock {
            $0.timer?.cancel()
            $0.timer = task
        }
    }

    private func tick() {
        let snapshot = state.withLock { state -> (cars: [Car], focus: Int32, step: Int)? in
            guard state.streaming, !state.silent else { return nil }
            state.step += 1
            return (state.cars, state.focusedCar, state.step)
        }
        guard let snapshot else { return }
        send(
            ACCWire.realtimeUpdate(
                focusedCar: snapshot.focus, sessionTimeMs: Float(snapshot.step * 100), remainingMs: 1_500_000 - Float(snapshot.step * 100)))
        for (position, car) in snapshot.cars.enumerated() {
            send(Self.carUpdate(car.index, position: position, step: snapshot.step))
        }
    }

    /// The car update the server sends for `car` at `step`: known values a test can check.
    public static func carUpdate(_ car: UInt16, position: Int, step: Int) -> [UInt8] {
        ACCWire.realtimeCarUpdate(
            car: car, gearRaw: UInt8(3 + Int(car) % 4), kmh: 100 + car, position: UInt16(position + 1),
            spline: Float((step % 100)) / 100, laps: 2, lastLapMs: 94_000 + Int32(car))
    }

    struct Reader {
        let bytes: [UInt8]
        var offset: Int
        mutating func u16() -> Int {
            guard offset + 2 <= bytes.count else { return 0 }
            defer { offset += 2 }
            return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        }
        mutating func i32() -> Int32 {
            guard offset + 4 <= bytes.count else { return 0 }
            defer { offset += 4 }
            return Int32(
                bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            )
        }
        mutating func string() -> String {
            let length = u16()
            guard offset + length <= bytes.count else { return "" }
            defer { offset += length }
            return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        }
    }
}

/// Lets the channel's handler reach the server once it is built.
final class ServerBox: Sendable {
    let server = Mutex<FakeACCServer?>(nil)
}

final class FakeACCHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let box: ServerBox

    init(box: ServerBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        box.server.withLock { $0 }?.receive(Array(envelope.data.readableBytesView), from: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Runs a fake ACC (see `FakeACCServer.init`) for `body` and stops it on every way out of `body`,
/// a thrown error included.
public func withFakeACCServer<Value>(
    password: String = "asd", cars: Int = 22, port: Int = 0, _ body: (FakeACCServer) async throws -> Value
) async throws -> Value {
    let server = try await FakeACCServer(password: password, cars: cars, port: port)
    do {
        let value = try await body(server)
        await server.stop()
        return value
    } catch {
        await server.stop()
        throw error
    }
}
