import APDUTypes
import BundleFormat
import Foundation
import KeyStore
import SecureChannel
import SequenceClient
import SequenceCompiler
import SequencePlayer
import SequenceProtocol
import SequenceTestSupport
import Synchronization

/// An install server scripted in the test process, behind ``InstallTransport``: the protocol's
/// state machine with real bundles, compiled with ``BundleCompiler`` from the card's probe answers
/// and the fixture card data and keys, signed with the test signing key.
///
/// Knobs inject what a test needs: network faults before an exchange reaches the server, a
/// tampered or stale bundle, a tampered relayed command, wrong issuer keys.
final class FakeInstallServer: InstallTransport {
    /// What the server does besides the protocol.
    struct Configuration: Sendable {
        /// The key file text; replace a key to make the card's cryptogram fail.
        var keyFileText: String
        /// Whether an application the registry records is installed again (else: already installed).
        var reinstalls = true
        /// Changes the payload before it is signed (a tampered but validly signed bundle).
        var editPayload: (@Sendable (BundlePayload) -> BundlePayload)?
        /// Changes the signed bundle's text (breaks the signature).
        var editText: (@Sendable (String) -> String)?
        /// Changes a relayed command's bytes, by index.
        var editRelayed: (@Sendable (Int, [UInt8]) -> [UInt8])?
        /// Compiles the bundle from the first session's host challenge and INITIALIZE UPDATE response instead of this one's.
        var usesFirstSessionResponse = false
    }

    /// A network failure injected before an exchange reaches the server.
    struct Fault: Sendable {
        var kind: InstallExchangeKind
        var error: InstallClientError
        var times: Int
        /// Whether the server handles the exchange and only its answer is lost.
        var afterHandling = false
    }

    struct Session {
        var application: String
        var mode: InstallMode
        var script: ProbeScript
        var hostChallenge: [UInt8]
        var bundle: SignedBundle?
        var relayed = 0
        var finished = false
    }

    struct State {
        var sessions: [String: Session] = [:]
        var nextSession = 1
        var requests: [InstallExchangeKind] = []
        var receipts: [Receipt] = []
        var installed: Set<String> = []
        var faults: [Fault] = []
        var firstResponse: [UInt8]?
        var firstHostChallenge: [UInt8]?
        var relayResponses: [String] = []
    }

    let configuration: Configuration
    private let state = Mutex(State())

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    convenience init() throws {
        self.init(configuration: Configuration(keyFileText: try Fixture.keyFileText()))
    }

    /// Fails the next `times` exchanges of a kind with a network error, before the server sees them.
    func inject(_ kind: InstallExchangeKind, _ code: InstallClientError.Code, times: Int = 1) {
        state.withLock {
            $0.faults.append(Fault(kind: kind, error: InstallClientError(code: code, reason: "injected"), times: times))
        }
    }

    /// Loses the answer to the next `times` exchanges of a kind, after the server handled them.
    func injectLostAnswer(_ kind: InstallExchangeKind, _ code: InstallClientError.Code, times: Int = 1) {
        state.withLock {
            $0.faults.append(
                Fault(
                    kind: kind,
                    error: InstallClientError(code: code, reason: "injected"),
                    times: times,
                    afterHandling: true
                )
            )
        }
    }

    var requests: [InstallExchangeKind] { state.withLock { $0.requests } }
    var receipts: [Receipt] { state.withLock { $0.receipts } }
    var installed: Set<String> { state.withLock { $0.installed } }
    var relayResponses: [String] { state.withLock { $0.relayResponses } }

    // MARK: - InstallTransport

    func start(
        application: String,
        mode: InstallMode,
        answerToReset: [UInt8]?
    ) async throws(InstallClientError) -> ProbeResponse {
        try arrive(.start)
        guard Fixture.catalogue[application] != nil else {
            throw .server(.unknownApplication, message: "no application '\(application)' in the catalogue")
        }
        var generator = SystemRandomNumberGenerator()
        let hostChallenge = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let script = Self.probe(hostChallenge: hostChallenge)
        let id = state.withLock { state -> String in
            let id = String(format: "%032X", state.nextSession)
            state.nextSession += 1
            state.sessions[id] = Session(
                application: application,
                mode: mode,
                script: script,
                hostChallenge: hostChallenge
            )
            return id
        }
        return ProbeResponse(session: id, expiresAt: "2099-01-01T00:00:00Z", probe: script)
    }

    func answers(session id: String, _ answers: ProbeAnswers) async throws(InstallClientError) -> InstallStep {
        try arrive(.answers)
        var session = try self.session(id)
        guard session.bundle == nil, !session.finished else {
            throw .server(.wrongState, message: "answers came twice")
        }
        let responses = Dictionary(
            answers.answers.map { ($0.purpose, Hex.bytes($0.response) ?? []) },
            uniquingKeysWith: { first, _ in first }
        )
        guard let initializeUpdate = responses["initialize-update"],
            initializeUpdate.suffix(2).elementsEqual([0x90, 0x00])
        else {
            throw .server(.cardAuthenticationFailed, message: "the card did not answer INITIALIZE UPDATE with 9000")
        }
        let cardData: CardData
        let keyFile: KeyFile
        do {
            cardData = try Fixture.cardData()
            keyFile = try KeyFile(text: configuration.keyFileText, path: Fixture.keysPath)
        } catch {
            throw .server(.internalError, message: "fixtures: \(error)")
        }
        guard initializeUpdate.prefix(10).elementsEqual(cardData.bytes(for: .keyDiversificationData) ?? []) else {
            throw .server(.unknownCard, message: "no card data for this card")
        }
        if !configuration.reinstalls, state.withLock({ $0.installed.contains(session.application) }) {
            state.withLock { $0.sessions[id]?.finished = true }
            return InstallStep(kind: .alreadyInstalled, message: "\(session.application) installed earlier")
        }
        let (hostChallenge, response) = state.withLock { state -> ([UInt8], [UInt8]) in
            if state.firstResponse == nil {
                state.firstResponse = initializeUpdate
                state.firstHostChallenge = session.hostChallenge
            }
            guard configuration.usesFirstSessionResponse, let response = state.firstResponse,
                let challenge = state.firstHostChallenge
            else {
                return (session.hostChallenge, initializeUpdate)
            }
            return (challenge, response)
        }
        var bundle = try compile(
            session.application,
            cardData: cardData,
            keyFile: keyFile,
            hostChallenge: hostChallenge,
            response: response
        )
        if let edit = configuration.editPayload {
            do {
                bundle = try BundleSealer(signer: try Fixture.signer()).seal(edit(bundle.payload))
            } catch {
                throw .server(.internalError, message: "re-signing: \(error)")
            }
        }
        session.bundle = bundle
        state.withLock { $0.sessions[id] = session }
        if session.mode == .relay {
            return InstallStep(kind: .relay, message: "\(bundle.payload.commands.count) commands")
        }
        var text = String(decoding: bundle.encoded(), as: UTF8.self)
        if let edit = configuration.editText { text = edit(text) }
        return InstallStep(kind: .bundle, bundle: text)
    }

    func relay(session id: String, response: [UInt8]?) async throws(InstallClientError) -> RelayCommand {
        try arrive(.relay)
        let session = try self.session(id)
        guard let bundle = session.bundle, session.mode == .relay, !session.finished else {
            throw .server(.wrongState, message: "the session is not relaying")
        }
        let commands = bundle.payload.commands
        if session.relayed > 0 {
            guard let response, let parsed = CardResponse.parse(response) else {
                throw .server(.malformedRequest, message: "no response to the previous command")
            }
            state.withLock { $0.relayResponses.append(Hex.string(response)) }
            let previous = commands[session.relayed - 1]
            guard previous.expect.contains(where: { $0.matches(parsed.statusWord) }) else {
                state.withLock { $0.sessions[id]?.finished = true }
                return RelayCommand(
                    apdu: nil,
                    done: true,
                    message: "not installed: the card answered \(parsed.statusWord) to command \(session.relayed - 1)",
                    status: "failed"
                )
            }
            if session.relayed == commands.count {
                state.withLock {
                    $0.sessions[id]?.finished = true
                    $0.installed.insert(session.application)
                }
                return RelayCommand(
                    apdu: nil,
                    done: true,
                    message: "installed: \(commands.count) commands accepted",
                    status: "installed"
                )
            }
        }
        let index = session.relayed
        var apdu = commands[index].apdu
        if let edit = configuration.editRelayed { apdu = edit(index, apdu) }
        state.withLock { $0.sessions[id]?.relayed = index + 1 }
        return RelayCommand(apdu: Hex.string(apdu), done: false)
    }

    func receipt(session id: String, _ receipt: Receipt) async throws(InstallClientError) -> InstallResult {
        try arrive(.receipt)
        let result = try recordReceipt(session: id, receipt)
        try leave(.receipt)
        return result
    }

    private func recordReceipt(session id: String, _ receipt: Receipt) throws(InstallClientError) -> InstallResult {
        let session = try self.session(id)
        guard let bundle = session.bundle, !session.finished else {
            throw .server(.wrongState, message: "no bundle awaits a receipt in this session")
        }
        guard receipt.bundle.id == Hex.string(bundle.payload.id) else {
            throw .server(.receiptMismatch, message: "the receipt is about another bundle")
        }
        return state.withLock { state in
            state.sessions[id]?.finished = true
            state.receipts.append(receipt)
            if receipt.outcome.status == .completed {
                state.installed.insert(session.application)
                return InstallResult(status: "installed", message: "\(session.application) recorded as installed")
            }
            return InstallResult(
                status: "failed",
                message: "\(receipt.outcome.commandsRun) of \(bundle.payload.commands.count) commands ran"
            )
        }
    }

    // MARK: - Helpers

    /// Records the request, or fails it with an injected network error before the server sees it.
    private func arrive(_ kind: InstallExchangeKind) throws(InstallClientError) {
        let fault = state.withLock { state -> InstallClientError? in
            state.requests.append(kind)
            guard let index = state.faults.firstIndex(where: { $0.kind == kind && $0.times > 0 && !$0.afterHandling })
            else { return nil }
            state.faults[index].times -= 1
            return state.faults[index].error
        }
        if let fault { throw fault }
    }

    /// Loses the answer to an exchange the server handled, when a fault says so.
    private func leave(_ kind: InstallExchangeKind) throws(InstallClientError) {
        let fault = state.withLock { state -> InstallClientError? in
            guard let index = state.faults.firstIndex(where: { $0.kind == kind && $0.times > 0 && $0.afterHandling })
            else { return nil }
            state.faults[index].times -= 1
            return state.faults[index].error
        }
        if let fault { throw fault }
    }

    private func session(_ id: String) throws(InstallClientError) -> Session {
        guard let session = state.withLock({ $0.sessions[id] }) else {
            throw .server(.unknownSession, message: "no session \(id)")
        }
        return session
    }

    private func compile(
        _ application: String,
        cardData: CardData,
        keyFile: KeyFile,
        hostChallenge: [UInt8],
        response: [UInt8]
    ) throws(InstallClientError) -> SignedBundle {
        let result: BundleCompiler.Result
        do {
            let identity = CardIdentity(
                isdAID: cardData.bytes(for: .issuerSecurityDomain),
                iin: cardData.bytes(for: .iin),
                cin: cardData.bytes(for: .cin),
                keyDiversificationData: cardData.bytes(for: .keyDiversificationData)
            )
            let selected = try keyFile.keySet(for: identity)
            var generator = SystemRandomNumberGenerator()
            let request = BundleCompiler.Request(
                keys: selected.keys,
                configuration: selected.configuration,
                hostChallenge: hostChallenge,
                initializeUpdateResponse: response,
                signer: try Fixture.signer(),
                issuedAt: BundleTimestamp(Date()),
                bundleID: BundlePayload.randomID(using: &generator)
            )
            result = try BundleCompiler.compile(
                try RepositoryLoader.source(Fixture.catalogue[application] ?? ""),
                cardData: cardData,
                loader: RepositoryLoader(),
                request: request
            )
        } catch let failure as BundleCompiler.Failure {
            if let error = failure.underlying as? SecureChannelError, error.code == .cardCryptogramMismatch {
                throw .server(
                    .cardAuthenticationFailed,
                    message: "the card's cryptogram does not verify with the issuer's keys"
                )
            }
            throw .server(.internalError, message: "\(failure)")
        } catch {
            throw .server(.internalError, message: "\(error)")
        }
        guard let bundle = result.bundle else {
            throw .server(.internalError, message: "the script did not compile: \(result.diagnostics)")
        }
        return bundle
    }

    /// The probe `seqd` sends a GlobalPlatform card: SELECT of the card manager, GET DATA of the
    /// identification data (optional), INITIALIZE UPDATE with the host challenge, last.
    static func probe(hostChallenge: [UInt8]) -> ProbeScript {
        let getData: [(String, [UInt8])] = [
            ("cplc", [0x9F, 0x7F]), ("card-data", [0x00, 0x66]), ("key-information", [0x00, 0xE0]),
            ("iin", [0x00, 0x42]), ("cin", [0x00, 0x45]), ("kdd", [0x00, 0xCF]),
        ]
        var commands = [ProbeCommand(purpose: "select-isd", apdu: "00A4040000")]
        for (purpose, tag) in getData {
            let command = CommandAPDU(cla: 0x80, ins: 0xCA, p1: tag[0], p2: tag[1], le: 256)
            commands.append(ProbeCommand(purpose: purpose, apdu: Hex.string(command.bytes), required: false))
        }
        let initializeUpdate = CommandAPDU(cla: 0x80, ins: 0x50, p1: 0x00, p2: 0x00, data: hostChallenge, le: 256)
        commands.append(ProbeCommand(purpose: "initialize-update", apdu: Hex.string(initializeUpdate.bytes)))
        return ProbeScript(commands: commands)
    }
}
