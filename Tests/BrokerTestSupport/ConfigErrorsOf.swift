import BrokerCore

/// What loading a config reported, for the config-error tables of the plugins' tests: each
/// `ConfigError` as `FILE:LINE:COLUMN: message`, any other error's description, or nothing when
/// the config loaded.
public func configErrors<Loaded>(of load: () throws -> Loaded) -> [String] {
    do {
        _ = try load()
        return []
    } catch let errors as ConfigErrors {
        return errors.errors.map(\.description)
    } catch {
        return ["\(error)"]
    }
}
