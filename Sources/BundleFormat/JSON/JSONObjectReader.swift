import APDUTypes

/// Reads the members of one JSON object for a bundle type, and rejects the members it did not read.
///
/// Every read names the member's path (`commands[3].apdu`) in the error, and errors below
/// `commands[i]` carry the command index.
struct JSONObjectReader {
    /// The path of this object, such as `secureChannel` or `commands[2]`.
    var path: String {
        guard let element else {
            return parentPath
        }
        return "\(parentPath)[\(element)]"
    }
    /// The command this object belongs to, if any.
    let commandIndex: Int?
    /// The path of the object, or of the array that holds it at position ``element``.
    private let parentPath: String
    private let element: Int?
    private let members: JSONObject
    /// Which members were read: bit `i` for member `i` below 64, the rest in ``readBeyond64``.
    private var readMask: UInt64 = 0
    private var readBeyond64: Set<Int> = []

    /// Starts reading `value`, which must be an object.
    init(_ value: JSONValue, path: String, commandIndex: Int? = nil) throws(BundleError) {
        try self.init(value, parentPath: path, element: nil, commandIndex: commandIndex)
    }

    /// Starts reading element `position` of the array at `arrayPath`, which must be an object.
    ///
    /// The path (`commands[3]`) is only spelled out for an error message.
    init(_ value: JSONValue, element position: Int, of arrayPath: String, commandIndex: Int? = nil) throws(BundleError)
    {
        try self.init(value, parentPath: arrayPath, element: position, commandIndex: commandIndex)
    }

    private init(_ value: JSONValue, parentPath: String, element: Int?, commandIndex: Int?) throws(BundleError) {
        self.parentPath = parentPath
        self.element = element
        self.commandIndex = commandIndex
        guard case .object(let members) = value else {
            let path = element.map { "\(parentPath)[\($0)]" } ?? parentPath
            throw .malformed("'\(path.isEmpty ? "(top level)" : path)' must be an object, not \(value.kindName)")
        }
        self.members = members
    }

    /// The path of a member.
    func memberPath(_ key: String) -> String {
        let path = self.path
        return path.isEmpty ? key : "\(path).\(key)"
    }

    /// A malformed-bundle error about a member.
    func error(_ key: String, _ problem: String) -> BundleError {
        .malformed("'\(memberPath(key))' \(problem)", commandIndex: commandIndex)
    }

    private func wasRead(_ index: Int) -> Bool {
        index < 64 ? readMask & (1 << UInt64(index)) != 0 : readBeyond64.contains(index)
    }

    /// Whether the object has the member (without marking it read).
    func contains(_ key: String) -> Bool {
        members.position(of: key).found
    }

    /// The member's value, or `nil` when absent; `null` is never accepted.
    mutating func optionalValue(_ key: String) throws(BundleError) -> JSONValue? {
        let (index, found) = members.position(of: key)
        guard found else {
            return nil
        }
        if index < 64 {
            readMask |= 1 << UInt64(index)
        } else {
            readBeyond64.insert(index)
        }
        let value = members.members[index].value
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
    ///
    /// The first unknown member in canonical order is named.
    func finish() throws(BundleError) {
        for index in members.members.indices where !wasRead(index) {
            throw .malformed("unknown key '\(memberPath(members.members[index].name))'", commandIndex: commandIndex)
        }
    }
}

/// Strict hexadecimal for bundle payloads: upper-case digits only, even length, no separators.
enum CanonicalHex {
    /// The bytes of canonical hex text, or `nil` when the text is not canonical.
    ///
    /// Eight digits at a time (``decode(_:)``), the last few one by one: bundles carry every
    /// command in hex, so this is on the path of every seal and every verification.
    static func bytes(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count % 2 == 0 else {
                return nil
            }
            var valid = true
            let out = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { buffer, initialized in
                let raw = UnsafeRawBufferPointer(utf8)
                var index = 0
                while index + 4 <= buffer.count {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt64.self))
                    guard let decoded = decode(word) else {
                        valid = false
                        return
                    }
                    for offset in 0..<4 {
                        buffer[index + offset] = UInt8(truncatingIfNeeded: decoded >> (8 * offset))
                    }
                    index += 4
                    initialized = index
                }
                while index < buffer.count {
                    let high = nibble(utf8[2 * index])
                    let low = nibble(utf8[2 * index + 1])
                    guard high | low < 0x10 else {
                        valid = false
                        return
                    }
                    buffer[index] = high << 4 | low
                    index += 1
                    initialized = index
                }
            }
            return valid ? out : nil
        }
    }

    /// Eight upper-case hex digits, the first in the low byte of `word`, as four bytes (the first
    /// in the low byte), or `nil` when any of them is not `0`-`9` or `A`-`F`.
    @inline(__always)
    static func decode(_ word: UInt64) -> UInt32? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        guard word & high == 0 else {
            return nil
        }
        // Each byte is below 0x80, so adding 0x80 - n carries into no neighbour and sets the
        // byte's top bit exactly when the byte is at least n.
        let atLeastZero = (word &+ ones &* 0x50) & high
        let atLeastColon = (word &+ ones &* 0x46) & high
        let atLeastA = (word &+ ones &* 0x3F) & high
        let atLeastG = (word &+ ones &* 0x39) & high
        let isDigit = atLeastZero & ~atLeastColon
        let isLetter = atLeastA & ~atLeastG
        guard isDigit | isLetter == high else {
            return nil
        }
        // '0'-'9' are 0x30-0x39 and 'A'-'F' are 0x41-0x46: the low four bits, plus 9 for letters.
        let nibbles = (word & (ones &* 0x0F)) &+ (isLetter >> 7) &* 9
        var pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF
        pairs = (pairs | (pairs >> 8)) & 0x0000_FFFF_0000_FFFF
        pairs = (pairs | (pairs >> 16)) & 0x0000_0000_FFFF_FFFF
        return UInt32(truncatingIfNeeded: pairs)
    }

    /// The canonical text of bytes.
    static func string(_ bytes: [UInt8]) -> String {
        Hex.string(bytes)
    }

    /// The value of an upper-case hex digit, or `0xFF` for any other byte.
    private static func nibble(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }
}
