extension RecordingFormat {
    /// Turns the `data` object of a recorded telemetry line back into a frame row, value for value.
    ///
    /// Numbers go straight from their text into the row in the variable's own type (a 32-bit float is
    /// rounded once from its shortest decimal form, so it comes back bit for bit). Keys are matched
    /// against the layout in order first, as the stdout sink writes them, falling back to a lookup
    /// by name. Keys the layout lacks are skipped; a variable absent from `data` reads as zero; `null`
    /// makes a float or double `null` again; a value of the wrong kind (text for a number) leaves zero.
    public struct RowDecoder: Sendable {
        public let layout: FrameLayout
        private let names: [[UInt8]]

        public init(layout: FrameLayout) {
            self.layout = layout
            names = layout.fields.map { Array($0.name.utf8) }
        }

        /// Decodes `data` (an object's bytes) into a new row; throws on a syntax error.
        public func row(from data: UnsafeRawBufferPointer) throws -> [UInt8] {
            var row = [UInt8](repeating: 0, count: layout.rowSize)
            try row.withUnsafeMutableBytes { out in
                var scanner = JSONScanner(data)
                var expected = 0
                try scanner.forEachMember { scanner, key in
                    let field: Int
                    if expected < names.count, scanner.tokenEquals(key, names[expected]) {
                        field = expected
                    } else if let found = layout.fieldIndex(named: scanner.string(key)) {
                        field = found
                    } else {
                        try scanner.skipValue()
                        return
                    }
                    expected = field + 1
                    try read(field: layout.fields[field], from: &scanner, into: out)
                }
                try scanner.expectEnd()
            }
            return row
        }

        private func read(field: FrameField, from scanner: inout JSONScanner, into row: UnsafeMutableRawBufferPointer) throws {
            guard field.offset >= 0, field.offset + field.byteSize <= row.count else { return try scanner.skip() }
            if field.type == .string {
                guard scanner.peek() == UInt8(ascii: "\"") else { return try scanner.skip() }
                storeString(scanner.string(try scanner.scanString()), field: field, into: row)
                return
            }
            if field.count == 1 {
                return try readElement(field.type, at: field.offset, from: &scanner, into: row)
            }
            guard scanner.peek() == UInt8(ascii: "[") else { return try scanner.skip() }
            try scanner.forEachElement { scanner, position in
                guard position < field.count else { return try scanner.skip() }
                try readElement(field.type, at: field.offset + position * field.type.elementSize, from: &scanner, into: row)
            }
        }

        private func readElement(_ type: VariableType, at offset: Int, from scanner: inout JSONScanner, into row: UnsafeMutableRawBufferPointer)
            throws
        {
            guard let next = scanner.peek() else { throw scanner.error("unexpected end (expected a value)") }
            switch next {
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let token = try scanner.scanNumber()
                switch type {
                case .float:
                    row.storeBytes(of: scanner.float(token).bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
                case .double:
                    row.storeBytes(of: scanner.double(token).bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
                case .int:
                    row.storeBytes(of: Int32(clamping: integer(token, in: scanner)).littleEndian, toByteOffset: offset, as: Int32.self)
                case .bitfield:
                    row.storeBytes(of: UInt32(clamping: integer(token, in: scanner)).littleEndian, toByteOffset: offset, as: UInt32.self)
                case .bool:
                    row.storeBytes(of: scanner.double(token) != 0 ? 1 : 0, toByteOffset: offset, as: UInt8.self)
                case .string:
                    break
                }
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                let literal = try scanner.scanLiteral()
                if case let .bool(flag) = literal {
                    storeNumber(flag ? 1 : 0, type: type, at: offset, into: row)
                } else if type == .float || type == .double {
                    storeNumber(.nan, type: type, at: offset, into: row)
                }
            default:
                try scanner.skipValue()
            }
        }

        /// An integer token's value, or a fractional one rounded toward zero (saturating).
        private func integer(_ token: JSONNumberToken, in scanner: JSONScanner) -> Int64 {
            if token.isInteger, let value = scanner.integer(token) { return value }
            let value = scanner.double(token)
            guard value.isFinite else { return 0 }
            return Int64(max(-9.2e18, min(9.2e18, value.rounded(.towardZero))))
        }

        private func storeNumber(_ value: Double, type: VariableType, at offset: Int, into row: UnsafeMutableRawBufferPointer) {
            switch type {
            case .bool: row.storeBytes(of: value != 0 ? 1 : 0, toByteOffset: offset, as: UInt8.self)
            case .int: row.storeBytes(of: Int32(value).littleEndian, toByteOffset: offset, as: Int32.self)
            case .bitfield: row.storeBytes(of: UInt32(value).littleEndian, toByteOffset: offset, as: UInt32.self)
            case .float: row.storeBytes(of: Float(value).bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
            case .double: row.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
            case .string: break
            }
        }

        /// UTF-8 text cut to the field's capacity on a character boundary; the rest stays NUL.
        private func storeString(_ text: String, field: FrameField, into row: UnsafeMutableRawBufferPointer) {
            let utf8 = Array(text.utf8)
            var length = min(utf8.count, field.byteSize)
            if length < utf8.count {
                while length > 0 && (utf8[length] & 0xC0) == 0x80 { length -= 1 }
            }
            for i in 0..<length { row[field.offset + i] = utf8[i] }
        }
    }
}
