import BrokerTestSupport
import Foundation

/// The iRacing source replaying a real .ibt file at its own 60 Hz (so it stays connected while the
/// suite watches). Needs ../shared/data; without it the fixture says which file is missing.
let iracingFixture = PluginCompliance.SourceFixture(typeName: "iracing") {
    let path = TestData.path("iracing/formulavee_tsukuba.ibt")
    guard FileManager.default.fileExists(atPath: path) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    return ("type: iracing\nibt: \(path)\nspeed: 1", {})
}
