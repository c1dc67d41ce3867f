import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// The card session's states, the values it is opened with, and what its errors say.
struct CardSessionStateTests {
    /// Each call in its own state only: nothing is unwrapped or secured before EXTERNAL AUTHENTICATE,
    /// which is accepted once; out-of-order calls do not close the session.
    @Test func refusesOutOfOrderCalls() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-33").vector
        let commands = try CardTraceReplay.recordedCommands(trace)
        let externalAuthenticate = try CardTraceReplay.recordedExternalAuthenticate(trace)
        var card = try CardTraceReplay.open(trace)
        #expect(card.isAuthenticated == false)
        #expect(card.securityLevel == nil)
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) { try card.unwrap(commands[0]) }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try card.wrap(response: [], statusWord: .success)
        }
        try card.receiveExternalAuthenticate(externalAuthenticate)
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try card.receiveExternalAuthenticate(externalAuthenticate)
        }
        #expect(card.isAuthenticated == true)
        _ = try card.unwrap(commands[0])
        #expect(card.acceptedCommandCount == 1)
    }

    /// A command without secure messaging indication, or too short for its MAC, is refused in an open
    /// channel and closes it.
    @Test(
        arguments: [
            CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00]),
            CommandAPDU(cla: 0x8C, ins: 0xF2, p1: 0x80, p2: 0x02, data: [UInt8](repeating: 0, count: 10)),
            CommandAPDU(cla: 0xC0, ins: 0xF2, p1: 0x80, p2: 0x02, data: [UInt8](repeating: 0, count: 10)),
            CommandAPDU(cla: 0xFF, ins: 0xF2, p1: 0x80, p2: 0x02, data: [UInt8](repeating: 0, count: 10)),
            CommandAPDU(cla: 0x84, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00]),
            CommandAPDU(cla: 0x84, ins: 0xF2, p1: 0x80, p2: 0x02, data: [UInt8](repeating: 0, count: 300)),
        ]
    )
    func refusesCommandsThatAreNotSecured(_ received: CommandAPDU) throws {
        let trace = try TraceCase.named("trace-scp02-kaoh-install-mac-enc").vector
        var card = try CardTraceReplay.authenticate(trace)
        #expect(throws: SecureChannelError(code: .malformedCommand, reason: "")) { try card.unwrap(received) }
        let failure = card.failure
        #expect(failure?.code == .malformedCommand)
        let first = try #require(try CardTraceReplay.recordedCommands(trace).first)
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) { try card.unwrap(first) }
    }

    /// Further logical channels (class bytes with bit 40) carry the indication in bit 20, as the host sets it.
    @Test func acceptsFurtherLogicalChannels() throws {
        let trace = try TraceCase.named("trace-scp03-gppro-jcop4-dump").vector
        var pair = try CardResponseTests.openPair(trace)
        for cla: UInt8 in [0x00, 0x03, 0x41, 0x4F, 0x80, 0x83, 0xC1, 0xCF] {
            let plain = CommandAPDU(cla: cla, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256)
            #expect(try pair.card.unwrap(try pair.host.wrap(plain)) == plain, "CLA \([cla].hexString)")
        }
    }

    /// The card's minimum level, the protocol's levels and the card's option limit EXTERNAL AUTHENTICATE.
    @Test func refusesLevelsTheCardDoesNotAllow() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-03").vector
        let response = try CardTraceReplay.recordedResponse(trace)
        var configuration = try CardTraceReplay.configuration(trace)
        configuration.minimumSecurityLevel = [.commandMAC, .commandEncryption, .responseMAC]
        let initializeUpdate = try InitializeUpdate.command(
            keyVersion: 0x30,
            hostChallenge: try bytes(trace.hostChallenge)
        )
        var strict = try CardSecureChannelSession(
            keys: try CardTraceReplay.cardKeys(trace),
            configuration: configuration,
            sequenceCounter: response.sequenceCounter,
            initializeUpdate: initializeUpdate
        )
        #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
            try strict.receiveExternalAuthenticate(try CardTraceReplay.recordedExternalAuthenticate(trace))
        }
        #expect(strict.failure?.code == .unsupportedSecurityLevel)

        let scp01 = try TraceCase.named("trace-scp01-gppro-scp01-auth-dump").vector
        var externalAuthenticate = try CardTraceReplay.recordedExternalAuthenticate(scp01)
        externalAuthenticate.p1 = 0x13
        var card = try CardTraceReplay.open(scp01)
        #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
            try card.receiveExternalAuthenticate(externalAuthenticate)
        }

        let i10 = try TraceCase.named("trace-scp03-kaoh-get-status-aes-192").vector
        var rmac = try CardTraceReplay.recordedExternalAuthenticate(i10)
        rmac.p1 = 0x13
        var noRMAC = try CardTraceReplay.open(i10)
        #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
            try noRMAC.receiveExternalAuthenticate(rmac)
        }
    }

    /// Level 00: EXTERNAL AUTHENTICATE is MACed, later commands pass as they are; a secured-looking one is refused.
    @Test func levelZeroPassesCommandsThrough() throws {
        var trace = try TraceCase.named("trace-scp03-gppro-jcop4-dump").vector
        trace.securityLevel = "00"
        var pair = try CardResponseTests.openPair(trace)
        #expect(pair.card.securityLevel == [])
        let plain = CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x80, p2: 0x02, data: [0x4F, 0x00], le: 256)
        #expect(try pair.card.unwrap(try pair.host.wrap(plain)) == plain)
        let response = try pair.card.wrap(response: [0x01], statusWord: .success)
        #expect(try pair.host.unwrap(response: response.bytes) == response)
        var secured = plain
        secured.cla = 0x84
        #expect(throws: SecureChannelError(code: .malformedCommand, reason: "")) { try pair.card.unwrap(secured) }
    }

    /// INITIALIZE UPDATE asking for another key version is refused, as a card answers 6A88; key version 00 takes any.
    @Test func answersOnlyItsOwnKeyVersion() throws {
        let trace = try TraceCase.named("trace-scp02-gppro-scp02-auth-dump").vector
        let response = try CardTraceReplay.recordedResponse(trace)
        let other: UInt8 = response.keyVersion == 0x7F ? 0x7E : 0x7F
        for (requested, accepted) in [(UInt8(0x00), true), (response.keyVersion, true), (other, false)] {
            let initializeUpdate = try InitializeUpdate.command(
                keyVersion: requested,
                hostChallenge: try bytes(trace.hostChallenge)
            )
            let open = {
                _ = try CardSecureChannelSession(
                    keys: try CardTraceReplay.cardKeys(trace),
                    configuration: try CardTraceReplay.configuration(trace),
                    sequenceCounter: response.sequenceCounter,
                    cardChallenge: response.cardChallenge,
                    initializeUpdate: initializeUpdate
                )
            }
            if accepted {
                try open()
            } else {
                #expect(throws: SecureChannelError(code: .unexpectedKeyVersion, reason: "")) { try open() }
            }
        }
    }

    /// Opening a card session with these values fails with `code`.
    static func expectRefusal(
        _ code: SecureChannelError.Code,
        _ keys: StaticKeys,
        _ configuration: CardSecureChannelSession.Configuration,
        counter: [UInt8]?,
        challenge: [UInt8]?,
        command: CommandAPDU? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let hostChallenge = [UInt8](repeating: 0x11, count: 8)
        let received = try command ?? InitializeUpdate.command(keyVersion: 0, hostChallenge: hostChallenge)
        #expect(throws: SecureChannelError(code: code, reason: ""), sourceLocation: sourceLocation) {
            _ = try CardSecureChannelSession(
                keys: keys,
                configuration: configuration,
                sequenceCounter: counter,
                cardChallenge: challenge,
                initializeUpdate: received
            )
        }
    }

    /// The card's values must fit the protocol: counter, challenge and KDD lengths, options and key algorithms.
    @Test func refusesValuesThatDoNotFitTheProtocol() throws {
        let des = StaticKeys(
            sameKey: try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16)),
            keyVersion: 1
        )
        let aes = try CardPrecomputedSessionTests.pySimKeys()
        let kdd = [UInt8](repeating: 0, count: 10)
        let aid = try #require(ApplicationIdentifier(hex: "A000000151000000"))
        let eight = [UInt8](repeating: 0x22, count: 8)
        let six = [UInt8](repeating: 0x22, count: 6)

        // SCP01: a card challenge is needed, no counter is sent, options 05 and 15 only.
        let scp01 = CardSecureChannelSession.Configuration(scp: .scp01(i: 0x05), keyDiversificationData: kdd)
        try Self.expectRefusal(.invalidArgument, des, scp01, counter: nil, challenge: nil)
        try Self.expectRefusal(.invalidArgument, des, scp01, counter: [0, 1], challenge: eight)
        let scp01i0A = CardSecureChannelSession.Configuration(scp: .scp01(i: 0x0A), keyDiversificationData: kdd)
        try Self.expectRefusal(.unsupportedProtocol, des, scp01i0A, counter: nil, challenge: eight)

        // SCP02: a 2-byte counter, a 6-byte challenge and triple-DES keys; implicit options have no INITIALIZE UPDATE.
        let scp02 = CardSecureChannelSession.Configuration(scp: .scp02(i: 0x15), keyDiversificationData: kdd)
        try Self.expectRefusal(.invalidArgument, des, scp02, counter: [0, 0, 1], challenge: six)
        try Self.expectRefusal(.invalidArgument, des, scp02, counter: [0, 1], challenge: eight)
        try Self.expectRefusal(.invalidKeys, aes, scp02, counter: [0, 1], challenge: six)
        let implicit = CardSecureChannelSession.Configuration(scp: .scp02(i: 0x1A), keyDiversificationData: kdd)
        try Self.expectRefusal(.invalidArgument, des, implicit, counter: [0, 1], challenge: six)

        // SCP03: a counter only with bit 10, a computed challenge needs the AID and AES keys, no reserved
        // bits, and S16 needs a 16-byte host challenge.
        var scp03 = CardSecureChannelSession.Configuration(scp: .scp03, scp03Option: 0x60, keyDiversificationData: kdd)
        try Self.expectRefusal(.invalidArgument, aes, scp03, counter: [0, 0, 1], challenge: eight)
        scp03.scp03Option = 0x70
        try Self.expectRefusal(.invalidArgument, aes, scp03, counter: [0, 0, 1], challenge: nil)
        scp03.securityDomainAID = aid
        try Self.expectRefusal(.invalidKeys, des, scp03, counter: [0, 0, 1], challenge: nil)
        scp03.scp03Option = 0x78
        try Self.expectRefusal(.unsupportedProtocol, aes, scp03, counter: [0, 0, 1], challenge: nil)
        scp03.scp03Option = 0x71
        try Self.expectRefusal(.invalidArgument, aes, scp03, counter: [0, 0, 1], challenge: nil)

        // The KDD is 10 bytes, and the command must be INITIALIZE UPDATE.
        let shortKDD = CardSecureChannelSession.Configuration(
            scp: .scp03,
            scp03Option: 0x60,
            keyDiversificationData: [0]
        )
        try Self.expectRefusal(.invalidArgument, aes, shortKDD, counter: nil, challenge: eight)
        let getData = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256)
        scp03.scp03Option = 0x60
        try Self.expectRefusal(.malformedCommand, aes, scp03, counter: nil, challenge: eight, command: getData)

        // Implicit initiation: implicit options only, C-MAC only, a 2-byte counter.
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            _ = try CardSecureChannelSession(
                implicitInitiation: des,
                configuration: scp02,
                sequenceCounter: [0, 1],
                aid: aid
            )
        }
        var strict = implicit
        strict.minimumSecurityLevel = [.commandMAC, .commandEncryption]
        #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
            _ = try CardSecureChannelSession(
                implicitInitiation: des,
                configuration: strict,
                sequenceCounter: [0, 1],
                aid: aid
            )
        }
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            _ = try CardSecureChannelSession(
                implicitInitiation: des,
                configuration: implicit,
                sequenceCounter: [0, 0, 1],
                aid: aid
            )
        }
    }

    /// The new codes compare by code and print their summaries; reasons never show MACs or cryptograms.
    @Test func describesCardSideErrors() throws {
        #expect(SecureChannelError(code: .commandMACMismatch, reason: "x").description == "command MAC mismatch: x")
        #expect(
            SecureChannelError(code: .hostCryptogramMismatch, reason: "x").description == "host cryptogram mismatch: x"
        )
        #expect(SecureChannelError(code: .malformedCommand, reason: "x").description == "malformed command: x")
        #expect(SecureChannelError.Code.commandMACMismatch.description == "commandMACMismatch")

        let trace = try TraceCase.named("trace-scp02-kaoh-install-mac-enc").vector
        var commands = try CardTraceReplay.recordedCommands(trace)
        let mac = Array(commands[0].data.suffix(8))
        commands[0].data[commands[0].data.count - 1] ^= 0x01
        let card = try CardTraceReplay.feed([commands[0]], trace)
        let failureValue = card.failure
        let failure = try #require(failureValue)
        #expect(failure.code == .commandMACMismatch)
        #expect(failure.description.contains("84E40080"))
        #expect(!failure.description.contains(mac.hexString))
        #expect(!failure.debugDescription.contains(commands[0].data.hexString))
    }
}
