import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// The session's states, wrong keys, and what errors say.
struct SessionStateTests {
    static let tracesPerProtocol = [
        "trace-scp01-gppro-scp01-auth-dump",
        "trace-scp02-gppro-scp02-auth-dump",
        "trace-scp03-gppro-jcop4-dump",
        "trace-scp03-samsung-aes256-s16",
    ]

    /// Wrong keys: the card cryptogram check fails, no EXTERNAL AUTHENTICATE comes out, the message names the causes.
    ///
    /// SCP01 and SCP02 compute the cryptograms with the ENC key, SCP03 with the MAC key, so both are changed
    /// (by bit 02 of one byte: bit 01 of a DES key byte is parity, which DES ignores).
    @Test(arguments: tracesPerProtocol)
    func wrongKeysProduceNoExternalAuthenticate(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        var wrongENC = try bytes(trace.staticENC)
        wrongENC[wrongENC.count - 1] ^= 0x02
        var wrongMAC = try bytes(trace.staticMAC)
        wrongMAC[0] ^= 0x02
        let right = try trace.keys()
        let wrong = StaticKeys(
            enc: try CardKey(right.enc.algorithm, bytes: wrongENC),
            mac: try CardKey(right.mac.algorithm, bytes: wrongMAC),
            dek: right.dek,
            keyVersion: right.keyVersion
        )
        var session = try trace.makeSession(keys: wrong)
        var message = ""
        let response = try bytes(trace.initializeUpdateResponse)
        do {
            try session.receiveInitializeUpdateResponse(response)
            Issue.record("wrong keys must not authenticate the card")
        } catch {
            #expect(error == SecureChannelError(code: .cardCryptogramMismatch, reason: "anything"))
            message = error.description
        }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.externalAuthenticateCommand()
        }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.wrap(CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00]))
        }
        let keys = session.sessionKeys
        #expect(keys == nil)
        #expect(message.contains("wrong static keys"))
        #expect(message.contains("wrong key version"))
        #expect(message.contains("diversification none"))
        #expect(message.contains("card static key check values ENC"))
        #expect(!message.lowercased().contains("retry"))
        #expect(!message.lowercased().contains("try again"))
        for secret in [wrongENC.hexString, wrongMAC.hexString, trace.staticDEK, trace.hostChallenge] {
            #expect(!message.contains(secret))
        }
    }

    /// Right keys with a diversification the card does not use fail the same way, naming the scheme used.
    @Test func wrongDiversificationNamesTheScheme() throws {
        var trace = try TraceCase.named("trace-scp02-gppro-scp02-auth-dump").vector
        trace.diversification = "visa2"
        var session = try trace.makeSession()
        let response = try bytes(trace.initializeUpdateResponse)
        do {
            try session.receiveInitializeUpdateResponse(response)
            Issue.record("VISA2-derived keys must not authenticate this card")
        } catch {
            #expect(error.code == .cardCryptogramMismatch)
            #expect(error.description.contains("diversification VISA2 (KDD 00008147580F3D2988D8)"))
        }
    }

    /// Each call in its own state only; a second INITIALIZE UPDATE response or EXTERNAL AUTHENTICATE is refused.
    @Test func refusesOutOfOrderCalls() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-33").vector
        let plain = try command(try #require(trace.commands?.first?.plain))
        var session = try trace.makeSession()
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.externalAuthenticateCommand()
        }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) { try session.wrap(plain) }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.unwrap(response: [0x90, 0x00])
        }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) { try session.encryptSensitiveData([]) }
        try session.receiveInitializeUpdateResponse(try bytes(trace.initializeUpdateResponse))
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.receiveInitializeUpdateResponse(try bytes(trace.initializeUpdateResponse))
        }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) { try session.wrap(plain) }
        _ = try session.externalAuthenticateCommand()
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.externalAuthenticateCommand()
        }
        #expect(try session.wrap(plain).bytes.hexString == trace.commands?.first?.wrapped)
    }

    /// Commands that cannot be secured are refused and leave the chain as it was.
    @Test func refusesCommandsThatCannotBeSecured() throws {
        let trace = try TraceCase.named("trace-scp02-gppro-scp02-auth-dump").vector
        var session = try TraceReplay.authenticate(trace)
        let refused: [(CommandAPDU, SecureChannelError.Code)] = [
            (CommandAPDU(cla: 0x84, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00]), .invalidCommand),
            (CommandAPDU(cla: 0xE0, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00]), .invalidCommand),
            (CommandAPDU(cla: 0xFF, ins: 0xF2, p1: 0x80, p2: 0x02), .invalidCommand),
            (
                CommandAPDU(cla: 0x80, ins: 0xE8, p1: 0x00, p2: 0x00, data: [UInt8](repeating: 0, count: 256)),
                .invalidCommand
            ),
            (CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0x66, le: 300), .invalidCommand),
            (
                CommandAPDU(cla: 0x80, ins: 0xE8, p1: 0x00, p2: 0x00, data: [UInt8](repeating: 0, count: 248)),
                .commandTooLong
            ),
        ]
        for (plain, code) in refused {
            #expect(throws: SecureChannelError(code: code, reason: ""), "\(plain)") { try session.wrap(plain) }
        }
        let recorded = try #require(trace.commands?.first)
        #expect(try session.wrap(try command(recorded.plain)).bytes.hexString == recorded.wrapped)
    }

    /// Further logical channels (CLA 40 to 7F, C0 to FF) take the secure messaging bit 20 instead of 04.
    @Test func setsTheSecureMessagingBitOfTheClass() throws {
        let trace = try TraceCase.named("trace-scp03-gppro-jcop4-dump").vector
        var session = try TraceReplay.authenticate(trace)
        #expect(try session.wrap(CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: [0xA0])).cla == 0x04)
        #expect(try session.wrap(CommandAPDU(cla: 0x83, ins: 0xF2, p1: 0x80, p2: 0x02)).cla == 0x87)
        #expect(try session.wrap(CommandAPDU(cla: 0xC1, ins: 0xF2, p1: 0x80, p2: 0x02)).cla == 0xE1)
        #expect(try session.wrap(CommandAPDU(cla: 0x41, ins: 0xA4, p1: 0x04, p2: 0x00)).cla == 0x61)
    }

    /// Level 00: EXTERNAL AUTHENTICATE is still MACed, later commands go out as they are.
    @Test func levelZeroLeavesCommandsAlone() throws {
        var trace = try TraceCase.named("trace-scp03-gppro-jcop4-dump").vector
        trace.securityLevel = "00"
        var session = try trace.makeSession()
        try session.receiveInitializeUpdateResponse(try bytes(trace.initializeUpdateResponse))
        let externalAuthenticate = try session.externalAuthenticateCommand()
        #expect(externalAuthenticate.p1 == 0x00)
        #expect(externalAuthenticate.data.count == 16)
        let plain = CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00], le: 256)
        #expect(try session.wrap(plain) == plain)
    }

    /// Errors compare by code only and print their code's summary first.
    @Test func errorsCompareByCode() {
        let a = SecureChannelError(code: .commandTooLong, reason: "one")
        let b = SecureChannelError(code: .commandTooLong, reason: "two")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != SecureChannelError(code: .invalidState, reason: "one"))
        #expect(a.description == "command too long: one")
        #expect(a.debugDescription.contains("SessionStateTests.swift:"))
        #expect(SecureChannelError.Code.cardCryptogramMismatch.description == "cardCryptogramMismatch")
    }

    /// Security levels print as their P1 byte and parts.
    @Test func describesSecurityLevels() {
        #expect(SecurityLevel(rawValue: 0x33).description == "33 (C-MAC, C-DEC, R-MAC, R-ENC)")
        #expect(SecurityLevel(rawValue: 0x00).description == "00 (no secure messaging)")
        #expect(SecureChannelProtocol.scp02(i: 0x55).description == "SCP02 i=55")
    }
}
