import BrokerCore

/// The OutGauge values as broker variables, one mapping for every source that reads OutGauge (the
/// InSim source's `outgauge_port` and the `outgauge` source), so the same packet reads the same way.
public enum OutGaugeVariables {
    /// Values with catalogue (iRacing) names: same meaning and unit.
    public static let canonicalNames = [
        "Speed", "RPM", "Gear", "Throttle", "Brake", "Clutch", "FuelLevelPct", "WaterTemp", "OilTemp", "OilPress", "EngineWarnings",
        "DisplayUnits", "ShiftIndicatorPct",
    ]

    /// Values of OutGauge's own.
    public static let own: [VariableInfo] = [
        VariableInfo(
            name: "TurboPressure", type: .float, unit: "bar", description: "Turbo boost pressure relative to atmosphere (OutGauge)", range: -1...3),
        VariableInfo(name: "DashLights", type: .bitfield, unit: "DL", description: "Dash lights the car has (OutGauge DL_* bits)"),
        VariableInfo(name: "ShowLights", type: .bitfield, unit: "DL", description: "Dash lights switched on (OutGauge DL_* bits)"),
        VariableInfo(name: "DashDisplay1", type: .string, description: "First dash text line, usually fuel (OutGauge)"),
        VariableInfo(name: "DashDisplay2", type: .string, description: "Second dash text line, usually settings (OutGauge)"),
    ]

    /// Catalogue entries (with the catalogue's metadata) followed by the own ones.
    public static var all: [VariableInfo] { canonicalNames.map(catalogueInfo) + own }

    /// Bytes kept for `DashDisplay1` / `DashDisplay2` (OutGauge's fields hold 16).
    public static let displayCapacity = 16

    private static let catalogueByName: [String: VariableInfo] = Dictionary(
        VariableCatalogue.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The catalogue's entry for `name`; every canonical name above is in the catalogue (a test
    /// checks it), the fallback only keeps a renamed entry from crashing a source.
    public static func catalogueInfo(_ name: String) -> VariableInfo {
        catalogueByName[name] ?? VariableInfo(name: name, type: .float)
    }
}

/// Writes an OutGauge packet into frame rows of a layout that declared `OutGaugeVariables.all`;
/// field indices are resolved once.
public struct OutGaugeFrameFields: Sendable {
    private let speed, rpm, gear, throttle, brake, clutch, fuelLevelPct, waterTemp, oilTemp, oilPress, engineWarnings: Int
    private let displayUnits, shiftIndicatorPct, turboPressure, dashLights, showLights, display1, display2: Int

    /// Nil when the layout lacks one of the OutGauge variables.
    public init?(layout: FrameLayout) {
        func field(_ name: String) -> Int? { layout.fieldIndex(named: name) }
        guard let speed = field("Speed"), let rpm = field("RPM"), let gear = field("Gear"), let throttle = field("Throttle"),
            let brake = field("Brake"), let clutch = field("Clutch"), let fuelLevelPct = field("FuelLevelPct"),
            let waterTemp = field("WaterTemp"), let oilTemp = field("OilTemp"), let oilPress = field("OilPress"),
            let engineWarnings = field("EngineWarnings"), let displayUnits = field("DisplayUnits"),
            let shiftIndicatorPct = field("ShiftIndicatorPct"), let turboPressure = field("TurboPressure"),
            let dashLights = field("DashLights"), let showLights = field("ShowLights"), let display1 = field("DashDisplay1"),
            let display2 = field("DashDisplay2")
        else { return nil }
        (self.speed, self.rpm, self.gear, self.throttle, self.brake, self.clutch) = (speed, rpm, gear, throttle, brake, clutch)
        (self.fuelLevelPct, self.waterTemp, self.oilTemp, self.oilPress, self.engineWarnings) = (
            fuelLevelPct, waterTemp, oilTemp, oilPress, engineWarnings
        )
        (self.displayUnits, self.shiftIndicatorPct, self.turboPressure) = (displayUnits, shiftIndicatorPct, turboPressure)
        (self.dashLights, self.showLights, self.display1, self.display2) = (dashLights, showLights, display1, display2)
    }

    /// irsdk_EngineWarnings bits the DL_* lights can tell.
    public static func engineWarnings(showLights: UInt32) -> Int {
        var bits = 0
        if showLights & OutGaugePacket.Light.oilWarning != 0 { bits |= 0x04 }  // oilPressureWarning
        if showLights & OutGaugePacket.Light.pitSpeed != 0 { bits |= 0x10 }  // pitSpeedLimiter
        return bits
    }

    /// The packet's values. BeamNG (car `beam`) sends 0 for oil pressure, which it does not model:
    /// `OilPress` is then `null`, not a reading of 0 bar.
    public func write(_ gauge: OutGaugePacket, into row: inout FrameRow) {
        row.set(speed, Double(gauge.speed))
        row.set(rpm, Double(gauge.rpm))
        row.set(gear, gauge.canonicalGear)
        row.set(throttle, Double(gauge.throttle))
        row.set(brake, Double(gauge.brake))
        row.set(clutch, Double(gauge.clutch))
        row.set(fuelLevelPct, Double(gauge.fuel))
        row.set(waterTemp, Double(gauge.engineTemperature))
        row.set(oilTemp, Double(gauge.oilTemperature))
        if gauge.sender == .beamNG {
            row.setNull(oilPress)
        } else {
            row.set(oilPress, Double(gauge.oilPressure))
        }
        row.set(engineWarnings, Self.engineWarnings(showLights: gauge.showLights))
        row.set(displayUnits, gauge.flags & OutGaugePacket.flagMetric != 0 ? 1 : 0)
        if gauge.dashLights & OutGaugePacket.Light.shift != 0 {
            row.set(shiftIndicatorPct, gauge.showLights & OutGaugePacket.Light.shift != 0 ? 1.0 : 0.0)
        } else {
            row.setNull(shiftIndicatorPct)
        }
        if gauge.flags & OutGaugePacket.flagTurbo != 0 {
            row.set(turboPressure, Double(gauge.turbo))
        } else {
            row.setNull(turboPressure)
        }
        row.set(dashLights, Int(gauge.dashLights))
        row.set(showLights, Int(gauge.showLights))
        row.setString(display1, gauge.display1)
        row.setString(display2, gauge.display2)
    }

    /// No current packet: the measured values read `null` (integers, bits and texts read 0 / empty).
    public func writeAbsent(into row: inout FrameRow) {
        for field in [speed, rpm, throttle, brake, clutch, fuelLevelPct, waterTemp, oilTemp, oilPress, shiftIndicatorPct, turboPressure] {
            row.setNull(field)
        }
    }
}
