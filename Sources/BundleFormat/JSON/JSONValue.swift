/// A parsed JSON value restricted to what bundles use: no floating-point numbers.
///
/// Objects keep their members in canonical order (``JSONObject``) and never hold a key twice:
/// ``JSONParser`` rejects duplicates instead of keeping the last one.
enum JSONValue: Hashable, Sendable {
    /// An object.
    case object(JSONObject)
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
            self = .object(JSONObject(value))
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
        case .object(let members): try container.encode(members.dictionary)
        case .array(let elements): try container.encode(elements)
        case .string(let text): try container.encode(text)
        case .integer(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        case .null: try container.encodeNil()
        }
    }
}

/// The members of a JSON object, kept sorted by the UTF-8 bytes of their names: the order the
/// canonical form writes them in, so writing needs no sorting and equal objects compare equal.
///
/// Bundle objects have a handful of members: a lookup compares names one by one, and a large
/// object (only a hostile file has one) is searched by halving.
struct JSONObject: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    /// One member: its name and value.
    struct Member: Hashable, Sendable {
        /// The member's name.
        var name: String
        /// The member's value.
        var value: JSONValue
    }

    /// The members in canonical order, no name twice.
    private(set) var members: [Member]

    /// An object of members with distinct names, in any order.
    ///
    /// - Precondition: no name appears twice (the parser checks its input before this).
    init(_ members: [Member]) {
        var members = members
        let sorted = members.indices.dropFirst().allSatisfy {
            JSONWriter.precedes(members[$0 - 1].name, members[$0].name)
        }
        if !sorted {
            members.sort { JSONWriter.precedes($0.name, $1.name) }
            for index in members.indices.dropFirst() {
                precondition(members[index - 1].name != members[index].name, "duplicate JSON member name")
            }
        }
        self.members = members
    }

    /// An object of members already in canonical order with distinct names, as the bundle
    /// types build them: checked in debug builds only.
    init(canonicallyOrdered members: [Member]) {
        assert(
            members.indices.dropFirst().allSatisfy { JSONWriter.precedes(members[$0 - 1].name, members[$0].name) },
            "JSON members out of canonical order"
        )
        self.members = members
    }

    /// An object of a dictionary's members.
    init(_ dictionary: [String: JSONValue]) {
        self.init(dictionary.map { Member(name: $0.key, value: $0.value) })
    }

    /// An object from a literal; the names must be distinct.
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(name: $0.0, value: $0.1) })
    }

    /// The number of members.
    var count: Int { members.count }

    /// Whether the object has no members.
    var isEmpty: Bool { members.isEmpty }

    /// The members as a dictionary.
    var dictionary: [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.value) })
    }

    /// The position of the member with this name, or where it would be inserted.
    func position(of name: String) -> (index: Int, found: Bool) {
        if members.count <= 16 {
            if let index = members.firstIndex(where: { $0.name == name }) {
                return (index, true)
            }
            return (members.firstIndex { JSONWriter.precedes(name, $0.name) } ?? members.count, false)
        }
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            if JSONWriter.precedes(members[middle].name, name) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return (low, low < members.count && members[low].name == name)
    }

    /// The value of the member with this name; setting `nil` removes the member.
    subscript(name: String) -> JSONValue? {
        get {
            let (index, found) = position(of: name)
            return found ? members[index].value : nil
        }
        set {
            let (index, found) = position(of: name)
            switch (found, newValue) {
            case (true, let value?): members[index].value = value
            case (true, nil): members.remove(at: index)
            case (false, let value?): members.insert(Member(name: name, value: value), at: index)
            case (false, nil): break
            }
        }
    }

    /// Removes a member and returns its value, or `nil` when there is none.
    mutating func removeValue(forKey name: String) -> JSONValue? {
        let value = self[name]
        self[name] = nil
        return value
    }
}
