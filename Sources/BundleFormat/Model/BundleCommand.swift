public import APDUTypes

/// One command of a bundle: the exact bytes to send, what may come back, and where it came from.
///
/// The JSON form:
/// `{"apdu": "84E60C00…", "expect": ["9000"], "index": 4, "note": "INSTALL [for install]",
/// "origin": "Sequences/brokerage.yaml:21:5", "sensitive": false, "step": 3}`.
public struct BundleCommand: Hashable, Sendable {
    /// The command's position in the bundle, counted from 0.
    public var index: Int
    /// The command APDU exactly as the client sends it, secure-channel MAC and encryption included.
    public var apdu: [UInt8]
    /// The status words that let the client go on; any other stops the sequence.
    public var expect: [StatusWordPattern]
    /// The 1-based number of the source step the command came from; `nil` for commands the
    /// secure channel adds (INITIALIZE UPDATE, EXTERNAL AUTHENTICATE).
    public var step: Int?
    /// `path:line:column` of the source step; present exactly when ``step`` is.
    public var origin: String?
    /// What the command does, for people: `EXTERNAL AUTHENTICATE`, `LOAD block 3/21`.
    public var note: String?
    /// Whether the command carries data the client must not log (keys, personal data).
    public var sensitive: Bool

    /// Creates a command.
    public init(
        index: Int,
        apdu: [UInt8],
        expect: [StatusWordPattern] = [.success],
        step: Int? = nil,
        origin: String? = nil,
        note: String? = nil,
        sensitive: Bool = false
    ) {
        self.index = index
        self.apdu = apdu
        self.expect = expect
        self.step = step
        self.origin = origin
        self.note = note
        self.sensitive = sensitive
    }

    /// Creates a command from a ``CommandAPDU``.
    public init(
        index: Int,
        command: CommandAPDU,
        expect: [StatusWordPattern] = [.success],
        step: Int? = nil,
        origin: String? = nil,
        note: String? = nil,
        sensitive: Bool = false
    ) {
        self.init(
            index: index,
            apdu: command.bytes,
            expect: expect,
            step: step,
            origin: origin,
            note: note,
            sensitive: sensitive
        )
    }

    /// The APDU decoded.
    ///
    /// - Throws: `CommandAPDU.ParseError` when the bytes are not an ISO 7816-4 command.
    public func commandAPDU() throws(CommandAPDU.ParseError) -> CommandAPDU {
        try CommandAPDU(bytes: apdu)
    }

    /// Whether a status word lets the sequence go on after this command.
    public func accepts(_ statusWord: StatusWord) -> Bool {
        expect.contains { $0.matches(statusWord) }
    }

    /// The largest APDU a bundle holds: an extended command with 65535 data bytes and Le.
    static let maximumAPDULength = 4 + 3 + 65_535 + 2
    /// The largest step number and index accepted.
    static let maximumNumber = 1_000_000
}

extension BundleCommand {
    init(json: JSONValue, path: String, position: Int) throws(BundleError) {
        try self.init(reader: try JSONObjectReader(json, path: path, commandIndex: position))
    }

    /// Reads element `position` of the array at `arrayPath` (`commands`).
    init(json: JSONValue, element position: Int, of arrayPath: String) throws(BundleError) {
        try self.init(reader: try JSONObjectReader(json, element: position, of: arrayPath, commandIndex: position))
    }

    private init(reader: JSONObjectReader) throws(BundleError) {
        var reader = reader
        index = try reader.integer("index", in: 0...Self.maximumNumber)
        apdu = try reader.hex("apdu", lengths: 4...Self.maximumAPDULength)
        var patterns: [StatusWordPattern] = []
        for (offset, element) in try reader.array("expect").enumerated() {
            guard case .string(let text) = element, let pattern = StatusWordPattern(text: text) else {
                throw reader.error(
                    "expect[\(offset)]",
                    "must be four upper-case hex digits or 'X', starting with 6 or 9, such as '9000' or '61XX'"
                )
            }
            patterns.append(pattern)
        }
        expect = patterns
        step = try reader.optionalInteger("step", in: 1...Self.maximumNumber)
        origin = try reader.optionalString("origin")
        note = try reader.optionalString("note")
        sensitive = try reader.bool("sensitive")
        try reader.finish()
    }

    var json: JSONValue {
        // Built in canonical order, so the object needs no sorting.
        var members: [JSONObject.Member] = []
        members.reserveCapacity(7)
        members.append(JSONObject.Member(name: "apdu", value: .string(CanonicalHex.string(apdu))))
        members.append(JSONObject.Member(name: "expect", value: .array(expect.map { .string($0.description) })))
        members.append(JSONObject.Member(name: "index", value: .integer(Int64(index))))
        if let note { members.append(JSONObject.Member(name: "note", value: .string(note))) }
        if let origin { members.append(JSONObject.Member(name: "origin", value: .string(origin))) }
        members.append(JSONObject.Member(name: "sensitive", value: .bool(sensitive)))
        if let step { members.append(JSONObject.Member(name: "step", value: .integer(Int64(step)))) }
        return .object(JSONObject(canonicallyOrdered: members))
    }
}

extension BundleCommand: Codable {
    /// Decodes the JSON form with the same rules as ``SignedBundle/decode(_:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), path: "command", position: 0)
    }

    /// Encodes the JSON form.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
