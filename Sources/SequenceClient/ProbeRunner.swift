public import APDUTypes
public import CardTransport
public import SequencePlayer
public import SequenceProtocol

/// Runs the server's probe on a card and collects the answers.
///
/// Each command goes to the card with the T=0 rules of ISO/IEC 7816-4 section 5.3.3 applied on
/// top of the channel: `61xx` is followed by GET RESPONSE (`00 C0 00 00 xx`, repeated while the
/// card says more waits) and the data of every part is concatenated; `6Cxx` makes the command go
/// again once with Le = `xx`. The answer the server gets is the data and the final status word.
///
/// A required command answered with anything but `9000` ends the probe, its answer included, so
/// the server sees why; an optional one (GET DATA a card may not support) never does.
public struct ProbeRunner: Sendable {
    /// The most GET RESPONSE commands sent for one command.
    public static let maximumGetResponses = 256

    /// The time source for exchange durations.
    public var elapsed: @Sendable () -> Duration

    /// Creates a runner.
    ///
    /// - Parameter elapsed: A monotonic reading for durations; the continuous clock by default.
    public init(elapsed: (@Sendable () -> Duration)? = nil) {
        if let elapsed {
            self.elapsed = elapsed
        } else {
            let clock = ContinuousClock()
            let origin = clock.now
            self.elapsed = { clock.now - origin }
        }
    }

    /// What a probe run produced.
    public struct Outcome: Hashable, Sendable {
        /// The answers, one per command that ran, in the probe's order.
        public var answers: ProbeAnswers
        /// The index of the required command whose status word ended the probe, if one did.
        public var stoppedAt: Int?
        /// How many APDUs went to the card, GET RESPONSE and resends included.
        public var apduCount: Int

        /// Creates an outcome.
        public init(answers: ProbeAnswers, stoppedAt: Int?, apduCount: Int) {
            self.answers = answers
            self.stoppedAt = stoppedAt
            self.apduCount = apduCount
        }
    }

    /// One command's final answer after T=0 recovery.
    public struct Answer: Hashable, Sendable {
        /// The concatenated data and the final status word.
        public var response: CardResponse
        /// How many APDUs went to the card for it.
        public var apduCount: Int

        /// Creates an answer.
        public init(response: CardResponse, apduCount: Int) {
            self.response = response
            self.apduCount = apduCount
        }
    }

    /// Runs a probe.
    ///
    /// - Parameters:
    ///   - script: The server's probe.
    ///   - channel: The connection to the card.
    ///   - record: Called with every APDU exchange, in order.
    /// - Returns: The answers, and where a required command stopped the probe.
    /// - Throws: ``ProbeError`` for a command that is not an APDU (nothing more is sent) or a card
    ///   that stopped answering; both carry the answers collected before.
    public func run(
        _ script: ProbeScript,
        over channel: some CardChannel,
        record: (@Sendable (CardExchange) -> Void)? = nil
    ) async throws(ProbeError) -> Outcome {
        var answers: [ProbeAnswer] = []
        var apduCount = 0
        for (index, probeCommand) in script.commands.enumerated() {
            guard let bytes = Hex.bytes(probeCommand.apdu), let command = try? CommandAPDU(bytes: bytes) else {
                throw ProbeError(
                    code: .malformedCommand,
                    reason: "probe command \(index) ('\(probeCommand.purpose)') is not a command APDU in hex",
                    commandIndex: index,
                    purpose: probeCommand.purpose,
                    answers: ProbeAnswers(answers: answers)
                )
            }
            let answer: Answer
            do throws(CardTransportError) {
                answer = try await send(command, purpose: probeCommand.purpose, over: channel, record: record)
            } catch {
                var failure = ProbeError(
                    code: .transportFailed,
                    reason: "the card did not answer probe command \(index) ('\(probeCommand.purpose)'): \(error)",
                    commandIndex: index,
                    purpose: probeCommand.purpose,
                    answers: ProbeAnswers(answers: answers)
                )
                failure.transportError = error
                throw failure
            }
            apduCount += answer.apduCount
            answers.append(ProbeAnswer(purpose: probeCommand.purpose, response: Hex.string(answer.response.bytes)))
            if probeCommand.required, answer.response.statusWord != .success {
                return Outcome(answers: ProbeAnswers(answers: answers), stoppedAt: index, apduCount: apduCount)
            }
        }
        return Outcome(answers: ProbeAnswers(answers: answers), stoppedAt: nil, apduCount: apduCount)
    }

    /// Sends one command and follows `61xx` and `6Cxx` to the final status word.
    ///
    /// - Parameters:
    ///   - command: The command.
    ///   - purpose: What it is for, for the exchange records.
    ///   - sensitive: Whether the exchange records must hide the data.
    ///   - channel: The connection to the card.
    ///   - record: Called with every APDU exchange, in order.
    /// - Returns: The concatenated response and the number of APDUs sent.
    /// - Throws: The channel's ``CardTransportError``.
    public func send(
        _ command: CommandAPDU,
        purpose: String,
        sensitive: Bool = false,
        over channel: some CardChannel,
        record: (@Sendable (CardExchange) -> Void)? = nil
    ) async throws(CardTransportError) -> Answer {
        var current = command
        var kind = APDUExchange.Kind.original
        var resent = false
        var getResponses = 0
        var apduCount = 0
        var data: [UInt8] = []
        while true {
            let sentAt = elapsed()
            let response = try await channel.transmit(current)
            apduCount += 1
            record?(
                CardExchange(
                    purpose: purpose,
                    kind: kind,
                    command: current.bytes,
                    response: response,
                    duration: elapsed() - sentAt,
                    sensitive: sensitive
                )
            )
            let statusWord = response.statusWord
            if statusWord.sw1 == 0x6C, !resent {
                // The card did not run the command: send it again with the length it asked for.
                resent = true
                current.le = statusWord.sw2 == 0 ? 256 : Int(statusWord.sw2)
                kind = .resend
                continue
            }
            data += response.data
            if statusWord.sw1 == 0x61, getResponses < Self.maximumGetResponses {
                getResponses += 1
                current = CommandAPDU(
                    cla: 0x00,
                    ins: 0xC0,
                    p1: 0x00,
                    p2: 0x00,
                    le: statusWord.sw2 == 0 ? 256 : Int(statusWord.sw2)
                )
                kind = .getResponse
                resent = false
                continue
            }
            return Answer(response: CardResponse(data: data, statusWord: statusWord), apduCount: apduCount)
        }
    }
}

/// One APDU the client sent to the card outside the player (probe and relay commands), and the answer.
public struct CardExchange: Hashable, Sendable {
    /// What the command is for: the probe command's purpose, or `relay`.
    public var purpose: String
    /// The original command, GET RESPONSE after `61xx`, or the resend after `6Cxx`.
    public var kind: APDUExchange.Kind
    /// The command APDU's bytes as sent.
    public var command: [UInt8]
    /// The response, data and status word.
    public var response: CardResponse
    /// How long the card took to answer.
    public var duration: Duration
    /// Whether the data must not be shown.
    public var sensitive: Bool

    /// Creates an exchange record.
    public init(
        purpose: String,
        kind: APDUExchange.Kind,
        command: [UInt8],
        response: CardResponse,
        duration: Duration,
        sensitive: Bool
    ) {
        self.purpose = purpose
        self.kind = kind
        self.command = command
        self.response = response
        self.duration = duration
        self.sensitive = sensitive
    }

    /// The exchange in the player's form, for ``APDUTrace``; the index is the one given.
    ///
    /// - Parameter index: The number to show as the command index.
    /// - Returns: An ``APDUExchange`` with the same bytes, duration and sensitivity.
    public func apduExchange(index: Int) -> APDUExchange {
        APDUExchange(
            purpose: .command(index),
            kind: kind,
            command: command,
            response: response,
            duration: duration,
            sensitive: sensitive
        )
    }
}

/// Why a probe could not run to its end.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error.
public struct ProbeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The server sent a probe command that is not a command APDU.
        public static let malformedCommand = Code("malformedCommand")
        /// The card, the reader or the link failed: no answer to a probe command.
        public static let transportFailed = Code("transportFailed")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The probe command that failed.
    public var commandIndex: Int
    /// Its purpose.
    public var purpose: String
    /// The answers to the commands before it.
    public var answers: ProbeAnswers
    /// The transport error, for ``Code/transportFailed``.
    public var transportError: CardTransportError?
    private var reason: String
    private var location: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - reason: Why, in words; never response data.
    ///   - commandIndex: The probe command that failed.
    ///   - purpose: Its purpose.
    ///   - answers: The answers collected before it.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(
        code: Code,
        reason: String,
        commandIndex: Int,
        purpose: String,
        answers: ProbeAnswers,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.commandIndex = commandIndex
        self.purpose = purpose
        self.answers = answers
        self.location = "\(file):\(line)"
    }

    /// Why, in words.
    public var description: String { reason }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
