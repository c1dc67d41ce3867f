import APDUTypes
import BundleFormat
import Foundation
import Testing

/// Any change to a sealed bundle fails verification, with the code that names why.
struct TamperTests {
    /// Every byte of the canonical payload of a one-command bundle, flipped one at a time.
    @Test func everyFlippedPayloadByteFailsTheSignature() throws {
        var payload = TestFixtures.payload()
        payload.secureChannel = .none
        payload.commands = [BundleCommand(index: 0, apdu: [0x00, 0xA4, 0x04, 0x00, 0x00], note: "SELECT")]
        let signer = try TestFixtures.signer()
        let bundle = try BundleSealer(signer: signer).seal(payload)
        let bytes = bundle.signedBytes
        let key = signer.publicKey
        #expect(key.isValidSignature(bundle.signature.value, for: bytes))
        for offset in bytes.indices {
            for mask: UInt8 in [0x01, 0x20, 0x80] {
                var tampered = bytes
                tampered[offset] ^= mask
                #expect(!key.isValidSignature(bundle.signature.value, for: tampered), "byte \(offset) ^ \(mask)")
            }
        }
    }

    /// Every hex digit of every command's APDU, changed in the file: the bundle still decodes
    /// (the digit stays upper-case hex) but the signature check fails.
    @Test func everyChangedAPDUDigitFailsVerification() throws {
        let bundle = try TestFixtures.bundle()
        let verifier = try TestFixtures.verifier()
        var checked = 0
        for command in bundle.payload.commands {
            let hex = Hex.string(command.apdu)
            for offset in 0..<hex.utf8.count {
                var digits = Array(hex.utf8)
                digits[offset] = digits[offset] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
                var tampered = bundle
                tampered.payload.commands[command.index].apdu = try #require(
                    Hex.bytes(String(decoding: digits, as: UTF8.self))
                )
                let result = verifier.verify(bytes: tampered.encoded())
                #expect(result.codes.contains(.signatureInvalid), "command \(command.index) digit \(offset)")
                #expect(!result.isValid)
                checked += 1
            }
        }
        #expect(checked > 400)
    }

    @Test func everyFlippedSignatureBitFails() throws {
        let bundle = try TestFixtures.bundle()
        let verifier = try TestFixtures.verifier()
        for offset in bundle.signature.value.indices {
            var tampered = bundle
            tampered.signature.value[offset] ^= 0x04
            #expect(verifier.verify(tampered).codes == [.signatureInvalid], "signature byte \(offset)")
        }
    }

    @Test func changedMembersFailTheSignature() throws {
        let bundle = try TestFixtures.bundle()
        let verifier = try TestFixtures.verifier()
        var edits: [(String, (inout SignedBundle) -> Void)] = [
            ("expiry extended", { $0.payload.expiresAt = $0.payload.expiresAt.adding(seconds: 1) }),
            ("expect widened", { $0.payload.commands[1].expect.append(StatusWordPattern(value: 0x6985)) }),
            ("sensitive cleared", { $0.payload.commands[6].sensitive = false }),
            ("note changed", { $0.payload.commands[2].note = "harmless" }),
            ("id changed", { $0.payload.id[0] ^= 1 }),
        ]
        edits.append(("command dropped", { $0.payload.commands.removeLast() }))
        for (name, edit) in edits {
            var tampered = bundle
            edit(&tampered)
            #expect(verifier.verify(tampered).codes.contains(.signatureInvalid), "\(name)")
        }
    }

    @Test func wrongPublicKeyIsUnknown() throws {
        let bundle = try TestFixtures.bundle()
        let other = Ed25519BundleSigner.generate().publicKey
        let result = BundleVerifier.standard(trustedKeys: [other], now: TestFixtures.now).verify(bundle)
        #expect(result.codes == [.unknownSigningKey])
        #expect(result.failures.first?.check == "signature")
        #expect(
            BundleVerifier.standard(trustedKeys: [], now: TestFixtures.now).verify(bundle).codes == [.unknownSigningKey]
        )
    }

    @Test func signatureFromAnotherKeyUnderTheRightKeyIDIsInvalid() throws {
        let bundle = try TestFixtures.bundle()
        let impostor = Ed25519BundleSigner.generate()
        var forged = bundle
        forged.signature.value = try impostor.sign(bundle.signedBytes)
        #expect(try TestFixtures.verifier().verify(forged).codes == [.signatureInvalid])
        // The impostor's own key id is unknown to the client.
        let sealed = try BundleSealer(signer: impostor).seal(bundle.payload)
        #expect(try TestFixtures.verifier().verify(sealed).codes == [.unknownSigningKey])
    }

    @Test func expiredAndNotYetValid() throws {
        let bundle = try TestFixtures.bundle()
        let late = try TestFixtures.verifier(now: TestFixtures.expiresAt).verify(bundle)
        #expect(late.codes == [.expired])
        #expect(late.failures.first?.check == "validity")
        let early = try TestFixtures.verifier(now: TestFixtures.issuedAt.adding(seconds: -301)).verify(bundle)
        #expect(early.codes == [.notYetValid])
        let skewed = try TestFixtures.verifier(now: TestFixtures.issuedAt.adding(seconds: -300)).verify(bundle)
        #expect(skewed.isValid)
        let lastSecond = try TestFixtures.verifier(now: TestFixtures.expiresAt.adding(seconds: -1)).verify(bundle)
        #expect(lastSecond.isValid)
    }

    @Test func wrongCard() throws {
        let bundle = try TestFixtures.bundle()
        let key = try TestFixtures.signer().publicKey
        var other = TestFixtures.cardIdentity
        other.cin = [0x45, 0x08, 0, 0, 0, 0, 0, 0, 0x09, 0x87]
        let result = BundleVerifier.standard(trustedKeys: [key], now: TestFixtures.now, expectedCard: other).verify(
            bundle
        )
        #expect(result.codes == [.wrongCard])
        // Sharing only the ISD AID and IIN does not bind.
        let shared = BundleCardIdentity(isdAID: TestFixtures.cardIdentity.isdAID, iin: TestFixtures.cardIdentity.iin)
        #expect(
            BundleVerifier.standard(trustedKeys: [key], now: TestFixtures.now, expectedCard: shared).verify(bundle)
                .codes == [.wrongCard]
        )
        // One individual identifier is enough.
        let serialOnly = BundleCardIdentity(icSerialNumber: TestFixtures.cardIdentity.icSerialNumber)
        #expect(
            BundleVerifier.standard(trustedKeys: [key], now: TestFixtures.now, expectedCard: serialOnly).verify(bundle)
                .isValid
        )
        let wrongProfile = BundleVerifier.standard(
            trustedKeys: [key],
            now: TestFixtures.now,
            expectedCard: TestFixtures.cardIdentity,
            expectedProfile: .iso7816
        )
        #expect(wrongProfile.verify(bundle).codes == [.wrongCard])
    }

    @Test func p256BundlesVerifyToo() throws {
        let signer = P256BundleSigner.generate()
        let bundle = try BundleSealer(signer: signer).seal(TestFixtures.payload())
        #expect(bundle.signature.algorithm == .ecdsaP256SHA256)
        let verifier = BundleVerifier.standard(trustedKeys: [signer.publicKey], now: TestFixtures.now)
        #expect(verifier.verify(bytes: bundle.encoded()).isValid)
        var tampered = bundle
        tampered.payload.commands[0].apdu[5] ^= 1
        #expect(verifier.verify(tampered).codes.contains(.signatureInvalid))
        // An Ed25519 key with a P-256 bundle's key id would still not be used.
        let ed = try TestFixtures.verifier().verify(bundle)
        #expect(ed.codes == [.unknownSigningKey])
    }
}
