import BrokerCore
import BuiltinPlugins
import Foundation
import FuzzSupport

/// Fuzzes the config loader with every built-in plugin's config type: libyaml, `${ENV}`
/// substitution, the command-line overrides, each plugin's keys, and the error messages (rendered,
/// as `broker validate` prints them).
///
/// With `FUZZ_WRITE_SEEDS=DIR` in the environment it writes every plugin's sample config into DIR
/// and exits, so `scripts/fuzz.sh` seeds the corpus from the plugins as they are.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzConfigInitialize(
    _ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    guard let folder = ProcessInfo.processInfo.environment["FUZZ_WRITE_SEEDS"] else { return 0 }
    let catalog = BuiltinPlugins.catalog
    for plugin in catalog.sources {
        _ = FileManager.default.createFile(atPath: "\(folder)/source-\(plugin.typeName).yaml", contents: Data(plugin.sampleConfig.utf8))
    }
    for plugin in catalog.sinks {
        _ = FileManager.default.createFile(atPath: "\(folder)/sink-\(plugin.typeName).yaml", contents: Data(plugin.sampleConfig.utf8))
    }
    exit(0)
}

private let loader = ConfigLoader(catalog: BuiltinPlugins.catalog, environment: ["BROKER_TOKEN": "s3cret", "HOME": "/home/fuzz", "EMPTY": ""])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let overrides = size % 2 == 0 ? ConfigOverrides() : ConfigOverrides(testMode: true, rate: 30, port: 9000)
    do {
        let config = try loader.load(text: text, file: "fuzz.yaml", overrides: overrides)
        _ = "\(config.sources.count) \(config.sinks.count)"
    } catch {
        _ = "\(error)".utf8.count
    }
    return 0
}

/// The program's entry (SwiftPM links `main` to `FuzzConfig_main`): libFuzzer's driver on this target.
@_cdecl("FuzzConfig_main")
public func fuzzConfigMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzConfig)
}
