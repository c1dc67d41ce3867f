import CardCrypto
import KeyStore
import SecureChannel
import Testing

struct KeyFileTests {
    static let text = """
        key-sets:
          - name: default
            scp: scp03
            security-level: mac
            key-version: 0
            keys: { key: 404142434445464748494A4B4C4D4E4F }
          - name: by-aid
            match: { isd-aid: A000000151000000 }
            scp: scp03
            security-level: mac+enc
            key-version: 0x30
            keys: { algorithm: aes, key: 404142434445464748494A4B4C4D4E4F }
          - name: visa2
            match: { isd-aid: A000000003000000, iin: "420199" }
            scp: scp02
            i: "15"
            security-level: "03"
            key-version: 32
            diversification: visa2
            keys: { key: 404142434445464748494A4B4C4D4E4F }
        """

    @Test func picksTheMostSpecificMatchingKeySet() throws {
        let file = try KeyFile(text: Self.text, path: "keys.yaml")
        #expect(try file.keySet(for: CardIdentity(isdAID: [0xA0, 0, 0, 0x01, 0x51, 0, 0, 0])).name == "by-aid")
        #expect(try file.keySet(for: CardIdentity(isdAID: [0xA0, 0, 0, 0x03, 0, 0, 0, 0])).name == "default")
        let visa = try file.keySet(
            for: CardIdentity(isdAID: [0xA0, 0, 0, 0x00, 0x03, 0, 0, 0], iin: [0x42, 0x01, 0x99])
        )
        #expect(visa.name == "visa2")
        #expect(visa.configuration.scp == .scp02(i: 0x15))
        #expect(visa.configuration.securityLevel == [.commandMAC, .commandEncryption])
        #expect(visa.keys.keyVersion == 0x20)
    }

    /// VISA2 diversification of the GP test master key with KDD 00004181116665F5B830 (kaoh/globalplatform
    /// scp01Test.c, as listed in shared/notes/scp-facts.md section 2): ENC 884017FC…, so its KCV is that key's.
    @Test func diversifiesWithTheCardsKDD() throws {
        let file = try KeyFile(text: Self.text, path: "keys.yaml")
        let kdd: [UInt8] = [0x00, 0x00, 0x41, 0x81, 0x11, 0x66, 0x65, 0xF5, 0xB8, 0x30]
        let card = CardIdentity(
            isdAID: [0xA0, 0, 0, 0x00, 0x03, 0, 0, 0],
            iin: [0x42, 0x01, 0x99],
            keyDiversificationData: kdd
        )
        let keys = try file.keySet(for: card).cardKeys(for: card)
        let expected = try CardKey(
            .tripleDES,
            bytes: [0x88, 0x40, 0x17, 0xFC, 0xA6, 0xEC, 0x4F, 0xF6, 0x38, 0x2A, 0x4E, 0x1A, 0xF8, 0x5A, 0xFA, 0x51]
        )
        #expect(keys.enc == expected)
        #expect(throws: KeyStoreError(.missingCardData, "")) {
            try file.keySet(for: CardIdentity(isdAID: card.isdAID, iin: card.iin)).cardKeys(for: CardIdentity())
        }
    }

    @Test func noMatchAndAmbiguityAreErrors() throws {
        let strict = try KeyFile(
            text: """
                key-sets:
                  - { name: a, match: { iin: "01" }, scp: scp03, security-level: mac, key-version: 1, keys: { key: 404142434445464748494A4B4C4D4E4F } }
                  - { name: b, match: { cin: "02" }, scp: scp03, security-level: mac, key-version: 1, keys: { key: 404142434445464748494A4B4C4D4E4F } }
                """,
            path: "k.yaml"
        )
        #expect(throws: KeyStoreError(.noMatchingKeySet, "")) { try strict.keySet(for: CardIdentity(iin: [0x09])) }
        #expect(throws: KeyStoreError(.ambiguousKeySet, "")) {
            try strict.keySet(for: CardIdentity(iin: [0x01], cin: [0x02]))
        }
    }

    @Test(arguments: [
        ("key-sets: [ { name: x } ]", "missing 'scp'"),
        (
            "key-sets:\n  - { name: x, scp: scp04, security-level: mac, key-version: 1, keys: { key: 00 } }",
            "'scp' must be"
        ),
        (
            "key-sets:\n  - { name: x, scp: scp03, security-level: mac, key-version: 1, keys: { key: 0011223344 } }",
            "not a valid aes key length"
        ),
        (
            "key-sets:\n  - { name: x, scp: scp03, security-level: mac, key-version: 1, keys: { key: ZZ } }",
            "'key' is not hex bytes"
        ),
        (
            "key-sets:\n  - { name: x, scp: scp03, security-level: max, key-version: 1, keys: { key: 00 } }",
            "'security-level' must be"
        ),
        ("key-sets:\n  - { name: x, colour: red }", "unknown key 'colour'"),
        ("nonsense: [", "not valid YAML"),
    ])
    func badFilesAreClearErrorsWithPositions(_ text: String, _ message: String) {
        do {
            _ = try KeyFile(text: text, path: "k.yaml")
            Issue.record("accepted a bad key file")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.description.hasPrefix("k.yaml"))
        }
    }

    @Test func errorsNeverQuoteKeyBytes() {
        let secret = "00112233445566778899AABBCCDDEEFF00"
        do {
            _ = try KeyFile(
                text:
                    "key-sets:\n  - { name: x, scp: scp03, security-level: mac, key-version: 1, keys: { key: \(secret) } }",
                path: "k.yaml"
            )
            Issue.record("accepted a 17-byte AES key")
        } catch {
            #expect(!error.description.contains(secret))
            #expect(!error.description.contains("00112233"))
        }
    }
}
