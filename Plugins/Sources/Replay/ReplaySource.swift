import BrokerCore
import Logging

/// Plays back a recording made by the stdout sink, so dashboards can be built and bugs shared
/// without the sim running.
///
/// The hub is fed by one recorded source (`source:`, default the first in the file): its declared
/// variables, frames at their recorded pace, events, status and session info. Clients can tell it
/// from the live source only by its status, which carries `"replay": true`. A missing or empty file
/// is waited for (disconnected, with the reason); a file that is not a recording is an error.
public struct ReplaySource: Source {
    public static let typeName = "replay"
    public static let summary = "Plays back an NDJSON recording of any source (stdout sink with path and variables: all)"
    public static let providedVariables = ProvidedVariables.catalogue
    /// The commented example in `sample.yaml` beside this file (embedded at build time; the README shows it).
    public static let sampleConfig = String(decoding: PackageResources.sample_yaml, as: UTF8.self)

    /// How often a missing, unreadable or empty recording is looked for again.
    public static let retryInterval = 2.0

    let id: String
    let config: ReplayConfig
    let context: PluginContext

    public init(id: String, config: ReplayConfig, context: PluginContext) {
        self.id = id
        self.config = config
        self.context = context
    }

    public func run(output: SourceHub) async throws {
        let path = context.resolvePath(config.path)
        guard let opened = try await open(path, hub: output) else { return }
        let (reader, survey) = opened
        context.logger.info("replay source '\(id)' playing source '\(survey.sourceID)' of \(path) at speed \(config.speed)")

        var player = ReplayPlayer(hub: output, config: config, survey: survey, clock: context.clock, logger: context.logger, path: path)
        var firstPass = true
        while true {
            guard case let .finished(frames) = try await player.play(reader, firstPass: firstPass) else { return }
            guard config.loop else { break }
            if frames == 0 {
                context.logger.warning("replay of \(path): no frames of source '\(survey.sourceID)' from start_s on; not looping")
                break
            }
            do { try reader.rewind() } catch { throw PluginError("replay source '\(id)': \(error)") }
            firstPass = false
        }
        output.setStatus(SourceStatus(connected: false, details: player.replayDetails + [("reason", "end of recording")]))
        context.logger.info("replay source '\(id)' reached the end of \(path)")
    }

    /// Opens and surveys the recording, waiting while it is missing, unreadable or empty; nil when
    /// cancelled meanwhile. Throws when the file is not a recording or lacks the wanted source.
    private func open(_ path: String, hub: SourceHub) async throws -> (RecordingLineReader, RecordingSurvey)? {
        var reported: String?
        while !Task.isCancelled {
            let problem: String
            do {
                let reader = try RecordingLineReader(path: path)
                let survey = try await RecordingSurvey.survey(reader, wanted: config.source)
                try reader.rewind()
                if reported != nil { context.logger.info("replay source '\(id)': \(path) is readable now") }
                hub.setStatus(SourceStatus(connected: false, details: [("replay", true)]))
                return (reader, survey)
            } catch is CancellationError {
                return nil
            } catch let error as RecordingProblem where !error.isRetryable {
                hub.setStatus(SourceStatus(connected: false, details: [("replay", true), ("reason", .string(error.description))]))
                throw PluginError(error.description)
            } catch {
                problem = "\(error)"
            }
            hub.setStatus(SourceStatus(connected: false, details: [("replay", true), ("reason", .string(problem))]))
            if reported != problem {
                context.logger.warning("replay source '\(id)': \(problem); trying again every \(Self.retryInterval) s")
                reported = problem
            }
            do { try await context.clock.sleep(until: context.clock.now() + Self.retryInterval) } catch { return nil }
        }
        return nil
    }
}
