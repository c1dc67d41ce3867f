import APDUTypes
import CardCrypto
import Testing

@testable import SecureChannel

/// Session keys, key encryption and the primitives under them (scp-facts section 2).
struct SessionKeyTests {
    struct SessionKeyVector: Decodable, Sendable {
        var tcId: Int
        var comment: String
        var `protocol`: Int
        var `static`: String
        var hostChallenge: String?
        var cardChallenge: String?
        var sequenceCounter: String?
        var context: String?
        var sessionENC: String?
        var sessionMAC: String?
        var sessionRMAC: String?
        var sessionDEK: String?
        var checkValueSessionENC: String?
        var checkValueSessionMAC: String?
        var checkValueSessionRMAC: String?
        var checkValueSessionDEK: String?
        var checkValueDEK: String?
    }

    /// GlobalPlatformPro `TestPlaintextKeys`: SCP01, SCP02 and SCP03 session keys and their KCVs.
    @Test func derivesGlobalPlatformProSessionKeys() throws {
        for vector in try VectorFile<SessionKeyVector>.load("session-keys-gppro-plaintext-keys").tests {
            let aes = vector.protocol == 3
            let keys = StaticKeys(sameKey: try cardKey(vector.static, aes: aes), keyVersion: 0)
            let session: SessionKeys
            switch vector.protocol {
            case 1:
                session = try SCP01.sessionKeys(
                    keys,
                    hostChallenge: try bytes(vector.hostChallenge ?? ""),
                    cardChallenge: try bytes(vector.cardChallenge ?? "")
                )
            case 2:
                session = try SCP02.sessionKeys(
                    keys,
                    sequenceCounter: try bytes(vector.sequenceCounter ?? ""),
                    option: SCP02.Option(rawValue: 0x15)
                )
            default:
                session = try SCP03.sessionKeys(keys, hostChallenge: try bytes(vector.context ?? ""), cardChallenge: [])
            }
            let comment = Comment(rawValue: vector.comment)
            if let value = vector.sessionENC {
                #expect(session.enc.revealedKeyBytes.hexString == value, comment)
            }
            if let value = vector.sessionMAC {
                #expect(session.mac.revealedKeyBytes.hexString == value, comment)
            }
            if let value = vector.sessionRMAC {
                #expect(session.rmac?.revealedKeyBytes.hexString == value, comment)
            }
            if let value = vector.sessionDEK {
                #expect(session.dek.revealedKeyBytes.hexString == value, comment)
            }
            if let value = vector.checkValueSessionENC {
                #expect(try session.enc.checkValue.hexString == value, comment)
            }
            if let value = vector.checkValueSessionMAC {
                #expect(try session.mac.checkValue.hexString == value, comment)
            }
            if let value = vector.checkValueSessionRMAC {
                #expect(try session.rmac?.checkValue.hexString == value, comment)
            }
            if let value = vector.checkValueSessionDEK {
                #expect(try session.dek.checkValue.hexString == value, comment)
            }
            if let value = vector.checkValueDEK {
                #expect(try session.dek.checkValue.hexString == value, comment)
            }
        }
    }

    struct PutKeyVector: Decodable, Sendable {
        var tcId: Int
        var comment: String
        var `protocol`: Int
        var `static`: String
        var sequenceCounter: String?
        var newKey: String
        var encryptedKey: String
        var checkValue: String
        var keyBlock: String
    }

    /// GlobalPlatformPro `testKeyEncryption_SCP02` (session DEK) and `testKeyEncryption_SCP01` (static DEK).
    @Test func buildsPutKeyBlocksForTripleDESKeys() throws {
        for vector in try VectorFile<PutKeyVector>.load("put-key-gppro").tests {
            let keys = StaticKeys(sameKey: try cardKey(vector.static, aes: false), keyVersion: 0)
            let newKey = try cardKey(vector.newKey, aes: false)
            var session: SecureChannelSession
            if vector.protocol == 2 {
                // Implicit initiation is the one way to a session with a chosen sequence counter.
                session = try SecureChannelSession(
                    implicitInitiation: keys,
                    configuration: .init(scp: .scp02(i: 0x1B), securityLevel: .commandMAC),
                    sequenceCounter: try bytes(vector.sequenceCounter ?? ""),
                    aid: try #require(ApplicationIdentifier(hex: "A000000151000000"))
                )
            } else {
                let trace = try TraceCase.named("trace-scp01-gppro-scp01-auth-dump").vector
                session = try TraceReplay.authenticate(trace)
            }
            #expect(
                try session.putKeyBlock(newKey: newKey).hexString == vector.keyBlock,
                Comment(rawValue: vector.comment)
            )
            #expect(
                try session.encryptSensitiveData(try bytes(vector.newKey)).hexString == vector.encryptedKey,
                Comment(rawValue: vector.comment)
            )
        }
    }

    struct SCP03PutKeyVector: Decodable, Sendable {
        var tcId: Int
        var comment: String
        var newKey: String
        var staticDEK: String
        var keyBlock: String
    }

    /// AES keys under the SCP03 static DEK (generated with Python `cryptography`, see Vectors/README.md).
    @Test func buildsPutKeyBlocksForAESKeys() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-03").vector
        for vector in try VectorFile<SCP03PutKeyVector>.load("put-key-scp03-generated").tests {
            #expect(vector.staticDEK == trace.staticDEK)
            let session = try TraceReplay.authenticate(trace)
            let newKey = try cardKey(vector.newKey, aes: true)
            #expect(
                try session.putKeyBlock(newKey: newKey).hexString == vector.keyBlock,
                Comment(rawValue: vector.comment)
            )
        }
    }

    struct PrimitiveVector: Decodable, Sendable {
        var tcId: Int
        var comment: String
        var `static`: String?
        var sequenceCounter: String?
        var sessionENC: String?
        var sessionMAC: String?
        var hostChallenge: String?
        var sequenceCounterAndCardChallenge: String?
        var cardCryptogram: String?
        var message: String?
        var mac: String?
    }

    /// status-im/keycard-go: SCP02 S-ENC derivation, card cryptogram and EXTERNAL AUTHENTICATE C-MAC.
    @Test func matchesKeycardGoSCP02Primitives() throws {
        let vectors = try VectorFile<PrimitiveVector>.load("scp02-primitives-keycard-go").tests
        let derivation = try #require(vectors.first { $0.tcId == 1 })
        let keys = StaticKeys(sameKey: try cardKey(try #require(derivation.static), aes: false), keyVersion: 0)
        let session = try SCP02.sessionKeys(
            keys,
            sequenceCounter: try bytes(try #require(derivation.sequenceCounter)),
            option: SCP02.Option(rawValue: 0x15)
        )
        #expect(session.enc.revealedKeyBytes.hexString == derivation.sessionENC)

        let cryptogram = try #require(vectors.first { $0.tcId == 2 })
        let counterAndChallenge = try bytes(try #require(cryptogram.sequenceCounterAndCardChallenge))
        let encKey = try cardKey(try #require(cryptogram.sessionENC), aes: false)
        let card = try SCP02.cardCryptogram(
            SessionKeys(enc: encKey, mac: encKey, rmac: nil, dek: encKey),
            hostChallenge: try bytes(try #require(cryptogram.hostChallenge)),
            sequenceCounter: Array(counterAndChallenge[0..<2]),
            cardChallenge: Array(counterAndChallenge[2...])
        )
        #expect(card.hexString == cryptogram.cardCryptogram)

        let mac = try #require(vectors.first { $0.tcId == 3 })
        let macKey = try cardKey(try #require(mac.sessionMAC), aes: false)
        #expect(try Primitives.retailMAC(try bytes(try #require(mac.message)), key: macKey).hexString == mac.mac)
    }

    struct MACVector: Decodable, Sendable {
        var tcId: Int
        var key: String
        var message: String?
        var paddedMessage: String?
        var mac: String
    }

    /// NIST SP 800-38B AES-CMAC examples, also fed in pieces as the SCP03 chain feeds them.
    @Test func computesAESCMAC() throws {
        for vector in try VectorFile<MACVector>.load("primitives-aes-cmac-nist").tests {
            let key = try cardKey(vector.key, aes: true)
            let message = try bytes(try #require(vector.message))
            #expect(try Primitives.cmac(message, key: key).hexString == vector.mac)
            for split in 0...message.count {
                let pieces = try Primitives.cmac(Array(message[..<split]), Array(message[split...]), key: key)
                #expect(pieces.hexString == vector.mac, "split at \(split)")
            }
        }
    }

    /// skythen/gobalplatform retail MAC vectors (already padded, so the last padding block is removed first).
    @Test func computesRetailMAC() throws {
        for vector in try VectorFile<MACVector>.load("primitives-retail-mac-skythen").tests {
            let key = try cardKey(vector.key, aes: false)
            let padded = try bytes(try #require(vector.paddedMessage))
            let marker = try #require(padded.lastIndex(of: 0x80))
            let message = Array(padded[..<marker])
            #expect(try Primitives.retailMAC(message, key: key).hexString == vector.mac)
        }
    }

    struct KDFVector: Decodable, Sendable {
        var tcId: Int
        var key: String
        var constant: String
        var context: String
        var lengthInBits: Int
        var output: String
    }

    /// blaufish/scp03_kdf_testvectors: the SCP03 KDF chain as this module calls it.
    @Test func derivesSCP03KDFChain() throws {
        for vector in try VectorFile<KDFVector>.load("scp03-kdf-blaufish").tests {
            let output = try Primitives.scp03KDF(
                key: try cardKey(vector.key, aes: true),
                constant: try byte(vector.constant),
                context: try bytes(vector.context),
                lengthInBits: vector.lengthInBits
            )
            #expect(output.hexString == vector.output, "line \(vector.tcId)")
        }
    }
}
