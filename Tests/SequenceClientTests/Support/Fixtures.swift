import APDUTypes
import BundleFormat
import CardSimulator
import KeyStore
import SequenceCompiler
import SequencePlayer
import SequenceTestSupport
import SimulatorSetup
import Testing

/// The fixture cards, keys and signing key of `Sequences/`, as the tests use them.
enum Fixture {
    static let gpCard = "Sequences/cards/gp-test-card.yaml"
    static let keysPath = "Sequences/keys/test-keys.yaml"

    /// The applications the scripted server offers, by catalogue name.
    static let catalogue = [
        "brokerage": "Sequences/brokerage.yaml",
        "piv": "Sequences/piv.yaml",
    ]

    static func cardData(_ path: String = gpCard) throws -> CardData {
        var problems = DiagnosticBag()
        return try #require(CardDataParser.parse(try RepositoryLoader.source(path), diagnostics: &problems))
    }

    static func keyFileText() throws -> String {
        try RepositoryLoader.source(keysPath).text
    }

    /// A fresh GlobalPlatform card as the issuer's card data and key file describe it.
    static func card(_ path: String = gpCard) throws -> GlobalPlatformCard {
        let image = try SimulatorSetup.image(
            cardData: try cardData(path),
            keys: try KeyFile(text: try keyFileText(), path: keysPath)
        )
        guard case .globalPlatform(let gp) = image else {
            Issue.record("\(path) is not a GlobalPlatform card")
            throw FixtureError()
        }
        return try GlobalPlatformCard(image: gp)
    }

    static func signer() throws -> Ed25519BundleSigner {
        try Ed25519BundleSigner(
            pemRepresentation: try RepositoryLoader.source("Sequences/keys/test-signing-key.pem").text
        )
    }

    static func trustedKey() throws -> BundlePublicKey {
        try BundlePublicKey(
            pemRepresentation: try RepositoryLoader.source("Sequences/keys/test-signing-key.pub.pem").text
        )
    }

    /// The instance AID brokerage installs on the fixture card: applet AID and the IC serial number.
    static func brokerageInstance(on card: GlobalPlatformCard) -> [ApplicationIdentifier] {
        card.applications.map(\.aid).filter { Hex.string($0.bytes).hasPrefix("F04353510142524B01") }
    }

    struct FixtureError: Error {}
}
