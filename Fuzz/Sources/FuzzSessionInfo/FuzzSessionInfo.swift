import BrokerCore
import FuzzSupport
import IRacingSource

/// Fuzzes the session-info path: decoding (UTF-8 or Windows-1252), the repairs, the section split,
/// libyaml and the YAML 1.1 scalar typing, then the tree as the `sessionInfo` message (valid JSON).
///
/// Each input is parsed twice more after the first: unchanged (the section cache) and cut in half
/// (sections failing after a good version keep it), as successive sim updates would arrive.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSessionInfo(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    var parser = SessionInfoParser()
    for update in [input, input, Array(input.prefix(input.count / 2))] {
        let result = parser.parse(update)
        for failure in result.failures { _ = failure.description }
        requireValidJSON(BrokerMessages.encode(result.tree), "the session-info tree")
    }
    return 0
}

/// The program's entry (SwiftPM links `main` to `FuzzSessionInfo_main`): libFuzzer's driver on this target.
@_cdecl("FuzzSessionInfo_main")
public func fuzzSessionInfoMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzSessionInfo)
}
