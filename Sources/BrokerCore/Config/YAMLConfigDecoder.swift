/// A `Decoder` over a `YAMLNode` tree, used to decode plugin configs.
///
/// It is strict about types (a port must be an integer) but lenient about flow: an optional key
/// whose value is wrong is recorded and treated as absent, so decoding carries on and finds the next
/// problem too. It notes which keys each mapping was asked for, so the loader can flag unknown keys.
struct YAMLConfigDecoder: Decoder {
    let node: YAMLNode
    let codingPath: [any CodingKey]
    let diagnostics: ConfigDiagnostics
    var userInfo: [CodingUserInfoKey: Any] { [.configDirectory: Broker.directory(of: diagnostics.file)] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let pairs: [(key: YAMLNode, value: YAMLNode)]
        switch node.content {
        case let .mapping(p): pairs = p
        case .scalar where node.isNull: pairs = []
        default: throw mismatch("a mapping")
        }
        let tracker = diagnostics.tracker(for: node, path: codingPath)
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, pairs: pairs, tracker: tracker))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch node.content {
        case let .sequence(items): return UnkeyedContainer(decoder: self, items: items)
        case .scalar where node.isNull: return UnkeyedContainer(decoder: self, items: [])
        default: throw mismatch("a list")
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(decoder: self) }

    func mismatch(_ expected: String) -> DecodingError {
        let found: String
        switch node.content {
        case let .scalar(text, _): found = node.isNull ? "nothing" : "'\(text)'"
        default: found = node.kindName
        }
        return DecodingError.typeMismatch(
            Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(found)"))
    }

    func child(_ node: YAMLNode, key: any CodingKey) -> YAMLConfigDecoder {
        YAMLConfigDecoder(node: node, codingPath: codingPath + [key], diagnostics: diagnostics)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: self)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: YAMLConfigDecoder
    let pairs: [(key: YAMLNode, value: YAMLNode)]
    let tracker: MappingTracker

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { pairs.compactMap { $0.key.scalar.flatMap(Key.init(stringValue:)) } }

    private func value(for key: Key) -> YAMLNode? {
        tracker.request(key.stringValue)
        return pairs.first { $0.key.scalar == key.stringValue }?.value
    }

    func contains(_ key: Key) -> Bool { value(for: key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { value(for: key)?.isNull ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let node = value(for: key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing required key '\(key.stringValue)'"))
        }
        return try decoder.child(node, key: key).decode(T.self)
    }

    /// A wrong optional value is recorded and read as absent, so the rest of the config is checked too.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try decodeIfPresent(type, key)
    }

    private func decodeIfPresent<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard let node = value(for: key), !node.isNull else { return nil }
        do {
            return try decoder.child(node, key: key).decode(T.self)
        } catch {
            decoder.diagnostics.record(error, fallbackPath: codingPath + [key])
            return nil
        }
    }

    // The protocol's own defaults for these would win over the generic one and throw; route them to it.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decodeIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decodeIfPresent(type, key) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        guard let node = value(for: key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing required key '\(key.stringValue)'"))
        }
        return try decoder.child(node, key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let node = value(for: key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing required key '\(key.stringValue)'"))
        }
        return try decoder.child(node, key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(value(for: key) ?? YAMLNode(.scalar("", plain: true), mark: decoder.node.mark), key: key)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: YAMLConfigDecoder
    let items: [YAMLNode]
    var currentIndex = 0

    init(decoder: YAMLConfigDecoder, items: [YAMLNode]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func nextDecoder() throws -> YAMLConfigDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "list has too few items"))
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], key: PathKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try nextDecoder().decode(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try nextDecoder().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try nextDecoder() }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: YAMLConfigDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.node.isNull }

    private func text(_ expected: String) throws -> String {
        guard case let .scalar(text, _) = decoder.node.content, !decoder.node.isNull else { throw decoder.mismatch(expected) }
        return text
    }

    func decode(_ type: String.Type) throws -> String {
        if case let .scalar(text, plain) = decoder.node.content, !(plain && text == "~") { return text }
        throw decoder.mismatch("a string")
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch try text("true or false").lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw decoder.mismatch("true or false")
        }
    }

    func decode(_ type: Double.Type) throws -> Double {
        let raw = try text("a number")
        guard let value = Double(raw.replacingOccurrences(of: "_", with: "")), value.isFinite else { throw decoder.mismatch("a number") }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let raw = try text("a whole number").replacingOccurrences(of: "_", with: "")
        if let value = T(raw) { return value }
        if let wide = Double(raw), wide.rounded() == wide {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(raw) is out of range"))
        }
        throw decoder.mismatch("a whole number")
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(T.self) }
}
