import BrokerCore
import BrokerTestSupport
import Foundation
import Testing
import UDPSupport

#if canImport(Glibc)
import Glibc
#endif

/// The shared UDP intake over real sockets on loopback: delivery in order, forwarding byte for
/// byte to every target (before any decoding), a target that never reads, silence, a port in use.
@Suite struct DatagramIntakeTests {
    @Test func deliversAndForwardsEveryDatagramUnchanged() async throws {
        let first = try LoopbackUDPReceiver()
        let second = try LoopbackUDPReceiver()
        let port = try freeLoopbackPort(udp: true)
        let metrics = BrokerMetrics()
        let hub = SourceHub(id: "f1", typeName: "f1", registry: VariableRegistry(), metrics: metrics)
        let intake = try await DatagramIntake.start(
            listen: try UDPTarget(parsing: "127.0.0.1:\(port)"),
            forward: [try UDPTarget(parsing: "127.0.0.1:\(first.port)"), try UDPTarget(parsing: "localhost:\(second.port)")],
            label: "test", source: hub)
        let sent = (0..<200).map { index in (0..<(1 + index % 97)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) } }
        let sender = try LoopbackUDPSender(port: port)
        for datagram in sent { sender.send(datagram) }

        let collector = Task {
            var received: [[UInt8]] = []
            for await event in intake.events {
                if case let .datagram(bytes) = event { received.append(bytes) }
                if received.count == sent.count { break }
            }
            return received
        }
        #expect(await waitUntil(timeout: 10) { intake.received == UInt64(sent.count) })
        let timeout = Task {
            try await Task.sleep(for: .seconds(5))
            collector.cancel()
        }
        #expect(await collector.value == sent)
        timeout.cancel()
        #expect(await waitUntil { first.datagrams.count == sent.count && second.datagrams.count == sent.count })
        #expect(first.datagrams.map(\.bytes) == sent)
        #expect(second.datagrams.map(\.bytes) == sent)
        #expect(intake.forwardCounts.map(\.sent) == [200, 200])
        #expect(intake.forwardCounts.map(\.failed) == [0, 0])
        #expect(intake.forwardCounts.map(\.target) == ["127.0.0.1:\(first.port)", "localhost:\(second.port)"])
        #expect(intake.received == 200)
        // The same counts in the source's metrics.
        #expect(metrics.value(#"broker_source_datagrams_total{source="f1"}"#) == 200)
        #expect(await waitUntil { metrics.value(#"broker_source_forwarded_total{source="f1",target="localhost:\#(second.port)"}"#) == 200 })
        #expect(metrics.value(#"broker_source_forward_failures_total{source="f1",target="127.0.0.1:\#(first.port)"}"#) == 0)
        #expect(metrics.value(#"broker_source_dropped_total{source="f1",reason="overloaded"}"#) == 0)
        await intake.close()
    }

    @Test func aTargetThatNeverReadsDoesNotHoldTheSourceBack() async throws {
        // A bound socket that never reads: the kernel drops what overflows its buffer.
        let deaf = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(deaf) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(deaf, $0, length) == 0 && getsockname(deaf, $0, &length) == 0 }
        }
        let deafPort = Int(UInt16(bigEndian: address.sin_port))
        let listening = try LoopbackUDPReceiver()
        let port = try freeLoopbackPort(udp: true)
        let intake = try await DatagramIntake.start(
            listen: try UDPTarget(parsing: "127.0.0.1:\(port)"),
            forward: [try UDPTarget(parsing: "127.0.0.1:\(deafPort)"), try UDPTarget(parsing: "127.0.0.1:\(listening.port)")],
            label: "test")
        let sender = try LoopbackUDPSender(port: port)
        let payload = [UInt8](repeating: 0xAB, count: 1400)
        let total = 1000
        let consumer = Task {
            var count = 0
            for await event in intake.events {
                if case .datagram = event { count += 1 }
                if count == total { break }
            }
        }
        // Paced so that the intake's own receive buffer never overflows; the deaf target's does.
        for index in 0..<total {
            sender.send(payload)
            if index % 20 == 19 { try await Task.sleep(for: .milliseconds(5)) }
        }
        // On a loaded machine the kernel may drop a few at the intake's own socket; whatever it
        // received, it forwarded to the reading target, and offered to the deaf one.
        var received = intake.received
        for _ in 0..<50 where received < UInt64(total) {
            try await Task.sleep(for: .milliseconds(200))
            let now = intake.received
            if now == received { break }
            received = now
        }
        #expect(received >= UInt64(total * 9 / 10), "only \(received) of \(total) datagrams reached the intake")
        #expect(await waitUntil(timeout: 10) { UInt64(listening.datagrams.count) == received })
        consumer.cancel()
        let counts = intake.forwardCounts
        #expect(counts[1].sent == received)
        #expect(counts[0].sent + counts[0].failed == received)
        await intake.close()
    }

    @Test func reportsSilenceOnceAfterDatagramsStop() async throws {
        let port = try freeLoopbackPort(udp: true)
        let intake = try await DatagramIntake.start(
            listen: try UDPTarget(parsing: "127.0.0.1:\(port)"), idleTimeout: 0.3, label: "test")
        let sender = try LoopbackUDPSender(port: port)
        sender.send([1, 2, 3])
        let events = Task {
            var log: [String] = []
            for await event in intake.events {
                switch event {
                case .datagram: log.append("datagram")
                case let .silence(seconds): log.append(seconds >= 0.3 ? "silence" : "early silence \(seconds)")
                }
                if log.count == 2 { sender.send([4]) }
                if log.count == 4 { break }
            }
            return log
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(5))
            events.cancel()
        }
        #expect(await events.value == ["datagram", "silence", "datagram", "silence"])
        timeout.cancel()
        await intake.close()
    }

    @Test func aPortInUseIsOneClearError() async throws {
        let taken = try LoopbackUDPReceiver()
        await #expect {
            _ = try await DatagramIntake.start(listen: try UDPTarget(parsing: "127.0.0.1:\(taken.port)"), label: "f1 source 'f1'")
        } throws: { error in
            "\(error)".hasPrefix("f1 source 'f1': cannot listen on UDP 127.0.0.1:\(taken.port)")
        }
    }
}
