import APDUTypes

/// Reads the members of one JSON object for a bundle type, and rejects the members it did not read.
///
/// Every read names the member's path (`commands[3].apdu`) in the error, and errors below
/// `commands[i]` carry the command index.
struct JSONObjectReader {
    /// The path of this object, such as `secureChannel` or `commands[2]`.
    let path: String
    /// The command this object belongs to, if any.
    let commandIndex: Int?
    private let members: [String: JSONValue]
    private var read: Set<String> = []

    /// Starts reading `value`, which must be an object.
    init(_ value: JSONValue, path: String, commandIndex: Int? = nil) throws(BundleError) {
        guard case .object(let members) = value else {
            throw .malformed("'\(path.isEmpty ? "(top level)" : path)' must be an object, not \(value.kindName)")
        }
        self.path = path
        self.commandIndex = commandIndex
        self.members = members
    }

    /// The path of a member.
    func memberPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// A malformed-bundle error about a member.
    func error(_ key: String, _ problem: String) -> BundleError {
        .malformed("'\(memberPath(key))' \(problem)", commandIndex: commandIndex)
    }

    /// Whether the object has the member (without marking it read).
    func contains(_ key: String) -> Bool {
        members[key] != nil
    }

    /// The member's value, or `nil` when absent; `null` is never accepted.
    mutating func optionalValue(_ key: String) throws(BundleError) -> JSONValue? {
        guard let value = members[key] else {
            return nil
        }
        read.insert(key)
        if case .null = value {
            throw error(key, "must be left out rather than null")
        }
        return value
    }

    /// The member's value; a missing member is an error.
    mutating func value(_ key: String) throws(BundleError) -> JSONValue {
        guard let value = try optionalValue(key) else {
            throw error(key, "is missing")
        }
        return value
    }

    /// An optional string member.
    mutating func optionalString(_ key: String) throws(BundleError) -> String? {
        guard let value = try optionalValue(key) else {
            return nil
        }
        guard case .string(let text) = value else {
            throw error(key, "must be a string, not \(value.kindName)")
        }
        return text
    }

    /// A string member.
    mutating func string(_ key: String) throws(BundleError) -> String {
        guard let text = try optionalString(key) else {
            throw error(key, "is missing")
        }
        return text
    }

    /// A string member that must not be empty.
    mutating func nonEmptyString(_ key: String) throws(BundleError) -> String {
        let text = try string(key)
        guard !text.isEmpty else {
            throw error(key, "must not be empty")
        }
        return text
    }

    /// An optional integer member within `range`.
    mutating func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws(BundleError) -> Int? {
        guard let value = try optionalValue(key) else {
            return nil
        }
        guard case .integer(let number) = value else {
            throw error(key, "must be an integer, not \(value.kindName)")
        }
        guard number >= Int64(range.lowerBound), number <= Int64(range.upperBound) else {
            throw error(key, "must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(number)
    }

    /// An integer member within `range`.
    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(BundleError) -> Int {
        guard let number = try optionalInteger(key, in: range) else {
            throw error(key, "is missing")
        }
        return number
    }

    /// A boolean member.
    mutating func bool(_ key: String) throws(BundleError) -> Bool {
        let value = try value(key)
        guard case .bool(let flag) = value else {
            throw error(key, "must be true or false, not \(value.kindName)")
        }
        return flag
    }

    /// An array member.
    mutating func array(_ key: String) throws(BundleError) -> [JSONValue] {
        let value = try value(key)
        guard case .array(let elements) = value else {
            throw error(key, "must be an array, not \(value.kindName)")
        }
        return elements
    }

    /// An optional member holding canonical upper-case hex of a length in `lengths`.
    mutating func optionalHex(_ key: String, lengths: ClosedRange<Int>) throws(BundleError) -> [UInt8]? {
        guard let text = try optionalString(key) else {
            return nil
        }
        guard let bytes = CanonicalHex.bytes(text) else {
            throw error(key, "must be upper-case hex with an even number of digits")
        }
        guard lengths.contains(bytes.count) else {
            let expected =
                lengths.lowerBound == lengths.upperBound
                ? "\(lengths.lowerBound)" : "\(lengths.lowerBound) to \(lengths.upperBound)"
            throw error(key, "must be \(expected) bytes, not \(bytes.count)")
        }
        return bytes
    }

    /// A member holding canonical upper-case hex of a length in `lengths`.
    mutating func hex(_ key: String, lengths: ClosedRange<Int>) throws(BundleError) -> [UInt8] {
        guard let bytes = try optionalHex(key, lengths: lengths) else {
            throw error(key, "is missing")
        }
        return bytes
    }

    /// An optional string member that must be one of an enumeration's raw values.
    mutating func optionalEnumeration<Value: RawRepresentable & CaseIterable>(
        _ key: String,
        as type: Value.Type
    ) throws(BundleError) -> Value? where Value.RawValue == String {
        guard let text = try optionalString(key) else {
            return nil
        }
        guard let value = Value(rawValue: text) else {
            let allowed = Value.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw error(key, "must be one of \(allowed)")
        }
        return value
    }

    /// A string member that must be one of an enumeration's raw values.
    mutating func enumeration<Value: RawRepresentable & CaseIterable>(
        _ key: String,
        as type: Value.Type
    ) throws(BundleError) -> Value where Value.RawValue == String {
        guard let value = try optionalEnumeration(key, as: type) else {
            throw error(key, "is missing")
        }
        return value
    }

    /// Checks that every member was read: an unknown member is an error.
    func finish() throws(BundleError) {
        let unknown = JSONWriter.sortedKeys(members).filter { !read.contains($0) }
        if let first = unknown.first {
            throw .malformed("unknown key '\(memberPath(first))'", commandIndex: commandIndex)
        }
    }
}

/// Strict hexadecimal for bundle payloads: upper-case digits only, even length, no separators.
enum CanonicalHex {
    /// The bytes of canonical hex text, or `nil` when the text is not canonical.
    static func bytes(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                return nil
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// The canonical text of bytes.
    static func string(_ bytes: [UInt8]) -> String {
        Hex.string(bytes)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
