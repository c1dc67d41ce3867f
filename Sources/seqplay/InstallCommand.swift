import APDUTypes
import ArgumentParser
import BundleFormat
import CardTransport
import Foundation
import SequenceClient
import SequencePlayer
import SequenceProtocol
import Synchronization

/// `seqplay install`: the networked install, from the card in a reader to the issuer's server and back.
struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install an application from the issuer's server onto the card in a reader.",
        discussion: """
            Asks the server (seqd) for the application over HTTPS, runs the server's probe on the \
            card (identification data and INITIALIZE UPDATE), sends the answers, verifies the \
            signed bundle the server returns against the pinned key, replays it on the same \
            connection, and sends the receipt back. The number of exchanges with the server does \
            not depend on the size of the install; --mode relay sends one command per exchange \
            instead (the baseline).

            The server's certificate is verified against the system's roots, or only against \
            --server-certificate (a private CA or the server's self-signed certificate, which \
            must name the URL's host). When the network or the card fails, the message says \
            which commands ran on the card and whether the server got the receipt; running the \
            same command again finishes the install.

            Exit status: 0 installed or already installed, 1 the card refused a command, 2 the \
            bundle was rejected (nothing sent), 3 the card, reader or PC/SC service failed, 4 the \
            server refused (its reason code is printed) or could not be reached, 64 usage.

            Example:
              seqplay install brokerage --server https://localhost:8443 \\
                --trusted-key Sequences/keys/test-signing-key.pub.pem --server-certificate seqd-cert.pem
            """
    )

    @Argument(help: "The application's name in the server's catalogue, such as brokerage.")
    var application: String

    @Option(help: "The server's base URL, such as https://localhost:8443.")
    var server: String

    @Option(
        name: .customLong("trusted-key"),
        help: "The server's bundle-signing public key (PEM). Repeat to pin several."
    )
    var trustedKeys: [String] = []

    @Option(
        help: "Trust only this certificate (PEM) for the server: a private CA, or seqd's self-signed certificate."
    )
    var serverCertificate: String?

    @Option(help: "The reader's exact name (see 'seqplay readers'); by default the first reader that holds a card.")
    var reader: String?

    @Option(help: "bundle (one signed bundle, by default) or relay (one command per exchange, the baseline).")
    var mode: String = InstallMode.bundle.rawValue

    /// `--mode` as the protocol's value.
    var installMode: InstallMode { InstallMode(rawValue: mode) ?? .bundle }

    @Option(help: "How long one exchange with the server may take, in seconds.")
    var timeout: Int = 60

    @Flag(help: "Print every APDU and response, GlobalPlatformPro style, with sensitive data redacted.")
    var trace = false

    @Flag(help: "Print the outcome as JSON on standard output.")
    var json = false

    func validate() throws {
        guard !trustedKeys.isEmpty else {
            throw ValidationError("give the server's bundle-signing public key with --trusted-key")
        }
        guard !application.isEmpty else { throw ValidationError("name the application to install") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard InstallMode(rawValue: mode) != nil else { throw ValidationError("--mode must be bundle or relay") }
    }

    func run() async throws {
        let keys = try readKeys()
        let trust: InstallClient.ServerTrust
        if let serverCertificate {
            trust = .certificates(pem: try readText(serverCertificate, what: "server certificate"))
        } else {
            trust = .systemRoots
        }
        let client: InstallClient
        do {
            client = try InstallClient(
                configuration: InstallClient.Configuration(
                    serverURL: server,
                    trust: trust,
                    requestTimeout: .seconds(timeout)
                )
            )
        } catch {
            Output.err("seqplay: \(error)\n")
            throw ExitStatus.usage
        }

        let connection: ReaderSelection.Connection
        do {
            connection = try ReaderSelection.connect(reader: reader)
        } catch {
            await client.shutdown()
            Output.err("seqplay: \(error); nothing was sent\n")
            if json { Output.out(Output.json(InstallReport(transport: error, application: application))) }
            throw ExitStatus.transport
        }
        defer { connection.close() }

        let display = InstallDisplay(
            progress: ProgressDisplay(
                terminal: Output.errorIsTerminal,
                trace: trace ? APDUTrace(protocolName: connection.protocolName) : nil
            ),
            trace: trace ? APDUTrace(protocolName: connection.protocolName) : nil,
            server: server
        )
        if trace {
            Output.err(
                "# \(connection.readerName), \(connection.protocolName), ATR \(Hex.string(connection.answerToReset))\n"
            )
        }
        let install = NetworkedInstall(
            transport: client,
            trustedKeys: keys,
            options: NetworkedInstall.Options(mode: installMode)
        )
        let outcome: InstallOutcome
        do throws(InstallFailure) {
            outcome = try await install.run(application: application, over: connection.channel) { display.handle($0) }
        } catch {
            await client.shutdown()
            display.clearLine()
            Output.err("seqplay: \(error.message)\n")
            if error.clientError?.code == .tlsFailure, serverCertificate == nil {
                Output.err(
                    "hint: a server with a self-signed certificate (seqd's demo certificate) is trusted only "
                        + "when it is pinned with --server-certificate; seqd prints the certificate's path\n"
                )
            }
            if json {
                Output.out(
                    Output.json(InstallReport(failure: error, application: application, reader: connection.readerName))
                )
            }
            throw ExitStatus.forInstallFailure(error)
        }
        await client.shutdown()
        display.clearLine()
        if json {
            Output.out(Output.json(InstallReport(outcome: outcome, reader: connection.readerName)))
        } else {
            Output.out(Self.summary(outcome, reader: connection.readerName) + "\n")
        }
    }

    /// `installed brokerage 2.1.0 on the card in Virtual PCD 00 01: 30 commands in 3 exchanges, 0.41 s`.
    static func summary(_ outcome: InstallOutcome, reader: String) -> String {
        let time = ProgressDisplay.seconds(outcome.duration) + " s"
        let exchanges = "\(outcome.exchanges) exchange" + (outcome.exchanges == 1 ? "" : "s")
        switch outcome.status {
        case .alreadyInstalled:
            var text = "\(outcome.application) is already installed on the card in \(reader)"
            if let message = outcome.serverMessage, !message.isEmpty { text += " (\(message))" }
            return text + ": nothing to do, \(exchanges), \(time)"
        case .installed:
            var name = outcome.application
            if let sequence = outcome.sequence {
                name = sequence + (outcome.version.map { " " + $0 } ?? "")
            }
            if outcome.mode == .relay { name += " (relay mode)" }
            let commands = "\(outcome.commandsRun) command" + (outcome.commandsRun == 1 ? "" : "s")
            return "installed \(name) on the card in \(reader): \(commands) in \(exchanges), \(time)"
        }
    }

    private func readKeys() throws -> [BundlePublicKey] {
        var keys: [BundlePublicKey] = []
        for path in trustedKeys {
            let text = try readText(path, what: "trusted key")
            do {
                keys.append(try BundlePublicKey(pemRepresentation: text))
            } catch {
                Output.err("seqplay: \(path) is not a bundle-signing public key: \(error.message)\n")
                throw ExitStatus.usage
            }
        }
        return keys
    }

    private func readText(_ path: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            Output.err("seqplay: cannot read the \(what) \(path): \(error.localizedDescription)\n")
            throw ExitStatus.usage
        }
    }
}

extension ExitStatus {
    /// The server refused the install (its reason code is printed), could not be reached, broke
    /// the protocol, or did not record a completed install.
    static let server = ExitCode(4)

    /// The status for a failed install.
    static func forInstallFailure(_ failure: InstallFailure) -> ExitCode {
        switch failure.code {
        case .cardRefused: cardRefused
        case .bundleRejected: bundleRejected
        case .cardFailed, .cancelled: transport
        default: server
        }
    }
}

/// Shows a networked install's progress on standard error: the player's bar or step lines, a
/// line per exchange with the server, and the APDU trace of the probe, the replay and the relay.
final class InstallDisplay: Sendable {
    private let progress: ProgressDisplay
    private let trace: APDUTrace?
    private let server: String
    private let cardExchanges = Atomic<Int>(0)

    init(progress: ProgressDisplay, trace: APDUTrace?, server: String) {
        self.progress = progress
        self.trace = trace
        self.server = server
    }

    func handle(_ event: InstallEvent) {
        switch event {
        case .player(let playerEvent):
            progress.handle(playerEvent)
        case .cardExchange(let exchange):
            guard let trace else { return }
            let index = cardExchanges.add(1, ordering: .relaxed).oldValue
            line(trace.lines(for: exchange.apduExchange(index: index)).joined(separator: "\n"))
        case .requestSent(let kind, let count):
            if trace != nil { line("# request \(count): \(kind.rawValue) → \(server)") }
        case .sessionStarted(let session, let expiresAt):
            line("session \(session) with \(server) (expires \(expiresAt))")
        case .probeStarted(let round, let commandCount):
            line("probe \(round): \(commandCount) command" + (commandCount == 1 ? "" : "s"))
        case .probeFinished(_, let answerCount, let stoppedAt):
            if let stoppedAt { line("probe stopped at command \(stoppedAt) of \(answerCount): the card refused it") }
        case .bundleReceived(let sequence, let version, let commandCount):
            line("bundle \(sequence) \(version): \(commandCount) commands, signature verified")
        case .relayed(let commandsRun):
            if commandsRun % 50 == 0 { line("relayed \(commandsRun) commands") }
        case .receiptRecorded(let status, let message):
            line("receipt recorded: \(status)" + (message.isEmpty ? "" : ": \(message)"))
        }
    }

    func clearLine() {
        progress.clearLine()
    }

    private func line(_ text: String) {
        progress.clearLine()
        Output.err(text + "\n")
    }
}

/// The `--json` output of `seqplay install`: one shape for every outcome.
struct InstallReport: Encodable {
    /// `installed`, `already-installed`, `failed` or `transport`.
    var status: String
    var exitCode: Int32
    var application: String
    var message: String?
    var reader: String?
    var session: String?
    var mode: String?
    var sequence: String?
    var version: String?
    var commandsRun: Int?
    var commandCount: Int?
    var exchanges: Int?
    var probeRounds: Int?
    var apduCount: Int?
    var durationMicroseconds: Int64?
    var failure: FailureRecord?
    var receipt: Receipt?

    struct FailureRecord: Encodable {
        var code: String
        var stage: String
        var httpStatus: Int?
        var reasonCode: String?
        var serverMessage: String?
        var receiptSent: Bool
        var serverResult: InstallResult?
        var playerCode: String?
        var commandIndex: Int?
        var statusWord: String?
        var statusWordMeaning: String?
        var mustNotRetry: Bool
    }

    init(outcome: InstallOutcome, reader: String) {
        status = outcome.status.rawValue
        exitCode = ExitStatus.success.rawValue
        application = outcome.application
        message = outcome.serverMessage
        self.reader = reader
        session = outcome.session
        mode = outcome.mode.rawValue
        sequence = outcome.sequence
        version = outcome.version
        commandsRun = outcome.commandsRun
        commandCount = outcome.receipt?.bundle.commandCount
        exchanges = outcome.exchanges
        probeRounds = outcome.probeRounds
        apduCount = outcome.apduCount
        let (seconds, attoseconds) = outcome.duration.components
        durationMicroseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        receipt = outcome.receipt
    }

    init(failure: InstallFailure, application: String, reader: String) {
        status = "failed"
        exitCode = ExitStatus.forInstallFailure(failure).rawValue
        self.application = application
        message = failure.message
        self.reader = reader
        session = failure.session
        commandsRun = failure.commandsRun
        commandCount = failure.commandCount
        exchanges = failure.exchanges
        receipt = failure.receipt
        let client = failure.clientError
        self.failure = FailureRecord(
            code: failure.code.name,
            stage: failure.stage.rawValue,
            httpStatus: client?.httpStatus,
            reasonCode: client?.reasonCode,
            serverMessage: client?.serverMessage,
            receiptSent: failure.receiptSent,
            serverResult: failure.serverResult,
            playerCode: failure.playerFailure?.code.name,
            commandIndex: failure.playerFailure?.commandIndex,
            statusWord: failure.playerFailure?.statusWord?.description,
            statusWordMeaning: failure.playerFailure?.statusWord?.meaning,
            mustNotRetry: failure.mustNotRetry
        )
    }

    init(transport error: CardTransportError, application: String) {
        status = "transport"
        exitCode = ExitStatus.transport.rawValue
        self.application = application
        message = "\(error); nothing was sent"
    }
}
