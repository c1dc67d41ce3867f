import APDUTypes
import ArgumentParser
import BundleFormat
import CardTransport
import Foundation
import SequencePlayer

/// `seqplay run`: verify a bundle, then replay it onto the card in a reader.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Verify a signed bundle, then send its commands to the card in a reader.",
        discussion: """
            Nothing is sent unless the bundle's signature verifies with a pinned key and the \
            bundle is within its validity period. The run stops at the first status word a \
            command does not accept, and says which commands ran.

            An 'online' bundle continues a session that INITIALIZE UPDATE opened during the \
            probe, on that connection; seqplay opens a new connection, so for a card whose \
            challenge is deterministic (a simulated card) pass --replay-initialize-update. A \
            'precomputed' bundle opens its session itself.

            Progress goes to standard error: a bar redrawn in place on a terminal, one line per \
            step otherwise. --trace prints every APDU (data of sensitive commands redacted).
            """
    )

    @OptionGroup var input: BundleInput

    @Option(help: "The reader's exact name (see 'seqplay readers'); by default the first reader that holds a card.")
    var reader: String?

    @Flag(help: "Print every APDU and response, GlobalPlatformPro style, with sensitive data redacted.")
    var trace = false

    @Option(help: "Write the JSON receipt (every response, status word and timing) to this file.")
    var receipt: String?

    @Flag(help: "For an 'online' bundle: send the recorded INITIALIZE UPDATE and require the recorded response.")
    var replayInitializeUpdate = false

    @Flag(help: "Do not select the issuer security domain before the player opens the session.")
    var noSelect = false

    @Flag(help: "Print the outcome and the receipt as JSON on standard output.")
    var json = false

    func run() async throws {
        let options = BundlePlayer.Options(
            sessionOpening: replayInitializeUpdate ? .replayInitializeUpdate : .alreadyOpened,
            selectsSecurityDomain: !noSelect
        )
        let player = BundlePlayer(trustedKeys: try input.keys(), options: options, clock: input.clock)
        let verification = player.verify(bytes: try input.bytes())
        guard verification.isValid, let bundle = verification.bundle else {
            input.report(verification.failures)
            Output.err("seqplay: bundle rejected, nothing was sent\n")
            if json {
                Output.out(Output.json(RunReport(rejected: verification.failures)))
            }
            throw ExitStatus.bundleRejected
        }

        let connection: ReaderSelection.Connection
        do {
            connection = try ReaderSelection.connect(reader: reader)
        } catch {
            Output.err("seqplay: \(error); nothing was sent\n")
            if json {
                Output.out(Output.json(RunReport(transport: error)))
            }
            throw ExitStatus.transport
        }
        defer { connection.close() }

        let display = ProgressDisplay(
            terminal: Output.errorIsTerminal,
            trace: trace ? APDUTrace(protocolName: connection.protocolName) : nil
        )
        if trace {
            Output.err(
                "# \(connection.readerName), \(connection.protocolName), ATR \(Hex.string(connection.answerToReset))\n"
            )
        }
        let result: Receipt
        do throws(PlayerFailure) {
            result = try await player.play(bundle, over: connection.channel) { display.handle($0) }
        } catch {
            display.clearLine()
            if let partial = error.receipt {
                try write(partial)
            }
            Output.err("seqplay: \(error.message)\n")
            if let hint = hint(for: error, bundle: bundle) {
                Output.err("hint: \(hint)\n")
            }
            if json {
                Output.out(Output.json(RunReport(failure: error, reader: connection.readerName)))
            }
            throw ExitStatus.forFailure(error)
        }
        try write(result)
        if json {
            Output.out(Output.json(RunReport(completed: result, reader: connection.readerName)))
        } else {
            Output.out(
                "completed: \(bundle.payload.sequence.name) \(bundle.payload.sequence.version), "
                    + "\(result.outcome.commandsRun) commands in "
                    + ProgressDisplay.durationText(microseconds: result.durationMicroseconds)
                    + " on \(connection.readerName)\n"
            )
        }
    }

    private func write(_ receipt: Receipt) throws {
        guard let path = self.receipt else { return }
        do {
            try Data(receipt.encoded()).write(to: URL(fileURLWithPath: path))
        } catch {
            Output.err("seqplay: cannot write the receipt \(path): \(error.localizedDescription)\n")
            throw ExitStatus.transport
        }
    }

    /// What to try when an `online` bundle's first command is refused on a fresh connection.
    private func hint(for failure: PlayerFailure, bundle: SignedBundle) -> String? {
        guard failure.code == .unexpectedStatusWord, failure.commandIndex == 0, !replayInitializeUpdate,
            case .globalPlatform(let session) = bundle.payload.secureChannel, session.mode == .online
        else {
            return nil
        }
        return "this 'online' bundle continues a session opened by INITIALIZE UPDATE on the probe's "
            + "connection; a card with a deterministic challenge can replay it with --replay-initialize-update"
    }
}

/// The `--json` output of `seqplay run`: one shape for every outcome.
struct RunReport: Encodable {
    /// `completed`, `stopped`, `rejected` or `transport`.
    var status: String
    var exitCode: Int32
    var message: String?
    var reader: String?
    var failure: FailureRecord?
    var verificationFailures: [VerificationRecord]?
    var receipt: Receipt?

    struct FailureRecord: Encodable {
        var code: String
        var commandIndex: Int?
        var commandCount: Int
        var commandsRun: Int
        var step: Int?
        var origin: String?
        var note: String?
        var statusWord: String?
        var statusWordMeaning: String?
    }

    struct VerificationRecord: Encodable {
        var check: String
        var code: String
        var commandIndex: Int?
        var message: String
    }

    init(completed receipt: Receipt, reader: String) {
        status = "completed"
        exitCode = ExitStatus.success.rawValue
        self.reader = reader
        self.receipt = receipt
    }

    init(failure: PlayerFailure, reader: String) {
        status = failure.code == .bundleRejected ? "rejected" : "stopped"
        exitCode = ExitStatus.forFailure(failure).rawValue
        message = failure.message
        self.reader = reader
        self.failure = FailureRecord(
            code: failure.code.name,
            commandIndex: failure.commandIndex,
            commandCount: failure.commandCount,
            commandsRun: failure.commandsRun,
            step: failure.step,
            origin: failure.origin,
            note: failure.note,
            statusWord: failure.statusWord?.description,
            statusWordMeaning: failure.statusWord?.meaning
        )
        receipt = failure.receipt
    }

    init(rejected failures: [BundleVerificationFailure]) {
        status = "rejected"
        exitCode = ExitStatus.bundleRejected.rawValue
        message = "bundle rejected, nothing was sent"
        verificationFailures = failures.map {
            VerificationRecord(
                check: $0.check,
                code: $0.error.code.identifier,
                commandIndex: $0.commandIndex,
                message: $0.error.message
            )
        }
    }

    init(transport error: CardTransportError) {
        status = "transport"
        exitCode = ExitStatus.transport.rawValue
        message = "\(error); nothing was sent"
    }
}
