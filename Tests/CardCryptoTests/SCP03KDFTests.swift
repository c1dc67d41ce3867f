import Testing

@testable import CardCrypto

/// The SCP03 KDF against blaufish's chained vectors, and GPPro's KDF3 diversification built on AES-CMAC.
struct SCP03KDFTests {
    /// blaufish/scp03_kdf_testvectors: L is the length of KeyOut in bits (128 or 256), contexts of 16 or 32 bytes.
    @Test(arguments: try VectorFile.vectors("scp03-kdf-blaufish.json"))
    func matchesBlaufishVector(_ vector: Vector) throws {
        let expected = try vector.bytes(\.out)
        let output = try SCP03KDF.derive(
            key: vector.key(),
            constant: vector.constant(),
            context: vector.bytes(\.context),
            lengthInBits: expected.count * 8
        )
        #expect(output.hex == expected.hex)
    }

    /// Each blaufish line feeds the next: the whole file is one chain from the all-zero key.
    @Test func blaufishVectorsFormOneChain() throws {
        let file = try VectorFile.load("scp03-kdf-blaufish.json")
        let tests = file.testGroups.flatMap(\.tests).sorted { $0.comment.lineNumber < $1.comment.lineNumber }
        #expect(tests.count == 40)
        // Line 1 starts from the all-zero key and context; every later key and context is an earlier output.
        var seen: Set<[UInt8]> = [[UInt8](repeating: 0, count: 16)]
        for test in tests {
            #expect(seen.contains(try [UInt8](hex: test.key ?? "")), "\(test.comment)")
            #expect(seen.contains(try [UInt8](hex: test.context ?? "")), "\(test.comment)")
            seen.insert(try [UInt8](hex: test.out ?? ""))
        }
    }

    /// The block input layout: 00 x 11, constant, 00, L, counter, context, through the incremental CMAC.
    @Test func matchesItsDefinitionThroughAESCMAC() throws {
        var generator = SplitMix64(seed: 21)
        for keyLength in [16, 24, 32] {
            let key = try CardKey(.aes, bytes: Splits.randomBytes(keyLength, using: &generator))
            for bits in [8, 64, 120, 128, 136, 192, 256, 384] {
                let context = Splits.randomBytes(Int.random(in: 0...40, using: &generator), using: &generator)
                let constant = UInt8.random(in: 0...255, using: &generator)
                var expected: [UInt8] = []
                var counter: UInt8 = 1
                while expected.count * 8 < bits {
                    var mac = try AESCMAC(key: key)
                    mac.update([UInt8](repeating: 0, count: 11))
                    mac.update([constant, 0x00, UInt8(bits >> 8), UInt8(bits & 0xFF), counter])
                    mac.update(context)
                    expected += try mac.finalize()
                    counter += 1
                }
                let output = try SCP03KDF.derive(key: key, constant: constant, context: context, lengthInBits: bits)
                #expect(output == Array(expected.prefix(bits / 8)))
            }
        }
    }

    @Test func derivesKeysOfTheSameLength() throws {
        for length in [16, 24, 32] {
            let staticKey = try CardKey(.aes, bytes: (0..<length).map { UInt8(0x40 + $0) })
            let context = try [UInt8](hex: "00010203040506070809")
            let derived = try SCP03KDF.deriveKey(from: staticKey, constant: 0x04, context: context)
            #expect(derived.algorithm == .aes)
            #expect(derived.byteCount == length)
            let bytes = try SCP03KDF.derive(key: staticKey, constant: 0x04, context: context, lengthInBits: length * 8)
            #expect(derived == (try CardKey(.aes, bytes: bytes)))
        }
    }

    @Test func rejectsLengthsItCannotProduce() throws {
        let key = try CardKey(.aes, bytes: [UInt8](repeating: 0x40, count: 16))
        for bits in [0, -8, 1, 7, 65, 255 * 128 + 8, 0x10000] {
            #expect(throws: CardCryptoError(code: .invalidOutputLength, reason: "")) {
                try SCP03KDF.derive(key: key, constant: 4, context: [], lengthInBits: bits)
            }
        }
        #expect(try SCP03KDF.derive(key: key, constant: 4, context: [], lengthInBits: 255 * 128).count == 255 * 16)
    }

    @Test func rejectsNonAESKeys() throws {
        let key = try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16))
        #expect(throws: CardCryptoError(code: .unsupportedAlgorithm, reason: "")) {
            try SCP03KDF.derive(key: key, constant: 4, context: [], lengthInBits: 128)
        }
        #expect(throws: CardCryptoError(code: .unsupportedAlgorithm, reason: "")) {
            try SCP03KDF.deriveKey(from: key, constant: 4, context: [])
        }
    }

    /// GPPro's KDF3 card-key diversification: block i = CMAC(master, i ‖ 00 00 00 k 00 ‖ KDD), fed in pieces.
    @Test(arguments: try VectorFile.vectors("gppro-plaintext-keys.json", groupType: "Kdf3Test"))
    func gpproKDF3DiversificationThroughAESCMAC(_ vector: Vector) throws {
        let master = try vector.key()
        let kdd = try vector.bytes(\.context)
        let expected = try vector.bytes(\.out)
        var output: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < master.byteCount {
            var mac = try AESCMAC(key: master)
            mac.update([counter])
            mac.update([0, 0, 0, try vector.constant(), 0])
            mac.update(kdd)
            output += try mac.finalize()
            counter += 1
        }
        #expect(Array(output.prefix(master.byteCount)).hex == expected.hex)
    }
}

extension String {
    /// The number after "line " in a blaufish vector comment.
    fileprivate var lineNumber: Int {
        let words = split(separator: " ")
        guard let index = words.firstIndex(of: "line"), index + 1 < words.count else {
            return 0
        }
        return Int(words[index + 1].prefix { $0.isNumber }) ?? 0
    }
}
