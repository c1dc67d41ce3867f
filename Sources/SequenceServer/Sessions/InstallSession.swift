import BundleFormat
import KeyStore
import SequenceCompiler
import SequenceProtocol

/// One install session in the server's memory: what it was started with and where it stands.
///
/// The protocol state is an enum: `probed` (the probe was sent) → `compiling` (the answers
/// authenticated the card; the card is held) → `bundleIssued` or `relaying` → `finished`
/// (installed, failed, already installed or expired). Only ``SessionTable`` changes it, under
/// its lock.
struct InstallSession: Sendable {
    /// The session id: 16 random bytes as 32 hex digits.
    let id: String
    /// The catalogue entry asked for.
    let entry: Catalogue.Entry
    /// How the commands travel.
    let mode: InstallMode
    /// When the session started.
    let createdAt: BundleTimestamp
    /// When it expires.
    let expiresAt: BundleTimestamp
    /// The host challenge of the probe's INITIALIZE UPDATE.
    let hostChallenge: [UInt8]
    /// The probe sent.
    let probe: ProbeScript
    /// The card, once its answers were read.
    var card: ProbedCard?
    /// Where the session stands.
    var state: State
    /// Which card the probe is for.
    var flow: Flow = .globalPlatform
    /// A file card's RND.IC, once the first answers were read (to refuse them in another session).
    var cardChallenge: [UInt8]?
    /// A file card's EXTERNAL AUTHENTICATE answer, once it verified (to refuse it in another session).
    var authenticationResponse: [UInt8]?

    /// Which card the probe is for.
    enum Flow: Sendable {
        /// A GlobalPlatform card: one probe ending with INITIALIZE UPDATE.
        case globalPlatform
        /// A file-oriented card with secure messaging: a probe ending with GET CHALLENGE, then
        /// EXTERNAL AUTHENTICATE.
        case fileCard
    }

    /// A file card between its two probes: what the server needs to check its EXTERNAL
    /// AUTHENTICATE answer and to make the bundle.
    ///
    /// K.IFD is secret: it lives only here, in the server's memory, and is never logged or sent.
    struct FileCardAuthentication: Sendable, CustomStringConvertible {
        /// The card's registry key.
        var cardKey: String
        /// What the card's EF.GDO and GET CHALLENGE said.
        var card: ProbedFileCard
        /// The card's data file, completed with the probe.
        var cardData: CardData
        /// The access keys and key reference chosen for the card.
        var accessKeys: SelectedAccessKeys
        /// RND.IFD.
        var terminalChallenge: [UInt8]
        /// K.IFD; secret.
        var terminalKeyMaterial: [UInt8]
        /// The second probe: EXTERNAL AUTHENTICATE.
        var probe: ProbeScript

        /// The card and the key set's name; never K.IFD.
        var description: String { "FileCardAuthentication(\(cardKey), key set '\(accessKeys.name)')" }
    }

    /// Where a session stands.
    enum State: Sendable {
        /// The probe was sent; the answers are awaited.
        case probed
        /// A file card was identified and sent EXTERNAL AUTHENTICATE; its answer is awaited. The card is held.
        case authenticating(FileCardAuthentication)
        /// The card authenticated; the install is being compiled. The card is held.
        case compiling(card: String)
        /// The bundle was sent; the receipt is awaited. The card is held.
        case bundleIssued(IssuedBundle)
        /// Relay mode: commands go one per exchange. The card is held.
        case relaying(RelayProgress)
        /// The session ended.
        case finished(Outcome)
    }

    /// A bundle sent to the client.
    struct IssuedBundle: Sendable {
        /// The card's registry key.
        var card: String
        /// The bundle.
        var bundle: SignedBundle
        /// `sha256:` and the digest of the bundle's file form.
        var digest: String
        /// The card's keys, to check the R-MAC of each response in the receipt (GlobalPlatform
        /// levels with R-MAC); `nil` when there is nothing to check.
        var responseCheck: MACChainCheck? = nil
    }

    /// How far a relay got.
    struct RelayProgress: Sendable {
        /// The card's registry key.
        var card: String
        /// The bundle whose commands are relayed.
        var bundle: SignedBundle
        /// How many commands were sent.
        var sent: Int
    }

    /// How a session ended.
    enum Outcome: String, Sendable {
        /// Every command was accepted.
        case installed
        /// The card stopped the install, the card failed authentication, or the install could not be made.
        case failed
        /// The registry says the application is on the card.
        case alreadyInstalled = "already-installed"
        /// No answers, receipt or relay exchange came in time.
        case expired
    }

    /// The card this session holds, if it holds one.
    var heldCard: String? {
        switch state {
        case .compiling(let card): card
        case .authenticating(let authentication): authentication.cardKey
        case .bundleIssued(let issued): issued.card
        case .relaying(let progress): progress.card
        case .probed, .finished: nil
        }
    }

    /// Whether the session has ended.
    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// The state's name, as the registry stores it.
    var stateName: String {
        switch state {
        case .probed: "probed"
        case .authenticating: "authenticating"
        case .compiling: "compiling"
        case .bundleIssued: "bundle-issued"
        case .relaying: "relaying"
        case .finished(let outcome): outcome.rawValue
        }
    }
}
