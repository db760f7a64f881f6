import BrokerCore
import Logging

/// Keeps one MQTT client connected: runs connection attempts until the task is cancelled, waiting
/// between them with doubling, jittered backoff, and logs each kind of problem once (a refusal as
/// an error, an unreachable or lost server as a warning) rather than at every retry.
public struct MQTTReconnector: Sendable {
    /// Starts each log line, e.g. `mqtt sink 'mqtt'`.
    public var label: String
    public var server: MQTTServerAddress
    public var clientID: String
    /// The entry's `reconnect: {min_s, max_s}`.
    public var reconnect: ReconnectDelay
    public var logger: Logger
    public var clock: any BrokerClock
    /// Whether TLS verification is off, warned about at every connect.
    public var skipsVerification: Bool

    /// A connection that lasted this long resets the backoff to `min_s`.
    public static let stableAfterSeconds = 10.0

    public init(
        label: String, server: MQTTServerAddress, clientID: String, reconnect: ReconnectDelay, logger: Logger,
        clock: any BrokerClock, skipsVerification: Bool = false
    ) {
        self.label = label
        self.server = server
        self.clientID = clientID
        self.reconnect = reconnect
        self.logger = logger
        self.clock = clock
        self.skipsVerification = skipsVerification
    }

    /// What an attempt knows about the ones before it.
    public struct Attempt: Sendable {
        /// A connection was accepted before (this one would be a reconnect).
        public let isReconnect: Bool
        /// Attempts that failed since the last accepted connection.
        public let failedAttempts: Int
    }

    /// Calls `attempt` until it returns `.stopped` or the task is cancelled; `afterFailure` gets
    /// every other outcome and the pause before the next attempt (for a status line).
    public func run(
        _ attempt: (Attempt) async -> MQTTConnectionOutcome, afterFailure: (MQTTConnectionOutcome, Double) -> Void = { _, _ in }
    ) async {
        var backoff = ReconnectBackoff(reconnect)
        var hasConnected = false
        var failedAttempts = 0
        /// The problem last logged, so a repeating one is logged once.
        var reported: String?

        while !Task.isCancelled {
            let outcome = await attempt(Attempt(isReconnect: hasConnected, failedAttempts: failedAttempts))
            switch outcome {
            case .stopped:
                return
            case let .unreachable(reason):
                failedAttempts += 1
                if reported != reason {
                    reported = reason
                    logger.warning("\(label): cannot connect to \(server): \(reason); retrying with backoff")
                } else {
                    logger.debug("\(label): attempt \(failedAttempts) to reach \(server) failed: \(reason)")
                }
            case let .refused(code):
                failedAttempts += 1
                let message = "the server refused the connection: \(code.meaning) (CONNACK return code \(code.rawValue))"
                if reported != message {
                    reported = message
                    logger.error("\(label): \(server) as '\(clientID)': \(message)")
                }
            case let .lost(reason, connectedFor):
                hasConnected = true
                failedAttempts = 0
                reported = nil
                if connectedFor >= Self.stableAfterSeconds { backoff.reset() }
                logger.warning("\(label): lost connection to \(server): \(reason); reconnecting")
            }
            // Full jitter on the upper half, so clients cut off together do not return together.
            let pause = backoff.nextDelay() * Double.random(in: 0.5...1.0)
            afterFailure(outcome, pause)
            do {
                try await clock.sleep(until: clock.now() + pause)
            } catch {
                return
            }
        }
    }

    /// The info line for an accepted connection (and the warning when verification is off).
    public func reportConnected(_ attempt: Attempt) {
        if attempt.isReconnect || attempt.failedAttempts > 0 {
            logger.info("\(label): connected to \(server) as '\(clientID)' after \(attempt.failedAttempts + 1) attempts")
        } else {
            logger.info("\(label): connected to \(server) as '\(clientID)'")
        }
        if skipsVerification {
            logger.warning(
                "\(label): TLS certificate verification is off (insecure_skip_verify): anyone on the path to \(server) can read and alter this connection"
            )
        }
    }
}
