import Testing

@testable import CardCrypto

/// Provider loading and the single-DES fallback.
struct OpenSSLRuntimeTests {
    /// Debian's libssl3 ships the legacy provider, so the shared runtime uses real single DES.
    @Test func sharedRuntimeUsesTheLegacyProvider() {
        #expect(OpenSSLRuntime.shared.desBackend == .legacyProvider)
    }

    @Test func runtimeWithoutLegacyProviderFallsBackToTripleDES() throws {
        let runtime = OpenSSLRuntime(loadingLegacyProvider: false)
        #expect(runtime.desBackend == .tripleDESWithRepeatedKey)
        #expect(throws: CardCryptoError(code: .openSSLFailure, reason: "")) {
            try runtime.evpCipher(.desECB)
        }
        for cipher in Cipher.allCases where cipher != .desECB && cipher != .desCBC {
            _ = try runtime.evpCipher(cipher)
        }
        for length in [16, 24, 32] {
            var mac = try AESCMAC(key: CardKey(.aes, bytes: [UInt8](repeating: 0, count: length)), runtime: runtime)
            mac.update([1, 2, 3])
            #expect(try mac.finalize() == AESCMAC.authenticationCode(for: [1, 2, 3], using: mac0(length)))
        }
    }

    private func mac0(_ length: Int) throws -> CardKey {
        try CardKey(.aes, bytes: [UInt8](repeating: 0, count: length))
    }

    /// Single DES through either backend gives the same bytes for ECB, CBC, CBC-MAC and KCV.
    @Test func bothSingleDESBackendsAgree() throws {
        let legacy = OpenSSLRuntime(loadingLegacyProvider: true)
        let fallback = OpenSSLRuntime(loadingLegacyProvider: false)
        #expect(legacy.desBackend == .legacyProvider)
        var generator = SplitMix64(seed: 61)
        for _ in 0..<50 {
            let key = try CardKey(.des, bytes: Splits.randomBytes(8, using: &generator))
            let iv = Splits.randomBytes(8, using: &generator)
            let data = Splits.randomBytes(8 * Int.random(in: 1...8, using: &generator), using: &generator)
            for mode in [BlockCipherMode.ecb, .cbc(iv: iv)] {
                for encrypting in [true, false] {
                    #expect(
                        try key.crypt(data, mode: mode, encrypting: encrypting, runtime: legacy)
                            == key.crypt(data, mode: mode, encrypting: encrypting, runtime: fallback)
                    )
                }
            }
            var legacyMAC = try CBCMAC(key: key, iv: iv, runtime: legacy)
            var fallbackMAC = try CBCMAC(key: key, iv: iv, runtime: fallback)
            legacyMAC.update(data)
            fallbackMAC.update(data)
            #expect(try legacyMAC.finalize() == fallbackMAC.finalize())
            #expect(try key.checkValue(runtime: legacy) == key.checkValue(runtime: fallback))

            let tripleKey = try CardKey(.tripleDES, bytes: Splits.randomBytes(16, using: &generator))
            var legacyRetail = try RetailMAC(key: tripleKey, iv: iv, runtime: legacy)
            var fallbackRetail = try RetailMAC(key: tripleKey, iv: iv, runtime: fallback)
            legacyRetail.update(data)
            fallbackRetail.update(data)
            #expect(try legacyRetail.finalize() == fallbackRetail.finalize())
        }
    }
}

/// The error type: equality by code, messages without secrets.
struct CardCryptoErrorTests {
    @Test func comparesByCodeOnly() {
        let first = CardCryptoError(code: .invalidPadding, reason: "one")
        let second = CardCryptoError(code: .invalidPadding, reason: "two", file: "Elsewhere.swift", line: 1)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != CardCryptoError(code: .invalidDataLength, reason: "one"))
    }

    @Test func describesTheProblemAndWhereItWasMade() throws {
        do {
            _ = try CardKey(.aes, bytes: [UInt8](repeating: 0x42, count: 20))
            Issue.record("a 20-byte AES key was accepted")
        } catch {
            #expect(error.code == .invalidKeyLength)
            #expect(error.description == "invalid key length: AES keys are 16, 24 or 32 bytes long, not 20")
            #expect(error.debugDescription.hasPrefix("CardCryptoError.invalidKeyLength: AES keys"))
            #expect(error.debugDescription.contains("CardCrypto/CardKey.swift:"))
            #expect(!error.description.contains("42"))
        }
    }

    @Test func neverShowsKeyOrDataBytes() throws {
        let key = try CardKey(.tripleDES, bytes: [UInt8](hex: "404142434445464748494A4B4C4D4E4F"))
        let data = try [UInt8](hex: "5A5A5A5A5A5A5A5A5A")
        var messages: [String] = []
        do {
            _ = try key.encrypt(data, mode: .ecb)
        } catch {
            messages.append(error.description + error.debugDescription)
        }
        do {
            _ = try RetailMAC.authenticationCode(for: data, using: key, iv: [UInt8](repeating: 0, count: 8))
        } catch {
            messages.append(error.description + error.debugDescription)
        }
        do {
            _ = try Padding.removeISO9797Method2(Array(data.prefix(8)), blockSize: 8)
        } catch {
            messages.append(error.description + error.debugDescription)
        }
        #expect(messages.count == 3)
        for message in messages {
            #expect(!message.contains("4041"))
            #expect(!message.contains("5A5A"))
        }
    }

    @Test func codesHaveNames() {
        let codes: [CardCryptoError.Code] = [
            .invalidKeyLength, .invalidDataLength, .invalidIVLength, .invalidPadding, .invalidOutputLength,
            .unsupportedAlgorithm, .openSSLFailure,
        ]
        #expect(Set(codes.map(\.description)).count == codes.count)
        #expect(CardCryptoError.Code.openSSLFailure.description == "openSSLFailure")
    }
}
