import Testing

@testable import CardCrypto

/// ISO/IEC 9797-1 MAC algorithms 1 (CBC-MAC) and 3 (retail MAC) on pre-padded input.
struct ISO9797MACTests {
    static func algorithm1() throws -> [Vector] {
        try VectorFile.vectors("iso9797-1-mac-algorithm-1.json")
    }

    static func algorithm3() throws -> [Vector] {
        try VectorFile.vectors("iso9797-1-mac-algorithm-3.json")
    }

    /// The algorithm 3 vectors with a correct tag (not tampered, not an error case).
    static func validAlgorithm3() throws -> [Vector] {
        try algorithm3().filter { $0.isValid && $0.test.error == nil }
    }

    /// The message as the MAC takes it: padded with method 2 where the group says the caller pads.
    private static func message(_ vector: Vector) throws -> [UInt8] {
        let message = try vector.bytes(\.msg)
        return vector.group.padding == "iso9797-1-method-2" ? Padding.iso9797Method2(message, blockSize: 8) : message
    }

    // MARK: Algorithm 1

    /// FIPS 113 (DES) and keycard-go's SCP02 card cryptogram (triple DES).
    @Test(arguments: try algorithm1())
    func cbcMACMatchesKnownAnswer(_ vector: Vector) throws {
        let tag = try CBCMAC.authenticationCode(for: Self.message(vector), using: vector.key(), iv: vector.bytes(\.iv))
        #expect(constantTimeEquals(tag, try vector.bytes(\.tag)) == vector.isValid)
    }

    @Test(arguments: try algorithm1().filter(\.isValid))
    func cbcMACMatchesKnownAnswerInPieces(_ vector: Vector) throws {
        let key = try vector.key()
        let iv = try vector.bytes(\.iv)
        let expected = try vector.bytes(\.tag)
        let message = try Self.message(vector)
        for split in Splits.of(message, seed: UInt64(vector.test.tcId)) {
            var mac = try CBCMAC(key: key, iv: iv)
            for piece in split {
                mac.update(piece)
            }
            #expect(try mac.finalize() == expected, "pieces \(split.map(\.count))")
        }
    }

    @Test(arguments: try algorithm1().filter(\.isValid))
    func cbcMACWithoutLegacyProviderMatches(_ vector: Vector) throws {
        let runtime = OpenSSLRuntime(loadingLegacyProvider: false)
        var mac = try CBCMAC(key: vector.key(), iv: vector.bytes(\.iv), runtime: runtime)
        mac.update(try Self.message(vector))
        #expect(try mac.finalize() == vector.bytes(\.tag))
    }

    @Test func cbcMACIsTheLastCBCBlock() throws {
        var generator = SplitMix64(seed: 11)
        for length in [8, 16, 24] {
            let key = try CardKey(length == 8 ? .des : .tripleDES, bytes: Splits.randomBytes(length, using: &generator))
            let iv = Splits.randomBytes(8, using: &generator)
            let data = Splits.randomBytes(8 * 33, using: &generator)
            let ciphertext = try key.encrypt(data, mode: .cbc(iv: iv))
            #expect(try CBCMAC.authenticationCode(for: data, using: key, iv: iv) == Array(ciphertext.suffix(8)))
        }
    }

    @Test func cbcMACRejectsUnpaddedOrEmptyInput() throws {
        let key = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16))
        let iv = [UInt8](repeating: 0, count: 8)
        for count in [0, 1, 7, 9, 15, 17] {
            #expect(throws: CardCryptoError(code: .invalidDataLength, reason: "")) {
                try CBCMAC.authenticationCode(for: [UInt8](repeating: 0, count: count), using: key, iv: iv)
            }
        }
    }

    @Test func cbcMACRejectsAESKeysAndBadIVs() throws {
        let aes = try CardKey(.aes, bytes: [UInt8](repeating: 0x40, count: 16))
        #expect(throws: CardCryptoError(code: .unsupportedAlgorithm, reason: "")) {
            _ = try CBCMAC(key: aes, iv: [UInt8](repeating: 0, count: 8))
        }
        let des = try CardKey(.des, bytes: [UInt8](repeating: 0x40, count: 8))
        for count in [0, 7, 9, 16] {
            #expect(throws: CardCryptoError(code: .invalidIVLength, reason: "")) {
                _ = try CBCMAC(key: des, iv: [UInt8](repeating: 0, count: count))
            }
        }
    }

    // MARK: Algorithm 3

    /// skythen's TestMacDESFinalTDES and keycard-go's TestMacFull3DES.
    @Test(arguments: try algorithm3())
    func retailMACMatchesKnownAnswer(_ vector: Vector) throws {
        let key = try vector.key()
        let iv = try vector.bytes(\.iv)
        let message = try Self.message(vector)
        if vector.test.error == "invalidDataLength" {
            #expect(throws: CardCryptoError(code: .invalidDataLength, reason: "")) {
                try RetailMAC.authenticationCode(for: message, using: key, iv: iv)
            }
            return
        }
        let tag = try RetailMAC.authenticationCode(for: message, using: key, iv: iv)
        #expect(constantTimeEquals(tag, try vector.bytes(\.tag)) == vector.isValid)
    }

    @Test(arguments: try validAlgorithm3())
    func retailMACMatchesKnownAnswerInPieces(_ vector: Vector) throws {
        let key = try vector.key()
        let iv = try vector.bytes(\.iv)
        let expected = try vector.bytes(\.tag)
        let message = try Self.message(vector)
        for split in Splits.of(message, seed: UInt64(vector.test.tcId)) {
            var mac = try RetailMAC(key: key, iv: iv)
            for piece in split {
                mac.update(piece)
            }
            #expect(try mac.finalize() == expected, "pieces \(split.map(\.count))")
        }
    }

    @Test(arguments: try validAlgorithm3())
    func retailMACWithoutLegacyProviderMatches(_ vector: Vector) throws {
        let runtime = OpenSSLRuntime(loadingLegacyProvider: false)
        var mac = try RetailMAC(key: vector.key(), iv: vector.bytes(\.iv), runtime: runtime)
        mac.update(try Self.message(vector))
        #expect(try mac.finalize() == vector.bytes(\.tag))
    }

    /// The definition: single-DES CBC with K1 over all blocks but the last, then triple DES on the last.
    @Test func retailMACFollowsItsDefinitionAtEveryLength() throws {
        var generator = SplitMix64(seed: 12)
        for keyLength in [16, 24] {
            let key = try CardKey(.tripleDES, bytes: Splits.randomBytes(keyLength, using: &generator))
            let firstKey = try key.firstDESKey()
            for blocks in 1...40 {
                let iv = Splits.randomBytes(8, using: &generator)
                let data = Splits.randomBytes(8 * blocks, using: &generator)
                var chaining = iv
                if blocks > 1 {
                    chaining = Array(try firstKey.encrypt(Array(data.dropLast(8)), mode: .cbc(iv: iv)).suffix(8))
                }
                let last = zip(data.suffix(8), chaining).map { $0 ^ $1 }
                let expected = try key.encrypt(last, mode: .ecb)
                #expect(try RetailMAC.authenticationCode(for: data, using: key, iv: iv) == expected)
                for split in Splits.of(data, seed: UInt64(blocks), randomCount: 4) {
                    var mac = try RetailMAC(key: key, iv: iv)
                    for piece in split {
                        mac.update(piece)
                    }
                    #expect(try mac.finalize() == expected, "pieces \(split.map(\.count))")
                }
            }
        }
    }

    @Test func retailMACRejectsUnpaddedOrEmptyInput() throws {
        let key = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16))
        let iv = [UInt8](repeating: 0, count: 8)
        for count in [0, 1, 7, 9, 15, 17] {
            #expect(throws: CardCryptoError(code: .invalidDataLength, reason: "")) {
                try RetailMAC.authenticationCode(for: [UInt8](repeating: 0, count: count), using: key, iv: iv)
            }
            var mac = try RetailMAC(key: key, iv: iv)
            for _ in 0..<count {
                mac.update([0])
            }
            do throws(CardCryptoError) {
                _ = try mac.finalize()
                Issue.record("\(count) bytes were accepted")
            } catch {
                #expect(error.code == .invalidDataLength)
            }
        }
    }

    @Test func retailMACRejectsNonTripleDESKeysAndBadIVs() throws {
        let zeroIV = [UInt8](repeating: 0, count: 8)
        for key in [
            try CardKey(.des, bytes: [UInt8](repeating: 0x40, count: 8)),
            try CardKey(.aes, bytes: [UInt8](repeating: 0x40, count: 16)),
        ] {
            #expect(throws: CardCryptoError(code: .unsupportedAlgorithm, reason: "")) {
                _ = try RetailMAC(key: key, iv: zeroIV)
            }
        }
        let key = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16))
        for count in [0, 7, 9, 16] {
            #expect(throws: CardCryptoError(code: .invalidIVLength, reason: "")) {
                _ = try RetailMAC(key: key, iv: [UInt8](repeating: 0, count: count))
            }
        }
    }
}
