import Testing

@testable import CardCrypto

/// Key lengths, redaction, equality and access to the bytes.
struct CardKeyTests {
    @Test func acceptsOnlyTheAlgorithmsKeyLengths() throws {
        let allowed: [CardKey.Algorithm: Set<Int>] = [.des: [8], .tripleDES: [16, 24], .aes: [16, 24, 32]]
        for (algorithm, lengths) in allowed {
            for length in 0...40 {
                let bytes = [UInt8](repeating: 0x41, count: length)
                if lengths.contains(length) {
                    let key = try CardKey(algorithm, bytes: bytes)
                    #expect(key.byteCount == length)
                    #expect(key.algorithm == algorithm)
                } else {
                    #expect(throws: CardCryptoError(code: .invalidKeyLength, reason: "")) {
                        try CardKey(algorithm, bytes: bytes)
                    }
                }
            }
        }
    }

    @Test func namesKeysWithoutTheirBytes() throws {
        let cases: [(CardKey.Algorithm, Int, String)] = [
            (.des, 8, "DES"), (.tripleDES, 16, "2-key 3DES"), (.tripleDES, 24, "3-key 3DES"),
            (.aes, 16, "AES-128"), (.aes, 24, "AES-192"), (.aes, 32, "AES-256"),
        ]
        var generator = SplitMix64(seed: 31)
        for (algorithm, length, name) in cases {
            let bytes = Splits.randomBytes(length, using: &generator)
            let key = try CardKey(algorithm, bytes: bytes)
            #expect(key.name == name)
            #expect(key.description == "\(name) key")
            #expect(key.debugDescription == "CardKey(\(name), KCV \(try key.checkValue.hex))")
            var dumped = ""
            dump(key, to: &dumped)
            for text in [
                key.description, key.debugDescription, String(describing: key), String(reflecting: key), dumped,
                "\(key)",
            ] {
                #expect(!text.uppercased().contains(bytes.hex), "\(text)")
                #expect(!text.contains(bytes.map { String($0) }.joined(separator: ", ")), "\(text)")
                #expect(!text.contains("0x"), "\(text)")
            }
        }
    }

    @Test func doesNotPrintTheWellKnownTestKey() throws {
        let bytes = try [UInt8](hex: "404142434445464748494A4B4C4D4E4F")
        let key = try CardKey(.aes, bytes: bytes)
        #expect(key.description == "AES-128 key")
        #expect(!"\(key) \(String(reflecting: key))".contains("404142"))
        #expect(!"\([key])".contains("404142"))
    }

    @Test func comparesAlgorithmAndBytes() throws {
        let bytes = try [UInt8](hex: "404142434445464748494A4B4C4D4E4F")
        let aes = try CardKey(.aes, bytes: bytes)
        #expect(aes == (try CardKey(.aes, bytes: bytes)))
        #expect(aes != (try CardKey(.tripleDES, bytes: bytes)))
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 0x80
            #expect(aes != (try CardKey(.aes, bytes: changed)))
        }
        #expect(aes != (try CardKey(.aes, bytes: bytes + bytes[0..<8])))
        let set: Set<CardKey> = [aes, try CardKey(.aes, bytes: bytes), try CardKey(.tripleDES, bytes: bytes)]
        #expect(set.count == 2)
    }

    @Test func givesItsBytesOnlyWhenAskedByName() throws {
        let bytes = try [UInt8](hex: "0123456789ABCDEFFEDCBA9876543210")
        let key = try CardKey(.tripleDES, bytes: bytes)
        #expect(key.revealedKeyBytes == bytes)
        #expect(key.withUnsafeKeyBytes { Array($0) } == bytes)
        #expect(key.blockSize == 8)
        #expect(try CardKey(.aes, bytes: bytes).blockSize == 16)
    }

    @Test func copiesTheCallersBytes() throws {
        var bytes = try [UInt8](hex: "0123456789ABCDEF")
        let key = try CardKey(.des, bytes: bytes)
        bytes[0] = 0xFF
        #expect(key.revealedKeyBytes == (try [UInt8](hex: "0123456789ABCDEF")))
        #expect(try CardKey(.des, bytes: bytes[0..<8]) != key)
    }

    @Test func splitsOffTheFirstDESKey() throws {
        let triple = try CardKey(.tripleDES, bytes: [UInt8](hex: "5B02E75AD63190AECE0622936F11ABAB"))
        let first = try triple.firstDESKey()
        #expect(first == (try CardKey(.des, bytes: [UInt8](hex: "5B02E75AD63190AE"))))
        #expect(try first.firstDESKey() == first)
        #expect(throws: CardCryptoError(code: .unsupportedAlgorithm, reason: "")) {
            try CardKey(.aes, bytes: [UInt8](repeating: 0, count: 16)).firstDESKey()
        }
    }

    @Test func isSendableAcrossTasks() async throws {
        let key = try CardKey(.aes, bytes: [UInt8](repeating: 0x2B, count: 16))
        let value = try await Task.detached { try key.checkValue }.value
        #expect(try value == key.checkValue)
    }
}

/// The constant-time comparison helper.
struct ConstantTimeTests {
    @Test func comparesLengthAndBytes() {
        #expect(constantTimeEquals([UInt8](), [UInt8]()))
        #expect(constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!constantTimeEquals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!constantTimeEquals([0x80] as [UInt8], [0x00] as [UInt8]))
        let bytes: [UInt8] = Array(0...255)
        #expect(constantTimeEquals(bytes[8..<16], Array(8..<16) as [UInt8]))
        #expect(constantTimeEquals(bytes.lazy.map { $0 }, bytes))
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 1
            #expect(!constantTimeEquals(bytes, changed))
        }
    }
}
