import BrokerTestSupport
import Foundation
import Testing

/// The real datagrams of `../shared/data/f1`, whole (header included): the recording's as
/// recorded, the pits-n-giggles payloads behind a header this test writes.
enum F1TestPackets {
    /// The f1-telemetry-client recording: 28 F1 24 datagrams.
    static func recording() throws -> [(time: Double, bytes: [UInt8])] { try F1Recording.datagrams() }

    /// A pits-n-giggles payload (by file and index) behind a header of its format.
    static func vector(_ file: String, _ index: Int, frame: UInt32 = 7, player: UInt8 = 0) throws -> [UInt8] {
        let array = try JSONSerialization.jsonObject(with: Data(TestData.bytes(file))) as? [[String: Any]] ?? []
        let entry = array[index]
        return F1DecodeTableTests.datagram(
            format: entry["packet_format"] as? Int ?? 0, id: entry["packet_id"] as? Int ?? 0,
            payload: F1DecodeTableTests.hexBytes(entry["payload_hex"] as? String ?? ""), frame: frame, player: player)
    }

    static let f1_25 = "f1/pits-n-giggles-f1-25.json"
    static let f1_24 = "f1/pits-n-giggles-f1-24.json"
}
