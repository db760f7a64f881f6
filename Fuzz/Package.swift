// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets for the broker's parsers of untrusted input. Kept out of the main package
/// because they are built with `-sanitize=fuzzer,address` (which also instruments the broker code
/// they link); `scripts/fuzz.sh` builds and runs them with their own scratch folder, `.build-fuzz`.
let package = Package(
    name: "broker-fuzz",
    dependencies: [
        .package(name: "telemetry-broker", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzDriver", .product(name: "BrokerCore", package: "telemetry-broker"), .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "FuzzInSim",
            dependencies: [
                "FuzzSupport",
                .product(name: "InSimSource", package: "telemetry-broker"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "FuzzIRSDK",
            dependencies: ["FuzzSupport", .product(name: "IRacingSource", package: "telemetry-broker")]),
        .executableTarget(
            name: "FuzzSessionInfo",
            dependencies: ["FuzzSupport", .product(name: "IRacingSource", package: "telemetry-broker")]),
        .executableTarget(
            name: "FuzzWebSocket",
            dependencies: [
                "FuzzSupport",
                .product(name: "WebSocketSink", package: "telemetry-broker"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "FuzzMQTT",
            dependencies: [
                "FuzzSupport",
                .product(name: "MQTTClient", package: "telemetry-broker"),
                .product(name: "MQTTSource", package: "telemetry-broker"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "FuzzConfig",
            dependencies: ["FuzzSupport", .product(name: "BuiltinPlugins", package: "telemetry-broker")]),
    ]
)
