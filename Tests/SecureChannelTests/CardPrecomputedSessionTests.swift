import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Whole sessions computed ahead of time, with no card: SCP03 pseudo-random card challenges and SCP02
/// implicit initiation, where the card's side follows from its keys, counter and AID alone.
struct CardPrecomputedSessionTests {
    /// osmocom/pysim's AES-128 test keys (`SCP03_Test_AES128_*`, key version 30) for the sysmoEUICC1-C2T ISD-R.
    static func pySimKeys() throws -> StaticKeys {
        StaticKeys(
            enc: try cardKey("000102030405060708090A0B0C0D0E0F", aes: true),
            mac: try cardKey("101112131415161718191A1B1C1D1E1F", aes: true),
            dek: try cardKey("202122232425262728292A2B2C2D2E2F", aes: true),
            keyVersion: 0x30
        )
    }

    static let pySimAID = "A0000005591010FFFFFFFF8900000100"

    /// The card's INITIALIZE UPDATE response for SCP03 i=70, built from the keys, the sequence counter and
    /// the ISD-R AID only, is pySim's recorded response byte for byte (scp-facts gotcha 8: counters 000001,
    /// 000002 and 000003 for levels 03, 11 and 33); a host that checks pseudo-random challenges accepts it,
    /// and every command verifies on the card.
    @Test(arguments: [("03", 0x01), ("11", 0x02), ("33", 0x03)] as [(String, UInt8)])
    func pseudoRandomResponseMatchesPySim(_ level: String, _ counter: UInt8) throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-\(level)").vector
        let aid = try #require(ApplicationIdentifier(hex: Self.pySimAID))
        var host = try SecureChannelSession(
            keys: try Self.pySimKeys(),
            configuration: .init(
                scp: .scp03,
                securityLevel: SecurityLevel(rawValue: try byte(level)),
                securityDomainAID: aid
            ),
            hostChallenge: try bytes(trace.hostChallenge)
        )
        let builtCommand = host.initializeUpdateCommand
        var card = try CardSecureChannelSession(
            keys: try Self.pySimKeys(),
            configuration: .init(
                scp: .scp03,
                scp03Option: 0x70,
                keyDiversificationData: [UInt8](repeating: 0, count: 10),
                securityDomainAID: aid
            ),
            sequenceCounter: [0x00, 0x00, counter],
            initializeUpdate: try #require(builtCommand)
        )
        let initializeUpdateResponseValue = card.initializeUpdateResponse
        let cardResponse = try #require(initializeUpdateResponseValue)
        #expect(cardResponse.bytes.hexString == trace.initializeUpdateResponse)
        try host.receiveInitializeUpdateResponse(cardResponse.bytes)
        let externalAuthenticate = try host.externalAuthenticateCommand()
        #expect(externalAuthenticate.bytes.hexString == trace.externalAuthenticate)
        try card.receiveExternalAuthenticate(externalAuthenticate)
        for recorded in trace.commands ?? [] {
            let plain = try command(recorded.plain)
            let wrapped = try host.wrap(plain)
            #expect(wrapped.bytes.hexString == recorded.wrapped)
            #expect(try card.unwrap(wrapped) == plain)
        }
        #expect(card.acceptedCommandCount == trace.commands?.count)
    }

    /// SCP03 options with pseudo-random challenges (bit 10), S8 and S16, at every level the option allows:
    /// a host that checks the challenge against the AID authenticates the precomputed response, and
    /// commands and responses pass both ways.
    @Test(
        arguments: [
            (0x10, 0x01), (0x10, 0x03), (0x30, 0x11), (0x30, 0x13), (0x70, 0x33), (0x71, 0x33), (0x31, 0x13),
        ] as [(UInt8, UInt8)]
    )
    func precomputesPseudoRandomSessions(_ option: UInt8, _ level: UInt8) throws {
        let aid = try #require(ApplicationIdentifier(hex: "A000000151000000"))
        let keys = try Self.pySimKeys()
        let s16 = option & 0x01 != 0
        let hostChallenge = (0..<(s16 ? 16 : 8)).map { UInt8(0xA0 + $0) }
        var host = try SecureChannelSession(
            keys: keys,
            configuration: .init(scp: .scp03, securityLevel: SecurityLevel(rawValue: level), securityDomainAID: aid),
            hostChallenge: hostChallenge
        )
        let builtCommand = host.initializeUpdateCommand
        var card = try CardSecureChannelSession(
            keys: keys,
            configuration: .init(
                scp: .scp03,
                scp03Option: option,
                keyDiversificationData: Array(0x40..<0x4A),
                securityDomainAID: aid
            ),
            sequenceCounter: [0x00, 0x00, 0x4F],
            initializeUpdate: try #require(builtCommand)
        )
        let initializeUpdateResponseValue = card.initializeUpdateResponse
        let cardResponse = try #require(initializeUpdateResponseValue)
        #expect(cardResponse.bytes.count == (s16 ? 48 : 32) + 2)
        try host.receiveInitializeUpdateResponse(cardResponse.bytes)
        let parsed = host.initializeUpdateResponse
        #expect(parsed?.implementationOption == option)
        #expect(parsed?.sequenceCounter == [0x00, 0x00, 0x4F])
        try card.receiveExternalAuthenticate(try host.externalAuthenticateCommand())
        #expect(card.securityLevel == SecurityLevel(rawValue: level))
        let commands = [
            CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00], le: 256),
            CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x20, p2: 0x02),
            CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: aid.bytes, le: 256),
            CommandAPDU(cla: 0x80, ins: 0xE2, p1: 0x90, p2: 0x00, data: [UInt8](repeating: 0x5A, count: 32)),
            CommandAPDU(cla: 0x81, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256),
        ]
        for plain in commands {
            #expect(try card.unwrap(try host.wrap(plain)) == plain)
            let response = CardResponse(data: Array(plain.bytes.prefix(3)), statusWord: .success)
            let secured = try card.wrap(response: response.data, statusWord: response.statusWord)
            #expect(try host.unwrap(response: secured.bytes) == response)
        }
        #expect(card.acceptedCommandCount == commands.count)
    }

    /// A card whose ENC key differs from the host's computes another pseudo-random challenge; a host that
    /// knows the AID refuses it before sending EXTERNAL AUTHENTICATE.
    @Test func hostCatchesAPrecomputedChallengeFromAnotherENCKey() throws {
        let aid = try #require(ApplicationIdentifier(hex: Self.pySimAID))
        var cardKeys = try Self.pySimKeys()
        cardKeys.enc = try cardKey("000102030405060708090A0B0C0D0E0E", aes: true)
        var host = try SecureChannelSession(
            keys: try Self.pySimKeys(),
            configuration: .init(scp: .scp03, securityLevel: SecurityLevel(rawValue: 0x33), securityDomainAID: aid),
            hostChallenge: Array(repeating: 0x11, count: 8)
        )
        let builtCommand = host.initializeUpdateCommand
        let card = try CardSecureChannelSession(
            keys: cardKeys,
            configuration: .init(
                scp: .scp03,
                keyDiversificationData: Array(repeating: 0, count: 10),
                securityDomainAID: aid
            ),
            sequenceCounter: [0x00, 0x00, 0x02],
            initializeUpdate: try #require(builtCommand)
        )
        let initializeUpdateResponseValue = card.initializeUpdateResponse
        let cardResponse = try #require(initializeUpdateResponseValue)
        #expect(throws: SecureChannelError(code: .cardChallengeMismatch, reason: "")) {
            try host.receiveInitializeUpdateResponse(cardResponse.bytes)
        }
    }

    /// SCP02 implicit initiation (i=0A, 1A, 0B, 1B): the card accepts the independently computed commands
    /// of `scp02-implicit-generated.json`, and a host session's commands round trip.
    @Test func implicitSCP02SessionsVerifyOnTheCard() throws {
        for vector in try VectorFile<SCP02Tests.ImplicitVector>.load("scp02-implicit-generated").tests {
            let keys = StaticKeys(sameKey: try cardKey(vector.static, aes: false), keyVersion: 0)
            let option = try byte(vector.option)
            let aid = try #require(ApplicationIdentifier(hex: vector.aid))
            let counter = try bytes(vector.sequenceCounter)
            var card = try CardSecureChannelSession(
                implicitInitiation: keys,
                configuration: .init(scp: .scp02(i: option), keyDiversificationData: []),
                sequenceCounter: counter,
                aid: aid
            )
            let response = card.initializeUpdateResponse
            #expect(response == nil)
            #expect(card.isAuthenticated == true)
            #expect(card.securityLevel == .commandMAC)
            for recorded in vector.commands {
                #expect(
                    try card.unwrap(try command(recorded.wrapped)) == (try command(recorded.plain)),
                    "i=\(vector.option)"
                )
            }

            var host = try SecureChannelSession(
                implicitInitiation: keys,
                configuration: .init(scp: .scp02(i: option), securityLevel: .commandMAC),
                sequenceCounter: counter,
                aid: aid
            )
            var fresh = try CardSecureChannelSession(
                implicitInitiation: keys,
                configuration: .init(scp: .scp02(i: option), keyDiversificationData: []),
                sequenceCounter: counter,
                aid: aid
            )
            let plains = [
                CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00], le: 256),
                CommandAPDU(cla: 0x00, ins: 0xDA, p1: 0x01, p2: 0x02, data: Array(0..<100)),
                CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256),
            ]
            for plain in plains {
                #expect(try fresh.unwrap(try host.wrap(plain)) == plain, "i=\(vector.option)")
            }
            // The implicit MAC covers the unmodified class byte, so the card checks the indication itself.
            var wire = try host.wrap(plains[0])
            wire.cla = 0x8C
            #expect(throws: SecureChannelError(code: .malformedCommand, reason: "")) { try fresh.unwrap(wire) }
        }
    }
}
