import BrokerCore

/// What the race processor adds. Every value is a float so that a value whose inputs are missing
/// is `null`, never a plausible-looking 0.
enum RaceVariables {
    static let cars = 64

    static let livePosition = VariableInfo(
        name: "CarIdxLivePosition", type: .float, count: cars,
        description: "Per car: race position from laps and lap distance, updated every frame; null for no car", range: 1...64)
    static let liveClassPosition = VariableInfo(
        name: "CarIdxLiveClassPosition", type: .float, count: cars,
        description: "Per car: position within its class (CarIdxClass), updated every frame; null for no car", range: 1...64)
    static let gapToLeader = VariableInfo(
        name: "CarIdxGapToLeader", type: .float, count: cars, unit: "s",
        description: "Per car: time behind the live leader on the reference lap; null when lapped (see CarIdxLapsDown) or not yet timed",
        range: 0...600)
    static let gapToAhead = VariableInfo(
        name: "CarIdxGapToAhead", type: .float, count: cars, unit: "s",
        description: "Per car: time behind the car one live position ahead; null for the leader, when a lap or more behind it, or not yet timed",
        range: 0...600)
    static let lapsDown = VariableInfo(
        name: "CarIdxLapsDown", type: .float, count: cars,
        description: "Per car: whole laps behind the live leader (0 on the lead lap); null for no car", range: 0...100)
    static let relative = VariableInfo(
        name: "CarIdxRelative", type: .float, count: cars, unit: "s",
        description: "Per car: time to the player's car on track, ahead positive, wrapping at half a lap; null for no car or not yet timed",
        range: -300...300)
    static let fuelUsePerLapAvg = VariableInfo(
        name: "FuelUsePerLapAvg", type: .float, unit: "l",
        description: "Fuel used per lap, averaged over the last green laps that were not in- or out-laps; null until one", range: 0...20)
    static let fuelLapsLeft = VariableInfo(
        name: "FuelLapsLeft", type: .float, description: "Laps the fuel in the tank lasts at the average use", range: 0...200)
    static let fuelToFinish = VariableInfo(
        name: "FuelToFinish", type: .float, unit: "l", description: "Fuel needed to finish the session at the average use", range: 0...500)
    static let fuelToAdd = VariableInfo(
        name: "FuelToAdd", type: .float, unit: "l",
        description: "Fuel to add to finish, with the configured margin in laps; 0 when the tank already holds enough", range: 0...500)

    static let all = [
        livePosition, liveClassPosition, gapToLeader, gapToAhead, lapsDown, relative, fuelUsePerLapAvg, fuelLapsLeft, fuelToFinish, fuelToAdd,
    ]
}
