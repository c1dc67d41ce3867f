import APDUTypes

/// A value a template expression computes, or a value of a name in its scope.
public enum TemplateValue: Hashable, Sendable, CustomStringConvertible {
    /// A byte string.
    case bytes([UInt8])
    /// A signed 64-bit integer.
    case integer(Int)
    /// A Unicode string.
    case string(String)
    /// A record with named members, such as a component.
    indirect case record([String: TemplateValue])
    /// A list of values of one type.
    indirect case list([TemplateValue])

    /// The type of the value.
    ///
    /// A list takes the type of its first element; an empty list, which has none, is a `list of bytes`.
    /// Use ``conforms(to:)`` to ask whether a value may stand where a type is declared: it accepts an
    /// empty list as a list of anything.
    public var type: TemplateType {
        switch self {
        case .bytes:
            return .bytes
        case .integer:
            return .integer
        case .string:
            return .string
        case .record(let members):
            return .record(members.mapValues(\.type))
        case .list(let elements):
            return .list(elements.first?.type ?? .bytes)
        }
    }

    /// Whether the value has `type`, looking into records and lists.
    ///
    /// Unlike comparing ``type``, this checks every element of a list, and accepts an empty list as a
    /// list of any element type.
    public func conforms(to type: TemplateType) -> Bool {
        switch (self, type) {
        case (.bytes, .bytes), (.integer, .integer), (.string, .string):
            return true
        case (.record(let members), .record(let memberTypes)):
            guard members.count == memberTypes.count else {
                return false
            }
            return members.allSatisfy { name, value in
                memberTypes[name].map { value.conforms(to: $0) } ?? false
            }
        case (.list(let elements), .list(let element)):
            return elements.allSatisfy { $0.conforms(to: element) }
        default:
            return false
        }
    }

    /// The value as the documentation writes it: bytes in upper-case hex, integers in decimal,
    /// strings in single quotes, records as `{name: value}` and lists as `[value, value]`.
    public var description: String {
        switch self {
        case .bytes(let bytes):
            return bytes.isEmpty ? "(no bytes)" : Hex.string(bytes)
        case .integer(let value):
            return String(value)
        case .string(let text):
            return "'\(text)'"
        case .record(let members):
            let fields = members.keys.sorted().map { key in "\(key): \(members[key]?.description ?? "")" }
            return "{\(fields.joined(separator: ", "))}"
        case .list(let elements):
            return "[\(elements.map(\.description).joined(separator: ", "))]"
        }
    }
}
