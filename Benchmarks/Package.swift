// swift-tools-version: 6.1
import PackageDescription

/// The broker's benchmarks, kept out of the root package so its builds and tests never compile them.
///
/// `DecodeBenchmarks/` and `ReplayBenchmarks/` are ordo-one/benchmark targets (run with
/// `swift package benchmark` in this folder; the plugin takes every executable target whose folder
/// sits in a folder named `Benchmarks`): wall time, allocations and, where the machine has hardware
/// counters, instructions, with static thresholds in `Thresholds/`. `Tools/` holds executables
/// that are not micro-benchmarks and so stay out of the plugin's reach: `ws-load`, the WebSocket
/// load generator. BENCHMARKS.md has the commands and the figures.
let package = Package(
    name: "broker-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "telemetry-broker", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
    ],
    targets: [
        .executableTarget(
            name: "DecodeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BrokerCore", package: "telemetry-broker"),
                .product(name: "IRacingSource", package: "telemetry-broker"),
                .product(name: "InSimSource", package: "telemetry-broker"),
                .product(name: "MockSource", package: "telemetry-broker"),
                .product(name: "RaceProcessor", package: "telemetry-broker"),
                .product(name: "ForzaSource", package: "telemetry-broker"),
                .product(name: "ACCSource", package: "telemetry-broker"),
                .product(name: "F1Source", package: "telemetry-broker"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "DecodeBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "ReplayBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BrokerCore", package: "telemetry-broker"),
                .product(name: "MockSource", package: "telemetry-broker"),
                .product(name: "ReplaySource", package: "telemetry-broker"),
                .product(name: "StdoutSink", package: "telemetry-broker"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "ReplayBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "ws-load",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tools/LoadGenerator",
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
