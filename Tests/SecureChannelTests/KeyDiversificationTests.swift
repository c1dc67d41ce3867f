import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Master keys to card static keys: VISA2, EMV CPS 1.1 and KDF3 (scp-facts section 2).
struct KeyDiversificationTests {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        var tcId: Int
        var comment: String
        var diversification: String
        var master: String
        var keyDiversificationData: String
        var enc: String?
        var mac: String?
        var dek: String?
        var checkValueENC: String?
        var checkValueMAC: String?
        var checkValueDEK: String?

        var testDescription: String { "#\(tcId) \(comment)" }
    }

    static func vectors() throws -> [Vector] {
        try VectorFile<Vector>.load("key-diversification-gppro").tests
            + VectorFile<Vector>.load("key-diversification-kaoh-visa2").tests
    }

    /// GlobalPlatformPro `TestPlaintextKeys` and kaoh/globalplatform `mutual_auth_visa2`: full keys and KCVs.
    @Test(arguments: try vectors())
    func derivesPublishedKeys(_ vector: Vector) throws {
        let scheme = try #require(KeyDiversification(rawValue: vector.diversification))
        let master = try CardKey(scheme == .kdf3 ? .aes : .tripleDES, bytes: try bytes(vector.master))
        let keys = try scheme.diversify(
            StaticKeys(sameKey: master, keyVersion: 0x01),
            keyDiversificationData: try bytes(vector.keyDiversificationData)
        )
        #expect(keys.keyVersion == 0x01)
        let derived = [keys.enc, keys.mac, keys.dek]
        for (index, expected) in [vector.enc, vector.mac, vector.dek].enumerated() {
            if let expected {
                #expect(derived[index].revealedKeyBytes.hexString == expected, "key \(index + 1)")
            }
        }
        for (index, expected) in [vector.checkValueENC, vector.checkValueMAC, vector.checkValueDEK].enumerated() {
            if let expected {
                #expect(try derived[index].checkValue.hexString == expected, "check value of key \(index + 1)")
            }
        }
    }

    /// The key check values appear in the debug description, the keys never.
    @Test func describesKeysByCheckValueOnly() throws {
        let master = try CardKey(.tripleDES, bytes: try bytes("404142434445464748494A4B4C4D4E4F"))
        let keys = try KeyDiversification.emvCPS11.diversify(
            StaticKeys(sameKey: master, keyVersion: 0xFF),
            keyDiversificationData: try bytes("00010203040506070809")
        )
        #expect(keys.debugDescription.contains("ENC C33013 MAC 6F4CA6 DEK BB8179"))
        #expect(keys.description == "StaticKeys(KVN FF, 2-key 3DES)")
        for key in [keys.enc, keys.mac, keys.dek] {
            let hex = key.revealedKeyBytes.hexString
            #expect(!keys.description.contains(hex))
            #expect(!keys.debugDescription.contains(hex))
            #expect(!String(reflecting: keys).contains(hex))
            var dumped = ""
            dump(keys, to: &dumped)
            #expect(!dumped.contains(hex))
        }
    }

    /// `none` passes the keys through; the schemes refuse keys of the wrong algorithm and a KDD of the wrong length.
    @Test func rejectsUnfitInputs() throws {
        let des3 = StaticKeys(
            sameKey: try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16)),
            keyVersion: 1
        )
        let aes = StaticKeys(sameKey: try CardKey(.aes, bytes: [UInt8](repeating: 0x40, count: 16)), keyVersion: 1)
        let kdd = [UInt8](repeating: 0, count: 10)
        #expect(try KeyDiversification.none.diversify(aes, keyDiversificationData: []) == aes)
        #expect(throws: SecureChannelError(code: .invalidKeys, reason: "")) {
            try KeyDiversification.kdf3.diversify(des3, keyDiversificationData: kdd)
        }
        #expect(throws: SecureChannelError(code: .invalidKeys, reason: "")) {
            try KeyDiversification.visa2.diversify(aes, keyDiversificationData: kdd)
        }
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            try KeyDiversification.emvCPS11.diversify(des3, keyDiversificationData: [0, 1, 2])
        }
    }
}
