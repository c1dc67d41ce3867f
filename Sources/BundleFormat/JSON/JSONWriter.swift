/// Writes ``JSONValue``s in the two forms bundles use: canonical (signed) and pretty (files).
///
/// Both forms sort object keys by their UTF-8 bytes, write integers in plain decimal, never
/// escape `/`, write non-ASCII characters as UTF-8, and escape only `"`, `\` and the control
/// characters below U+0020 (`\b`, `\f`, `\n`, `\r`, `\t`, else `\u00xx` in lower-case hex).
/// The canonical form has no whitespace at all. The pretty form is what `JSONEncoder` writes
/// with `.prettyPrinted`, `.sortedKeys` and `.withoutEscapingSlashes` (two-space indentation,
/// `"key" : value`), followed by one newline.
enum JSONWriter {
    /// The canonical form: the bytes a bundle's signature covers.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - capacity: The length expected, so that the output grows at most once.
    /// - Returns: The UTF-8 bytes.
    static func canonical(_ value: JSONValue, capacity: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        writeCanonical(value, into: &out)
        return out
    }

    /// The pretty form, ending with a newline.
    static func pretty(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        writePretty(value, indent: 0, into: &out)
        out.append(0x0A)
        return out
    }

    /// Whether `first` sorts before `second` by UTF-8 bytes (not by `String`'s Unicode order).
    static func precedes(_ first: String, _ second: String) -> Bool {
        let contiguous = first.utf8.withContiguousStorageIfAvailable { left in
            second.utf8.withContiguousStorageIfAvailable { right in
                let common = min(left.count, right.count)
                for index in 0..<common where left[index] != right[index] {
                    return left[index] < right[index]
                }
                return left.count < right.count
            }
        }
        if case .some(.some(let result)) = contiguous {
            return result
        }
        return first.utf8.lexicographicallyPrecedes(second.utf8)
    }

    private static func writeCanonical(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for member in members.members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(member.name, into: &out)
                out.append(UInt8(ascii: ":"))
                writeCanonical(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeCanonical(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            writeScalar(value, into: &out)
        }
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        switch value {
        case .object(let members) where !members.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (offset, member) in members.members.enumerated() {
                out += offset > 0 ? Array(",\n".utf8) : [0x0A]
                out += [UInt8](repeating: 0x20, count: indent + 2)
                writeString(member.name, into: &out)
                out += Array(" : ".utf8)
                writePretty(member.value, indent: indent + 2, into: &out)
            }
            out.append(0x0A)
            out += [UInt8](repeating: 0x20, count: indent)
            out.append(UInt8(ascii: "}"))
        case .array(let elements) where !elements.isEmpty:
            out.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                out += offset > 0 ? Array(",\n".utf8) : [0x0A]
                out += [UInt8](repeating: 0x20, count: indent + 2)
                writePretty(element, indent: indent + 2, into: &out)
            }
            out.append(0x0A)
            out += [UInt8](repeating: 0x20, count: indent)
            out.append(UInt8(ascii: "]"))
        default:
            writeCanonical(value, into: &out)
        }
    }

    private static func writeScalar(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .string(let text): writeString(text, into: &out)
        case .integer(let number): writeInteger(number, into: &out)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        case .object: out += Array("{}".utf8)
        case .array: out += Array("[]".utf8)
        }
    }

    /// Writes an integer in plain decimal, as `String(number)` spells it.
    private static func writeInteger(_ number: Int64, into out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Writes a string: runs of bytes that need no escape are copied whole.
    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ writeEscaped($0, into: &out) }) == nil {
            Array(text.utf8).withUnsafeBufferPointer { writeEscaped($0, into: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Writes the UTF-8 bytes of a string, escaped, without the quotes.
    private static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let raw = UnsafeRawBufferPointer(bytes)
        var start = 0
        var index = 0
        while index < bytes.count {
            if index + 8 <= bytes.count,
                !needsEscape(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            {
                index += 8
                continue
            }
            let byte = bytes[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                writeEscape(byte, into: &out)
                start = index + 1
            }
            index += 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
    }

    /// Whether any of eight bytes needs an escape: below 0x20, `"` or `\`.
    ///
    /// `(x - 0x01…) & ~x & 0x80…` is non-zero exactly when some byte of `x` is zero; with 0x20
    /// instead of 0x01, when some byte is below 0x20.
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        return (control | isQuote | isBackslash) & (ones &* 0x80) != 0
    }

    private static func writeEscape(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out += [0x5C, UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
        case 0x08: out += [0x5C, UInt8(ascii: "b")]
        case 0x0C: out += [0x5C, UInt8(ascii: "f")]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        case 0x0D: out += [0x5C, UInt8(ascii: "r")]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        default:
            let digits = Array("0123456789abcdef".utf8)
            out += Array("\\u00".utf8)
            out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
    }
}
