public import APDUTypes
public import BundleFormat
public import CardTransport

/// Why a bundle did not play to the end, and exactly how far it got.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made failure. The
/// other members say where the run stopped: the command, its step and source origin, the card's
/// status word, and how many commands ran. The message never contains command or response data.
public struct PlayerFailure: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The bundle failed verification (signature, validity period, structure, card binding);
        /// nothing was sent.
        public static let bundleRejected = Code("bundleRejected")
        /// The card's INITIALIZE UPDATE response differs from the one the bundle was computed for.
        public static let sessionMismatch = Code("sessionMismatch")
        /// The card answered a status word the command does not accept.
        public static let unexpectedStatusWord = Code("unexpectedStatusWord")
        /// The card, the reader or the link failed: no answer to a command.
        public static let transportFailed = Code("transportFailed")
        /// The task running the player was cancelled between two commands.
        public static let cancelled = Code("cancelled")
        /// The requested way of opening the session does not apply to this bundle's channel.
        public static let unsupportedOpening = Code("unsupportedOpening")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The bundle command the run stopped at; `nil` when it stopped before command 0 (while
    /// verifying the bundle or opening the session).
    public var commandIndex: Int?
    /// The number of commands in the bundle; 0 when the bundle did not decode.
    public var commandCount: Int
    /// How many commands ran: commands `0..<commandsRun` were answered with an accepted status word.
    public var commandsRun: Int
    /// The 1-based source step of the command the run stopped at.
    public var step: Int?
    /// The `path:line:column` of that step.
    public var origin: String?
    /// The command's note, such as `LOAD block 5/21`.
    public var note: String?
    /// What was being done before command 0, such as `SELECT A000000151000000`.
    public var stage: String?
    /// The card's final status word, when it answered.
    public var statusWord: StatusWord?
    /// The status words the command accepts, when the card answered another one.
    public var expected: [StatusWordPattern]
    /// The transport error, for ``Code/transportFailed``.
    public var transportError: CardTransportError?
    /// Every verification failure, for ``Code/bundleRejected``.
    public var verificationFailures: [BundleVerificationFailure]
    /// The receipt of what ran, when anything was sent.
    public var receipt: Receipt?
    private var reason: String
    private var location: String

    /// Creates a failure.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - reason: Why, for people; never command or response data.
    ///   - commandCount: The number of commands in the bundle.
    ///   - commandsRun: How many commands ran.
    ///   - commandIndex: The command the run stopped at, if it had reached one.
    ///   - file: The source file that raised the failure.
    ///   - line: The source line that raised the failure.
    public init(
        code: Code,
        reason: String,
        commandCount: Int,
        commandsRun: Int,
        commandIndex: Int? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.commandCount = commandCount
        self.commandsRun = commandsRun
        self.commandIndex = commandIndex
        self.expected = []
        self.verificationFailures = []
        self.location = "\(file):\(line)"
    }

    /// Why, for people: the reason without the position.
    public var reasonText: String { reason }

    /// The whole message: where the run stopped, why, and which commands ran.
    ///
    /// `stopped at command 7 of 41 (step 3 'load the package', Sequences/brokerage.yaml:22:5):
    /// card answered 6982 (security status not satisfied); commands 0-6 ran`.
    public var message: String {
        if code == .bundleRejected, commandIndex == nil {
            return "bundle rejected, nothing was sent: \(reason)"
        }
        var text: String
        if let commandIndex, code != .cancelled {
            text = "stopped at command \(commandIndex) of \(commandCount)"
            let place = placeText
            if !place.isEmpty { text += " (\(place))" }
        } else {
            let next = commandIndex ?? 0
            text = (code == .cancelled ? "cancelled" : "stopped") + " before command \(next) of \(commandCount)"
            if commandIndex == nil, let stage {
                text += " (\(stage))"
            } else if !placeText.isEmpty {
                text += " (\(placeText))"
            }
        }
        text += ": \(reason); \(Self.ranText(commandsRun))"
        var firstUnsent: Int?
        switch code {
        case .transportFailed:
            if let commandIndex {
                text += "; command \(commandIndex) was sent but not answered, so the card may or may not have run it"
                firstUnsent = commandIndex + 1
            } else {
                firstUnsent = 0
            }
        case .cancelled:
            firstUnsent = commandIndex ?? 0
        default:
            break
        }
        if let firstUnsent, firstUnsent < commandCount {
            text += "; \(Self.rangeText(firstUnsent, commandCount - 1)) not sent"
        }
        return text
    }

    /// The message.
    public var description: String { message }

    /// The code, the message and the source location that raised the failure.
    public var debugDescription: String {
        "PlayerFailure.\(code): \(message) [\(location)]"
    }

    /// Only the code takes part in equality.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `step 3 'LOAD block 5/21', Sequences/brokerage.yaml:64:5`, or the note alone for
    /// channel commands.
    private var placeText: String {
        var parts: [String] = []
        switch (step, note) {
        case (let step?, let note?): parts.append("step \(step) '\(note)'")
        case (let step?, nil): parts.append("step \(step)")
        case (nil, let note?): parts.append(note)
        case (nil, nil): break
        }
        if let origin { parts.append(origin) }
        return parts.joined(separator: ", ")
    }

    /// `no command ran`, `command 0 ran`, `commands 0-6 ran`.
    static func ranText(_ count: Int) -> String {
        switch count {
        case 0: "no command ran"
        case 1: "command 0 ran"
        default: "commands 0-\(count - 1) ran"
        }
    }

    /// `command 8 was` or `commands 8-40 were`.
    private static func rangeText(_ first: Int, _ last: Int) -> String {
        first == last ? "command \(first) was" : "commands \(first)-\(last) were"
    }
}
