/// The static type of a template expression or of a value in its scope.
///
/// Card fields are `bytes`, `integer` or `string`; components (such as a CAP file) appear as
/// records of named members, and repeated parts (such as a CAP file's applets) as lists.
public enum TemplateType: Hashable, Sendable, CustomStringConvertible {
    /// A byte string.
    case bytes
    /// A signed 64-bit integer.
    case integer
    /// A Unicode string.
    case string
    /// A record with named members, such as a component.
    indirect case record([String: TemplateType])
    /// A list whose elements all have one type.
    indirect case list(TemplateType)

    /// The type as it is written in messages: `bytes`, `list of bytes`, `record {aid: bytes, name: string}`.
    public var description: String {
        switch self {
        case .bytes:
            return "bytes"
        case .integer:
            return "integer"
        case .string:
            return "string"
        case .record(let members):
            let fields = members.keys.sorted().map { key in "\(key): \(members[key]?.description ?? "")" }
            return "record {\(fields.joined(separator: ", "))}"
        case .list(let element):
            return "list of \(element)"
        }
    }

    /// The type with an article, for sentences: `a string`, `an integer`, `a list of bytes`.
    var withArticle: String {
        switch self {
        case .bytes:
            return "bytes"
        case .integer:
            return "an integer"
        case .string:
            return "a string"
        case .record:
            return "a record"
        case .list:
            return "a list"
        }
    }
}
