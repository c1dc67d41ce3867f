import Testing

@testable import CardCrypto

/// Key check values from GlobalPlatformPro's TestPlaintextKeys.
struct KeyCheckValueTests {
    /// 3DES KCVs (EMV, VISA2, SCP01 and SCP02 keys) and AES KCVs (KDF3 keys, static SCP03 DEK).
    @Test(arguments: try VectorFile.vectors("key-check-values.json", groupType: "KeyCheckValueTest"))
    func matchesGPProKCV(_ vector: Vector) throws {
        #expect(try vector.key().checkValue.hex == vector.bytes(\.kcv).hex)
    }

    /// GPPro testSessionKeys_SCP03: session keys derived with the SCP03 KDF, checked by their KCVs.
    @Test(arguments: try VectorFile.vectors("key-check-values.json", groupType: "DerivedKeyCheckValueTest"))
    func matchesGPProSCP03SessionKeyKCV(_ vector: Vector) throws {
        let derived = try SCP03KDF.deriveKey(
            from: vector.key(),
            constant: vector.constant(),
            context: vector.bytes(\.context)
        )
        #expect(try derived.checkValue.hex == vector.bytes(\.kcv).hex)
    }

    @Test func singleDESCheckValueEqualsTripleDESWithRepeatedKey() throws {
        let single = try CardKey(.des, bytes: [UInt8](hex: "404142434445464F"))
        let triple = try CardKey(.tripleDES, bytes: [UInt8](hex: "404142434445464F404142434445464F"))
        #expect(try single.checkValue == triple.checkValue)
        #expect(try single.checkValue == single.checkValue(runtime: OpenSSLRuntime(loadingLegacyProvider: false)))
    }

    @Test func checkValueIsThreeBytes() throws {
        for (algorithm, length) in [(CardKey.Algorithm.des, 8), (.tripleDES, 24), (.aes, 24), (.aes, 32)] {
            #expect(try CardKey(algorithm, bytes: [UInt8](repeating: 0x5A, count: length)).checkValue.count == 3)
        }
    }
}
