import BrokerCore
import BrokerTestSupport
import InSimSource
import InSimTestSupport
import NIOCore
import NIOPosix
import Testing

/// The source against the fake LFS host: handshake, keep-alives, a race of 20 cars, events.
@Suite(.serialized) struct InSimClientTests {
    @Test func handshakeSendsTheInitThenAsksForStateConnectionsAndPlayers() async throws {
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(versionProduct: "S3") }
        try await RunningSource.with(.forTests(port: host.port, flags: [.mci, .nlp])) { source in
            #expect(await waitUntil { host.received(connection: 0).count >= 6 })
            let packets = host.received(connection: 0)
            let isi = try #require(packets.first)
            #expect(
                try InSimDecoder.decode(isi)
                    == .initialise(InSimInit(requestID: 1, udpPort: 0, flags: 0x30, insimVersion: 10, interval: 100, admin: "", name: "broker")))
            let requests = packets.dropFirst().compactMap { packet -> InSimTiny? in
                if case let .tiny(tiny)? = try? InSimDecoder.decode(packet) { return tiny }
                return nil
            }
            for subtype in [TinySubtype.sendState, TinySubtype.connections, TinySubtype.players] {
                let request = requests.first { $0.subtype == subtype }
                #expect(request != nil, "no TINY \(subtype) request")
                #expect((request?.requestID ?? 0) != 0, "TINY \(subtype) sent with ReqI 0")
            }
            #expect(await waitUntil { source.hub.status.connected })
            let details = JSONValue.object(source.hub.status.details)
            #expect(details["lfs_version"] == .string("0.7F"))
            #expect(details["product"] == .string("S3"))
            #expect(details["insim_version"] == .int(10))
            #expect(details["host"] == .string("127.0.0.1:\(host.port)"))
            await source.stop()
            await host.stop()
        }
    }

    @Test func keepAlivesAreAnsweredSoTheHostKeepsTheConnection() async throws {
        // Keep-alives every 0.1 s, silence of 1 s closes: 12 replies span well over the timeout.
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(keepAliveInterval: 0.1, silenceTimeout: 1) }
        let source = RunningSource.start(.forTests(port: host.port))
        #expect(await waitUntil { source.hub.status.connected })
        let answered = await waitUntil(timeout: 20) { host.received(connection: 0).filter { $0 == [1, 3, 0, 0] }.count >= 12 }
        #expect(answered, "only \(host.received(connection: 0).filter { $0 == [1, 3, 0, 0] }.count) keep-alive replies")
        #expect(host.connectionCount == 1)
        #expect(host.closedForSilenceCount == 0)
        #expect(source.hub.status.connected)
        await source.stop()
        await host.stop()
    }

    /// The control for the test above: the fake host really closes a client that stays silent.
    @Test func theHostClosesAClientThatDoesNotAnswerKeepAlives() async throws {
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(keepAliveInterval: 0.1, silenceTimeout: 1) }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: host.port).get()
        let isi = InSimEncoder.encode(InSimInit(flags: 0, interval: 0, name: "mute"))
        try await channel.writeAndFlush(ByteBuffer(bytes: isi))
        #expect(await waitUntil { host.closedForSilenceCount == 1 })
        try await channel.closeFuture.get()
        await host.stop()
    }

    private func startRace() async throws -> (FakeLFSHost, RunningSource) {
        let responses = LFSRaceScript.hostResponses
        let host = try await FakeLFSHost { _ in FakeLFSHost.Behaviour(responses: responses) }
        let source = RunningSource.start(.forTests(port: host.port))
        let ready = await waitUntil {
            source.drivers.count == LFSRaceScript.playerIDs.count
                && source.sessionInfo?["ConnectionInfo"]?["Connections"]?.arrayValue?.count == 21
                && source.sessionInfo?["WeekendInfo"]?["HostName"] != nil
                && source.sessionInfo?["WeekendInfo"]?["TrackNumNodes"] != nil
        }
        #expect(ready, "session info never listed the race")
        return (host, source)
    }

    @Test func sessionInfoMirrorsDriverInfoWithCarIdxSlots() async throws {
        let (host, source) = try await startRace()
        let drivers = source.drivers
        #expect(Set(drivers.compactMap { $0["CarIdx"]?.intValue }) == Set(0..<20))
        for playerID in LFSRaceScript.playerIDs {
            let driver = try #require(drivers.first { $0["PLID"]?.intValue == Int64(playerID) })
            #expect(driver["UserName"] == .string(LFSRaceScript.plainName(of: playerID)))
            #expect(driver["UCID"] == .int(Int64(LFSRaceScript.connectionID(of: playerID))))
            #expect(driver["LFSUserName"] == .string("user\(LFSRaceScript.connectionID(of: playerID))"))
            #expect(driver["Plate"] == .string("P\(playerID)"))
            #expect(driver["CarScreenName"] == .string(playerID == 30 ? "5882E6" : "XRT"))
        }
        let driver11 = try #require(drivers.first { $0["PLID"] == .int(11) })
        #expect(driver11["UserNameRaw"] == .string("^4Driver 11"))
        let info = try #require(source.sessionInfo)
        #expect(info["WeekendInfo"]?["TrackName"] == .string("BL1"))
        #expect(info["WeekendInfo"]?["TrackDisplayName"] == .string("Blackwood"))
        #expect(info["WeekendInfo"]?["HostName"] == .string("Test Host"))
        #expect(info["WeekendInfo"]?["HostNameRaw"] == .string("^1Test ^7Host"))
        #expect(info["WeekendInfo"]?["TrackNumNodes"] == .int(400))
        #expect(info["WeekendInfo"]?["Wind"] == .string("strong"))
        #expect(info["SessionInfo"]?["Sessions"]?[0]?["SessionType"] == .string("Race"))
        #expect(info["SessionInfo"]?["Sessions"]?[0]?["SessionLaps"] == .string("5"))
        #expect(info["DriverInfo"]?["DriverCarIdx"] == .int(-1))
        let hostConnection = info["ConnectionInfo"]?["Connections"]?[0]
        #expect(hostConnection?["UCID"] == .int(0))
        #expect(hostConnection?["Admin"] == .bool(true))
        #expect(hostConnection?["Remote"] == .bool(false))
        await source.stop()
        await host.stop()
    }

    @Test func aMultiPacketMCISetBecomesOneFrameWithEveryCar() async throws {
        let (host, source) = try await startRace()
        let set = LFSRaceScript.multiCarInfoSet(step: 0)
        #expect(set.count == 2)
        #expect(source.frame == nil)
        try await host.send(set)
        #expect(await waitUntil { source.frame != nil })
        let firstSeq = try #require(source.frame?.seq)

        for playerID in LFSRaceScript.playerIDs {
            let slot = try #require(source.carIndex(ofPlayer: Int(playerID)))
            let car = LFSRaceScript.car(playerID, step: 0)
            #expect(source.element("CarIdxPLID", slot) == .int(Int64(playerID)))
            #expect(source.element("CarIdxPosition", slot) == .int(Int64(car.position)))
            #expect(source.element("CarIdxLap", slot) == .int(Int64(car.lap)))
            #expect(source.element("CarIdxLapCompleted", slot) == .int(Int64(car.lap) - 1))
            #expect(source.element("CarIdxNode", slot) == .int(Int64(car.node)))
            #expect(source.element("CarIdxSpeed", slot) == .float(Float(Double(car.speed) * 100 / 32768)))
            #expect(source.element("CarIdxX", slot) == .float(Float(Double(car.x) / 65536)))
            #expect(source.element("CarIdxY", slot) == .float(Float(Double(car.y) / 65536)))
            #expect(source.element("CarIdxZ", slot) == .float(0.5))
            #expect(source.element("CarIdxHeading", slot) == .float(Float(Double(car.heading) * .pi / 32768)))
            #expect(source.element("CarIdxYawRate", slot) == .float(Float(Double(car.angularVelocity) * 2 * .pi / 16384)))
            let fraction = Double((Int(car.node) - Int(LFSRaceScript.finishNode) + 400) % 400) / 400
            #expect(source.element("CarIdxLapDistPct", slot) == .float(Float(fraction)))
            #expect(source.element("CarIdxTrackSurface", slot) == .int(3))
        }
        for emptySlot in 20..<64 {
            #expect(source.element("CarIdxPLID", emptySlot) == .int(0))
            #expect(source.element("CarIdxLap", emptySlot) == .int(-1))
            #expect(source.element("CarIdxPosition", emptySlot) == .int(0))
            #expect(source.element("CarIdxLapDistPct", emptySlot) == .float(-1))
            #expect(source.element("CarIdxSpeed", emptySlot) == .null)
            #expect(source.element("CarIdxTrackSurface", emptySlot) == .int(-1))
        }
        let viewed = try #require(source.carIndex(ofPlayer: Int(LFSRaceScript.viewedPlayer)))
        #expect(source.value("CamCarIdx") == .int(Int64(viewed)))
        #expect(source.value("PlayerCarIdx") == .int(Int64(viewed)))
        #expect(source.value("PlayerCarPosition") == .int(Int64(LFSRaceScript.car(LFSRaceScript.viewedPlayer, step: 0).position)))
        #expect(source.value("SessionLapsTotal") == .int(5))

        // The first packet of the next set alone publishes nothing; its last packet does.
        let next = LFSRaceScript.multiCarInfoSet(step: 1)
        try await host.send(next[0] + LFSPacket.lap(plid: 11, lapTimeMs: 83456, totalMs: 170_000, lapsDone: 2))
        #expect(await waitUntil { !source.events(named: "lap").isEmpty })
        #expect(source.frame?.seq == firstSeq)
        try await host.send(next[1])
        #expect(await waitUntil { (source.frame?.seq ?? 0) > firstSeq })
        #expect(source.frame?.seq == firstSeq + 1)
        let slot11 = try #require(source.carIndex(ofPlayer: 11))
        #expect(source.element("CarIdxLap", slot11) == .int(3))
        #expect(source.element("CarIdxLastLapTime", slot11) == .float(83.456))
        #expect(source.element("CarIdxBestLapTime", slot11) == .float(83.456))
        #expect(source.element("CarIdxBestLapNum", slot11) == .int(2))
        await source.stop()
        await host.stop()
    }

    @Test func aStreamOfMCISetsPublishesOneFrameEachWithTheLatestValues() async throws {
        let responses = LFSRaceScript.hostResponses
        let host = try await FakeLFSHost { _ in
            FakeLFSHost.Behaviour(responses: responses, periodic: .init(interval: 0.02) { LFSRaceScript.multiCarInfoSet(step: $0) })
        }
        try await RunningSource.with(.forTests(port: host.port)) { source in
            #expect(await waitUntil { (source.frame?.seq ?? 0) >= 10 && source.drivers.count == 20 })
            let slot = try #require(source.carIndex(ofPlayer: 11))
            let lap = try #require(source.element("CarIdxLap", slot)?.intValue)
            let node = try #require(source.element("CarIdxNode", slot)?.intValue)
            // Step n puts car 11 on lap 2 + n at node 100 + n: the frame holds one consistent step.
            #expect(node - 100 == lap - 2)
            await source.stop()
            await host.stop()
        }
    }

    @Test func raceHappeningsBecomeEventsInOrderWithTheirData() async throws {
        let (host, source) = try await startRace()
        try await host.send(LFSRaceScript.multiCarInfoSet(step: 0))
        #expect(await waitUntil { source.frame != nil })
        let start = source.hub.eventsEmitted
        try await host.send([
            LFSPacket.lap(plid: 11, lapTimeMs: 83456, totalMs: 170_000, lapsDone: 2, fuel200: 101),
            LFSPacket.split(plid: 12, split: 1, splitMs: 30250, totalMs: 200_500),
            LFSPacket.pitLane(plid: 13, fact: 1),
            LFSPacket.pitStop(plid: 13, lapsDone: 2, stops: 1),
        ])
        #expect(await waitUntil { source.hub.eventsEmitted >= start + 4 })
        // While stopped in its box, car 13 reads as in its pit stall and on pit road.
        let seqBefore = source.frame?.seq ?? 0
        try await host.send(LFSRaceScript.multiCarInfoSet(step: 1))
        #expect(await waitUntil { (source.frame?.seq ?? 0) > seqBefore })
        let slot13 = try #require(source.carIndex(ofPlayer: 13))
        #expect(source.element("CarIdxTrackSurface", slot13) == .int(1))
        #expect(source.element("CarIdxOnPitRoad", slot13) == .bool(true))
        #expect(source.element("CarIdxNumPitStops", slot13) == .int(1))

        try await host.send([
            LFSPacket.pitStopFinished(plid: 13, stopMs: 25500),
            LFSPacket.pitLane(plid: 13, fact: 0),
            LFSPacket.penalty(plid: 14, old: 0, new: 1, reason: 4),
            LFSPacket.messageOut(ucid: 2, plid: 12, userType: 1, textStart: 16, message: Array("^4Driver 12 ^7: ^3hi".utf8)),
            LFSPacket.newConnection(ucid: 21, userName: "late", playerName: Array("^2Late".utf8), total: 22),
            LFSPacket.newPlayer(plid: 31, ucid: 21, playerName: Array("^2Late".utf8), plate: "L8", car: Array("FBM".utf8) + [0], players: 21),
            LFSPacket.connectionRenamed(ucid: 21, playerName: Array("^2Later".utf8), plate: "L9"),
            LFSPacket.playerLeft(plid: 31),
            LFSPacket.connectionLeft(ucid: 21, reason: 3, total: 21),
            LFSPacket.finished(plid: 11, totalMs: 420_123, bestMs: 83456, lapsDone: 5),
            LFSPacket.result(
                plid: 11, userName: "user1", playerName: LFSRaceScript.nameBytes(of: 11), car: Array("XRT".utf8) + [0], totalMs: 420_123,
                bestMs: 83456,
                lapsDone: 5, position: 0, results: 1),
            LFSPacket.raceStart(raceLaps: 3, players: 20, track: "BL1", nodes: 400, finish: 100),
        ])
        #expect(await waitUntil { source.hub.eventsEmitted >= start + 16 })
        let events = source.hub.events(after: start).events
        #expect(
            events.map(\.name) == [
                "lap", "split", "pit_lane", "pit_stop", "pit_stop_finished", "pit_lane", "penalty", "chat", "connect", "join", "rename", "leave",
                "disconnect", "finish", "result", "race_start",
            ])
        guard events.count == 16 else { return }
        let slot11 = Int64(try #require(source.carIndex(ofPlayer: 11)))
        #expect(
            events[0].data
                == .object([
                    ("CarIdx", .int(slot11)), ("PLID", .int(11)), ("UCID", .int(1)), ("UserName", .string("Driver 11")), ("LapsDone", .int(2)),
                    ("LapTime", .double(83.456)), ("TotalTime", .double(170)), ("Penalty", .string("none")), ("NumStops", .int(0)),
                    ("FuelPct", .double(50.5)),
                ]))
        #expect(events[1].data["Split"] == .int(1))
        #expect(events[1].data["SplitTime"] == .double(30.25))
        #expect(events[2].data["Fact"] == .string("enter"))
        #expect(events[2].data["UserName"] == .string("Jiří"))
        #expect(events[3].data["NumStops"] == .int(1))
        #expect(events[3].data["Tyres"] == .array([.null, .null, .int(1), .int(1)]))
        #expect(events[4].data["StopTime"] == .double(25.5))
        #expect(events[5].data["Fact"] == .string("exit"))
        #expect(events[6].data["NewPenalty"] == .string("drive_through"))
        #expect(events[6].data["Reason"] == .string("speeding"))
        #expect(events[7].data["Message"] == .string("Driver 12 : hi"))
        #expect(events[7].data["MessageRaw"] == .string("^4Driver 12 ^7: ^3hi"))
        #expect(events[7].data["Text"] == .string("hi"))
        #expect(events[7].data["UserType"] == .string("user"))
        #expect(events[8].data["UserName"] == .string("late"))
        #expect(events[8].data["PlayerName"] == .string("Late"))
        #expect(events[9].data["PLID"] == .int(31))
        #expect(events[9].data["Car"] == .string("FBM"))
        #expect(events[9].data["CarIdx"] == .int(20))
        #expect(events[10].data["OldPlayerName"] == .string("Late"))
        #expect(events[10].data["PlayerName"] == .string("Later"))
        #expect(events[11].data["UserName"] == .string("Later"))
        #expect(events[11].data["CarIdx"] == .int(20))
        #expect(events[12].data["Reason"] == .string("kicked"))
        #expect(events[13].data["TotalTime"] == .double(420.123))
        #expect(events[14].data["Position"] == .int(1))
        #expect(events[14].data["LFSUserName"] == .string("user1"))
        #expect(events[15].data["RaceLaps"] == .int(3))
        #expect(await waitUntil { source.drivers.count == 20 })
        await source.stop()
        await host.stop()
    }
}
