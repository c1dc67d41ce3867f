import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// ICAO Doc 9303 Part 11 section 9.7.1 KDF and section 9.7.2 Basic Access Control keys.
struct ISOKeyDerivationTests {
    /// ICAO Doc 9303 Part 11, appendix D.2, D.3 and G.1: published KDF outputs (3DES with parity, AES-128).
    @Test func publishedKeyDerivations() throws {
        let file = try VectorFile<ISOKDFVector>.load("iso-sm-icao9303-kdf")
        try checkKeyDerivations(file.tests)
    }

    /// KDF outputs for 3DES and AES-128/192/256 (SHA-1 and SHA-256), generated with Python `cryptography`.
    @Test func generatedKeyDerivations() throws {
        let file = try VectorFile<ISOKDFVector>.load("iso-sm-generated-kdf")
        #expect(file.tests.count == 36)
        try checkKeyDerivations(file.tests)
    }

    private func checkKeyDerivations(_ tests: [ISOKDFVector]) throws {
        for test in tests {
            let key = try ISOKeyDerivation.deriveKey(
                seed: try bytes(test.seed),
                counter: ISOKeyDerivation.Counter(rawValue: test.counter),
                cipher: try ISOVectorSupport.cipher(test.cipher),
                keyLength: test.keyLength
            )
            #expect(key.revealedKeyBytes.hexString == test.key, "tcId \(test.tcId): \(test.comment)")
            #expect(key.byteCount == test.keyLength)
        }
    }

    /// Triple-DES keys come out with odd parity in every byte; AES keys are the hash bytes as they are.
    @Test func tripleDESKeysHaveOddParity() throws {
        let seed = [UInt8](repeating: 0x5A, count: 16)
        let key = try ISOKeyDerivation.deriveKey(seed: seed, counter: .encryption, cipher: .tripleDES)
        for byte in key.revealedKeyBytes {
            #expect(byte.nonzeroBitCount % 2 == 1)
        }
    }

    /// Key lengths that the cipher does not have are refused.
    @Test func rejectsUnsupportedKeyLengths() {
        expectISOError(.invalidArgument) {
            try ISOKeyDerivation.deriveKey(seed: [1, 2, 3], counter: .mac, cipher: .tripleDES, keyLength: 24)
        }
        expectISOError(.invalidArgument) {
            try ISOKeyDerivation.deriveKey(seed: [1, 2, 3], counter: .mac, cipher: .aes, keyLength: 20)
        }
    }

    /// ICAO Doc 9303 Part 11 appendix D.2: MRZ information with check digits, K_seed, K_ENC and K_MAC.
    @Test func basicAccessControlKeysFromTheMRZ() throws {
        let file = try VectorFile<ISOMRZVector>.load("iso-sm-icao9303-mrz")
        for test in file.tests {
            let information = try ISOBasicAccessControl.mrzInformation(
                documentNumber: test.documentNumber,
                dateOfBirth: test.dateOfBirth,
                dateOfExpiry: test.dateOfExpiry
            )
            #expect(information == test.mrzInformation, "tcId \(test.tcId)")
            if let keySeed = test.keySeed {
                #expect(ISOBasicAccessControl.keySeed(mrzInformation: information).hexString == keySeed)
            }
            if let kEnc = test.kEnc, let kMac = test.kMac {
                let keys = try ISOBasicAccessControl.accessKeys(mrzInformation: information)
                #expect(keys.encryption.revealedKeyBytes.hexString == kEnc)
                #expect(keys.mac.revealedKeyBytes.hexString == kMac)
                #expect(keys.cipher == .tripleDES)
            }
        }
    }

    /// Doc 9303 Part 3 check digits: letters count 10 to 35, '<' zero, weights 7 3 1.
    @Test func checkDigits() throws {
        #expect(try ISOBasicAccessControl.checkDigit(of: "L898902C<") == "3")
        #expect(try ISOBasicAccessControl.checkDigit(of: "690806") == "1")
        #expect(try ISOBasicAccessControl.checkDigit(of: "940623") == "6")
        #expect(try ISOBasicAccessControl.checkDigit(of: "D23145890734") == "9")
        #expect(try ISOBasicAccessControl.checkDigit(of: "") == "0")
        expectISOError(.invalidArgument) { try ISOBasicAccessControl.checkDigit(of: "l898902c") }
        expectISOError(.invalidArgument) {
            try ISOBasicAccessControl.mrzInformation(
                documentNumber: "L898902C",
                dateOfBirth: "69086",
                dateOfExpiry: "940623"
            )
        }
        expectISOError(.invalidArgument) {
            try ISOBasicAccessControl.mrzInformation(documentNumber: "", dateOfBirth: "690806", dateOfExpiry: "940623")
        }
    }

    /// Key pairs must be two-key triple DES or AES of one length, and print no key bytes.
    @Test func keyPairsAreCheckedAndRedacted() throws {
        let aes128 = try CardKey(.aes, bytes: [UInt8](repeating: 0x11, count: 16))
        let aes256 = try CardKey(.aes, bytes: [UInt8](repeating: 0x22, count: 32))
        let tripleDES = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x33, count: 16))
        let threeKey = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x44, count: 24))
        expectISOError(.invalidKeys) { try ISOSecureMessaging.Keys(encryption: aes128, mac: aes256) }
        expectISOError(.invalidKeys) { try ISOSecureMessaging.Keys(encryption: aes128, mac: tripleDES) }
        expectISOError(.invalidKeys) { try ISOSecureMessaging.Keys(encryption: threeKey, mac: threeKey) }
        let keys = try ISOSecureMessaging.Keys(encryption: aes256, mac: aes256)
        #expect(!"\(keys)".contains("2222"))
        #expect(!String(reflecting: keys).contains("2222"))
        #expect("\(ISOSecureMessaging(keys: keys))" == "ISO secure messaging (AES-256)")
    }
}
