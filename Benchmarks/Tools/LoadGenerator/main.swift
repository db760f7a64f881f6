import Foundation
import NIOCore
import NIOPosix

// WebSocket load generator (issue 7, SPEC 9). Loopback only.
//
//   swift build -c release --product ws-load && .build/release/ws-load --broker .build/release/broker
//   ws-load --port 8765 --broker-pid PID            (a broker you started yourself)
//
// For each client count in --clients (default 1,10,100,500,1000,2000) it opens that many raw
// WebSocket connections to 127.0.0.1, sends each `sub` with 20 variables, lets them settle for
// --warmup seconds, records for --duration seconds, closes them, and prints one table row:
//   rate min/p5/median   telemetry messages per second of each client over the window
//   gap p99              the 99th percentile of the gaps between one client's messages (all clients)
//   e2e p50/p99          arrival time minus the frame's scheduled time, above the fastest message
//                        of the run (see below)
//   spread p99           per frame, from the first client's arrival to the last client's
//   fanout p99           the broker's own figure: from the frame's arrival in the source hub to
//                        the last client write of it (GET /metrics, fanout_latency_ms)
//   loop p50             the broker's pass over all clients for one frame (loop_time_ms)
//   CPU                  the broker's utime+stime over the window (/proc/PID/stat), % of one core
//   RSS                  the broker's VmRSS at the end of the window, and its peak VmHWM
//   ws-load CPU          this generator's own CPU over the window (it shares the machine)
//
// e2e: the mock source publishes frame k at start + k/rate on an absolute schedule and its
// `SessionTime` is k/rate, so arrival - SessionTime is constant plus the delay; the smallest
// value of the run stands for zero delay. What is left is how late a message arrived compared to
// the best case (source timer lateness + broker + kernel + this client), an upper bound on the
// broker's share.
//
// With --broker PATH it starts the broker itself (mock source at 60 Hz, one WebSocket sink on
// 127.0.0.1:--port, no mDNS) and stops it at the end.

struct Options {
    var host = "127.0.0.1"
    var port = 8765
    var path = "/"
    var clientCounts = [1, 10, 100, 500, 1000, 2000]
    var warmup = 3.0
    var duration = 10.0
    var threads = 2
    var brokerPID: Int32?
    var brokerPath: String?
    var distinct = false
    var variables = [
        "SessionTime", "SessionTick", "Speed", "RPM", "Gear", "Throttle", "Brake", "Clutch", "SteeringWheelAngle",
        "LapDistPct", "Lap", "LapCompleted", "LapCurrentLapTime", "FuelLevel", "FuelLevelPct", "OilTemp", "WaterTemp",
        "LatAccel", "LongAccel", "SessionFlags",
    ]

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--port": options.port = required(Int(value()), "--port: a number")
            case "--path": options.path = value()
            case "--clients": options.clientCounts = value().split(separator: ",").map { required(Int($0), "--clients: numbers") }
            case "--warmup": options.warmup = required(Double(value()), "--warmup: seconds")
            case "--duration": options.duration = required(Double(value()), "--duration: seconds")
            case "--threads": options.threads = required(Int(value()), "--threads: a number")
            case "--broker-pid": options.brokerPID = required(Int32(value()), "--broker-pid: a pid")
            case "--broker": options.brokerPath = value()
            case "--distinct": options.distinct = true
            case "--variables": options.variables = value().split(separator: ",").map(String.init)
            case "--help", "-h":
                print("usage: ws-load [--broker PATH | --broker-pid PID] [--port 8765] [--clients 1,10,100] [--warmup 3] [--duration 10] [--threads 2] [--distinct] [--variables A,B]")
                exit(0)
            default: fail("unknown option \(arguments[index])")
            }
            index += 1
        }
        guard options.clientCounts.allSatisfy({ (1...20000).contains($0) }) else { fail("--clients: 1...20000 each") }
        guard options.duration > 0, options.duration <= 600, options.warmup >= 0, options.warmup <= 60 else { fail("--duration/--warmup out of range") }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ws-load: \(message)\n".utf8))
    exit(2)
}

/// `value`, or the end of the program with `message` when it is nil.
func required<T>(_ value: T?, _ message: String) -> T {
    guard let value else { fail(message) }
    return value
}

// MARK: - The broker process

struct ProcessSample {
    let cpuSeconds: Double
    let rssKB: Int
    let peakRSSKB: Int
}

func sampleProcess(_ pid: Int32) -> ProcessSample? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    func kilobytes(_ key: String) -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
    return ProcessSample(cpuSeconds: (utime + stime) / ticks, rssKB: kilobytes("VmRSS:"), peakRSSKB: kilobytes("VmHWM:"))
}

func startBroker(path: String, port: Int) -> Process {
    let config = """
        broker:
          rate: 60
          log_level: warning
        sources:
          - type: mock
            id: mock
            seed: 42
            rate: 60
        sinks:
          - type: websocket
            id: ws
            host: 127.0.0.1
            port: \(port)
            max_clients: 20000
            max_connects_per_s: 100000
            max_clients_per_address: 100000
            mdns:
              enabled: false
            dashboard: false
        """
    let configPath = NSTemporaryDirectory() + "ws-load-\(getpid()).yaml"
    FileManager.default.createFile(atPath: configPath, contents: Data(config.utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["--config", configPath]
    do { try process.run() } catch { fail("cannot start \(path): \(error)") }
    // Wait (bounded) for the port to answer.
    for _ in 0..<100 {
        guard process.isRunning else { fail("the broker exited (status \(process.terminationStatus)); is port \(port) taken?") }
        if httpGet(port: port, path: "/healthz") != nil { return process }
        usleep(100_000)
    }
    process.terminate()
    fail("the broker did not answer on 127.0.0.1:\(port) within 10 s")
}

/// A blocking HTTP/1.0 GET on loopback; the body, or nil.
func httpGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    guard write(fd, request, request.count) == request.count else { return nil }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    for _ in 0..<1000 {
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        response += chunk[0..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}

/// `broker_websocket_NAME{sink="ws",quantile="Q"} V` from the Prometheus text.
func prometheusQuantile(_ text: String, name: String, quantile: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix("broker_websocket_\(name){") && line.contains("quantile=\"\(quantile)\"") {
        return line.split(separator: " ").last.flatMap { Double($0) }
    }
    return nil
}

// MARK: - Statistics

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

// MARK: - One step

struct StepResult {
    let clients: Int
    let connected: Int
    let rates: (min: Double, p5: Double, median: Double)
    let gapP99: Double
    let e2e: (p50: Double, p99: Double)
    let spreadP99: Double
    let fanoutP99: Double?
    let loopP50: Double?
    let cpuPercent: Double?
    let generatorCPUPercent: Double?
    let rss: ProcessSample?
    let errors: [String]
}

func runStep(clients count: Int, options: Options, group: MultiThreadedEventLoopGroup, brokerPID: Int32?) -> StepResult {
    var records: [ClientRecord] = []
    var channels: [Channel] = []
    var loops: [EventLoop] = []  // records[i] is only touched on loops[i]
    var errors: [String] = []
    // Connect in slices of 100 so the broker's accept queue never overflows.
    var next = 0
    while next < count {
        let slice = next..<min(next + 100, count)
        var upgrades: [EventLoopFuture<Void>] = []
        var connects: [EventLoopFuture<Channel>] = []
        for index in slice {
            let record = ClientRecord()
            var variables = options.variables
            if options.distinct { variables = Array(variables[(index % variables.count)...] + variables[..<(index % variables.count)]) }
            let command = "sub " + variables.joined(separator: ",")
            let loop = group.next()
            let promise = loop.makePromise(of: Void.self)
            let bootstrap = ClientBootstrap(group: loop)
                .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.pipeline.addHandler(
                        LoadClientHandler(record: record, host: options.host, path: options.path, command: command, upgraded: promise))
                }
            let connect = bootstrap.connect(host: options.host, port: options.port)
            connect.whenFailure { promise.fail($0) }
            records.append(record)
            loops.append(loop)
            upgrades.append(promise.futureResult)
            connects.append(connect)
        }
        for connect in connects {
            if let channel = try? connect.wait() { channels.append(channel) }
        }
        connects.removeAll()
        for upgrade in upgrades {
            do { try upgrade.wait() } catch { if errors.count < 5 { errors.append("\(error)") } }
        }
        next = slice.upperBound
    }
    let connected = records.filter(\.upgraded).count

    Thread.sleep(forTimeInterval: options.warmup)
    // Start recording on each client's own loop, then take the window's start.
    let starts = records.indices.map { index in loops[index].submit { records[index].recording = true } }
    for start in starts { try? start.wait() }
    _ = httpGet(port: options.port, path: "/metrics")
    let windowStart = monotonicNow()
    let before = brokerPID.flatMap(sampleProcess)
    let selfBefore = sampleProcess(getpid())
    Thread.sleep(forTimeInterval: options.duration)
    let stops = records.indices.map { index in loops[index].submit { records[index].recording = false } }
    for stop in stops { try? stop.wait() }
    let after = brokerPID.flatMap(sampleProcess)
    let selfAfter = sampleProcess(getpid())
    let windowEnd = monotonicNow()
    let metrics = httpGet(port: options.port, path: "/metrics") ?? ""
    // Stop recording and close.
    let closes = channels.map { $0.close() }
    for close in closes { try? close.wait() }
    let window = windowEnd - windowStart

    var rates: [Double] = []
    var gaps: [Double] = []
    var offsets: [Double] = []
    var firstArrival: [UInt64: Double] = [:]
    var lastArrival: [UInt64: Double] = [:]
    for record in records {
        var received = 0
        var previous: Double?
        for (i, arrival) in record.arrivals.enumerated() where arrival >= windowStart && arrival <= windowEnd {
            received += 1
            if let previous { gaps.append(arrival - previous) }
            previous = arrival
            let seq = record.seqs[i]
            if let t = firstArrival[seq] { firstArrival[seq] = min(t, arrival) } else { firstArrival[seq] = arrival }
            lastArrival[seq] = max(lastArrival[seq] ?? arrival, arrival)
            let sessionTime = record.sessionTimes[i]
            if sessionTime.isFinite { offsets.append(arrival - sessionTime) }
        }
        rates.append(Double(received) / window)
        errors += record.errors.prefix(2)
    }
    rates.sort()
    gaps.sort()
    offsets.sort()
    let base = offsets.first ?? 0
    let delays = offsets.map { $0 - base }
    let spreads = firstArrival.compactMap { seq, first in lastArrival[seq].map { $0 - first } }.sorted()
    let cpu = before.flatMap { before in after.map { ($0.cpuSeconds - before.cpuSeconds) / window * 100 } }
    let generatorCPU = selfBefore.flatMap { before in selfAfter.map { ($0.cpuSeconds - before.cpuSeconds) / window * 100 } }
    return StepResult(
        clients: count, connected: connected, rates: (percentile(rates, 0), percentile(rates, 0.05), percentile(rates, 0.5)),
        gapP99: percentile(gaps, 0.99), e2e: (percentile(delays, 0.5), percentile(delays, 0.99)), spreadP99: percentile(spreads, 0.99),
        fanoutP99: prometheusQuantile(metrics, name: "fanout_latency_ms", quantile: "0.99"),
        loopP50: prometheusQuantile(metrics, name: "loop_time_ms", quantile: "0.5"), cpuPercent: cpu, generatorCPUPercent: generatorCPU, rss: after,
        errors: Array(Set(errors)).sorted().prefix(3).map { $0 })
}

// MARK: - Main

var options = Options.parse(Array(CommandLine.arguments.dropFirst()))
signal(SIGPIPE, SIG_IGN)
var limit = rlimit()
getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = limit.rlim_max
setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)

var broker: Process?
var brokerPID = options.brokerPID
if let path = options.brokerPath {
    broker = startBroker(path: path, port: options.port)
    brokerPID = broker?.processIdentifier
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))

func ms(_ seconds: Double) -> String { seconds.isFinite ? String(format: "%.2f", seconds * 1000) : "-" }
print("ws-load: 127.0.0.1:\(options.port), \(options.variables.count) variables per client\(options.distinct ? " (a distinct order per client)" : ""), warm-up \(options.warmup) s, window \(options.duration) s, \(options.threads) client threads, broker pid \(brokerPID.map(String.init) ?? "unknown")")
print("| clients | connected | rate min | rate p5 | rate median | gap p99 ms | e2e p50 ms | e2e p99 ms | spread p99 ms | fanout p99 ms | loop p50 ms | broker CPU % | RSS MB | peak RSS MB | ws-load CPU % |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for count in options.clientCounts {
    let result = runStep(clients: count, options: options, group: group, brokerPID: brokerPID)
    func opt(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "-" }
    print(
        "| \(result.clients) | \(result.connected) | \(String(format: "%.1f", result.rates.min)) | \(String(format: "%.1f", result.rates.p5)) | \(String(format: "%.1f", result.rates.median)) | \(ms(result.gapP99)) | \(ms(result.e2e.p50)) | \(ms(result.e2e.p99)) | \(ms(result.spreadP99)) | \(opt(result.fanoutP99, "%.2f")) | \(opt(result.loopP50, "%.3f")) | \(opt(result.cpuPercent, "%.1f")) | \(opt(result.rss.map { Double($0.rssKB) / 1024 }, "%.1f")) | \(opt(result.rss.map { Double($0.peakRSSKB) / 1024 }, "%.1f")) | \(opt(result.generatorCPUPercent, "%.1f")) |"
    )
    for error in result.errors { print("    error: \(error)") }
    fflush(stdout)
    Thread.sleep(forTimeInterval: 1)
}
try? group.syncShutdownGracefully()
if let broker {
    broker.terminate()
    broker.waitUntilExit()
}
