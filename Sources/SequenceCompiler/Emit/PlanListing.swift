import APDUTypes

/// The annotated listing of a plan: the file a reviewer reads, and what golden `.apdu` files pin.
///
/// One command a line in upper-case hex, grouped under `# step` comments that name the source
/// line; `**` stands for each secret byte and `??` for each key-check-value byte.
public enum PlanListing {
    /// Renders the listing.
    public static func render(_ plan: CommandPlan) -> String {
        var out = ""
        out += "# cardseq command plan\n"
        out += "# sequence: \(plan.sequence) \(plan.version)\n"
        out += "# source: sha256:\(Hex.string(plan.sourceDigest).lowercased())\n"
        out += "# profile: \(plan.profile.rawValue); secure channel: \(plan.options.summary); "
        out += "at most \(plan.options.maximumDataLength) data bytes a command\n"
        let commands = plan.commands
        let secret = commands.contains { $0.isSensitive }
        out += "# commands: \(commands.count)"
        out += secret ? " (** = secret byte, ?? = key check value computed when secured)\n" : "\n"
        for step in plan.steps {
            out += "\n# step \(step.index) \(step.keyword.rawValue)"
            if let name = step.name {
                out += " '\(name)'"
            }
            out += " (\(step.origin.start))\n"
            for command in step.commands {
                out += command.redactedHex
                out += "  # expect \(command.expect.map(\.description).joined(separator: " "))"
                if let note = command.note {
                    out += "; \(note)"
                }
                if command.protection != .none {
                    out += "; \(command.protection.rawValue)"
                } else if command.isSensitive {
                    out += "; sensitive"
                }
                out += "\n"
            }
        }
        return out
    }
}

/// The JSON form of a plan, for tools: what `seqc compile --format json` prints.
///
/// Secrets are redacted exactly as in the listing.
public struct PlanRecord: Codable, Hashable, Sendable {
    /// The format identifier and version: `cardseq-plan/1`.
    public var format: String
    /// The sequence's name.
    public var sequence: String
    /// The sequence's version.
    public var version: String
    /// `sha256:` and the hex digest of the sources.
    public var sourceDigest: String
    /// The card profile.
    public var profile: CardProfile
    /// The options.
    public var options: CompileOptions
    /// The steps.
    public var steps: [StepRecord]

    /// One step.
    public struct StepRecord: Codable, Hashable, Sendable {
        /// The 1-based step number.
        public var index: Int
        /// The step's action key.
        public var action: String
        /// The author's name for the step.
        public var name: String?
        /// `path:line:column` of the step.
        public var origin: String
        /// The commands.
        public var commands: [CommandRecord]
    }

    /// One command.
    public struct CommandRecord: Codable, Hashable, Sendable {
        /// The command in hex, secret bytes as `**`, key check values as `??`.
        public var apdu: String
        /// The accepted status words, `X` for wildcard nibbles.
        public var expect: [String]
        /// A note such as `LOAD block 2/9`.
        public var note: String?
        /// Whether the client must not log the command.
        public var sensitive: Bool
        /// What the secure stage does to the data besides MAC and session encryption.
        public var protection: DataProtection
    }

    /// Creates the record of a plan.
    public init(_ plan: CommandPlan) {
        format = "cardseq-plan/1"
        sequence = plan.sequence
        version = plan.version
        sourceDigest = "sha256:" + Hex.string(plan.sourceDigest).lowercased()
        profile = plan.profile
        options = plan.options
        steps = plan.steps.map { step in
            StepRecord(
                index: step.index,
                action: step.keyword.rawValue,
                name: step.name,
                origin: step.origin.start.description,
                commands: step.commands.map {
                    CommandRecord(
                        apdu: $0.redactedHex,
                        expect: $0.expect.map(\.description),
                        note: $0.note,
                        sensitive: $0.isSensitive,
                        protection: $0.protection
                    )
                }
            )
        }
    }
}
