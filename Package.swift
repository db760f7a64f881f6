// swift-tools-version: 6.0
import PackageDescription

/// Layout: `Sources/` holds the core library, the C-library shims and the `broker` executable;
/// `Plugins/` holds one folder per source or sink plugin, each its own target; `Tests/` one test
/// target per plugin plus the core, the CLI and the shared plugin compliance suite.
let package = Package(
    name: "telemetry-broker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "broker", targets: ["broker"]),
        .library(name: "BrokerCore", targets: ["BrokerCore"]),
        // For the fuzz package in Fuzz/ (which builds these with sanitizer flags of its own) and the
        // benchmark package in Benchmarks/.
        .library(name: "IRacingSource", targets: ["IRacingSource"]),
        .library(name: "InSimSource", targets: ["InSimSource"]),
        .library(name: "WebSocketSink", targets: ["WebSocketSink"]),
        .library(name: "MQTTClient", targets: ["MQTTClient"]),
        .library(name: "MQTTSource", targets: ["MQTTSource"]),
        .library(name: "BuiltinPlugins", targets: ["BuiltinPlugins"]),
        .library(name: "MockSource", targets: ["MockSource"]),
        .library(name: "ReplaySource", targets: ["ReplaySource"]),
        .library(name: "StdoutSink", targets: ["StdoutSink"]),
        .library(name: "ForzaSource", targets: ["ForzaSource"]),
        .library(name: "ACCSource", targets: ["ACCSource"]),
        .library(name: "F1Source", targets: ["F1Source"]),
        .library(name: "RaceProcessor", targets: ["RaceProcessor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        // Tests only: the child processes they run (brokers, Mosquitto, Python clients, a browser).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        // System C libraries.
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]),
        .systemLibrary(
            name: "CDNSSD", path: "Sources/CDNSSD", pkgConfig: "avahi-compat-libdns_sd",
            providers: [.apt(["libavahi-compat-libdnssd-dev"])]),
        .systemLibrary(
            name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),

        // The core: registry, frames, routing, rate limiting, config, plugin protocols, metrics.
        .target(
            name: "BrokerCore",
            dependencies: [
                "CYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // What several plugins share: the UDP listener with raw forwarding, and host:port addresses.
        .target(
            name: "UDPSupport",
            dependencies: [
                "BrokerCore", .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Plugins/Shared/UDPSupport"),
        .target(name: "OutGaugeProtocol", dependencies: ["BrokerCore"], path: "Plugins/Shared/OutGauge"),
        // The `tls:` key of TLS clients (files checked at load, the NIOSSL client context) and their
        // failures in words: the MQTT client's and the upstream `websocket` source's.
        .target(
            name: "TLSClient",
            dependencies: ["BrokerCore", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            path: "Plugins/Shared/TLSClient"),
        // The MQTT 3.1.1 client (codec, connection over TCP or TLS, reconnects) of the MQTT sink and source.
        .target(
            name: "MQTTClient",
            dependencies: [
                "BrokerCore", "TLSClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            path: "Plugins/Shared/MQTTClient"),

        // The Win32 functions the iRacing source's Windows code calls, so it type-checks (and runs
        // against a test's fake) on Linux and macOS.
        .target(name: "Win32Shim", path: "Plugins/Shared/Win32Shim"),

        // Source plugins.
        .target(
            name: "MockSource", dependencies: ["BrokerCore"], path: "Plugins/Sources/Mock", exclude: ["README.md"],
            resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "IRacingSource",
            dependencies: [
                "BrokerCore", "UDPSupport", "CLZ4", .product(name: "Logging", package: "swift-log"),
                .target(name: "Win32Shim", condition: .when(platforms: [.linux, .macOS])),
            ],
            path: "Plugins/Sources/IRacing",
            exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "InSimSource",
            dependencies: [
                "BrokerCore", "OutGaugeProtocol", "UDPSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Plugins/Sources/InSim",
            exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "ReplaySource", dependencies: ["BrokerCore"], path: "Plugins/Sources/Replay", exclude: ["README.md"],
            resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "WebSocketSource",
            dependencies: [
                "BrokerCore", "TLSClient",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Plugins/Sources/WebSocket", exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "ForzaSource", dependencies: ["BrokerCore", "UDPSupport"], path: "Plugins/Sources/Forza", exclude: ["README.md"],
            resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "ACCSource",
            dependencies: [
                "BrokerCore", .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Plugins/Sources/ACC", exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "F1Source", dependencies: ["BrokerCore", "UDPSupport", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/Sources/F1", exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "MQTTSource",
            dependencies: [
                "BrokerCore", "MQTTClient", "TLSClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Plugins/Sources/MQTT", exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "OutGaugeSource", dependencies: ["BrokerCore", "OutGaugeProtocol", "UDPSupport"], path: "Plugins/Sources/OutGauge",
            exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),

        // Sink plugins.
        .target(
            name: "StdoutSink", dependencies: ["BrokerCore", .product(name: "CoreMetrics", package: "swift-metrics")],
            path: "Plugins/Sinks/Stdout", exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "UDPSink",
            dependencies: [
                "BrokerCore", "UDPSupport", .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Plugins/Sinks/UDP", exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),
        .target(
            name: "WebSocketSink",
            dependencies: [
                "BrokerCore", "CDNSSD", .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            path: "Plugins/Sinks/WebSocket",
            exclude: ["README.md"],
            resources: [
                .embedInCode("sample.yaml"), .embedInCode("Dashboard/index.html"), .embedInCode("Dashboard/dashboard.js"),
                .embedInCode("Dashboard/dashboard.css"),
            ]),
        .target(
            name: "MQTTSink",
            dependencies: [
                "BrokerCore", "MQTTClient", "TLSClient", .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Plugins/Sinks/MQTT", exclude: ["README.md"], resources: [.embedInCode("sample.yaml")]),

        // Processor plugins.
        .target(
            name: "RaceProcessor", dependencies: ["BrokerCore"], path: "Plugins/Processors/Race", exclude: ["README.md"],
            resources: [.embedInCode("sample.yaml")]),

        // The built-in plugin list, shared by the executable and the compliance tests.
        .target(
            name: "BuiltinPlugins",
            dependencies: [
                "BrokerCore", "MockSource", "IRacingSource", "InSimSource", "ReplaySource", "StdoutSink", "UDPSink", "MQTTSink",
                "WebSocketSink", "RaceProcessor", "WebSocketSource", "ForzaSource", "ACCSource", "F1Source", "OutGaugeSource", "MQTTSource",
            ]),

        // The command line.
        .executableTarget(
            name: "broker",
            dependencies: [
                "BrokerCore", "BuiltinPlugins",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]),

        // Tests.
        .target(
            name: "BrokerTestSupport",
            dependencies: [
                "BrokerCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/BrokerTestSupport"),
        .target(
            name: "InSimTestSupport",
            dependencies: ["BrokerTestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Tests/InSimTestSupport"),
        .testTarget(
            name: "InSimSourceTests",
            dependencies: [
                "InSimSource", "OutGaugeProtocol", "UDPSupport", "InSimTestSupport", "BrokerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(name: "BrokerCoreTests", dependencies: ["BrokerCore", "BrokerTestSupport"]),
        .testTarget(name: "MockSourceTests", dependencies: ["MockSource", "BrokerTestSupport"]),
        .testTarget(
            name: "RaceProcessorTests",
            dependencies: [
                "RaceProcessor", "InSimSource", "InSimTestSupport", "MockSource", "BrokerTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "IRacingSourceTests",
            dependencies: [
                "IRacingSource", "BrokerCore", "BrokerTestSupport", "CLZ4", "UDPSupport", .product(name: "Logging", package: "swift-log"),
                .target(name: "Win32Shim", condition: .when(platforms: [.linux, .macOS])),
            ],
            path: "Tests/IRacingSourceTests"),
        .testTarget(name: "StdoutSinkTests", dependencies: ["StdoutSink", "BrokerTestSupport"]),
        .testTarget(name: "ReplaySourceTests", dependencies: ["ReplaySource", "BrokerTestSupport"]),
        .testTarget(name: "UDPSinkTests", dependencies: ["UDPSink", "UDPSupport", "MockSource", "BrokerTestSupport"]),
        .testTarget(name: "UDPSupportTests", dependencies: ["UDPSupport", "BrokerTestSupport"]),
        .testTarget(name: "ForzaSourceTests", dependencies: ["ForzaSource", "UDPSupport", "BrokerTestSupport"]),
        .target(
            name: "ACCTestSupport",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Tests/ACCTestSupport"),
        .testTarget(name: "ACCSourceTests", dependencies: ["ACCSource", "ACCTestSupport", "BrokerTestSupport"]),
        .testTarget(name: "F1SourceTests", dependencies: ["F1Source", "UDPSupport", "BrokerTestSupport"]),
        .testTarget(name: "OutGaugeSourceTests", dependencies: ["OutGaugeSource", "OutGaugeProtocol", "BrokerTestSupport", "InSimTestSupport"]),
        .testTarget(
            name: "WebSocketSinkTests",
            dependencies: [
                "WebSocketSink", "MockSource", "BrokerTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/WebSocketSinkTests",
            exclude: ["interop"]),
        .testTarget(
            name: "MQTTClientTests",
            dependencies: [
                "MQTTClient", "BrokerTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "MQTTSinkTests",
            dependencies: [
                "MQTTSink", "MQTTClient", "TLSClient", "MockSource", "BrokerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "MQTTSourceTests",
            dependencies: [
                "MQTTSource", "MQTTClient", "MQTTSink", "TLSClient", "MockSource", "BrokerTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "WebSocketSourceTests",
            dependencies: [
                "WebSocketSource", "WebSocketSink", "TLSClient", "MockSource", "BrokerTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ]),
        .testTarget(name: "PluginComplianceTests", dependencies: ["BuiltinPlugins", "BrokerTestSupport", "InSimTestSupport", "ACCTestSupport"]),
        .testTarget(
            name: "BrokerCLITests",
            dependencies: [
                "BrokerTestSupport", "InSimTestSupport", "ACCTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]),
    ]
)
