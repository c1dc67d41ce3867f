import APDUTypes
import BundleFormat
import Foundation
import Testing

/// Known-answer tests of the Ed25519 signer and verifier wrappers against RFC 8032.
struct Ed25519VectorTests {
    struct VectorFile: Decodable {
        var algorithm: String
        var source: String
        var testGroups: [Group]

        struct Group: Decodable {
            var tests: [Vector]
        }
    }

    struct Vector: Decodable, CustomTestStringConvertible, Sendable {
        var tcId: Int
        var comment: String
        var secretKey: String
        var publicKey: String
        var message: String
        var signature: String
        var result: String

        var testDescription: String { comment }

        func bytes(_ hex: String) throws -> [UInt8] {
            try #require(Hex.bytes(hex))
        }
    }

    static func vectors() throws -> [Vector] {
        let data = try Data(contentsOf: TestFixtures.file("Vectors/rfc8032-ed25519.json"))
        let file = try JSONDecoder().decode(VectorFile.self, from: data)
        return file.testGroups.flatMap(\.tests)
    }

    @Test func vectorFileNamesItsSource() throws {
        let data = try Data(contentsOf: TestFixtures.file("Vectors/rfc8032-ed25519.json"))
        let file = try JSONDecoder().decode(VectorFile.self, from: data)
        #expect(file.source.contains("RFC 8032, section 7.1"))
        #expect(file.testGroups.flatMap(\.tests).count == 4)
    }

    /// RFC 8032, section 7.1: the public key derived from each secret key.
    @Test(arguments: try vectors())
    func derivesPublicKey(_ vector: Vector) throws {
        let signer = try Ed25519BundleSigner(rawRepresentation: vector.bytes(vector.secretKey))
        #expect(signer.publicKey.rawRepresentation == (try vector.bytes(vector.publicKey)))
        #expect(signer.publicKey.algorithm == .ed25519)
    }

    /// RFC 8032, section 7.1: the published signature verifies with the published public key.
    @Test(arguments: try vectors())
    func verifiesPublishedSignature(_ vector: Vector) throws {
        let key = try BundlePublicKey(algorithm: .ed25519, rawRepresentation: vector.bytes(vector.publicKey))
        let message = try vector.bytes(vector.message)
        let signature = try vector.bytes(vector.signature)
        #expect(key.isValidSignature(signature, for: message))
        var flipped = signature
        flipped[0] ^= 0x01
        #expect(!key.isValidSignature(flipped, for: message))
        #expect(!key.isValidSignature(signature, for: message + [0x00]))
    }

    /// RFC 8032, section 7.1: signing reproduces the published signature byte for byte.
    ///
    /// Ed25519 is deterministic by definition and swift-crypto's BoringSSL backend (Linux)
    /// follows it; Apple's CryptoKit adds randomness, so there the test checks a round trip.
    @Test(arguments: try vectors())
    func signingMatchesPublishedSignature(_ vector: Vector) throws {
        let signer = try Ed25519BundleSigner(rawRepresentation: vector.bytes(vector.secretKey))
        let message = try vector.bytes(vector.message)
        let signature = try signer.sign(message)
        #expect(signer.publicKey.isValidSignature(signature, for: message))
        #if !canImport(CryptoKit)
        #expect(signature == (try vector.bytes(vector.signature)))
        #endif
    }

    @Test func signingIsDeterministicHere() throws {
        let signer = try TestFixtures.signer()
        let message = Array("cardseq".utf8)
        #if canImport(CryptoKit)
        #expect(signer.publicKey.isValidSignature(try signer.sign(message), for: message))
        #else
        #expect(try signer.sign(message) == signer.sign(message))
        #endif
    }
}
