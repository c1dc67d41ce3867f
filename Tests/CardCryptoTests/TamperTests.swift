import Testing

@testable import CardCrypto

/// Flipping any single bit of the key, the IV or the data changes every MAC and ciphertext.
struct TamperTests {
    private static func flipped(_ bytes: [UInt8], bit: Int) -> [UInt8] {
        var copy = bytes
        copy[bit / 8] ^= 1 << UInt8(bit % 8)
        return copy
    }

    /// Every bit position of `bytes` that is not a DES parity bit (the low bit of each byte), when `skipParity`.
    private static func bits(of bytes: [UInt8], skipParity: Bool) -> [Int] {
        (0..<(bytes.count * 8)).filter { !skipParity || $0 % 8 != 0 }
    }

    @Test func aesCMACChangesWithKeyAndData() throws {
        let keyBytes = try [UInt8](hex: "2B7E151628AED2A6ABF7158809CF4F3C")
        let message = try [UInt8](hex: "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51")
        let tag = try AESCMAC.authenticationCode(for: message, using: CardKey(.aes, bytes: keyBytes))
        for bit in Self.bits(of: keyBytes, skipParity: false) {
            let other = try CardKey(.aes, bytes: Self.flipped(keyBytes, bit: bit))
            #expect(try AESCMAC.authenticationCode(for: message, using: other) != tag, "key bit \(bit)")
        }
        let key = try CardKey(.aes, bytes: keyBytes)
        for bit in Self.bits(of: message, skipParity: false) {
            #expect(try AESCMAC.authenticationCode(for: Self.flipped(message, bit: bit), using: key) != tag)
        }
        #expect(try AESCMAC.authenticationCode(for: message.dropLast(), using: key) != tag)
        #expect(try AESCMAC.authenticationCode(for: message + [0], using: key) != tag)
    }

    @Test func iso9797MACsChangeWithKeyIVAndData() throws {
        let keyBytes = try [UInt8](hex: "D1C28C601652A4770D67AD82D2D2E1C4")
        let iv = try [UInt8](hex: "0102030405060708")
        let message = try [UInt8](hex: "8482010010C7B5CEE99A930235800000")
        let key = try CardKey(.tripleDES, bytes: keyBytes)
        let retail = try RetailMAC.authenticationCode(for: message, using: key, iv: iv)
        let cbc = try CBCMAC.authenticationCode(for: message, using: key, iv: iv)
        // DES ignores the parity bit of every key byte, so only the other 7 bits of each byte must matter.
        for bit in Self.bits(of: keyBytes, skipParity: true) {
            let other = try CardKey(.tripleDES, bytes: Self.flipped(keyBytes, bit: bit))
            #expect(try RetailMAC.authenticationCode(for: message, using: other, iv: iv) != retail, "key bit \(bit)")
            #expect(try CBCMAC.authenticationCode(for: message, using: other, iv: iv) != cbc, "key bit \(bit)")
        }
        for bit in Self.bits(of: iv, skipParity: false) {
            let otherIV = Self.flipped(iv, bit: bit)
            #expect(try RetailMAC.authenticationCode(for: message, using: key, iv: otherIV) != retail)
            #expect(try CBCMAC.authenticationCode(for: message, using: key, iv: otherIV) != cbc)
        }
        for bit in Self.bits(of: message, skipParity: false) {
            let other = Self.flipped(message, bit: bit)
            #expect(try RetailMAC.authenticationCode(for: other, using: key, iv: iv) != retail)
            #expect(try CBCMAC.authenticationCode(for: other, using: key, iv: iv) != cbc)
        }
    }

    @Test func ciphertextChangesWithKeyIVAndData() throws {
        var generator = SplitMix64(seed: 51)
        let shapes: [(CardKey.Algorithm, Int)] = [
            (.des, 8), (.tripleDES, 16), (.tripleDES, 24), (.aes, 16), (.aes, 32),
        ]
        for (algorithm, length) in shapes {
            let keyBytes = Splits.randomBytes(length, using: &generator)
            let key = try CardKey(algorithm, bytes: keyBytes)
            let iv = Splits.randomBytes(key.blockSize, using: &generator)
            let data = Splits.randomBytes(2 * key.blockSize, using: &generator)
            let ciphertext = try key.encrypt(data, mode: .cbc(iv: iv))
            let checkValue = try key.checkValue
            for bit in Self.bits(of: keyBytes, skipParity: algorithm != .aes) {
                let other = try CardKey(algorithm, bytes: Self.flipped(keyBytes, bit: bit))
                #expect(try other.encrypt(data, mode: .cbc(iv: iv)) != ciphertext, "\(key) bit \(bit)")
                #expect(try other.checkValue != checkValue || bit % 8 == 0, "\(key) bit \(bit)")
            }
            for bit in Self.bits(of: iv, skipParity: false) {
                #expect(try key.encrypt(data, mode: .cbc(iv: Self.flipped(iv, bit: bit))) != ciphertext)
            }
            for bit in Self.bits(of: data, skipParity: false) {
                let other = try key.encrypt(Self.flipped(data, bit: bit), mode: .cbc(iv: iv))
                // CBC: a change in block n changes block n and every later one.
                #expect(Array(other.suffix(key.blockSize)) != Array(ciphertext.suffix(key.blockSize)))
            }
        }
    }

    @Test func singleDESKeyIgnoresParityBits() throws {
        let key = try [UInt8](hex: "0123456789ABCDEF")
        let data = Array("Now is t".utf8)
        let ciphertext = try CardKey(.des, bytes: key).encrypt(data, mode: .ecb)
        #expect(try CardKey(.des, bytes: key.map { $0 ^ 1 }).encrypt(data, mode: .ecb) == ciphertext)
    }

    @Test func scp03KDFChangesWithEveryInput() throws {
        let keyBytes = try [UInt8](hex: "404142434445464748494A4B4C4D4E4F")
        let context = try [UInt8](hex: "00010203040506070809")
        let key = try CardKey(.aes, bytes: keyBytes)
        let output = try SCP03KDF.derive(key: key, constant: 4, context: context, lengthInBits: 128)
        #expect(try SCP03KDF.derive(key: key, constant: 6, context: context, lengthInBits: 128) != output)
        #expect(try SCP03KDF.derive(key: key, constant: 4, context: context + [0], lengthInBits: 128) != output)
        // L is part of the input: a 64-bit output is not the prefix of the 128-bit one.
        let short = try SCP03KDF.derive(key: key, constant: 4, context: context, lengthInBits: 64)
        #expect(short != Array(output.prefix(8)))
        for bit in Self.bits(of: keyBytes, skipParity: false) {
            let other = try CardKey(.aes, bytes: Self.flipped(keyBytes, bit: bit))
            #expect(try SCP03KDF.derive(key: other, constant: 4, context: context, lengthInBits: 128) != output)
        }
        for bit in Self.bits(of: context, skipParity: false) {
            let other = Self.flipped(context, bit: bit)
            #expect(try SCP03KDF.derive(key: key, constant: 4, context: other, lengthInBits: 128) != output)
        }
    }
}
