import APDUTypes

/// Checks the rules of the format that a JSON schema cannot express.
///
/// - The payload survives encoding and strict decoding unchanged (lengths, names, patterns).
/// - There is at least one command, and command `i` has index `i`.
/// - Every APDU decodes as an ISO 7816-4 command; every command expects at least one status
///   word, each well-formed and listed once.
/// - `step` and `origin` come together, `origin` reads `path:line:column`, and a command
///   without a step has a note.
/// - `issuedAt` is before `expiresAt`.
/// - The card is bound: it has a CIN, a KDD or an IC serial number.
/// - The secure channel's session values agree with each other, with the INITIALIZE UPDATE
///   exchange and with the first commands (see Docs/Bundle-Format.md).
///
/// Problems in one command are ``BundleError/Code/commandInvalid`` with the command index;
/// others are ``BundleError/Code/invalidStructure`` (or ``BundleError/Code/malformedBundle``
/// for values the JSON form cannot carry).
public struct StructureCheck: BundleCheck {
    /// Creates the check.
    public init() {}

    /// `structure`.
    public var name: String { "structure" }

    /// Reports every structural problem.
    public func check(_ bundle: SignedBundle) -> [BundleError] {
        do throws(BundleError) {
            try bundle.payload.checkEncodable(json: bundle.payload.json)
        } catch {
            return [error]
        }
        return problems(in: bundle.payload)
    }

    /// The structural problems of a payload already known to survive encoding.
    func problems(in payload: BundlePayload) -> [BundleError] {
        var problems: [BundleError] = []
        if payload.commands.isEmpty {
            problems.append(.invalidStructure("the bundle has no commands"))
        }
        for (position, command) in payload.commands.enumerated() {
            problems += Self.problems(in: command, at: position)
        }
        if payload.issuedAt >= payload.expiresAt {
            problems.append(
                .invalidStructure("expiresAt (\(payload.expiresAt)) is not after issuedAt (\(payload.issuedAt))")
            )
        }
        if !payload.card.identity.isBound {
            problems.append(.invalidStructure("the card has no CIN, KDD or IC serial number to bind the bundle to"))
        }
        if case .globalPlatform(let session) = payload.secureChannel {
            problems += Self.problems(in: session, card: payload.card, commands: payload.commands)
        }
        return problems
    }

    private static func problems(in command: BundleCommand, at position: Int) -> [BundleError] {
        var problems: [BundleError] = []
        if command.index != position {
            problems.append(.commandInvalid("index is \(command.index), expected \(position)", index: position))
        }
        do throws(CommandAPDU.ParseError) {
            _ = try command.commandAPDU()
        } catch {
            problems.append(.commandInvalid("the APDU is not an ISO 7816-4 command (\(error))", index: position))
        }
        if command.expect.isEmpty {
            problems.append(.commandInvalid("no expected status word", index: position))
        }
        if let bad = command.expect.first(where: { !$0.isWellFormed }) {
            problems.append(.commandInvalid("expected status word '\(bad)' is not well-formed", index: position))
        }
        if command.expect.indices.contains(where: { index in
            command.expect[(index + 1)...].contains(command.expect[index])
        }) {
            problems.append(.commandInvalid("an expected status word is listed twice", index: position))
        }
        switch (command.step, command.origin) {
        case (nil, nil):
            if (command.note ?? "").isEmpty {
                problems.append(.commandInvalid("a command without a source step needs a note", index: position))
            }
        case (.some, .some(let origin)):
            if !isOrigin(origin) {
                problems.append(.commandInvalid("origin '\(origin)' is not 'path:line:column'", index: position))
            }
        default:
            problems.append(.commandInvalid("step and origin must both be present or both absent", index: position))
        }
        if let note = command.note, note.isEmpty {
            problems.append(.commandInvalid("the note is empty; leave it out instead", index: position))
        }
        return problems
    }

    /// Whether text reads `path:line:column` with a non-empty path and positive numbers.
    ///
    /// The numbers are the last two `:`-separated parts: 1 to 9 decimal digits without a leading
    /// zero; everything before them is the path, which may itself contain `:`.
    static func isOrigin(_ text: String) -> Bool {
        let utf8 = text.utf8
        var end = utf8.endIndex
        for _ in 0..<2 {
            var digits = 0
            var start = end
            while start > utf8.startIndex {
                let previous = utf8.index(before: start)
                guard utf8[previous] != UInt8(ascii: ":") else { break }
                start = previous
                digits += 1
            }
            guard start > utf8.startIndex, (1...9).contains(digits), utf8[start] != UInt8(ascii: "0"),
                utf8[start..<end].allSatisfy({ (0x30...0x39).contains($0) })
            else {
                return false
            }
            end = utf8.index(before: start)
        }
        return end > utf8.startIndex
    }
}
