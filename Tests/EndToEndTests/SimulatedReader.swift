import APDUTypes
import BundleFormat
import CardSimulator
import CardTransport
import CardTransportPCSC
import CardTransportVPCD
import KeyStore
import SecureChannel
import SequenceCompiler
import SequencePlayer
import SequenceTestSupport
import SimulatorSetup
import Synchronization
import Testing

/// Every test that uses the reader, one at a time: there is one reader for all of them.
@Suite(.serialized)
struct ThroughTheReader {}

/// pcscd's second vpcd reader: the PC/SC tests of CardTransportTests use the first.
let readerName = "Virtual PCD 00 01"
let readerPort: UInt16 = 35964

/// Why a test through pcscd cannot run: it fails, never skips.
struct ReaderUnavailable: Error, CustomStringConvertible {
    var detail: String
    var description: String {
        "pcscd with the vpcd driver is not running or its second reader is busy: run `bash .ci/pcscd start` before `swift test` (\(detail))"
    }
}

/// Inserts a card into the second vpcd reader, connects to it through pcscd, runs `body`, and
/// removes the card again (waiting until pcscd has seen it go, so the next card is a new one).
func withCardInReader<Result>(
    _ card: any SimulatedCard,
    _ body: (PCSCCardChannel) async throws -> Result
) async throws -> Result {
    try await withCardInReader(card) { channel, _ in try await body(channel) }
}

/// As ``withCardInReader(_:_:)``, also giving the link, which `stop()` pulls the card out of.
func withCardInReader<Result>(
    _ card: any SimulatedCard,
    _ body: (PCSCCardChannel, VirtualCardLink) async throws -> Result
) async throws -> Result {
    let context: PCSCContext
    do {
        context = try PCSCContext()
    } catch {
        throw ReaderUnavailable(detail: "\(error)")
    }
    try await waitUntilEmpty(context)
    let link = VirtualCardLink(card: VirtualSimulatedCard(card: card), port: readerPort)
    do {
        try link.start()
    } catch {
        throw ReaderUnavailable(detail: "\(error)")
    }
    defer {
        link.stop()
        _ = link.waitUntilClosed(timeout: .seconds(5))
    }
    _ = try context.waitForCard(reader: readerName, timeout: .seconds(5))
    let channel = try PCSCCardChannel(reader: readerName)
    defer { channel.disconnect() }
    let result = try await body(channel, link)
    return result
}

/// Waits until pcscd reports the reader empty.
func waitUntilEmpty(_ context: PCSCContext) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(5))
    while try context.readerStates().first(where: { $0.name == readerName })?.isCardPresent == true {
        guard clock.now < deadline else {
            throw ReaderUnavailable(detail: "'\(readerName)' still holds a card after 5 s")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// The fixture cards, as an issuer's key file and card data describe them.
enum Fixture {
    static let keysPath = "Sequences/keys/test-keys.yaml"
    static let issued = BundleTimestamp(secondsSince1970: 1_798_761_600)  // 2027-01-01T00:00:00Z

    static func cardData(_ path: String) throws -> CardData {
        var problems = DiagnosticBag()
        return try #require(CardDataParser.parse(try RepositoryLoader.source(path), diagnostics: &problems))
    }

    static func keyFile() throws -> KeyFile {
        try KeyFile(text: try RepositoryLoader.source(keysPath).text, path: keysPath)
    }

    /// A new card for a card-data file, its counter and challenges set so that it answers as the
    /// golden bundles recorded.
    static func card(
        _ path: String,
        sequenceCounter: Int = 0,
        fixedCardChallenge: [UInt8]? = nil,
        scp02Option: UInt8? = nil
    ) throws -> any SimulatedCard {
        let image = try SimulatorSetup.image(
            cardData: try cardData(path),
            keys: try keyFile(),
            options: SimulatorSetup.Options(
                sequenceCounter: sequenceCounter,
                fixedCardChallenge: fixedCardChallenge,
                scp02Option: scp02Option
            )
        )
        guard case .iso7816(let iso) = image else { return try image.makeCard() }
        // The golden secure messaging bundle was made with RND.IC C1..C8 and K.IC 1C..1C.
        let random = ISOFileCard.RandomSource { count in
            count == 8 ? [0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8] : [UInt8](repeating: 0x1C, count: count)
        }
        return try ISOFileCard(image: iso, randomSource: random)
    }

    static func signingKey() throws -> BundlePublicKey {
        try BundlePublicKey(
            pemRepresentation: try RepositoryLoader.source("Sequences/keys/test-signing-key.pub.pem").text
        )
    }

    static func player(_ opening: BundlePlayer.SessionOpening = .replayInitializeUpdate) throws -> BundlePlayer {
        let start = ContinuousClock.now
        return BundlePlayer(
            trustedKeys: [try signingKey()],
            options: BundlePlayer.Options(sessionOpening: opening),
            clock: PlayerClock(
                now: { BundleTimestamp(secondsSince1970: issued.secondsSince1970 + 3600) },
                elapsed: { ContinuousClock.now - start }
            )
        )
    }

    static func golden(_ name: String) throws -> [UInt8] {
        try RepositoryLoader.bytes("Tests/SequenceCompilerReferenceTests/Golden/\(name)")
    }
}
