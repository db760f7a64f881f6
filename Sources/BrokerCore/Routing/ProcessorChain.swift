import CoreMetrics
import Logging

/// One processor instance attached to one source, with what the hub needs to run and report it.
public struct AttachedProcessor {
    public let id: String
    public let typeName: String
    /// Longest a frame may take before it counts as over budget.
    public let budget: Duration
    let processor: any Processor
    let logger: Logger

    public init(id: String, typeName: String, budget: Duration, processor: any Processor, logger: Logger) {
        self.id = id
        self.typeName = typeName
        self.budget = budget
        self.processor = processor
        self.logger = logger
    }
}

/// The processors of one hub, run in order on every published frame (owned by the hub, under its
/// own lock, so a processor's state is only ever touched by one publisher at a time).
struct ProcessorChain {
    /// A processor with its fields in the current layout, its fault counters (for status details)
    /// and the same figures as metrics.
    struct Stage {
        let attached: AttachedProcessor
        var fields: [RowField] = []
        var frames: UInt64 = 0
        var errors: UInt64 = 0
        var lastError: String?
        var overBudget: UInt64 = 0
        var slowest: Duration = .zero
        let runTime: Timer
        let errorCount: Counter
        let overBudgetCount: Counter

        init(attached: AttachedProcessor, sourceID: String, metrics: BrokerMetrics) {
            self.attached = attached
            let labels = [("source", sourceID), ("processor", attached.id)]
            runTime = metrics.timer("broker_processor_run_seconds", help: "Time a processor took on one frame.", labels: labels)
            errorCount = metrics.counter("broker_processor_errors_total", help: "Frames a processor failed on (its values null).", labels: labels)
            overBudgetCount = metrics.counter(
                "broker_processor_over_budget_total", help: "Frames a processor took longer on than its budget_us.", labels: labels)
        }
    }

    var stages: [Stage]
    /// The layout the processors are bound to; frames in any other layout pass through untouched.
    var layout: FrameLayout?
    var events = ProcessorEvents()

    init(_ processors: [AttachedProcessor], sourceID: String, metrics: BrokerMetrics) {
        stages = processors.map { Stage(attached: $0, sourceID: sourceID, metrics: metrics) }
    }

    /// The source's layout with every processor's variables appended after the source's row, and
    /// every processor bound to it.
    mutating func extend(_ declarations: [VariableDeclaration], source: FrameLayout, registry: VariableRegistry, sourceID: String) -> FrameLayout {
        var added: [VariableDeclaration] = []
        var owners: [Int] = []
        var names = Set(source.fields.map(\.name))
        var offset = source.rowSize
        for (index, stage) in stages.enumerated() {
            for info in stage.attached.processor.variables(for: source) where names.insert(info.name).inserted {
                added.append(VariableDeclaration(info, offset: offset))
                owners.append(index)
                offset += info.type.elementSize * max(info.count, 1)
            }
        }
        let layout =
            added.isEmpty
            ? source
            : FrameLayout(declaring: declarations + added, registry: registry, sourceID: sourceID, rowSize: source.rowSize)
        for index in stages.indices {
            let own = zip(added, owners).filter { $0.1 == index }.map(\.0.info.name)
            stages[index].fields = own.compactMap { RowField(named: $0, in: layout) }
            stages[index].attached.processor.bind(ProcessorBinding(layout: layout, added: Set(own)))
        }
        self.layout = layout
        return layout
    }

    /// Runs every processor on `row` (in `layout`); returns the events they emitted. Returns whether
    /// a processor had its first fault of a kind (so the hub tells status consumers).
    mutating func run(_ row: inout [UInt8], layout: FrameLayout, timestamp: Double) -> (events: [SourceEvent], newFault: Bool) {
        guard layout === self.layout, !stages.isEmpty else { return ([], false) }
        if row.count < layout.rowSize { row.append(contentsOf: repeatElement(0, count: layout.rowSize - row.count)) }
        var newFault = false
        let clock = ContinuousClock()
        row.withUnsafeMutableBytes { bytes in
            let view = ProcessorRow(bytes: bytes, timestamp: timestamp)
            for index in stages.indices {
                let start = clock.now
                do {
                    try stages[index].attached.processor.process(view, events: &events)
                } catch {
                    for field in stages[index].fields { view.setNull(field) }
                    stages[index].errors += 1
                    stages[index].errorCount.increment()
                    if stages[index].errors == 1 {
                        newFault = true
                        stages[index].attached.logger.warning(
                            "processor '\(stages[index].attached.id)' failed on a frame (its values are null in such frames): \(error)")
                    }
                    stages[index].lastError = "\(error)"
                }
                let elapsed = clock.now - start
                stages[index].frames += 1
                stages[index].runTime.record(elapsed)
                if elapsed > stages[index].slowest { stages[index].slowest = elapsed }
                if elapsed > stages[index].attached.budget {
                    stages[index].overBudget += 1
                    stages[index].overBudgetCount.increment()
                    if stages[index].overBudget == 1 {
                        newFault = true
                        stages[index].attached.logger.warning(
                            "processor '\(stages[index].attached.id)' took \(Self.microseconds(elapsed)) µs on a frame, over its budget of \(Self.microseconds(stages[index].attached.budget)) µs"
                        )
                    }
                }
            }
        }
        guard !events.isEmpty else { return ([], newFault) }
        let emitted = events.pending
        events.pending.removeAll(keepingCapacity: true)
        return (emitted, newFault)
    }

    /// The processors' counters, for the source's status details.
    var json: JSONValue {
        .object(
            stages.map { stage in
                var fields: [(String, JSONValue)] = [
                    ("type", .string(stage.attached.typeName)), ("frames", .int(Int64(stage.frames))),
                    ("errors", .int(Int64(stage.errors))), ("overBudget", .int(Int64(stage.overBudget))),
                    ("slowestMicros", .double(Self.microseconds(stage.slowest))),
                ]
                if let lastError = stage.lastError { fields.append(("lastError", .string(lastError))) }
                return (stage.attached.id, .object(fields))
            })
    }

    static func microseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1e6 + Double(attoseconds) * 1e-12).rounded()
    }
}
