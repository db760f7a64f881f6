import Foundation
// One-off exhaustive check of the JSON float text against `Float.description`: every positive
// finite float (2^31 - 2^23 bit patterns, zero included). Not part of the test suite (about four
// minutes optimised). Negative values print as `-` and the magnitude, which the suite covers.
//
//   scripts/float-exhaustive/run.sh [first-bits-hex last-bits-hex]
//
// Compiled straight from the two source files, so it sees their internal types.

let arguments = CommandLine.arguments
let first = arguments.count > 2 ? UInt32(arguments[1], radix: 16)! : 0
let last = arguments.count > 2 ? UInt32(arguments[2], radix: 16)! : 0x7F7F_FFFF
let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
var mismatches = 0
var checked: UInt64 = 0
var bits = first
while true {
    let value = Float(bitPattern: bits)
    var cursor = JSONCursor(position: buffer)
    cursor.float(value)
    let written = UnsafeBufferPointer(start: buffer, count: cursor.position - buffer)
    var expected = value.description
    let same = expected.withUTF8 { $0.elementsEqual(written) }
    if !same {
        mismatches += 1
        if mismatches <= 20 {
            print("bits \(String(bits, radix: 16)): expected \(value.description), wrote \(String(decoding: written, as: UTF8.self))")
        }
    }
    checked += 1
    if bits & 0x0FFF_FFFF == 0 && bits != first { print("... \(String(bits, radix: 16)) (\(mismatches) mismatches so far)") }
    if bits == last { break }
    bits += 1
}
print("checked \(checked) floats, bits \(String(first, radix: 16))...\(String(last, radix: 16)): \(mismatches) mismatches")
exit(mismatches == 0 ? 0 : 1)
