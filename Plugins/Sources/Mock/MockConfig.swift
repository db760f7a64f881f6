import BrokerCore

/// The mock source's settings (reference: the plugin's README): frame rate, seed, car count and per-variable overrides.
public struct MockConfig: PluginConfig {
    /// Frames per second.
    public var rate: Double
    /// Fixes every generated value; nil picks a random seed at start.
    public var seed: UInt64?
    /// Cars filled in the 64-slot `CarIdx*` arrays.
    public var cars: Int
    /// Variable name -> how to generate it, replacing the built-in model.
    public var values: [String: MockValueSpec]

    enum CodingKeys: String, CodingKey { case rate, seed, cars, values }

    public init(rate: Double = 60, seed: UInt64? = nil, cars: Int = 20, values: [String: MockValueSpec] = [:]) {
        self.rate = rate
        self.seed = seed
        self.cars = cars
        self.values = values
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rate = try c.value(.rate, default: 60, in: 0.1...1000)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        cars = try c.value(.cars, default: 20, in: 1...64)
        values = [:]
        guard c.contains(.values), try !c.decodeNil(forKey: .values) else { return }
        let overrides = try c.nestedContainer(keyedBy: NameKey.self, forKey: .values)
        let names = VariableCatalogue.all.map(\.name)
        for key in overrides.allKeys where overrides.contains(key) {
            guard let info = VariableCatalogue.all.first(where: { $0.name == key.stringValue }) else {
                var message = "unknown variable '\(key.stringValue)' in values"
                if let hint = closestMatches(to: key.stringValue, in: names).first { message += " (did you mean '\(hint)'?)" }
                try overrides.reportOrThrow(message, key: key)
                continue
            }
            guard let spec = try overrides.decodeIfPresent(MockValueSpec.self, forKey: key) else { continue }
            if case .text = spec, info.type != .string {
                try overrides.reportOrThrow("\(info.name) is a \(info.type.rawValue): give a number, {min, max} or a wave", key: key)
                continue
            }
            values[key.stringValue] = spec
        }
    }
}

/// How the mock generates one overridden variable.
public enum MockValueSpec: Decodable, Sendable, Equatable {
    /// Always this number (bools: 0 or 1).
    case constant(Double)
    /// Always this text (string variables).
    case text(String)
    /// A new uniform random value in `min...max` every frame.
    case range(min: Double, max: Double)
    /// A periodic wave between `min` and `max`.
    case wave(MockWave, min: Double, max: Double, period: Double)

    enum CodingKeys: String, CodingKey { case min, max, wave, period_s }

    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer() {
            if let number = try? container.decode(Double.self) {
                self = .constant(number)
                return
            }
            if let flag = try? container.decode(Bool.self) {
                self = .constant(flag ? 1 : 0)
                return
            }
            if let text = try? container.decode(String.self) {
                self = .text(text)
                return
            }
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let min = try c.decode(Double.self, forKey: .min)
        let max = try c.decode(Double.self, forKey: .max)
        if max < min {
            try c.reportOrThrow("max (\(max)) must not be below min (\(min))", key: .max)
        }
        if let wave = try c.decodeIfPresent(MockWave.self, forKey: .wave) {
            let period = try c.value(.period_s, default: 10, in: 0.001...86400)
            self = .wave(wave, min: min, max: Swift.max(min, max), period: period)
        } else {
            self = .range(min: min, max: Swift.max(min, max))
        }
    }
}

/// Wave shapes for `values` overrides.
public enum MockWave: String, ConfigEnum {
    case sine, ramp, square
}

/// A coding key for maps whose keys are data (variable names).
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
