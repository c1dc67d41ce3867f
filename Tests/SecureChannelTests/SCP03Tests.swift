import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// SCP03 sessions: a real JCOP4, kaoh/globalplatform, pySim, Samsung OpenSCP (S8 and S16) and securo-gp.
struct SCP03Tests {
    /// martinpaljak/GlobalPlatformPro `nextgen/src/test/resources/scp03-auth-jcop4.dump`: real NXP JCOP4, i=70.
    @Test func realJCOP4TraceI70() throws {
        let trace = try TraceCase.named("trace-scp03-gppro-jcop4-dump").vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 1)
    }

    /// kaoh/globalplatform `scp03Test.c` `delete_application`: i=70, level 03, an encrypted DELETE.
    @Test func encryptedDeleteLevel03() throws {
        let trace = try TraceCase.named("trace-scp03-kaoh-delete-application").vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 1)
    }

    /// osmocom/pysim `SCP03_Test_AES{128,192,256}_{11,03,33}`: GET EID with its (R-MAC'd, R-ENC'd) response,
    /// then APDU cases 1 to 4, every one advancing the encryption counter.
    @Test(
        arguments: ["aes128", "aes192", "aes256"].flatMap { size in
            ["11", "03", "33"].map { "trace-scp03-pysim-\(size)-\($0)" }
        }
    )
    func pySimSessions(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 5)
    }

    /// Samsung/OpenSCP-Java S16 (i=71) and S8 (i=70), level 33: 16-byte challenges, cryptograms and MACs with bit 01.
    @Test(
        arguments: ["aes128", "aes192", "aes256"].flatMap { size in
            ["s16", "s8"].map { "trace-scp03-samsung-\(size)-\($0)" }
        }
    )
    func samsungSessions(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 3)
        let externalAuthenticate = try bytes(try #require(trace.externalAuthenticate))
        #expect(externalAuthenticate[4] == (name.hasSuffix("s16") ? 0x20 : 0x10))
    }

    /// kaoh/globalplatform `get_status_aes_192`: i=10, AES-192, the card challenge computed from the counter.
    @Test func pseudoRandomChallengeAES192() throws {
        let trace = try TraceCase.named("trace-scp03-kaoh-get-status-aes-192").vector
        try TraceReplay.replay(trace)
        let challenge = try SCP03.pseudoRandomCardChallenge(
            staticENC: try cardKey(trace.staticENC, aes: true),
            sequenceCounter: [0x00, 0x00, 0x12],
            aid: try #require(ApplicationIdentifier(hex: "A000000151000000"))
        )
        #expect(challenge.hexString == "726B1E22EED4F4BB")
    }

    /// Pseudo-random card challenges published with their sequence counters and security domain AIDs.
    @Test(
        arguments: [
            ("404142434445464748494A4B4C4D4E4F", "000436", "A000000151000000", "734ECDCA19E446A3"),
            ("000102030405060708090A0B0C0D0E0F", "000001", "A0000005591010FFFFFFFF8900000100", "30760CD2C47C1DD3"),
            ("000102030405060708090A0B0C0D0E0F", "000002", "A0000005591010FFFFFFFF8900000100", "3EB51047495B249F"),
            ("000102030405060708090A0B0C0D0E0F", "000003", "A0000005591010FFFFFFFF8900000100", "3B1ACA81E821F219"),
        ]
    )
    func pseudoRandomChallenges(_ key: String, _ counter: String, _ aid: String, _ expected: String) throws {
        let challenge = try SCP03.pseudoRandomCardChallenge(
            staticENC: try cardKey(key, aes: true),
            sequenceCounter: try bytes(counter),
            aid: try #require(ApplicationIdentifier(hex: aid))
        )
        #expect(challenge.hexString == expected)
    }

    /// With the security domain AID configured, a wrong ENC key (not covered by the SCP03 cryptograms) is caught.
    @Test func checksThePseudoRandomChallengeWhenTheAIDIsKnown() throws {
        let trace = try TraceCase.named("trace-scp03-gppro-jcop4-dump").vector
        let aid = try #require(ApplicationIdentifier(hex: "A000000151000000"))
        var configuration = try trace.configuration()
        configuration.securityDomainAID = aid
        let right = try trace.keys()
        var session = try SecureChannelSession(
            keys: right,
            configuration: configuration,
            hostChallenge: try bytes(trace.hostChallenge)
        )
        let response = try bytes(trace.initializeUpdateResponse)
        try session.receiveInitializeUpdateResponse(response)
        #expect(try session.externalAuthenticateCommand().bytes.hexString == trace.externalAuthenticate)

        var wrongENC = try bytes(trace.staticENC)
        wrongENC[0] ^= 0x01
        var wrong = right
        wrong.enc = try CardKey(.aes, bytes: wrongENC)
        var checked = try SecureChannelSession(
            keys: wrong,
            configuration: configuration,
            hostChallenge: try bytes(trace.hostChallenge)
        )
        #expect(throws: SecureChannelError(code: .cardChallengeMismatch, reason: "")) {
            try checked.receiveInitializeUpdateResponse(response)
        }
        configuration.securityDomainAID = nil
        var unchecked = try SecureChannelSession(
            keys: wrong,
            configuration: configuration,
            hostChallenge: try bytes(trace.hostChallenge)
        )
        try unchecked.receiveInitializeUpdateResponse(response)
    }

    /// dimatteo31/securo-gp README: a real card with i=60 (random challenge, 29-byte response, no counter).
    @Test func randomChallengeI60() throws {
        let trace = try TraceCase.named("trace-scp03-securo-gp-readme").vector
        try TraceReplay.replay(trace)
        let session = try TraceReplay.authenticate(trace)
        let response = session.initializeUpdateResponse
        #expect(response?.sequenceCounter == nil)
        #expect(response?.implementationOption == 0x60)
    }

    /// Case 1 and 2 commands advance the counter: leaving one out changes the next command's encrypted data.
    @Test func everyCommandAdvancesTheCounter() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-03").vector
        let commands = try (trace.commands ?? []).map { try command($0.plain) }
        var skipping = try TraceReplay.authenticate(trace)
        _ = try skipping.wrap(commands[0])
        let fourth = try skipping.wrap(commands[3])
        let recorded = try command(try #require(trace.commands?[3].wrapped))
        #expect(fourth.data.prefix(16) != recorded.data.prefix(16))
    }

    /// Responses with error status words carry no R-MAC and pass through; a changed R-MAC'd response is refused.
    @Test func responseMACRules() throws {
        let trace = try TraceCase.named("trace-scp03-kaoh-send-apdu-rmac-rencryption").vector
        let first = try #require(trace.commands?.first)
        let plain = try command(first.plain)
        var response = try bytes(try #require(first.response))
        response[response.count - 3] ^= 0x80
        var session = try TraceReplay.authenticate(trace)
        #expect(try session.unwrap(response: [0x90, 0x00]) == CardResponse(data: [], statusWord: .success))
        _ = try session.wrap(plain)
        let notFound = try session.unwrap(response: [0x6A, 0x88])
        #expect(notFound == CardResponse(data: [], statusWord: .referencedDataNotFound))
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.unwrap(response: [0x6A, 0x88])
        }
        _ = try session.wrap(plain)
        #expect(throws: SecureChannelError(code: .responseMACMismatch, reason: "")) {
            try session.unwrap(response: response)
        }
        let failure = session.failure
        #expect(failure?.code == .responseMACMismatch)
        var fresh = try TraceReplay.authenticate(trace)
        _ = try fresh.wrap(plain)
        #expect(throws: SecureChannelError(code: .malformedResponse, reason: "")) {
            try fresh.unwrap(response: [0x01, 0x02, 0x90, 0x00])
        }
    }

    /// The card's option limits the level: R-MAC needs bit 20, R-ENC bit 40, S16 a 16-byte host challenge.
    @Test func levelMustFitTheCardsOption() throws {
        var trace = try TraceCase.named("trace-scp03-kaoh-get-status-aes-192").vector
        trace.securityLevel = "13"
        var session = try trace.makeSession()
        #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
            try session.receiveInitializeUpdateResponse(try bytes(trace.initializeUpdateResponse))
        }

        var s16 = try TraceCase.named("trace-scp03-samsung-aes128-s16").vector
        s16.hostChallenge = String(s16.hostChallenge.prefix(16))
        var shortChallenge = try s16.makeSession()
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            try shortChallenge.receiveInitializeUpdateResponse(try bytes(s16.initializeUpdateResponse))
        }
    }

    /// A command whose secured data would pass 255 bytes is refused, saying by how much, and leaves the chain as it was.
    @Test func refusesCommandsThatGrowTooLong() throws {
        let trace = try TraceCase.named("trace-scp03-kaoh-delete-application").vector
        var session = try TraceReplay.authenticate(trace)
        let long = CommandAPDU(cla: 0x80, ins: 0xE8, p1: 0x00, p2: 0x00, data: [UInt8](repeating: 0xAB, count: 240))
        do {
            _ = try session.wrap(long)
            Issue.record("a 240-byte command at level 03 must not fit")
        } catch {
            #expect(error.code == .commandTooLong)
            #expect(error.description.contains("264 bytes, 9 more than the 255"))
        }
        let recorded = try #require(trace.commands?.first)
        #expect(try session.wrap(try command(recorded.plain)).bytes.hexString == recorded.wrapped)
    }

    /// Sensitive data is encrypted with AES-CBC under the static DEK from a zero IV.
    @Test func encryptsSensitiveDataUnderStaticDEK() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-03").vector
        let session = try TraceReplay.authenticate(trace)
        let secret = [UInt8](repeating: 0x5A, count: 16)
        let dek = try cardKey(trace.staticDEK, aes: true)
        let expected = try dek.encrypt(secret, mode: .cbc(iv: [UInt8](repeating: 0, count: 16)))
        #expect(try session.encryptSensitiveData(secret) == expected)
        let padded = try session.encryptSensitiveData(Array(secret.prefix(15)), padding: .iso9797Method2)
        let paddedExpected = try dek.encrypt(
            Array(secret.prefix(15)) + [0x80],
            mode: .cbc(iv: [UInt8](repeating: 0, count: 16))
        )
        #expect(padded == paddedExpected)
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            try session.encryptSensitiveData(Array(secret.prefix(15)))
        }
    }
}
