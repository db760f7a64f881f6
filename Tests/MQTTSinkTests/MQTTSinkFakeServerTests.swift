import BrokerCore
import BrokerTestSupport
import Foundation
import MQTTClient
import Testing

@testable import MQTTSink

/// The sink against a scripted server, for the failures a real MQTT server will not stage.
@Suite struct MQTTSinkFakeServerTests {
    @Test func inFlightWindowStaysBoundedWhenAcknowledgementsStop() async throws {
        let server = try await FakeMQTTServer(.withholdAcknowledgements)
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(
            config: testConfig(port: server.port, clientID: "window") {
                $0.qos = .atLeastOnce
                $0.maxInFlight = 5
                $0.perVariable = true
            }, hubs: [car.hub], registry: registry, rate: 0)
        car.start()
        #expect(try await run.waitForStats { $0.inFlight == 5 }, "\(run.stats)")
        // Frames of 4 messages each keep coming and meet a full window: newer values replace waiting ones.
        #expect(try await run.waitForStats(timeout: 10) { $0.dropped >= 100 }, "\(run.stats)")
        #expect(run.stats.inFlight == 5, "the window is 5: \(run.stats)")
        #expect(server.seen.publishes == 5, "no PUBLISH beyond the window: \(server.seen)")
        #expect(run.stats.published == 0, "nothing was acknowledged")
        let waiting = try #require(run.session("car")?.waitingCount)
        #expect(waiting <= 7, "one waiting message per topic at most (status, sessionInfo, declarations, telemetry, 3 vars), found \(waiting)")
        car.stop()
        #expect(await run.stop() <= PluginCompliance.stopDeadline)
        await server.close()
    }

    @Test func aSilentServerIsDetectedByKeepAliveAndLeftForAnotherTry() async throws {
        let server = try await FakeMQTTServer(.ignorePings)
        let registry = VariableRegistry()
        let idle = SourceHub(id: "idle", typeName: "test", registry: registry)
        let run = try SinkRun(config: testConfig(port: server.port, clientID: "silent") { $0.keepAliveSeconds = 1 }, hubs: [idle], registry: registry)
        let deadline = Date().addingTimeInterval(8)
        while server.seen.connections < 2 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.seen.connections >= 2, "no new connection after the server stopped answering PINGREQ: \(server.seen)")
        #expect(server.seen.pings >= 1)
        let lost = run.logs.messages(exactly: .warning).filter { $0.contains("lost connection") }
        #expect(lost.first?.contains("no PINGRESP within 1 s") == true, "\(lost)")
        #expect(await run.stop() <= PluginCompliance.stopDeadline)
        await server.close()
    }

    @Test(
        arguments: [
            ([0x20, 0x02, 0x02, 0x00], "CONNACK with reserved acknowledge flags set"),
            ([0x20, 0x02, 0x00, 0x09], "CONNACK with unknown return code 9"),
            ([0x20, 0x02, 0x01, 0x00], "claims a stored session"),
            ([0x30, 0x05, 0x00, 0x01, 0x61, 0x68, 0x69], "unexpected PUBLISH packet"),
            ([0x40, 0x02, 0x00, 0x01], "PUBACK before the connection was accepted"),
            ([0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "remaining length longer than 4 bytes"),
        ] as [([UInt8], String)])
    func badAnswersToConnectAreOneLineAndRetried(answer: [UInt8], expected: String) async throws {
        let server = try await FakeMQTTServer(.answerConnect(answer))
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(config: testConfig(port: server.port, clientID: "strict"), hubs: [car.hub], registry: registry)
        car.start()
        let deadline = Date().addingTimeInterval(8)
        while server.seen.connections < 3 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.seen.connections >= 3, "the sink should retry with backoff: \(server.seen)")
        let lines = run.logs.messages(atLeast: .warning)
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains(expected) == true, "\(lines)")
        #expect(run.stats.connectedSessions == 0 && run.stats.published == 0)
        car.stop()
        #expect(await run.stop() <= PluginCompliance.stopDeadline)
        await server.close()
    }

    @Test func anUnreachableServerIsOneWarningAndStoppingStaysPrompt() async throws {
        // A port bound but not listening, held for the whole test: every connect is refused.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let registry = VariableRegistry()
        let car = DrivenHub(registry: registry)
        let run = try SinkRun(config: testConfig(port: port, clientID: "nobody"), hubs: [car.hub], registry: registry)
        car.start()
        // Several attempts fail while frames keep coming.
        #expect(try await run.waitForStats(timeout: 10) { $0.dropped > 5 }, "\(run.stats)")
        let warnings = run.logs.messages(atLeast: .warning)
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.contains("cannot connect to mqtt://127.0.0.1:\(port): connection refused") == true, "\(warnings)")
        #expect((run.session("car")?.waitingCount ?? 99) <= 4, "newest wins while disconnected (status, sessionInfo, declarations, telemetry)")
        car.stop()
        #expect(await run.stop() <= PluginCompliance.stopDeadline)
    }

    @Test func aSourceIDThatCannotBeATopicLevelStopsTheSinkWithOneError() async throws {
        let registry = VariableRegistry()
        let hub = SourceHub(id: "a+b", typeName: "test", registry: registry)
        let run = try SinkRun(config: testConfig(port: 1, clientID: "bad"), hubs: [hub], registry: registry)
        guard case let .failure(error) = await run.result() else {
            Issue.record("the sink ran with a source id that breaks topics")
            return
        }
        #expect("\(error)".contains("source id 'a+b' cannot be used in MQTT topics: it contains a wildcard"))
    }
}
