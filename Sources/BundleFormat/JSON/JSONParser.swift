/// A strict JSON parser (RFC 8259) for bundle files.
///
/// Stricter than `JSONDecoder` where a signed format needs it: a duplicate key, a number with a
/// fraction or exponent, an integer beyond 2^53 - 1, invalid UTF-8, a lone surrogate escape, a
/// byte-order mark and anything after the top-level value are errors. Nesting is limited so that
/// hostile input cannot exhaust the stack.
struct JSONParser {
    /// Why bytes are not acceptable JSON, with the byte offset where the problem was found.
    struct Failure: Error, Equatable {
        /// What is wrong.
        var message: String
        /// The byte offset in the input.
        var offset: Int
    }

    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 32

    private let bytes: [UInt8]
    private var position = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses one JSON text: a value with optional surrounding whitespace and nothing else.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.failure("unexpected data after the top-level value")
        }
        return value
    }

    private func failure(_ message: String) -> Failure {
        Failure(message: message, offset: position)
    }

    private var current: UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        guard current == byte else {
            throw failure("expected \(what)")
        }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard let byte = current else {
            throw failure("unexpected end of input")
        }
        switch byte {
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .integer(try parseInteger())
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .null
        default:
            throw failure("unexpected character")
        }
    }

    private mutating func parseLiteral(_ word: String) throws(Failure) {
        for expected in word.utf8 {
            guard current == expected else {
                throw failure("invalid literal")
            }
            position += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maximumDepth else {
            throw failure("nesting deeper than \(Self.maximumDepth) levels")
        }
        position += 1
        var members: [JSONObject.Member] = []
        var names: Set<String> = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(members))
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else {
                throw failure("expected a member name")
            }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after a member name")
            skipWhitespace()
            let value = try parseValue(depth: depth)
            guard names.insert(key).inserted else {
                throw Failure(message: "duplicate key '\(key)'", offset: keyOffset)
            }
            members.append(JSONObject.Member(name: key, value: value))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return .object(JSONObject(members))
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maximumDepth else {
            throw failure("nesting deeper than \(Self.maximumDepth) levels")
        }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(elements)
        }
    }

    private mutating func parseInteger() throws(Failure) -> Int64 {
        let start = position
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw failure("expected a digit")
        }
        if first == UInt8(ascii: "0"),
            position + 1 < bytes.count,
            bytes[position + 1] >= UInt8(ascii: "0") && bytes[position + 1] <= UInt8(ascii: "9")
        {
            throw failure("leading zero in a number")
        }
        var magnitude: Int64 = 0
        while let digit = current, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") {
            magnitude = magnitude * 10 + Int64(digit - UInt8(ascii: "0"))
            guard magnitude <= JSONValue.maximumIntegerMagnitude else {
                throw Failure(message: "integer out of range", offset: start)
            }
            position += 1
        }
        if let next = current, next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            throw Failure(message: "numbers must be integers (no fraction or exponent)", offset: start)
        }
        if negative && magnitude == 0 {
            throw Failure(message: "negative zero", offset: start)
        }
        return negative ? -magnitude : magnitude
    }

    private mutating func parseString() throws(Failure) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else {
                throw failure("unterminated string")
            }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw failure("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw failure("unescaped control character in a string")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(Failure) {
        guard let byte = current else {
            throw failure("unterminated escape")
        }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHexUnit()
            var scalarValue = UInt32(unit)
            if (0xD800..<0xDC00).contains(unit) {
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    throw failure("lone surrogate escape")
                }
                position += 2
                let low = try parseHexUnit()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw failure("lone surrogate escape")
                }
                scalarValue = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(unit) {
                throw failure("lone surrogate escape")
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw failure("invalid escape")
            }
            utf8.append(contentsOf: String(Character(scalar)).utf8)
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func parseHexUnit() throws(Failure) -> UInt16 {
        guard position + 4 <= bytes.count else {
            throw failure("truncated \\u escape")
        }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | UInt16(nibble)
            position += 1
        }
        return value
    }
}
