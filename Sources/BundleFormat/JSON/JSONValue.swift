/// A parsed JSON value restricted to what bundles use: no floating-point numbers.
///
/// Objects keep no member order (canonical writing sorts the keys) and never hold a key twice:
/// ``JSONParser`` rejects duplicates instead of keeping the last one.
enum JSONValue: Hashable, Sendable {
    /// An object.
    case object([String: JSONValue])
    /// An array.
    case array([JSONValue])
    /// A string.
    case string(String)
    /// An integer in the range that every JSON reader represents exactly (below 2^53 in magnitude).
    case integer(Int64)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// The largest magnitude an integer may have: 2^53 - 1, exact in every JSON implementation.
    static let maximumIntegerMagnitude: Int64 = 9_007_199_254_740_991

    /// A short name of the value's kind, for error messages.
    var kindName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer: "an integer"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value that a `Decoder` offers, for the lenient `Codable` path.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "not a JSON value a bundle can hold (floating-point numbers are not allowed)"
            )
        }
    }

    /// Encodes the value through any `Encoder`.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .object(let members): try container.encode(members)
        case .array(let elements): try container.encode(elements)
        case .string(let text): try container.encode(text)
        case .integer(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        case .null: try container.encodeNil()
        }
    }
}
