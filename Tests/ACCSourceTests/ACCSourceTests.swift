import ACCTestSupport
import BrokerCore
import BrokerTestSupport
import Foundation
import Testing

@testable import ACCSource

/// The ACC source against the fake ACC server over loopback UDP: registration accepted and refused,
/// a 22-car field at 10 Hz, a car joining, events, garbage, silence and a restarted ACC.
@Suite struct ACCSourceTests {
    struct Running {
        let hub: SourceHub
        let log: LogCapture
        let task: Task<Void, any Error>

        init(port: Int, password: String = "asd", timeouts: ACCSource.Timeouts = .init(registration: 1, silence: 1, tick: 0.05)) {
            let registry = VariableRegistry()
            let log = LogCapture()
            hub = SourceHub(id: "acc", typeName: "acc", registry: registry)
            let config = ACCSourceConfig(port: port, password: password, intervalMs: 100, reconnect: .init(minS: 0.1, maxS: 0.4))
            let source = ACCSource(id: "acc", config: config, context: PluginContext(logger: log.logger, registry: registry), timeouts: timeouts)
            let hub = hub
            task = Task { try await source.run(output: hub) }
            self.log = log
        }

        func detail(_ key: String) -> JSONValue? { JSONValue.object(hub.status.details)[key] }
        func value(_ name: String) -> JSONValue? { hub.latestFrame?.value(named: name) }

        func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    /// Runs the source against the fake on `port` for `body`, and stops it on every way out.
    func withRunningSource<Value>(port: Int, password: String = "asd", _ body: (Running) async throws -> Value) async throws -> Value {
        try await using(Running(port: port, password: password), stop: { await $0.stop() }, body)
    }

    @Test func registersFollowsTwentyTwoCarsAndSeesACarJoin() async throws {
        try await withFakeACCServer(cars: 22) { server in
            try await withRunningSource(port: server.port) { acc in
                #expect(await waitUntil(timeout: 10) { acc.hub.status.connected && acc.detail("cars") == .int(22) })
                #expect(server.registrations == 1 && server.entryListRequests >= 1 && server.trackRequests == 1)
                #expect(
                    await waitUntil(timeout: 10) {
                        guard case let .array(drivers)? = acc.hub.sessionInfo?.data["DriverInfo"]?["Drivers"] else { return false }
                        return drivers.count == 22
                    })
                #expect(acc.hub.sessionInfo?.data["WeekendInfo"]?["TrackName"] == .string("Red Bull Ring"))
                #expect(await waitUntil(timeout: 10) { (acc.hub.latestFrame?.seq ?? 0) >= 5 })
                guard case let .array(indices)? = acc.value("CarIdxACCIndex") else {
                    Issue.record("no CarIdxACCIndex")
                    return
                }
                #expect(
                    indices[..<22].map { if case let .int(i) = $0 { return Int(i) } else { return -9 } }
                        == (0..<22).map { Int(FakeACCServer.carIndex($0)) })
                #expect(acc.value("Speed") == .float(Float(100.0 / 3.6)))  // car 0 focused, 100 km/h

                let requestsBefore = server.entryListRequests
                server.addCar(index: 99)
                #expect(await waitUntil(timeout: 10) { acc.detail("cars") == .int(23) && server.entryListRequests > requestsBefore })
                #expect(
                    await waitUntil(timeout: 10) {
                        guard case let .array(drivers)? = acc.hub.sessionInfo?.data["DriverInfo"]?["Drivers"] else { return false }
                        return drivers.count == 23
                    })

                server.focus(on: 99)
                #expect(await waitUntil(timeout: 10) { acc.value("PlayerCarIdx") == .int(22) && acc.value("Speed") == .float(Float(199.0 / 3.6)) })

                let cursor = acc.hub.eventsEmitted
                server.sendEvent(type: 1, message: "Green", timeMs: 1000, car: 0)
                #expect(await waitUntil(timeout: 10) { acc.hub.events(after: cursor).events.contains { $0.name == "green_flag" } })

                await acc.stop()
                #expect(await waitUntil(timeout: 5) { server.unregistrations == 1 })
            }
        }
    }

    @Test func aRefusedRegistrationIsAClearStatusAndOneErrorLineRetried() async throws {
        try await withFakeACCServer(password: "right") { server in
            try await withRunningSource(port: server.port, password: "wrong") { acc in
                #expect(await waitUntil(timeout: 10) { server.refusals >= 3 })
                // Between attempts the status keeps saying why.
                for _ in 0..<20 {
                    #expect(!acc.hub.status.connected)
                    #expect(acc.detail("reason") == .string("registration refused: Wrong password"))
                    try await Task.sleep(for: .milliseconds(25))
                }
                #expect(acc.log.messages(exactly: .error).count == 1)
                #expect(acc.log.messages(exactly: .error).first?.contains("registration refused: Wrong password") == true)
            }
        }
    }

    @Test func garbageIsCountedSilenceDisconnectsAndARestartedACCIsRegisteredAgain() async throws {
        try await withFakeACCServer(cars: 20) { server in
            let port = server.port
            try await withRunningSource(port: port) { acc in
                #expect(await waitUntil(timeout: 10) { acc.hub.status.connected })
                server.sendRaw([99, 1, 2])
                server.sendRaw([7, 5, 0xF4, 0x01, 0, 0])
                server.sendRaw([3, 0, 0])
                server.sendRaw([])
                #expect(
                    await waitUntil(timeout: 10) {
                        acc.detail("dropped")
                            == .object([("unknown message type", .int(1)), ("string length beyond the datagram", .int(1)), ("short read", .int(1))])
                            || acc.detail("dropped")
                                == .object([
                                    ("unknown message type", .int(1)), ("string length beyond the datagram", .int(1)), ("short read", .int(1)),
                                    ("empty datagram", .int(1)),
                                ])
                    })
                #expect(acc.log.warnings.filter { $0.contains("dropped input") }.count >= 3)

                server.setSilent(true)
                #expect(await waitUntil(timeout: 10) { !acc.hub.status.connected })
                if case let .string(reason)? = acc.detail("reason") {
                    #expect(reason.hasPrefix("no message for 1 s"))
                } else {
                    Issue.record("no reason while disconnected")
                }
                #expect(await waitUntil(timeout: 10) { server.registrations >= 2 })
                server.setSilent(false)
                #expect(await waitUntil(timeout: 10) { acc.hub.status.connected })

                // ACC restarts: a new process on the same port, knowing nothing of the client.
                await server.stop()
                #expect(await waitUntil(timeout: 10) { !acc.hub.status.connected })
                try await withFakeACCServer(cars: 21, port: port) { restarted in
                    #expect(await waitUntil(timeout: 15) { acc.hub.status.connected && acc.detail("cars") == .int(21) })
                    #expect(restarted.registrations == 1)
                    await acc.stop()
                }
            }
        }
    }
}
