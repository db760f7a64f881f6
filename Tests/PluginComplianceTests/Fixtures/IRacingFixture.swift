import BrokerTestSupport
import Foundation

/// The iRacing source replaying a real .ibt file at its own 60 Hz (so it stays connected while the
/// suite watches). Needs ../shared/data: skipped without it, except under CI, where it fails.
let iracingFixture = PluginCompliance.SourceFixture(typeName: "iracing") {
    let path = TestData.path("iracing/formulavee_tsukuba.ibt")
    guard FileManager.default.fileExists(atPath: path) else {
        if !Fixture.isCI { throw PluginCompliance.Unavailable("\(path) is absent") }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    return ("type: iracing\nibt: \(path)\nspeed: 1", {})
}
