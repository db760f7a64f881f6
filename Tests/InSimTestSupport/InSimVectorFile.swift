import BrokerTestSupport
import Foundation
import Testing

/// The packet vectors of `../shared/data/insim/vectors.md`: each `### heading` followed by a fenced
/// block of hex bytes. Tests look vectors up by the start of their heading (the InSim source's and
/// the OutGauge source's tests share the file).
public struct InSimVectorFile {
    public let vectors: [(heading: String, bytes: [UInt8])]

    public static let relativePath = "insim/vectors.md"

    public static func load(sourceLocation: SourceLocation = #_sourceLocation) throws -> InSimVectorFile {
        let text = String(decoding: try TestData.bytes(relativePath, sourceLocation: sourceLocation), as: UTF8.self)
        var vectors: [(String, [UInt8])] = []
        var heading: String?
        var hexLines: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### ") {
                heading = String(line.dropFirst(4))
            } else if line.hasPrefix("```") {
                if let lines = hexLines {
                    if let heading {
                        let bytes = lines.joined(separator: " ").split(separator: " ").compactMap { UInt8($0, radix: 16) }
                        vectors.append((heading, bytes))
                    }
                    hexLines = nil
                } else {
                    hexLines = []
                }
            } else if hexLines != nil {
                hexLines?.append(String(line))
            }
        }
        return InSimVectorFile(vectors: vectors)
    }

    /// The one vector whose heading starts with `prefix`; records an issue when there is not exactly one.
    public func bytes(_ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let matches = vectors.filter { $0.heading.hasPrefix(prefix) }
        guard matches.count == 1 else {
            Issue.record("expected one vector headed '\(prefix)...', found \(matches.count)", sourceLocation: sourceLocation)
            throw CocoaError(.fileReadCorruptFile)
        }
        return matches[0].bytes
    }
}
