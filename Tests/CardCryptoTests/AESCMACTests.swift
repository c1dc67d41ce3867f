import Testing

@testable import CardCrypto

/// AES-CMAC against RFC 4493 and SP 800-38B, whole and in pieces.
struct AESCMACTests {
    static func vectors() throws -> [Vector] {
        try VectorFile.vectors("aes-cmac-rfc4493-sp800-38b.json")
    }

    /// RFC 4493 section 4 examples 1-4 and SP 800-38B D.1-D.3 examples 1-12, one shot.
    @Test(arguments: try vectors())
    func matchesKnownAnswer(_ vector: Vector) throws {
        let tag = try AESCMAC.authenticationCode(for: vector.bytes(\.msg), using: vector.key())
        #expect(constantTimeEquals(tag, try vector.bytes(\.tag)) == vector.isValid)
    }

    /// The same examples fed whole, byte by byte and at random split points through the incremental API.
    @Test(arguments: try vectors().filter(\.isValid))
    func matchesKnownAnswerInPieces(_ vector: Vector) throws {
        let key = try vector.key()
        let message = try vector.bytes(\.msg)
        let expected = try vector.bytes(\.tag)
        for split in Splits.of(message, seed: UInt64(vector.test.tcId)) {
            var mac = try AESCMAC(key: key)
            for piece in split {
                mac.update(piece)
            }
            #expect(try mac.finalize() == expected, "pieces \(split.map(\.count))")
        }
    }

    /// A sequence without contiguous storage takes the copying path.
    @Test(arguments: try vectors().filter(\.isValid))
    func acceptsNonContiguousSequences(_ vector: Vector) throws {
        let message = try vector.bytes(\.msg)
        var mac = try AESCMAC(key: vector.key())
        mac.update(message.lazy.map { $0 })
        mac.update(AnySequence<UInt8>([]))
        #expect(try mac.finalize() == vector.bytes(\.tag))
    }

    @Test func rejectsNonAESKeys() throws {
        for key in [
            try CardKey(.des, bytes: [UInt8](repeating: 1, count: 8)),
            try CardKey(.tripleDES, bytes: [UInt8](repeating: 1, count: 16)),
            try CardKey(.tripleDES, bytes: [UInt8](repeating: 1, count: 24)),
        ] {
            #expect(throws: CardCryptoError(code: .unsupportedAlgorithm, reason: "")) {
                try AESCMAC.authenticationCode(for: [1, 2, 3], using: key)
            }
        }
    }

    @Test func isAlwaysSixteenBytes() throws {
        let key = try CardKey(.aes, bytes: [UInt8](repeating: 7, count: 24))
        for count in [0, 1, 15, 16, 17, 255, 4096] {
            #expect(try AESCMAC.authenticationCode(for: [UInt8](repeating: 0xA5, count: count), using: key).count == 16)
        }
    }
}
