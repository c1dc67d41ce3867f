import APDUTypes
import Foundation

/// What happened when a bundle was played: every response, every status word, the timings and
/// the outcome, for the server.
///
/// The server reads it to learn how far an install got and, for sessions with R-MAC, to check
/// the response MACs: so every response's data is kept, sensitive commands' included (a
/// response carries no more than the card chose to say, and the receipt goes back to the
/// server that wrote the commands, not to a log). Commands marked `sensitive` are flagged so the
/// server handles those responses with care. The JSON form has sorted keys (``encoded()``), and
/// a missing optional member is left out, never `null`.
///
/// ```json
/// {"answerToReset": "3B8A80…", "bundle": {"commandCount": 29, "digest": "sha256:…", "id": "B0B0…",
///  "sequence": "brokerage", "version": "2.1.0"}, "commands": [{"durationMicroseconds": 1200,
///  "exchanges": 1, "index": 0, "response": "", "sensitive": false, "statusWord": "9000"}, …],
///  "durationMicroseconds": 48000, "format": "cardseq-receipt/1", "opening": [],
///  "outcome": {"commandsRun": 29, "status": "completed"}, "startedAt": "2027-01-01T12:00:00Z"}
/// ```
public struct Receipt: Codable, Hashable, Sendable {
    /// The format identifier of this version: `cardseq-receipt/1`.
    public static let currentFormat = "cardseq-receipt/1"

    /// The format identifier; ``currentFormat`` for receipts this code writes.
    public var format: String
    /// The bundle that was played.
    public var bundle: BundleReference
    /// The card's answer to reset, upper-case hex.
    public var answerToReset: String
    /// When the run began (after verification), ISO 8601 UTC.
    public var startedAt: String
    /// The run's duration in microseconds, from its start (after verification) to its end.
    public var durationMicroseconds: Int64
    /// The exchanges the player sent before command 0: the security domain SELECT and a
    /// replayed INITIALIZE UPDATE.
    public var opening: [OpeningExchange]
    /// The bundle commands that were answered, in order, the last one included when the card
    /// refused it.
    public var commands: [Command]
    /// How the run ended.
    public var outcome: Outcome

    /// Creates a receipt.
    public init(
        bundle: BundleReference,
        answerToReset: String,
        startedAt: String,
        durationMicroseconds: Int64,
        opening: [OpeningExchange],
        commands: [Command],
        outcome: Outcome
    ) {
        self.format = Self.currentFormat
        self.bundle = bundle
        self.answerToReset = answerToReset
        self.startedAt = startedAt
        self.durationMicroseconds = durationMicroseconds
        self.opening = opening
        self.commands = commands
        self.outcome = outcome
    }

    /// Which bundle a receipt is about.
    public struct BundleReference: Codable, Hashable, Sendable {
        /// The bundle's id, upper-case hex.
        public var id: String
        /// `sha256:` and 64 lower-case hex digits: SHA-256 over the bundle's file form as
        /// `SignedBundle.encoded()` writes it (payload and signature, pretty-printed, sorted keys),
        /// so any spacing of the received file gives the same digest.
        public var digest: String
        /// The sequence's name.
        public var sequence: String
        /// The sequence's version.
        public var version: String
        /// The number of commands in the bundle.
        public var commandCount: Int

        /// Creates a reference.
        public init(id: String, digest: String, sequence: String, version: String, commandCount: Int) {
            self.id = id
            self.digest = digest
            self.sequence = sequence
            self.version = version
            self.commandCount = commandCount
        }
    }

    /// An exchange the player made on its own before command 0.
    public struct OpeningExchange: Codable, Hashable, Sendable {
        /// `select-security-domain` or `initialize-update`.
        public var purpose: String
        /// The command APDU, upper-case hex.
        public var command: String
        /// The response data after GET RESPONSE, upper-case hex.
        public var response: String
        /// The final status word.
        public var statusWord: String
        /// From sending the command to the final answer, in microseconds.
        public var durationMicroseconds: Int64

        /// Creates an opening exchange record.
        public init(purpose: String, command: String, response: String, statusWord: String, durationMicroseconds: Int64)
        {
            self.purpose = purpose
            self.command = command
            self.response = response
            self.statusWord = statusWord
            self.durationMicroseconds = durationMicroseconds
        }
    }

    /// One bundle command's answer.
    public struct Command: Codable, Hashable, Sendable {
        /// The command's index in the bundle.
        public var index: Int
        /// The final status word, such as `9000`.
        public var statusWord: String
        /// The response data, concatenated over GET RESPONSE, upper-case hex; empty when none.
        public var response: String
        /// Whether the bundle marks the command sensitive.
        public var sensitive: Bool
        /// From sending the command to the final answer, in microseconds.
        public var durationMicroseconds: Int64
        /// How many APDUs went to the card for this command: 1, more with GET RESPONSE or a resend.
        public var exchanges: Int

        /// Creates a command record.
        public init(
            index: Int,
            statusWord: String,
            response: String,
            sensitive: Bool,
            durationMicroseconds: Int64,
            exchanges: Int
        ) {
            self.index = index
            self.statusWord = statusWord
            self.response = response
            self.sensitive = sensitive
            self.durationMicroseconds = durationMicroseconds
            self.exchanges = exchanges
        }

        /// The response data as bytes.
        public var responseBytes: [UInt8] { Hex.bytes(response) ?? [] }
    }

    /// How a run ended.
    public struct Outcome: Codable, Hashable, Sendable {
        /// Completed or stopped.
        public enum Status: String, Codable, Hashable, Sendable {
            /// Every command was answered with an accepted status word.
            case completed
            /// The run stopped early.
            case stopped
        }

        /// Completed or stopped.
        public var status: Status
        /// How many commands ran: commands `0..<commandsRun` were answered with an accepted status word.
        public var commandsRun: Int
        /// The command the run stopped at; absent when it completed or stopped before command 0.
        public var stoppedAt: Int?
        /// The ``PlayerFailure`` code, when stopped.
        public var code: String?
        /// The failure's message, when stopped.
        public var reason: String?
        /// The status word that stopped the run, when the card answered one.
        public var statusWord: String?

        /// Creates an outcome.
        public init(
            status: Status,
            commandsRun: Int,
            stoppedAt: Int? = nil,
            code: String? = nil,
            reason: String? = nil,
            statusWord: String? = nil
        ) {
            self.status = status
            self.commandsRun = commandsRun
            self.stoppedAt = stoppedAt
            self.code = code
            self.reason = reason
            self.statusWord = statusWord
        }
    }

    /// The JSON form: sorted keys, two-space pretty printing, unescaped slashes, a final newline.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, integers and booleans cannot fail.
        let data = (try? encoder.encode(self)) ?? Data()
        return Array(data) + [0x0A]
    }

    /// Reads the JSON form.
    ///
    /// - Parameter bytes: UTF-8 JSON.
    /// - Returns: The receipt.
    /// - Throws: `DecodingError` when the JSON is not a receipt.
    public static func decode(_ bytes: [UInt8]) throws -> Receipt {
        try JSONDecoder().decode(Receipt.self, from: Data(bytes))
    }
}
