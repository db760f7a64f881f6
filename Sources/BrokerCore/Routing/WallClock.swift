import Foundation

/// Wall-clock seconds since 1970, for timestamps written into messages and recordings.
public func wallClockNow() -> Double {
    Date().timeIntervalSince1970
}
