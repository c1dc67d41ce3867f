import APDUTypes
import BundleFormat
import Foundation
import SequencePlayer
import SequenceTestSupport
import Synchronization

/// The golden bundles, their signing key, and a clock that gives the same readings every run.
enum Fixtures {
    static let goldenDirectory = RepositoryPaths.root
        .appendingPathComponent("Tests/SequenceCompilerReferenceTests/Golden")

    /// The golden bundle file names, sorted.
    static func goldenBundleNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: goldenDirectory.path)
            .filter { $0.hasPrefix("bundle.") && $0.hasSuffix(".bundle.json") }
            .sorted()
    }

    /// The golden bundles with a GlobalPlatform secure channel.
    static func globalPlatformGoldenBundleNames() throws -> [String] {
        try goldenBundleNames().filter { name in
            guard case .globalPlatform = try golden(name).payload.secureChannel else { return false }
            return true
        }
    }

    /// A golden bundle file's bytes.
    static func goldenBytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: goldenDirectory.appendingPathComponent(name)))
    }

    /// A golden bundle, decoded.
    static func golden(_ name: String) throws -> SignedBundle {
        try SignedBundle.decode(try goldenBytes(name))
    }

    static let brokerageSCP03 = "bundle.brokerage.gp-test-card.scp03.bundle.json"
    static let brokeragePrecomputed = "bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json"
    static let brokerageSCP02 = "bundle.brokerage.gp-second-card.scp02.bundle.json"
    static let rotateKeys = "bundle.rotate-keys.gp-test-card.scp03.bundle.json"

    /// The public key the golden bundles are signed with.
    static func signingKey() throws -> BundlePublicKey {
        let pem = try String(
            contentsOf: RepositoryPaths.sequences.appendingPathComponent("keys/test-signing-key.pub.pem"),
            encoding: .utf8
        )
        return try BundlePublicKey(pemRepresentation: pem)
    }

    /// Noon on the day the golden bundles are valid.
    static let goldenNoon = BundleTimestamp(iso8601: "2027-01-01T12:00:00Z") ?? BundleTimestamp(secondsSince1970: 0)

    /// A player trusting the golden key, at noon of the golden day, with a stepping clock.
    static func player(
        options: BundlePlayer.Options = BundlePlayer.Options(),
        now: BundleTimestamp = goldenNoon
    ) throws -> BundlePlayer {
        BundlePlayer(trustedKeys: [try signingKey()], options: options, clock: steppingClock(now: now))
    }

    /// A clock whose wall time stands still and whose monotonic reading advances 1 ms per read.
    static func steppingClock(now: BundleTimestamp = goldenNoon) -> PlayerClock {
        let ticks = Mutex<Int64>(0)
        return PlayerClock(
            now: { now },
            elapsed: {
                .milliseconds(
                    ticks.withLock { value in
                        value += 1
                        return value
                    }
                )
            }
        )
    }

    /// A test-only Ed25519 signer (seed: 32 bytes of 0x42), for bundles the tests make.
    static func testSigner() throws -> Ed25519BundleSigner {
        try Ed25519BundleSigner(rawRepresentation: [UInt8](repeating: 0x42, count: 32))
    }

    /// A bundle the tests make: the brokerage golden's header, no secure channel, these commands,
    /// signed by ``testSigner()``.
    static func plainBundle(_ commands: [BundleCommand]) throws -> SignedBundle {
        var payload = try golden(brokerageSCP03).payload
        payload.secureChannel = .none
        payload.commands = commands
        return try BundleSealer(signer: try testSigner()).seal(payload)
    }

    /// A player trusting ``testSigner()``.
    static func testPlayer(options: BundlePlayer.Options = BundlePlayer.Options()) throws -> BundlePlayer {
        BundlePlayer(trustedKeys: [try testSigner().publicKey], options: options, clock: steppingClock())
    }

    /// A card that answers `9000` to everything, and the recorded response to the bundle's
    /// recorded INITIALIZE UPDATE.
    static func goldenCard(for bundle: SignedBundle) -> FakeCardChannel {
        var initializeUpdate: (command: [UInt8], response: [UInt8])?
        if case .globalPlatform(let session) = bundle.payload.secureChannel {
            initializeUpdate = (session.initializeUpdate.command, session.initializeUpdate.response)
        }
        let recorded = initializeUpdate
        return FakeCardChannel { bytes, _ in
            if let recorded, bytes == recorded.command {
                return .success(CardResponse(data: recorded.response, statusWord: .success))
            }
            return .success(CardResponse(statusWord: .success))
        }
    }

    /// `00 A4 04 00 Lc AID 00`.
    static func select(_ aid: ApplicationIdentifier) -> [UInt8] {
        [0x00, 0xA4, 0x04, 0x00, UInt8(aid.bytes.count)] + aid.bytes + [0x00]
    }

    /// A command with a given APDU and defaults for the rest.
    static func command(
        _ index: Int,
        _ hex: String,
        expect: [StatusWordPattern] = [.success],
        sensitive: Bool = false
    ) -> BundleCommand {
        BundleCommand(
            index: index,
            apdu: Hex.bytes(hex) ?? [],
            expect: expect,
            step: 1,
            origin: "Sequences/test.yaml:3:5",
            note: "command \(index)",
            sensitive: sensitive
        )
    }
}
