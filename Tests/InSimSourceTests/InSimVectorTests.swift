import BrokerTestSupport
import InSimTestSupport
import OutGaugeProtocol
import Testing

@testable import InSimSource

/// Every vector of `insim/vectors.md` decodes to the values the file lists; client-to-host packets
/// also encode back to the same bytes; the known-bad vectors of section C are rejected.
@Suite(.enabled(if: TestData.isAvailable, "needs ../shared/data/insim/vectors.md"))
struct InSimVectorTests {
    let file: InSimVectorFile

    init() throws { file = try InSimVectorFile.load() }

    private func decode(_ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> InSimPacket {
        try InSimDecoder.decode(try file.bytes(prefix, sourceLocation: sourceLocation))
    }

    @Test func initDecodesAndEncodesToTheSameBytes() throws {
        let bytes = try file.bytes("IS_ISI")
        let expected = InSimInit(
            requestID: 1, udpPort: 257, flags: 2, insimVersion: 9, prefix: UInt8(ascii: "!"), interval: 30,
            admin: #"admin|*:\/?"<>#"#, name: "app app app app")
        #expect(try InSimDecoder.decode(bytes) == .initialise(expected))
        #expect(InSimEncoder.encode(expected) == bytes)
    }

    @Test func version() throws {
        #expect(try decode("IS_VER") == .version(InSimVersion(requestID: 1, version: "0.7A", product: "S3", insimVersion: 9)))
    }

    @Test func tinyPingAndKeepAlive() throws {
        let bytes = try file.bytes("IS_TINY TINY_PING")
        #expect(try InSimDecoder.decode(bytes) == .tiny(InSimTiny(requestID: 1, subtype: TinySubtype.ping)))
        #expect(InSimEncoder.tiny(TinySubtype.ping, requestID: 1) == bytes)
        #expect(InSimEncoder.tiny(TinySubtype.none) == [0x01, 0x03, 0x00, 0x00])
    }

    @Test func state() throws {
        guard case let .state(sta) = try decode("IS_STA") else {
            Issue.record("not an IS_STA")
            return
        }
        #expect(sta.requestID == 1)
        #expect(sta.replaySpeed == 0.25)
        #expect(sta.flags == 8)
        #expect(sta.inGameCamera == 3)
        #expect(sta.viewPlayerID == 4)
        #expect(sta.numberOfPlayers == 32)
        #expect(sta.numberOfConnections == 47)
        #expect(sta.numberFinished == 20)
        #expect(sta.raceInProgress == 2)
        #expect(sta.qualifyingMinutes == 60)
        #expect(sta.raceLaps == 12)
        #expect(sta.serverStatus == 1)
        #expect(sta.track == "BL2R")
        #expect(sta.weather == 1)
        #expect(sta.wind == 2)
    }

    @Test func newConnectionWithNamesFillingTheirFields() throws {
        guard case let .newConnection(ncn) = try decode("IS_NCN") else {
            Issue.record("not an IS_NCN")
            return
        }
        #expect(ncn.requestID == 2)
        #expect(ncn.connectionID == 3)
        #expect(ncn.userName.plain == "123456789 123456789 user")
        #expect(ncn.playerName.plain == "123456789 123456789 play")
        #expect(ncn.isAdmin)
        #expect(ncn.total == 14)
        #expect(ncn.flags == 4)
        #expect(ncn.isRemote)
    }

    private func checkCommonNewPlayerFields(_ npl: InSimNewPlayer) {
        #expect(npl.playerID == 3)
        #expect(npl.connectionID == 5)
        #expect(npl.playerType == 2)
        #expect(npl.isAI)
        #expect(npl.flags == 8)
        #expect(npl.playerName.plain == "Player's name max length")
        #expect(npl.plate.plain == "Numplate")
        #expect(npl.skinName == "MAX_CAR_TEX_NAME")
        #expect(npl.tyres == TyreCompounds(rearLeft: 0, rearRight: 1, frontLeft: 2, frontRight: 3))
        #expect(npl.addedMass == 10)
        #expect(npl.intakeRestriction == 15)
        #expect(npl.driverModel == 1)
        #expect(npl.passengers == 2)
        #expect(npl.rearWidthReduction == 4)
        #expect(npl.frontWidthReduction == 5)
        #expect(npl.setupFlags == 4)
        #expect(npl.numberOfPlayers == 20)
        #expect(npl.configuration == 1)
        #expect(npl.fuel == 34)
    }

    @Test func newPlayerWithAnOfficialCar() throws {
        guard case let .newPlayer(npl) = try decode("IS_NPL official car") else {
            Issue.record("not an IS_NPL")
            return
        }
        checkCommonNewPlayerFields(npl)
        #expect(npl.car == "XRT")
    }

    @Test func newPlayerWithAModCar() throws {
        guard case let .newPlayer(npl) = try decode("IS_NPL mod car") else {
            Issue.record("not an IS_NPL")
            return
        }
        checkCommonNewPlayerFields(npl)
        #expect(npl.car == "5882E6")
    }

    @Test func lap() throws {
        #expect(
            try decode("IS_LAP")
                == .lap(
                    InSimLapTime(
                        playerID: 2, lapTimeMs: 16_777_220, totalTimeMs: 65600, lapsDone: 513, flags: 0x240, penalty: 6, numberOfStops: 3,
                        fuel200: 40)))
    }

    @Test func multiCarInfoWithTwoCars() throws {
        let bytes = try file.bytes("IS_MCI (2 cars)")
        let car0 = CompCar(
            node: 57, lap: 1, playerID: 17, position: 1, info: 0x40, x: 16_543_851, y: 4_709_518, z: 253_714, speed: 3731, direction: 57086,
            heading: 57104, angularVelocity: -64)
        let car1 = CompCar(
            node: 60, lap: 1, playerID: 18, position: 2, info: 0x80, x: 17_707_201, y: 5_332_717, z: 230_355, speed: 4576, direction: 56356,
            heading: 56314, angularVelocity: 71)
        #expect(try InSimDecoder.decode(bytes) == .multiCarInfo(InSimMultiCarInfo(requestID: 0, cars: [car0, car1])))

        var reused: [CompCar] = []
        let requestID = try bytes.withUnsafeBytes { try InSimDecoder.decodeMultiCarInfo($0, into: &reused) }
        #expect(requestID == 0)
        #expect(reused == [car0, car1])

        #expect(abs(car0.xMetres - 252.439) < 0.001)
        #expect(abs(car0.yMetres - 71.862) < 0.001)
        #expect(abs(car0.zMetres - 3.871) < 0.001)
        #expect(abs(car0.speedMetresPerSecond - 11.386) < 0.001)
        #expect(abs(car0.headingRadians * 180 / .pi - 313.68) < 0.01)
        #expect(abs(car0.angularVelocityRadiansPerSecond * 180 / .pi - -1.40625) < 1e-9)
        #expect(abs(car1.xMetres - 270.190) < 0.001)
        #expect(abs(car1.yMetres - 81.371) < 0.001)
        #expect(abs(car1.zMetres - 3.515) < 0.001)
        #expect(abs(car1.speedMetresPerSecond - 13.965) < 0.001)
    }

    @Test func raceStart() throws {
        #expect(
            try decode("IS_RST")
                == .raceStart(
                    InSimRaceStart(
                        requestID: 1, raceLaps: 10, qualifyingMinutes: 45, numberOfPlayers: 12, timing: 0x42, track: "BL1R", weather: 2,
                        wind: 2, flags: 0x0102, numberOfNodes: 402, finishNode: 365, split1Node: 95, split2Node: 255, split3Node: 65535)))
    }

    @Test func small() throws {
        #expect(try decode("IS_SMALL") == .small(InSimSmall(requestID: 0, subtype: 8, value: 262_656)))
    }

    @Test func multiplayerWithAHostNameFillingItsField() throws {
        guard case let .multiplayer(ism) = try decode("IS_ISM") else {
            Issue.record("not an IS_ISM")
            return
        }
        #expect(ism.requestID == 1)
        #expect(ism.isHost)
        #expect(ism.hostName.plain == "Very Long Server Name Is Longest")
    }

    @Test func connectionLeft() throws {
        #expect(try decode("IS_CNL") == .connectionLeft(InSimConnectionLeft(connectionID: 4, reason: 3, total: 14)))
    }

    @Test func connectionRenamedWithAPlateWithoutTerminator() throws {
        guard case let .connectionRenamed(cpr) = try decode("IS_CPR") else {
            Issue.record("not an IS_CPR")
            return
        }
        #expect(cpr.connectionID == 3)
        #expect(cpr.playerName.plain == "123456789 123456789 user")
        #expect(cpr.plate.plain == "12345678")
    }

    @Test func playerPitsAndLeaves() throws {
        #expect(try decode("IS_PLP") == .playerPits(InSimPlayerNotice(playerID: 2)))
        #expect(try decode("IS_PLL") == .playerLeft(InSimPlayerNotice(playerID: 2)))
    }

    @Test func splitAsPublishedIsRejectedAndDecodesOnceItsSizeByteIsFixed() throws {
        let published = try file.bytes("IS_SPX")
        #expect(throws: InSimDecodingError.sizeMismatch(sizeByte: 5, length: 16)) { try InSimDecoder.decode(published) }
        var fixed = published
        fixed[0] = 4
        #expect(
            try InSimDecoder.decode(fixed)
                == .split(
                    InSimSplitTime(
                        playerID: 2, splitTimeMs: 16_777_220, totalTimeMs: 65600, split: 3, penalty: 6, numberOfStops: 3, fuel200: 40)))
    }

    @Test func pitStop() throws {
        #expect(
            try decode("IS_PIT")
                == .pitStop(
                    InSimPitStop(
                        playerID: 1, lapsDone: 25, flags: 0x649, fuelAdded: 30, penalty: 0, numberOfStops: 1,
                        tyres: TyreCompounds(rearLeft: 255, rearRight: 255, frontLeft: 255, frontRight: 255), work: 0x20002)))
    }

    @Test func pitStopFinished() throws {
        #expect(try decode("IS_PSF") == .pitStopFinished(InSimPitStopFinished(playerID: 2, stopTimeMs: 16_974_425)))
    }

    @Test func penalty() throws {
        #expect(try decode("IS_PEN") == .penalty(InSimPenalty(playerID: 3, oldPenalty: 1, newPenalty: 2, reason: 4)))
    }

    @Test func finished() throws {
        #expect(
            try decode("IS_FIN")
                == .finished(
                    InSimFinished(
                        playerID: 3, totalTimeMs: 132_241, bestLapMs: 14401, numberOfStops: 1, confirmation: 0x16, lapsDone: 68, flags: 0x9)))
    }

    @Test func messageOut() throws {
        guard case let .messageOut(mso) = try decode("IS_MSO, node-insim") else {
            Issue.record("not an IS_MSO")
            return
        }
        #expect(mso.messageData == 0)
        #expect(mso.connectionID == 2)
        #expect(mso.playerID == 4)
        #expect(mso.userType == 1)
        #expect(mso.textStart == 14)
        #expect(mso.message.plain == "Player : Hello!")
        // TextStart is a byte offset into Msg; this synthetic vector's 14 points at the "!".
        #expect(mso.text.plain == "!")
    }

    @Test func messageOutWithCodePagesAndColours() throws {
        guard case let .messageOut(mso) = try decode("IS_MSO with code pages") else {
            Issue.record("not an IS_MSO")
            return
        }
        #expect(mso.connectionID == 2)
        #expect(mso.playerID == 4)
        #expect(mso.userType == 1)
        #expect(mso.textStart == 17)
        #expect(mso.message.withCodes == "^7Player ě ^7: ^8cršč")
        #expect(mso.message.plain == "Player ě : cršč")
        #expect(mso.text.withCodes == "^8cršč")
        #expect(mso.text.plain == "cršč")
    }

    @Test func hostMessage() throws {
        #expect(
            try decode("IS_III")
                == .hostMessage(
                    InSimHostMessage(
                        connectionID: 2, playerID: 4, message: LFSText(Array("This string is a very long text sixty four characters long yes.".utf8)))
                ))
    }

    @Test func messageTypeDecodesAndEncodesToTheSameBytes() throws {
        let bytes = try file.bytes("IS_MST")
        let message = InSimMessageType(message: "This is a message whose length will be sixty three characters!!")
        #expect(try InSimDecoder.decode(bytes) == .messageType(message))
        #expect(InSimEncoder.encode(message) == bytes)
    }

    @Test func nodeLapAsPublishedIsRejectedAndDecodesOnceItsSizeByteIsFixed() throws {
        let published = try file.bytes("IS_NLP")
        #expect(throws: InSimDecodingError.sizeMismatch(sizeByte: 10, length: 16)) { try InSimDecoder.decode(published) }
        var fixed = published
        fixed[0] = 4
        #expect(
            try InSimDecoder.decode(fixed)
                == .nodeLap(
                    InSimNodeLap(
                        requestID: 1,
                        cars: [NodeLap(node: 282, lap: 14, playerID: 5, position: 18), NodeLap(node: 1315, lap: 13, playerID: 6, position: 19)])))
    }

    @Test func outGaugeWithID() throws {
        let packet = try OutGaugePacket.decode(try file.bytes("OutGaugePack with ID"))
        checkOutGauge(packet)
        #expect(packet.id == 16_974_912)
    }

    @Test func outGaugeWithoutID() throws {
        let packet = try OutGaugePacket.decode(Array(try file.bytes("OutGaugePack with ID").prefix(92)))
        checkOutGauge(packet)
        #expect(packet.id == nil)
    }

    private func checkOutGauge(_ packet: OutGaugePacket) {
        #expect(packet.time == 67480)
        #expect(packet.car == "XRT")
        #expect(packet.flags == 0xE000)
        #expect(packet.gear == 3)
        #expect(packet.canonicalGear == 2)
        #expect(packet.playerID == 1)
        #expect(Double(packet.speed) == 11.197486877441406)
        #expect(Double(packet.rpm) == 2450.390625)
        #expect(Double(packet.turbo) == -0.9999896883964539)
        #expect(packet.engineTemperature == 0)
        #expect(Double(packet.fuel) == 0.9998521208763123)
        #expect(packet.oilPressure == 0)
        #expect(packet.oilTemperature == 0)
        #expect(packet.dashLights == 0x766)
        #expect(packet.showLights == 0)
        #expect(Double(packet.throttle) == 0.009347498416900635)
        #expect(Double(packet.brake) == 0.000009544251952320337)
        #expect(Double(packet.clutch) == 0.15832999348640442)
        #expect(packet.display1 == "Fuel 99.9%   ")
        #expect(packet.display2 == "Brake Bal Fr 75%")
    }

    @Test func outGaugeOfAnotherLengthIsRejected() throws {
        let bytes = try file.bytes("OutGaugePack with ID")
        #expect(throws: OutGaugePacket.DecodingError.wrongLength(95)) { try OutGaugePacket.decode(Array(bytes.prefix(95))) }
    }
}
