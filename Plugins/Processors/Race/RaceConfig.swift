import BrokerCore

/// The race processor's settings: the fuel average's window and margin, and how often a car's
/// position change may be announced.
public struct RaceConfig: PluginConfig {
    /// Valid laps averaged for `FuelUsePerLapAvg`.
    public var fuelLaps: Int
    /// Laps of fuel kept in hand by `FuelToAdd`, and the `fuel` event's threshold.
    public var fuelMarginLaps: Double
    /// Shortest time between two `position` events of one car.
    public var positionEventInterval: Double

    enum CodingKeys: String, CodingKey { case fuel_laps, fuel_margin_laps, position_event_interval_s }

    public init(fuelLaps: Int = 5, fuelMarginLaps: Double = 1, positionEventInterval: Double = 1) {
        self.fuelLaps = fuelLaps
        self.fuelMarginLaps = fuelMarginLaps
        self.positionEventInterval = positionEventInterval
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fuelLaps = try c.value(.fuel_laps, default: 5, in: 1...50)
        fuelMarginLaps = try c.value(.fuel_margin_laps, default: 1, in: 0...20)
        positionEventInterval = try c.value(.position_event_interval_s, default: 1, in: 0...60)
    }
}
