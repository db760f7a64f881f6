import Foundation
import NIOCore
import NIOPosix
import NIOSSL

// WebSocket load generator (BENCHMARKS.md, "Fan-out"). Loopback only.
//
//   ws-load --broker PATH [--floor PATH] [--tls-cert PEM --tls-key PEM --tls-ca PEM] [--clients 200,1000]
//   ws-load --port 8765 --broker-pid PID [--tls-ca PEM | --tls-insecure]     (a broker you started)
//
// For each client count in --clients (default 1,10,100,500,1000,2000) and each target it opens that
// many raw WebSocket connections to 127.0.0.1, sends each `sub` with 20 variables, lets them settle
// for --warmup seconds, records for --duration seconds, closes them, and prints one table row.
// Targets, in this order for each client count:
//   plain   the broker over ws:// (started fresh for the step with --broker: mock source at 60 Hz,
//           one WebSocket sink on 127.0.0.1:--port, no mDNS, no dashboard)
//   tls     the same broker with `tls: {cert, key}` over wss:// (with --tls-cert and --tls-key;
//           the clients trust --tls-ca, or skip verification with --tls-insecure)
//   floor   ../shared/tools/wsfloor (with --floor): one prebuilt frame to every client per tick,
//           one send() each, at 60 Hz and the mean message size the broker's step just measured
// --targets picks a subset (e.g. `plain,floor`). Columns:
//   rate min/p5/median   messages per second of each client over the window
//   gap p99              the 99th percentile of the gaps between one client's messages (all clients)
//   e2e p50/p99          arrival minus the frame's scheduled time, above the fastest message of the
//                        step: for the broker, arrival - SessionTime (the mock publishes frame k at
//                        start + k/60 on an absolute schedule and SessionTime is k/60); for the
//                        floor, arrival against its 60 Hz tick grid (the phase found from the
//                        arrivals, see tickGrid and tickDelays). Either way: timer lateness +
//                        server + kernel + this client.
//   spread p99           per frame, from the first client's arrival to the last client's
//   fanout p99           the broker's own figure: from the frame's arrival in the source hub to the
//                        last client write of it (GET /metrics, fanout_latency)
//   loop p50             the broker's pass over all clients for one frame (loop_time)
//   CPU %                the server's utime+stime over the window (/proc/PID/stat), % of one core
//   CPU us/msg           that CPU time divided by the messages the clients received in the window
//   msg B                mean payload bytes of a delivered message
//   RSS                  the server's VmRSS at the end of the window, and its peak VmHWM
//   ws-load CPU          this generator's own CPU over the window (it shares the machine)
// Then, per client count, the ratios BENCHMARKS.md reports: plain/floor and tls/floor for CPU per message
// and e2e p99, and tls/plain for CPU per message (the cost of TLS).

enum Target: String {
    case plain, tls, floor
}

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
    var floorPath: String?
    var floorSize: Int?
    var tlsCert: String?
    var tlsKey: String?
    var tlsCA: String?
    var tlsInsecure = false
    var targets: [Target]?
    var distinct = false
    var variables = [
        "SessionTime", "SessionTick", "Speed", "RPM", "Gear", "Throttle", "Brake", "Clutch", "SteeringWheelAngle",
        "LapDistPct", "Lap", "LapCompleted", "LapCurrentLapTime", "FuelLevel", "FuelLevelPct", "OilTemp", "WaterTemp",
        "LatAccel", "LongAccel", "SessionFlags",
    ]

    static let usage = """
        usage: ws-load [--broker PATH | --broker-pid PID] [--floor PATH] [--floor-size BYTES]
                       [--tls-cert PEM --tls-key PEM] [--tls-ca PEM | --tls-insecure] [--targets plain,tls,floor]
                       [--port 8765] [--clients 1,10,100] [--warmup 3] [--duration 10] [--threads 2] [--distinct] [--variables A,B]
        """

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
            case "--floor": options.floorPath = value()
            case "--floor-size": options.floorSize = required(Int(value()), "--floor-size: bytes")
            case "--tls-cert": options.tlsCert = value()
            case "--tls-key": options.tlsKey = value()
            case "--tls-ca": options.tlsCA = value()
            case "--tls-insecure": options.tlsInsecure = true
            case "--targets":
                options.targets = value().split(separator: ",").map { required(Target(rawValue: String($0)), "--targets: plain, tls or floor") }
            case "--distinct": options.distinct = true
            case "--variables": options.variables = value().split(separator: ",").map(String.init)
            case "--help", "-h":
                print(usage)
                exit(0)
            default: fail("unknown option \(arguments[index])\n\(usage)")
            }
            index += 1
        }
        guard options.clientCounts.allSatisfy({ (1...8000).contains($0) }) else { fail("--clients: 1...8000 each") }
        guard options.duration > 0, options.duration <= 600, options.warmup >= 0, options.warmup <= 60 else {
            fail("--duration/--warmup out of range")
        }
        guard (options.tlsCert == nil) == (options.tlsKey == nil) else { fail("--tls-cert and --tls-key go together") }
        guard options.floorSize.map({ (2...65535).contains($0) }) ?? true else { fail("--floor-size: 2...65535 bytes") }
        return options
    }

    /// The targets to run for each client count: --targets, else what the other options make possible.
    var chosenTargets: [Target] {
        if let targets { return targets }
        if brokerPath == nil { return [tlsCA != nil || tlsInsecure ? .tls : .plain] }
        return [.plain] + (tlsCert != nil ? [.tls] : []) + (floorPath != nil ? [.floor] : [])
    }

    func validate() {
        for target in chosenTargets {
            switch target {
            case .plain: break
            case .tls:
                guard tlsCA != nil || tlsInsecure else { fail("the tls target needs --tls-ca PEM or --tls-insecure") }
                guard brokerPath == nil || tlsCert != nil else { fail("the tls target with --broker needs --tls-cert and --tls-key") }
            case .floor:
                guard floorPath != nil else { fail("the floor target needs --floor PATH (cc -O2 -o wsfloor wsfloor.c -lcrypto)") }
            }
        }
        guard brokerPath != nil || brokerPID != nil || !chosenTargets.contains(where: { $0 != .floor }) else {
            fail("give --broker PATH (ws-load starts it) or --broker-pid PID (a broker already on --port)")
        }
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

// MARK: - The server processes

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

/// A server this run started (the broker or the floor); stopped by its own PID only.
struct StartedServer {
    let process: Process
    let configPath: String?

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        if let configPath { try? FileManager.default.removeItem(atPath: configPath) }
    }
}

func startBroker(path: String, port: Int, tls: (cert: String, key: String)?) -> StartedServer {
    let tlsLines = tls.map { "\n    tls:\n      cert: \($0.cert)\n      key: \($0.key)" } ?? ""
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
            dashboard: false\(tlsLines)
        """
    let configPath = NSTemporaryDirectory() + "ws-load-\(getpid()).yaml"
    guard FileManager.default.createFile(atPath: configPath, contents: Data(config.utf8)) else { fail("cannot write \(configPath)") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["--config", configPath]
    do { try process.run() } catch { fail("cannot start \(path): \(error)") }
    let server = StartedServer(process: process, configPath: configPath)
    // Wait (bounded) for the port to answer.
    for _ in 0..<100 {
        guard process.isRunning else { fail("the broker exited (status \(process.terminationStatus)); is port \(port) taken?") }
        if portAccepts(port) { return server }
        usleep(100_000)
    }
    server.stop()
    fail("the broker did not answer on 127.0.0.1:\(port) within 10 s")
}

func startFloor(path: String, port: Int, size: Int) -> StartedServer {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["\(port)", "60", "\(size)"]
    do { try process.run() } catch { fail("cannot start \(path): \(error)") }
    let server = StartedServer(process: process, configPath: nil)
    for _ in 0..<50 {
        guard process.isRunning else { fail("wsfloor exited (status \(process.terminationStatus)); is port \(port) taken?") }
        if portAccepts(port) { return server }
        usleep(100_000)
    }
    server.stop()
    fail("wsfloor did not listen on 127.0.0.1:\(port) within 5 s")
}

/// Whether a TCP connection to 127.0.0.1:`port` is accepted.
func portAccepts(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = loopbackAddress(port)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

func loopbackAddress(_ port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

/// A blocking HTTP/1.0 GET on loopback (plain HTTP only); the body, or nil.
func httpGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = loopbackAddress(port)
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

/// The cumulative counts of `broker_websocket_NAME_bucket{...,le="B"} N` lines, by upper bound.
func histogramBuckets(_ text: String, name: String) -> [Double: Double] {
    var buckets: [Double: Double] = [:]
    for line in text.split(separator: "\n") where line.hasPrefix("broker_websocket_\(name)_bucket{") {
        guard let start = line.range(of: "le=\""), let end = line[start.upperBound...].firstIndex(of: "\""),
            let count = line.split(separator: " ").last.flatMap({ Double($0) })
        else { continue }
        let bound = line[start.upperBound..<end]
        buckets[bound == "+Inf" ? .infinity : Double(bound) ?? .nan] = count
    }
    return buckets
}

/// The `quantile` of a histogram over the window between two scrapes, in milliseconds: the
/// difference of the cumulative bucket counts, interpolated linearly within the bucket that holds
/// the rank (as Prometheus's histogram_quantile does). Nil without samples in the window.
func histogramQuantile(before: String, after: String, name: String, quantile: Double) -> Double? {
    let earlier = histogramBuckets(before, name: name)
    let counts = histogramBuckets(after, name: name).map { (bound: $0.key, count: $0.value - (earlier[$0.key] ?? 0)) }
        .sorted { $0.bound < $1.bound }
    guard let total = counts.last?.count, total > 0 else { return nil }
    let rank = quantile * total
    var lower = (bound: 0.0, count: 0.0)
    for bucket in counts {
        if bucket.count >= rank {
            guard bucket.bound.isFinite else { return lower.bound * 1000 }
            let share = bucket.count > lower.count ? (rank - lower.count) / (bucket.count - lower.count) : 1
            return (lower.bound + (bucket.bound - lower.bound) * share) * 1000
        }
        lower = bucket
    }
    return nil
}

// MARK: - Statistics

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// For messages sent on a fixed tick grid of `period` seconds with an unknown phase: the time of
/// one tick, taken where the arrivals' delays after their ticks are smallest on the whole (least
/// sum over their times modulo the period, in 1,000 bins), so just before each tick's burst,
/// whatever stragglers land elsewhere in the period.
func tickGrid(_ arrivals: [Double], period: Double) -> Double? {
    guard let origin = arrivals.min() else { return nil }
    let bins = 1000
    var counts = [Double](repeating: 0, count: bins)
    for arrival in arrivals {
        let phase = (arrival - origin).truncatingRemainder(dividingBy: period) / period
        counts[min(bins - 1, Int(phase * Double(bins)))] += 1
    }
    var best = (sum: Double.infinity, bin: 0)
    for candidate in 0..<bins {
        var sum = 0.0
        for bin in 0..<bins where counts[bin] > 0 { sum += counts[bin] * Double((bin - candidate + bins) % bins) }
        if sum < best.sum { best = (sum, candidate) }
    }
    return origin + Double(best.bin) / Double(bins) * period
}

/// Each arrival's delay after its tick and the tick it belongs to, for clients of a server that
/// sends one message per client per tick: a client's i-th message in the window is its first
/// tick's plus i (TCP keeps the order), and its first tick is where its least late message puts
/// it. Delays are not folded into one period, so a message held up by more than a period counts
/// as that late.
func tickDelays(perClient: [[Double]], period: Double) -> (delays: [Double], ticks: [Int])? {
    guard let grid = tickGrid(perClient.flatMap { $0 }, period: period) else { return nil }
    var delays: [Double] = []
    var ticks: [Int] = []
    for arrivals in perClient where !arrivals.isEmpty {
        let earliest = arrivals.indices.map { arrivals[$0] - Double($0) * period }.min()!
        // earliest = grid + first tick * period + the client's smallest delay (0 up to a bin early).
        let first = Int(((earliest - grid) / period + 0.05).rounded(.down))
        for (index, arrival) in arrivals.enumerated() {
            ticks.append(first + index)
            delays.append(arrival - (grid + Double(first + index) * period))
        }
    }
    return (delays, ticks)
}

// MARK: - One step

struct StepResult {
    let clients: Int
    let target: Target
    let connected: Int
    let rates: (min: Double, p5: Double, median: Double)
    let gapP99: Double
    let e2e: (p50: Double, p99: Double)
    let spreadP99: Double
    let fanoutP99: Double?
    let loopP50: Double?
    let cpuPercent: Double?
    let cpuPerMessageMicroseconds: Double?
    let meanMessageBytes: Double
    let generatorCPUPercent: Double?
    let rss: ProcessSample?
    let errors: [String]
}

/// What a step connects to: the TLS context when the target speaks wss://, the server's PID.
struct StepSetup {
    let target: Target
    let tls: NIOSSLContext?
    let serverPID: Int32?
    /// Whether the server is the broker (its /metrics is scraped over plain HTTP, its telemetry parsed).
    var isBroker: Bool { target != .floor }
}

func runStep(clients count: Int, setup: StepSetup, options: Options, group: MultiThreadedEventLoopGroup) -> StepResult {
    var records: [ClientRecord] = []
    var channels: [Channel] = []
    var loops: [EventLoop] = []  // records[i] is only touched on loops[i]
    var errors: [String] = []
    // Connect in slices of 100 so the server's accept queue never overflows.
    var next = 0
    while next < count {
        let slice = next..<min(next + 100, count)
        var upgrades: [EventLoopFuture<Void>] = []
        var connects: [EventLoopFuture<Channel>] = []
        for index in slice {
            let record = ClientRecord(everyMessageCounts: !setup.isBroker)
            var variables = options.variables
            if options.distinct { variables = Array(variables[(index % variables.count)...] + variables[..<(index % variables.count)]) }
            let command = "sub " + variables.joined(separator: ",")
            let loop = group.next()
            let promise = loop.makePromise(of: Void.self)
            let tls = setup.tls
            let bootstrap = ClientBootstrap(group: loop)
                .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                        try channel.pipeline.syncOperations.addHandler(
                            LoadClientHandler(record: record, host: options.host, path: options.path, command: command, upgraded: promise))
                    }
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
    let metricsBefore = setup.target == .plain ? httpGet(port: options.port, path: "/metrics") ?? "" : ""
    let windowStart = monotonicNow()
    let before = setup.serverPID.flatMap(sampleProcess)
    let selfBefore = sampleProcess(getpid())
    Thread.sleep(forTimeInterval: options.duration)
    let stops = records.indices.map { index in loops[index].submit { records[index].recording = false } }
    for stop in stops { try? stop.wait() }
    let after = setup.serverPID.flatMap(sampleProcess)
    let selfAfter = sampleProcess(getpid())
    let windowEnd = monotonicNow()
    // The broker's histograms are cumulative: the window's share is the difference of two scrapes.
    // The TLS sink has no plain-HTTP /metrics to scrape.
    let metrics = setup.target == .plain ? httpGet(port: options.port, path: "/metrics") ?? "" : ""
    let closes = channels.map { $0.close() }
    for close in closes { try? close.wait() }
    let window = windowEnd - windowStart

    var rates: [Double] = []
    var gaps: [Double] = []
    var arrivals: [Double] = []  // every recorded arrival in the window, with its frame's seq and SessionTime
    var seqs: [UInt64] = []
    var sessionTimes: [Double] = []
    var perClient: [[Double]] = []
    var bytes = 0
    for record in records {
        var received: [Double] = []
        for (i, arrival) in record.arrivals.enumerated() where arrival >= windowStart && arrival <= windowEnd {
            if let previous = received.last { gaps.append(arrival - previous) }
            received.append(arrival)
            arrivals.append(arrival)
            seqs.append(record.seqs[i])
            sessionTimes.append(record.sessionTimes[i])
        }
        perClient.append(received)
        bytes += record.payloadBytes
        rates.append(Double(received.count) / window)
        errors += record.errors.prefix(2)
    }
    let delivered = arrivals.count
    let recordedMessages = records.reduce(0) { $0 + $1.arrivals.count }
    rates.sort()
    gaps.sort()

    // Delay above the best case, and the frame each arrival belongs to.
    var delays: [Double] = []
    var frameArrivals: [(frame: Int, arrival: Double)] = []
    if setup.isBroker {
        let offsets = zip(arrivals, sessionTimes).map { $0 - $1 }
        let base = offsets.filter(\.isFinite).min() ?? 0
        for index in offsets.indices where offsets[index].isFinite {
            delays.append(offsets[index] - base)
            frameArrivals.append((Int(seqs[index]), arrivals[index]))
        }
    } else if let grid = tickDelays(perClient: perClient, period: 1.0 / 60) {
        let base = grid.delays.min() ?? 0
        delays = grid.delays.map { $0 - base }
        frameArrivals = Array(zip(grid.ticks, arrivals))
    }
    var firstArrival: [Int: Double] = [:]
    var lastArrival: [Int: Double] = [:]
    for (frame, arrival) in frameArrivals {
        firstArrival[frame] = min(firstArrival[frame] ?? arrival, arrival)
        lastArrival[frame] = max(lastArrival[frame] ?? arrival, arrival)
    }
    let spreads = firstArrival.compactMap { frame, first in lastArrival[frame].map { $0 - first } }.sorted()
    delays.sort()

    let cpuSeconds = before.flatMap { before in after.map { $0.cpuSeconds - before.cpuSeconds } }
    let generatorCPU = selfBefore.flatMap { before in selfAfter.map { ($0.cpuSeconds - before.cpuSeconds) / window * 100 } }
    return StepResult(
        clients: count, target: setup.target, connected: connected,
        rates: (percentile(rates, 0), percentile(rates, 0.05), percentile(rates, 0.5)), gapP99: percentile(gaps, 0.99),
        e2e: (percentile(delays, 0.5), percentile(delays, 0.99)), spreadP99: percentile(spreads, 0.99),
        fanoutP99: histogramQuantile(before: metricsBefore, after: metrics, name: "fanout_latency_seconds", quantile: 0.99),
        loopP50: histogramQuantile(before: metricsBefore, after: metrics, name: "loop_time_seconds", quantile: 0.5),
        cpuPercent: cpuSeconds.map { $0 / window * 100 },
        cpuPerMessageMicroseconds: cpuSeconds.flatMap { delivered > 0 ? $0 / Double(delivered) * 1e6 : nil },
        meanMessageBytes: recordedMessages > 0 ? Double(bytes) / Double(recordedMessages) : .nan,
        generatorCPUPercent: generatorCPU, rss: after, errors: Array(Set(errors)).sorted().prefix(3).map { $0 })
}

// MARK: - Main

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
options.validate()
signal(SIGPIPE, SIG_IGN)
var limit = rlimit()
getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = limit.rlim_max
setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)

let clientTLS: NIOSSLContext? = {
    guard options.chosenTargets.contains(.tls) else { return nil }
    var configuration = TLSConfiguration.makeClientConfiguration()
    if let ca = options.tlsCA {
        configuration.trustRoots = .file(ca)
    } else {
        configuration.certificateVerification = .none
    }
    do { return try NIOSSLContext(configuration: configuration) } catch { fail("cannot load --tls-ca \(options.tlsCA ?? ""): \(error)") }
}()
let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))

func ms(_ seconds: Double) -> String { seconds.isFinite ? String(format: "%.2f", seconds * 1000) : "-" }
func formatted(_ value: Double?, _ format: String) -> String { value.flatMap { $0.isFinite ? String(format: format, $0) : nil } ?? "-" }

print(
    "ws-load: 127.0.0.1:\(options.port), targets \(options.chosenTargets.map(\.rawValue).joined(separator: ",")), \(options.variables.count) variables per client"
        + "\(options.distinct ? " (a distinct order per client)" : ""), warm-up \(options.warmup) s, window \(options.duration) s, \(options.threads) client threads"
        + (options.brokerPID.map { ", broker pid \($0)" } ?? ""))
print(
    "| clients | target | connected | rate min | rate p5 | rate median | gap p99 ms | e2e p50 ms | e2e p99 ms | spread p99 ms | fanout p99 ms | loop p50 ms | CPU % | CPU us/msg | msg B | RSS MB | peak RSS MB | ws-load CPU % |"
)
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
var results: [StepResult] = []
for count in options.clientCounts {
    for target in options.chosenTargets {
        var server: StartedServer?
        var pid = options.brokerPID
        switch target {
        case .plain, .tls:
            if let path = options.brokerPath {
                server = startBroker(
                    path: path, port: options.port, tls: target == .tls ? (options.tlsCert!, options.tlsKey!) : nil)
            }
        case .floor:
            // The size of the broker's messages at this client count, else of any step so far.
            let measured =
                results.last { $0.clients == count && $0.target != .floor && $0.meanMessageBytes.isFinite }
                ?? results.last { $0.target != .floor && $0.meanMessageBytes.isFinite }
            let size = options.floorSize ?? measured.map { Int($0.meanMessageBytes.rounded()) } ?? 435
            server = startFloor(path: options.floorPath!, port: options.port, size: size)
        }
        if let server { pid = server.process.processIdentifier }
        let result = runStep(
            clients: count, setup: StepSetup(target: target, tls: target == .tls ? clientTLS : nil, serverPID: pid), options: options,
            group: group)
        server?.stop()
        results.append(result)
        print(
            "| \(result.clients) | \(target.rawValue) | \(result.connected) | \(String(format: "%.1f", result.rates.min)) | \(String(format: "%.1f", result.rates.p5)) | \(String(format: "%.1f", result.rates.median)) | \(ms(result.gapP99)) | \(ms(result.e2e.p50)) | \(ms(result.e2e.p99)) | \(ms(result.spreadP99)) | \(formatted(result.fanoutP99, "%.2f")) | \(formatted(result.loopP50, "%.3f")) | \(formatted(result.cpuPercent, "%.1f")) | \(formatted(result.cpuPerMessageMicroseconds, "%.2f")) | \(formatted(result.meanMessageBytes, "%.0f")) | \(formatted(result.rss.map { Double($0.rssKB) / 1024 }, "%.1f")) | \(formatted(result.rss.map { Double($0.peakRSSKB) / 1024 }, "%.1f")) | \(formatted(result.generatorCPUPercent, "%.1f")) |"
        )
        for error in result.errors { print("    error: \(error)") }
        fflush(stdout)
        Thread.sleep(forTimeInterval: 1)
    }
}

// The ratios, where both sides of one ran at the same client count.
func ratio(_ numerator: Double?, _ denominator: Double?) -> String {
    guard let numerator, let denominator, numerator.isFinite, denominator.isFinite, denominator > 0 else { return "-" }
    return String(format: "%.2f", numerator / denominator)
}
let pairs: [(Target, Target)] = [(.plain, .floor), (.tls, .floor), (.tls, .plain)].filter { pair in
    options.chosenTargets.contains(pair.0) && options.chosenTargets.contains(pair.1)
}
if !pairs.isEmpty {
    print("\nRatios (BENCHMARKS.md: broker/floor within 1.3 for CPU per message and e2e p99):\n")
    print("| clients | ratio | CPU us/msg | e2e p99 | spread p99 |")
    print("|---:|---|---:|---:|---:|")
    for count in options.clientCounts {
        for (numerator, denominator) in pairs {
            guard let top = results.first(where: { $0.clients == count && $0.target == numerator }),
                let bottom = results.first(where: { $0.clients == count && $0.target == denominator })
            else { continue }
            print(
                "| \(count) | \(numerator.rawValue)/\(denominator.rawValue) | \(ratio(top.cpuPerMessageMicroseconds, bottom.cpuPerMessageMicroseconds)) | \(ratio(top.e2e.p99, bottom.e2e.p99)) | \(ratio(top.spreadP99, bottom.spreadP99)) |"
            )
        }
    }
}
try? group.syncShutdownGracefully()
