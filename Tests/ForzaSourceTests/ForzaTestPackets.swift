import BrokerTestSupport
import Foundation
import Testing

@testable import ForzaSource

/// Forza packets for the tests: the real recordings split into datagrams, and packets built here
/// from the published layout with known values (no FM7 capture exists).
enum ForzaTestPackets {
    /// The datagrams of a recording made of back-to-back packets of `length` bytes.
    static func recording(_ relative: String, length: Int) throws -> [[UInt8]] {
        let bytes = try TestData.bytes(relative)
        precondition(bytes.count % length == 0, "\(relative) is not whole \(length)-byte packets")
        return stride(from: 0, to: bytes.count, by: length).map { Array(bytes[$0..<($0 + length)]) }
    }

    static var fm2023: [[UInt8]] { get throws { try recording("forza/fm2023-fmdatasport-sample-packets-0000-1499.bin", length: 331) } }
    static var fh4: [[UInt8]] { get throws { try recording("forza/fh4-forza-daq-sample.bin", length: 324) } }
    static var fh5: [[UInt8]] { get throws { try recording("forza/fh5-xxr0ss-horizon-udp-payloads.bin", length: 324) } }

    /// Writes little-endian values at Turn 10's offsets.
    struct Builder {
        var bytes: [UInt8]
        init(length: Int) { bytes = [UInt8](repeating: 0, count: length) }
        mutating func f32(_ offset: Int, _ value: Float) { put(offset, value.bitPattern) }
        mutating func s32(_ offset: Int, _ value: Int32) { put(offset, UInt32(bitPattern: value)) }
        mutating func u16(_ offset: Int, _ value: UInt16) {
            bytes[offset] = UInt8(value & 0xFF)
            bytes[offset + 1] = UInt8(value >> 8)
        }
        mutating func u8(_ offset: Int, _ value: UInt8) { bytes[offset] = value }
        mutating func put(_ offset: Int, _ value: UInt32) {
            for i in 0..<4 { bytes[offset + i] = UInt8((value >> (8 * UInt32(i))) & 0xFF) }
        }
    }

    /// A packet of `format` whose every field has a distinct known value: float field at offset
    /// `o` holds `Float(o) + 0.25`, integers hold their offset, the dash bytes are listed below.
    static func built(_ format: ForzaFormat, isRaceOn: Int32 = 1, lapNumber: UInt16 = 3, position: UInt8 = 5, gear: UInt8 = 4) -> [UInt8] {
        var b = Builder(length: format.length)
        b.s32(0, isRaceOn)
        b.put(4, 123_456_789)
        for offset in stride(from: 8, to: 212, by: 4) where !(116..<132).contains(offset) { b.f32(offset, Float(offset) + 0.25) }
        for offset in stride(from: 116, to: 132, by: 4) { b.s32(offset, Int32(offset % 2)) }  // rumble strips: 0
        for offset in stride(from: 212, to: 232, by: 4) { b.s32(offset, Int32(offset)) }
        guard let d = format.dashOffset else { return b.bytes }
        for field in 0..<17 { b.f32(d + 4 * field, Float(d + 4 * field) + 0.25) }
        b.f32(d + 12, 42.5)  // Speed
        b.f32(d + 44, 0.75)  // Fuel
        b.f32(d + 24, 212)  // tyre FL 212 F = 100 C
        b.u16(d + 68, lapNumber)
        b.u8(d + 70, position)
        b.u8(d + 71, 255)  // accel
        b.u8(d + 72, 51)  // brake
        b.u8(d + 73, 0)  // clutch
        b.u8(d + 74, 102)  // handbrake
        b.u8(d + 75, gear)
        b.u8(d + 76, UInt8(bitPattern: -127))  // steer
        b.u8(d + 77, 64)
        b.u8(d + 78, UInt8(bitPattern: -10))
        if format == .fm2023Dash {
            for (i, wear) in [Float(0.1), 0.2, 0.3, 0.4].enumerated() { b.f32(311 + 4 * i, wear) }
            b.s32(327, 1640)
        }
        if format == .horizonDash {
            b.put(232, 0x23)
            b.f32(236, 1.5)
            b.f32(240, 2.5)
        }
        return b.bytes
    }
}
