import Testing

@testable import CardCrypto

/// Known-answer tests for DES, triple DES and AES in ECB and CBC, in both directions.
struct BlockCipherTests {
    static let files = [
        "aes-ecb-fips197.json",
        "aes-cbc-sp800-38a.json",
        "des-fips81.json",
        "tdes-sp800-67.json",
        "scp02-primitives.json",
        "gppro-plaintext-keys.json",
    ]

    static func vectors() throws -> [Vector] {
        try files.flatMap { try VectorFile.vectors($0, groupType: "BlockCipherTest") }
    }

    private static func mode(_ vector: Vector) throws -> BlockCipherMode {
        vector.group.mode == "CBC" ? .cbc(iv: try vector.bytes(\.iv)) : .ecb
    }

    /// FIPS 197 C, SP 800-38A F.2, FIPS 81, SP 800-67 and the GlobalPlatform derivations, encrypting.
    @Test(arguments: try vectors())
    func encryptsKnownAnswer(_ vector: Vector) throws {
        let key = try vector.key()
        #expect(try key.encrypt(vector.bytes(\.msg), mode: Self.mode(vector)).hex == vector.bytes(\.ct).hex)
    }

    /// The same vectors decrypted (SP 800-38A F.2.2, F.2.4 and F.2.6 for AES-CBC).
    @Test(arguments: try vectors())
    func decryptsKnownAnswer(_ vector: Vector) throws {
        let key = try vector.key()
        #expect(try key.decrypt(vector.bytes(\.ct), mode: Self.mode(vector)).hex == vector.bytes(\.msg).hex)
    }

    /// Single DES through the legacy provider and as triple DES with K‖K agree on FIPS 81.
    @Test(arguments: try VectorFile.vectors("des-fips81.json"))
    func singleDESWithoutLegacyProviderMatchesFIPS81(_ vector: Vector) throws {
        let runtime = OpenSSLRuntime(loadingLegacyProvider: false)
        #expect(runtime.desBackend == .tripleDESWithRepeatedKey)
        let key = try vector.key()
        let mode = try Self.mode(vector)
        let ciphertext = try key.crypt(vector.bytes(\.msg), mode: mode, encrypting: true, runtime: runtime)
        #expect(ciphertext.hex == (try vector.bytes(\.ct)).hex)
        let plaintext = try key.crypt(ciphertext, mode: mode, encrypting: false, runtime: runtime)
        #expect(plaintext.hex == (try vector.bytes(\.msg)).hex)
    }

    @Test func twoKeyTripleDESEqualsThreeKeyK1K2K1() throws {
        var generator = SplitMix64(seed: 2)
        let bytes = Splits.randomBytes(16, using: &generator)
        let data = Splits.randomBytes(64, using: &generator)
        let twoKey = try CardKey(.tripleDES, bytes: bytes)
        let threeKey = try CardKey(.tripleDES, bytes: bytes + bytes[0..<8])
        let iv = Splits.randomBytes(8, using: &generator)
        #expect(try twoKey.encrypt(data, mode: .ecb) == threeKey.encrypt(data, mode: .ecb))
        #expect(try twoKey.encrypt(data, mode: .cbc(iv: iv)) == threeKey.encrypt(data, mode: .cbc(iv: iv)))
    }

    @Test func tripleDESWithEqualHalvesIsSingleDES() throws {
        let single = try CardKey(.des, bytes: [UInt8](hex: "0123456789ABCDEF"))
        let triple = try CardKey(.tripleDES, bytes: [UInt8](hex: "0123456789ABCDEF0123456789ABCDEF"))
        let data = Array("Now is the time for all ".utf8)
        #expect(try single.encrypt(data, mode: .ecb) == triple.encrypt(data, mode: .ecb))
    }

    @Test func roundTripsEveryKeyLengthAndMode() throws {
        var generator = SplitMix64(seed: 3)
        let shapes: [(CardKey.Algorithm, Int)] = [
            (.des, 8), (.tripleDES, 16), (.tripleDES, 24), (.aes, 16), (.aes, 24), (.aes, 32),
        ]
        for (algorithm, length) in shapes {
            let key = try CardKey(algorithm, bytes: Splits.randomBytes(length, using: &generator))
            for blocks in [0, 1, 2, 17] {
                let data = Splits.randomBytes(blocks * key.blockSize, using: &generator)
                let iv = Splits.randomBytes(key.blockSize, using: &generator)
                for mode in [BlockCipherMode.ecb, .cbc(iv: iv)] {
                    let ciphertext = try key.encrypt(data, mode: mode)
                    #expect(ciphertext.count == data.count)
                    #expect(blocks == 0 || ciphertext != data)
                    #expect(try key.decrypt(ciphertext, mode: mode) == data, "\(key) \(mode)")
                }
            }
        }
    }

    @Test func encryptsLongDataInOneCall() throws {
        var generator = SplitMix64(seed: 4)
        let key = try CardKey(.aes, bytes: Splits.randomBytes(16, using: &generator))
        let data = Splits.randomBytes(16 * 4096, using: &generator)
        let iv = [UInt8](repeating: 0, count: 16)
        let whole = try key.encrypt(data, mode: .cbc(iv: iv))
        // CBC chains: encrypting the second half from the last block of the first half continues the stream.
        let half = data.count / 2
        let first = try key.encrypt(Array(data[..<half]), mode: .cbc(iv: iv))
        let second = try key.encrypt(Array(data[half...]), mode: .cbc(iv: Array(first.suffix(16))))
        #expect(whole == first + second)
    }

    @Test func rejectsDataThatIsNotWholeBlocks() throws {
        let des = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16))
        let aes = try CardKey(.aes, bytes: [UInt8](repeating: 0x40, count: 16))
        for count in [1, 7, 9, 15] {
            #expect(throws: CardCryptoError(code: .invalidDataLength, reason: "")) {
                try des.encrypt([UInt8](repeating: 0, count: count), mode: .ecb)
            }
            #expect(throws: CardCryptoError(code: .invalidDataLength, reason: "")) {
                try des.decrypt([UInt8](repeating: 0, count: count), mode: .cbc(iv: [UInt8](repeating: 0, count: 8)))
            }
        }
        for count in [1, 8, 15, 17, 24] {
            #expect(throws: CardCryptoError(code: .invalidDataLength, reason: "")) {
                try aes.encrypt([UInt8](repeating: 0, count: count), mode: .ecb)
            }
        }
    }

    @Test func rejectsIVThatIsNotOneBlock() throws {
        let des = try CardKey(.des, bytes: [UInt8](repeating: 0x40, count: 8))
        let aes = try CardKey(.aes, bytes: [UInt8](repeating: 0x40, count: 32))
        for count in [0, 7, 9, 16] {
            #expect(throws: CardCryptoError(code: .invalidIVLength, reason: "")) {
                try des.encrypt([UInt8](repeating: 0, count: 8), mode: .cbc(iv: [UInt8](repeating: 0, count: count)))
            }
        }
        for count in [0, 8, 15, 17, 32] {
            #expect(throws: CardCryptoError(code: .invalidIVLength, reason: "")) {
                try aes.decrypt([UInt8](repeating: 0, count: 16), mode: .cbc(iv: [UInt8](repeating: 0, count: count)))
            }
        }
    }
}
