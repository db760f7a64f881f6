/// Decides when a consumer may take the next frame, on an absolute schedule.
///
/// The schedule advances by exactly one interval per frame taken (`next += interval`), so a 10 Hz
/// consumer of a 60 Hz source sends 600 frames in 60 s with no drift from wake-up jitter. After an
/// idle gap longer than one interval the schedule restarts from the present instead of bursting.
public struct RateLimiter: Sendable {
    public let interval: Double
    public private(set) var next: Double?

    /// `rate` in frames per second; 0 or less means unlimited.
    public init(rate: Double) {
        interval = rate > 0 ? 1 / rate : 0
    }

    /// Whether a frame may be taken at `now`; if so, the schedule advances.
    public mutating func admit(at now: Double) -> Bool {
        guard let scheduled = next else {
            next = now + interval
            return true
        }
        guard now >= scheduled else { return false }
        let following = scheduled + interval
        next = following > now ? following : now + interval
        return true
    }

    /// When the next frame may be taken (nil before the first).
    public var nextDeadline: Double? { next }
}
