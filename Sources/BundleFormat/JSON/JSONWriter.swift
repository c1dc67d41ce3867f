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
    static func canonical(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
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

    /// The keys of an object in canonical order: by their UTF-8 bytes.
    static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func writeCanonical(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (offset, key) in sortedKeys(members).enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if let member = members[key] {
                    writeCanonical(member, into: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
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
            for (offset, key) in sortedKeys(members).enumerated() {
                out += offset > 0 ? Array(",\n".utf8) : [0x0A]
                out += [UInt8](repeating: 0x20, count: indent + 2)
                writeString(key, into: &out)
                out += Array(" : ".utf8)
                if let member = members[key] {
                    writePretty(member, indent: indent + 2, into: &out)
                }
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
        case .integer(let number): out += Array(String(number).utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        case .object: out += Array("{}".utf8)
        case .array: out += Array("[]".utf8)
        }
    }

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x00..<0x20:
                out += Array("\\u00".utf8)
                out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
