import Dispatch

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass; returns whether it held.
/// The one bounded wait the tests use instead of fixed sleeps.
@discardableResult
public func waitUntil(timeout: Double = 20, _ condition: () -> Bool) async -> Bool {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(timeout, 0) * 1e9)
    while DispatchTime.now().uptimeNanoseconds < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
