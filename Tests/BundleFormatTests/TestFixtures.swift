import APDUTypes
import BundleFormat
import Foundation
import Testing

/// Deterministic inputs for bundle tests: a test-only signing key, a fixed clock and an example payload.
enum TestFixtures {
    /// A test-only Ed25519 private key: the bytes 00 01 … 1F.
    ///
    /// It is public, so never trust it.
    static let signingSeed: [UInt8] = Array(0...31)

    /// The signer for ``signingSeed``.
    static func signer() throws -> Ed25519BundleSigner {
        try Ed25519BundleSigner(rawRepresentation: signingSeed)
    }

    /// The fixed issue time of the example bundle.
    static let issuedAt = BundleTimestamp(secondsSince1970: 1_740_821_400)  // 2025-03-01T09:30:00Z
    /// One day after ``issuedAt``.
    static let expiresAt = issuedAt.adding(seconds: 86_400)
    /// A time inside the validity period.
    static let now = issuedAt.adding(seconds: 600)

    /// The card the example is bound to (the GlobalPlatform test card of `Sequences/cards/`).
    static let cardIdentity = BundleCardIdentity(
        isdAID: ApplicationIdentifier(hex: "A000000151000000"),
        iin: [0x42, 0x01, 0x99],
        cin: [0x45, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x23],
        kdd: [0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88],
        icFabricator: [0x47, 0x90],
        icSerialNumber: [0x00, 0x42, 0xAC, 0xF3]
    )

    static let hostChallenge: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    static let cardChallenge: [UInt8] = [0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18]
    static let sequenceCounter: [UInt8] = [0x00, 0x00, 0x2A]

    /// INITIALIZE UPDATE for key version 0x30 with the host challenge, and Le.
    static let initializeUpdateCommand = CommandAPDU(
        cla: 0x80,
        ins: 0x50,
        p1: 0x30,
        p2: 0x00,
        data: hostChallenge,
        le: 256
    )

    /// An SCP03 (S8, pseudo-random challenge) response: KDD, key information, card challenge,
    /// card cryptogram (made up) and the sequence counter.
    static let initializeUpdateResponse: [UInt8] =
        (cardIdentity.kdd ?? []) + [0x30, 0x03, 0x70] + cardChallenge
        + [0x9C, 0x4E, 0x21, 0x0B, 0x7D, 0x3A, 0x58, 0xE6] + sequenceCounter

    /// An SCP03 session in the given mode.
    static func session(mode: BundleSecureChannel.GlobalPlatformSession.Mode = .online) -> BundleSecureChannel {
        .globalPlatform(
            .init(
                scp: .scp03,
                iParameter: 0x70,
                keyVersion: 0x30,
                securityLevel: .cMACAndCDecryption,
                mode: mode,
                hostChallenge: hostChallenge,
                cardChallenge: cardChallenge,
                sequenceCounter: sequenceCounter,
                initializeUpdate: .init(command: initializeUpdateCommand.bytes, response: initializeUpdateResponse)
            )
        )
    }

    /// Bytes 0, 1, 2, … of a length, for made-up MACs and encrypted data.
    static func pattern(_ count: Int, from start: UInt8 = 0) -> [UInt8] {
        (0..<count).map { start &+ UInt8(truncatingIfNeeded: $0) }
    }

    /// The example commands: EXTERNAL AUTHENTICATE, then a small install with a sensitive STORE DATA.
    static func commands(mode: BundleSecureChannel.GlobalPlatformSession.Mode = .online) -> [BundleCommand] {
        let path = "Sequences/brokerage.yaml"
        var apdus: [(CommandAPDU, [StatusWordPattern], Int?, String?, String?, Bool)] = []
        if mode == .precomputed {
            apdus.append((initializeUpdateCommand, [.success], nil, nil, "INITIALIZE UPDATE", false))
        }
        apdus += [
            (
                CommandAPDU(cla: 0x84, ins: 0x82, p1: 0x03, p2: 0x00, data: pattern(16, from: 0xC0)),
                [.success], nil, nil, "EXTERNAL AUTHENTICATE", false
            ),
            (
                CommandAPDU(
                    cla: 0x84,
                    ins: 0xE4,
                    p1: 0x00,
                    p2: 0x80,
                    data: [0x4F, 0x07, 0xF0, 0x43, 0x53, 0x51, 0x01, 0x42, 0x52] + pattern(8, from: 0x10),
                    le: 256
                ),
                [.success, StatusWordPattern(value: 0x6A88)], 2, "\(path):9:5", "delete the old package", false
            ),
            (
                CommandAPDU(cla: 0x84, ins: 0xE6, p1: 0x02, p2: 0x00, data: pattern(24, from: 0x20), le: 256),
                [.success], 3, "\(path):12:5", "INSTALL [for load]", false
            ),
            (
                CommandAPDU(cla: 0x84, ins: 0xE8, p1: 0x00, p2: 0x00, data: pattern(40, from: 0x40)),
                [.success], 3, "\(path):12:5", "LOAD block 1/2", false
            ),
            (
                CommandAPDU(cla: 0x84, ins: 0xE8, p1: 0x80, p2: 0x01, data: pattern(24, from: 0x80)),
                [.success], 3, "\(path):12:5", "LOAD block 2/2", false
            ),
            (
                CommandAPDU(cla: 0x84, ins: 0xE6, p1: 0x0C, p2: 0x00, data: pattern(32, from: 0xA0), le: 256),
                [.success], 4, "\(path):21:5", "INSTALL [for install and make selectable]", false
            ),
            (
                CommandAPDU(cla: 0x84, ins: 0xE2, p1: 0x80, p2: 0x00, data: pattern(24, from: 0xE0)),
                [.success, StatusWordPattern(value: 0x6100, mask: 0xFF00)], 5, "\(path):30:5",
                "STORE DATA block 1/1", true
            ),
        ]
        return apdus.enumerated().map { index, item in
            BundleCommand(
                index: index,
                command: item.0,
                expect: item.1,
                step: item.2,
                origin: item.3,
                note: item.4,
                sensitive: item.5
            )
        }
    }

    /// The example payload.
    static func payload(mode: BundleSecureChannel.GlobalPlatformSession.Mode = .online) -> BundlePayload {
        var generator = SplitMix64(seed: 2025)
        return BundlePayload(
            id: BundlePayload.randomID(using: &generator),
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            sequence: BundleSequence(
                name: "brokerage",
                version: "2.1.0",
                sourceDigest: Array(repeating: 0, count: 16) + pattern(16, from: 0xF0)
            ),
            card: BundleCard(profile: .globalplatform, identity: cardIdentity),
            secureChannel: session(mode: mode),
            commands: commands(mode: mode)
        )
    }

    /// The example bundle, sealed with the test key.
    static func bundle(mode: BundleSecureChannel.GlobalPlatformSession.Mode = .online) throws -> SignedBundle {
        try BundleSealer(signer: signer()).seal(payload(mode: mode))
    }

    /// The verifier a client of the test card would use.
    static func verifier(now: BundleTimestamp = now) throws -> BundleVerifier {
        .standard(trustedKeys: [try signer().publicKey], now: now, expectedCard: cardIdentity)
    }

    /// A file under this test target, found through `#filePath`.
    static func file(_ relativePath: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent(relativePath)
    }

    /// A file of the repository, found through `#filePath`.
    static func repositoryFile(_ relativePath: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(relativePath)
    }
}

/// SplitMix64: a small seeded generator, so random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    /// The bytes as a UTF-8 string, for assertions on JSON text.
    var utf8Text: String { String(decoding: self, as: UTF8.self) }
}

extension String {
    /// The string's UTF-8 bytes.
    var bytes: [UInt8] { Array(utf8) }
}

extension TestFixtures {
    /// A secure messaging session description with a key reference (values only need the right lengths).
    static let secureMessagingSession = BundleSecureChannel.SecureMessagingSession(
        securityLevel: .all,
        cipher: .tripleDES,
        keyReference: 0x01,
        cardChallenge: [UInt8](repeating: 0x1C, count: 8),
        sequenceCounter: [UInt8](repeating: 0x05, count: 8),
        authentication: .init(
            command: [0x00, 0x82, 0x00, 0x01, 0x28] + [UInt8](repeating: 0xEA, count: 40) + [0x28],
            response: [UInt8](repeating: 0xAE, count: 40)
        )
    )
}
