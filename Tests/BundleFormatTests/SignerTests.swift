import APDUTypes
import BundleFormat
import Crypto
import Foundation
import Testing

/// Keys: raw, hex and PEM forms, key ids, and the sealer's own checks of its signer.
struct SignerTests {
    /// The test key's PEM forms, as Python's `cryptography` (OpenSSL) writes them.
    static let privatePEM = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f
        -----END PRIVATE KEY-----

        """
    static let publicPEM = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=
        -----END PUBLIC KEY-----

        """

    @Test func ed25519PEMFormsMatchOpenSSL() throws {
        let signer = try TestFixtures.signer()
        #expect(signer.pemRepresentation == Self.privatePEM)
        #expect(signer.publicKey.pemRepresentation == Self.publicPEM)
        #expect(
            signer.publicKey.hexRepresentation == "03A107BFF3CE10BE1D70DD18E74BC09967E4D6309BA50D5F1DDC8664125531B8"
        )
        let loaded = try Ed25519BundleSigner(pemRepresentation: Self.privatePEM)
        #expect(loaded.publicKey == signer.publicKey)
        #expect(try BundlePublicKey(pemRepresentation: Self.publicPEM) == signer.publicKey)
        #expect(try BundlePublicKey(hex: signer.publicKey.hexRepresentation) == signer.publicKey)
    }

    @Test func keyIDIsTheFirstEightBytesOfTheSHA256OfTheRawKey() throws {
        let key = try TestFixtures.signer().publicKey
        #expect(key.keyID == Array(SHA256.hash(data: key.rawRepresentation).prefix(8)))
        #expect(key.keyID.count == 8)
        #expect(try TestFixtures.bundle().signature.keyID == key.keyID)
        #expect(key.description == "ed25519 key \(Hex.string(key.keyID))")
    }

    @Test func descriptionsNeverShowThePrivateKey() throws {
        let signer = try TestFixtures.signer()
        #expect(!String(describing: signer).contains("000102030405"))
        #expect(String(describing: signer).hasPrefix("Ed25519BundleSigner(ed25519 key "))
    }

    @Test func p256KeysRoundTripThroughPEM() throws {
        let key = P256.Signing.PrivateKey()
        let signer = try P256BundleSigner(pemRepresentation: key.pemRepresentation)
        #expect(signer.publicKey == BundlePublicKey(key.publicKey))
        #expect(signer.publicKey.rawRepresentation.count == 65)
        #expect(try BundlePublicKey(pemRepresentation: signer.publicKey.pemRepresentation) == signer.publicKey)
        let message = Array("bundle".utf8)
        #expect(signer.publicKey.isValidSignature(try signer.sign(message), for: message))
    }

    @Test func invalidKeysAreRejected() {
        #expect(throws: BundleError(code: .invalidKey, reason: "")) {
            try Ed25519BundleSigner(rawRepresentation: [1, 2, 3])
        }
        #expect(throws: BundleError(code: .invalidKey, reason: "")) {
            try Ed25519BundleSigner(pemRepresentation: Self.publicPEM)
        }
        #expect(throws: BundleError(code: .invalidKey, reason: "")) {
            try BundlePublicKey(algorithm: .ecdsaP256SHA256, rawRepresentation: [0x04] + Array(repeating: 0, count: 64))
        }
        #expect(throws: BundleError(code: .invalidKey, reason: "")) {
            try BundlePublicKey(pemRepresentation: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        }
    }

    struct FaultySigner: BundleSigner {
        var publicKey: BundlePublicKey
        var fails: Bool
        func sign(_ bytes: [UInt8]) throws -> [UInt8] {
            if fails {
                throw CancellationError()
            }
            return Array(repeating: 0x5A, count: 64)
        }
    }

    @Test func sealerChecksItsSigner() throws {
        let key = try TestFixtures.signer().publicKey
        for fails in [true, false] {
            let error = #expect(throws: BundleError.self) {
                try BundleSealer(signer: FaultySigner(publicKey: key, fails: fails)).seal(TestFixtures.payload())
            }
            #expect(error?.code == .signingFailed)
        }
    }

    @Test func sealShorthandMatchesTheSealer() throws {
        let signer = try TestFixtures.signer()
        let bundle = try SignedBundle.seal(payload: TestFixtures.payload(), signer: signer)
        #expect(try TestFixtures.verifier().verify(bundle).isValid)
        #if !canImport(CryptoKit)
        #expect(bundle == (try TestFixtures.bundle()))
        #endif
    }
}

extension SignerTests {
    @Test func dumpDoesNotShowThePrivateKey() throws {
        var text = ""
        dump(try TestFixtures.signer(), to: &text)
        #expect(!text.contains("rawRepresentation") && !text.contains("privateKey"), "\(text)")
    }
}
