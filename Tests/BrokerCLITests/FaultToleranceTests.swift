import BrokerTestSupport
import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization
import Testing

/// The broker as users run it for a whole weekend: it stops cleanly under full load, and a
/// sink that cannot start says why in one line and exits 1.
@Suite struct FaultToleranceTests {
    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// What the WebSocket clients of a test saw: telemetry messages, and each one's close frame.
    final class ClientLog: Sendable {
        private let state = Mutex((telemetry: [Int](), closes: [WebSocketErrorCode?](), failures: [String]()))

        init(clients: Int) { state.withLock { $0.telemetry = Array(repeating: 0, count: clients) } }

        func received(telemetry client: Int) { state.withLock { $0.telemetry[client] += 1 } }
        func closed(_ code: WebSocketErrorCode?) { state.withLock { $0.closes.append(code) } }
        func failed(_ error: any Error) { state.withLock { $0.failures.append("\(error)") } }

        /// Clients that have had at least one telemetry message.
        var receiving: Int { state.withLock { $0.telemetry.filter { $0 > 0 }.count } }
        var closes: [WebSocketErrorCode?] { state.withLock { $0.closes } }
        var failures: [String] { state.withLock { $0.failures } }
    }

    /// One WebSocket client: subscribes, counts telemetry until the server closes, records the close.
    static func runClient(_ index: Int, port: Int, log: ClientLog) async {
        var logger = Logger(label: "load-client")
        logger.logLevel = .critical
        do {
            let close = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/", configuration: .init(maxFrameSize: 1 << 22, closeTimeout: .seconds(3)), logger: logger
            ) { inbound, outbound, _ in
                try await outbound.write(.text("sub Speed,RPM,Gear,Throttle,LapDistPct,CarIdxLapDistPct,CarIdxPosition"))
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    if case let .text(text) = message, text.hasPrefix("{\"type\":\"telemetry\"") { log.received(telemetry: index) }
                }
            }
            log.closed(close?.closeCode)
        } catch {
            log.failed(error)
        }
    }

    /// Full load: the mock at 1000 Hz, recorded with every variable at up to 1000 lines/s, and 100
    /// WebSocket clients subscribed at 60 Hz. SIGTERM stops it within 2 s; every client gets a close
    /// frame (1001, going away); the recording is complete, every line a whole JSON object and the
    /// file ending with a newline.
    @Test func sigtermUnderFullLoadStopsWithinTwoSecondsWithTheRecordingCompleteAndCloseFramesSent() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recording = directory.appendingPathComponent("load.ndjson").path
        let config = directory.appendingPathComponent("config.yaml").path
        let port = try freeLoopbackPort()
        let clients = 100
        try Data(
            """
            sources:
              - type: mock
                id: sim
                rate: 1000
                seed: 8
                cars: 64
            sinks:
              - type: stdout
                rate: 1000
                variables: all
                path: \(recording)
              - type: websocket
                host: 127.0.0.1
                port: \(port)
                max_clients: \(clients)
                max_connects_per_s: \(clients)   # every client connects from 127.0.0.1 at once
                max_clients_per_address: \(clients)
                mdns: {enabled: false}
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        try await withBroker(["--config", config]) { broker in
            let deadline = Date().addingTimeInterval(30)
            await waitUntil(timeout: 30) { Self.accepts(port: port) }
            let log = ClientLog(clients: clients)
            let clientTasks = (0..<clients).map { index in Task { await Self.runClient(index, port: port, log: log) } }
            // Under way: every client receiving, and a hundred recorded lines of about 20 KB each.
            while Date() < deadline,
                log.receiving < clients || (try? FileManager.default.attributesOfItem(atPath: recording)[.size] as? Int) ?? 0 < 2_000_000
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(log.receiving == clients, "\(log.receiving) of \(clients) clients receiving; failures: \(log.failures.prefix(3))")

            let stopRequested = Date()
            broker.signal(SIGTERM)
            let status = await broker.wait(timeout: 10)
            let stopTime = Date().timeIntervalSince(stopRequested)
            #expect(status == 0, "\(broker.stderr)")
            #expect(stopTime < 2, "took \(stopTime) s to stop under load")
            for task in clientTasks { await task.value }
            let closes = log.closes
            #expect(closes.count == clients, "\(closes.count) clients saw a close; failures: \(log.failures.prefix(3))")
            #expect(closes.allSatisfy { $0 == .goingAway }, "close codes: \(Set(closes.map { "\($0.map { "\($0)" } ?? "none")" }))")

            let bytes = try Data(contentsOf: URL(fileURLWithPath: recording))
            #expect(bytes.last == UInt8(ascii: "\n"), "the recording ends with a newline")
            let lines = bytes.split(separator: UInt8(ascii: "\n"))
            var telemetry = 0
            for (number, line) in lines.enumerated() {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    Issue.record("line \(number + 1) of \(lines.count) is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
                    break
                }
                if object["type"] as? String == "telemetry" { telemetry += 1 }
            }
            #expect(telemetry > 50, "\(telemetry) telemetry lines: the broker was under load")
        }
    }

    /// A WebSocket sink whose port another program holds stops the broker at start with one line
    /// naming the port and exit code 1.
    @Test func aWebSocketPortInUseStopsTheBrokerWithOneLineAndExitCode1() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let holder = try ListeningSocket()
        let config = directory.appendingPathComponent("config.yaml").path
        try Data(
            """
            broker:
              log_level: error
            sources:
              - type: mock
            sinks:
              - type: websocket
                id: ws
                host: 127.0.0.1
                port: \(holder.port)
                mdns: {enabled: false}
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        let result = try await BrokerProcess.run(["--config", config], timeout: 10)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines == ["websocket sink 'ws': port \(holder.port) on 127.0.0.1 is already in use"], "\(result.stderr)")
    }

    /// A sink that cannot start (here: a recording in a folder that does not exist) stops the broker
    /// at once with one line naming the problem and exit code 1.
    @Test func aSinkThatCannotStartStopsTheBrokerWithOneLineAndExitCode1() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml").path
        try Data(
            """
            broker:
              log_level: error
            sources:
              - type: mock
            sinks:
              - type: stdout
                path: \(directory.path)/missing-folder/rec.ndjson
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        let result = try await BrokerProcess.run(["--config", config], timeout: 10)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("stdout sink 'stdout': cannot open \(directory.path)/missing-folder/rec.ndjson") == true, "\(result.stderr)")
    }

    /// CPU time (user + system) the process has used so far, in seconds, from /proc/PID/stat.
    func cpuSeconds(of process: BrokerProcess) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(try #require(process.child.pid))/stat", encoding: .utf8)
        // Fields after the command name (which is in parentheses and may hold spaces): state is
        // field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A TCP socket listening on an ephemeral port of 127.0.0.1 until it is released: another
    /// program holding the port.
    final class ListeningSocket {
        let descriptor: Int32
        let port: Int

        init() throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let descriptor = self.descriptor
            let listening = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && listen(descriptor, 4) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
            guard listening else {
                close(descriptor)
                throw CocoaError(.fileWriteUnknown)
            }
        }

        deinit { close(descriptor) }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` (connects once and closes).
    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Nothing to read anywhere: InSim pointed at a port where nothing listens, a memory file that
    /// does not exist, an .ibt removed after the start. The broker must sit still: about 0% CPU, and
    /// one log line per failure (InSim: one per attempt, paced 1, 2, 4 s...; the files: one per
    /// distinct problem), never a flood.
    @Test(.enabled(if: TestData.isAvailable, "needs ../shared/data"))
    func nothingToReadCostsNoCPUAndOneLogLinePerFailure() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ibt = directory.appendingPathComponent("replay.ibt").path
        try FileManager.default.copyItem(atPath: TestData.path("iracing/w13_redbullring.ibt"), toPath: ibt)
        let port = try freeLoopbackPort()
        let config = directory.appendingPathComponent("config.yaml").path
        try Data(
            """
            sources:
              - type: insim
                id: lfs
                port: \(port)
              - type: iracing
                id: mirror
                memory_file: \(directory.path)/no-such-map.bin
              - type: iracing
                id: replay
                ibt: \(ibt)
                loop: true
            sinks:
              - type: stdout
                path: \(directory.path)/out.ndjson
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        try await withBroker(["--config", config]) { broker in
            let started = Date()
            let deadline = started.addingTimeInterval(20)
            await waitUntil(timeout: deadline.timeIntervalSinceNow) { broker.stderr.contains("replaying \(ibt)") }
            try FileManager.default.removeItem(atPath: ibt)
            await waitUntil(timeout: deadline.timeIntervalSinceNow) { broker.stderr.contains("cannot replay yet") }

            let window = 4.0
            let before = try cpuSeconds(of: broker)
            try await Task.sleep(for: .seconds(window))
            let used = try cpuSeconds(of: broker) - before
            let ran = Date().timeIntervalSince(started)
            broker.signal(SIGTERM)
            #expect(await broker.wait(timeout: 5) == 0, "\(broker.stderr)")

            #expect(used / window < 0.02, "the idle broker used \(used) s of CPU in \(window) s")
            let log = broker.stderr.split(separator: "\n")
            // InSim: one warning per attempt, the delays doubling from 1 s: at most ~log2(ran) + 2 of them.
            let insimFailures = log.filter { $0.contains("InSim 127.0.0.1:\(port): cannot connect") }
            #expect(insimFailures.count >= 2 && Double(insimFailures.count) <= log2(ran) + 2, "\(insimFailures.count) InSim failures in \(ran) s")
            #expect(insimFailures.allSatisfy { $0.contains("reconnecting in") })
            // The missing memory file: said once, retried quietly.
            #expect(log.filter { $0.contains("no-such-map.bin") }.count == 1, "\(broker.stderr)")
            // The removed replay: stopped once, missing once.
            #expect(log.filter { $0.contains("replay stopped") && $0.contains("the file was removed") }.count == 1, "\(broker.stderr)")
            #expect(log.filter { $0.contains("cannot replay yet") }.count == 1, "\(broker.stderr)")
        }
    }
}
