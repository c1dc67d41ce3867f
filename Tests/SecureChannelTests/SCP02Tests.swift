import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// SCP02 sessions: real Oberthur and javacard-express cards, kaoh/globalplatform's C-DEC install,
/// javacard-express's R-MAC vectors, pySim's APDU cases and implicit initiation.
struct SCP02Tests {
    /// martinpaljak/GlobalPlatformPro `nextgen/src/test/resources/scp02-auth.dump`: real Oberthur card, i=15.
    @Test func realOberthurTraceI15() throws {
        let trace = try TraceCase.named("trace-scp02-gppro-scp02-auth-dump").vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 1)
    }

    /// kaoh/globalplatform `scp02Test.c` `install_mac_enc`: C-DEC and C-MAC over DELETE, INSTALL and LOAD.
    @Test func encryptedInstallI15Level03() throws {
        let trace = try TraceCase.named("trace-scp02-kaoh-install-mac-enc").vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 6)
    }

    /// javacard-express session1 (a real card, pastebin ZQSDaJFm): GET STATUS, INSTALL [for load] and a 247-byte LOAD.
    @Test func realCardInstallForLoadAndLoad() throws {
        let trace = try TraceCase.named("trace-scp02-jcexpress-real-card-session1").vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        try TraceReplay.checkTamperPropagation(trace)
    }

    /// javacard-express synthetic vectors for options 55 (ICV encryption) and 45 (none), levels 01 and 03.
    @Test(arguments: ["trace-scp02-jcexpress-spec-i55-level01", "trace-scp02-jcexpress-spec-i45-level03"])
    func otherExplicitOptions(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        try TraceReplay.checkTamperPropagation(trace)
    }

    /// javacard-express i=75 levels 11 and 13: R-MAC on every response, chained from the EXTERNAL AUTHENTICATE C-MAC.
    @Test(arguments: ["trace-scp02-jcexpress-spec-i75-level11", "trace-scp02-jcexpress-spec-i75-level13"])
    func responseMACs(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        try TraceReplay.replay(trace)

        var session = try TraceReplay.authenticate(trace)
        let first = try #require(trace.commands?.first)
        _ = try session.wrap(try command(first.plain))
        var response = try bytes(try #require(first.response))
        response[0] ^= 0x01
        #expect(throws: SecureChannelError(code: .responseMACMismatch, reason: "")) {
            try session.unwrap(response: response)
        }
        let failure = session.failure
        #expect(failure?.code == .responseMACMismatch)
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.wrap(try command(first.plain))
        }
    }

    /// pySim `SCP02_Test`: the card answers key version 70 to a request for 20, which is refused.
    @Test func refusesAnotherKeyVersion() throws {
        let file = try VectorFile<TraceVector>.load("trace-scp02-pysim-scp02-test")
        let refused = try #require(file.tests.first { $0.result == "invalid" })
        var session = try refused.makeSession()
        let initializeUpdate = session.initializeUpdateCommand
        #expect(initializeUpdate?.bytes.hexString == refused.initializeUpdate)
        #expect(throws: SecureChannelError(code: .unexpectedKeyVersion, reason: "")) {
            try session.receiveInitializeUpdateResponse(try bytes(refused.initializeUpdateResponse))
        }
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try session.externalAuthenticateCommand()
        }
    }

    /// pySim `SCP02_Test.test_mac_command` with key version 00: APDU cases 1 to 4 chained after EXTERNAL AUTHENTICATE.
    @Test func wrapsAllFourAPDUCases() throws {
        let trace = try #require(try TraceCase.load("trace-scp02-pysim-scp02-test").first)
        try TraceReplay.replay(trace.vector)
        try TraceReplay.replayPrefixes(trace.vector)
    }

    /// SCP02 C-DEC pads whole-block data with a full block and always starts from a zero IV (scp-facts gotcha 7).
    @Test func commandEncryptionAlwaysPads() throws {
        let trace = try TraceCase.named("trace-scp02-kaoh-install-mac-enc").vector
        var session = try TraceReplay.authenticate(trace)
        let eightBytes = CommandAPDU(cla: 0x80, ins: 0xE2, p1: 0x80, p2: 0x00, data: [UInt8](repeating: 0x11, count: 8))
        let first = try session.wrap(eightBytes)
        let second = try session.wrap(eightBytes)
        #expect(first.data.count == 16 + 8)
        #expect(first.data.prefix(16) == second.data.prefix(16))
        #expect(first.data.suffix(8) != second.data.suffix(8))
    }

    struct ImplicitVector: Decodable, Sendable {
        var tcId: Int
        var comment: String
        var option: String
        var `static`: String
        var sequenceCounter: String
        var aid: String
        var initialICV: String
        var commands: [TraceVector.Command]
    }

    /// Implicit initiation (i=0A, 1A, 0B, 1B) against an independent Python computation (no public vector exists).
    @Test func implicitInitiation() throws {
        for vector in try VectorFile<ImplicitVector>.load("scp02-implicit-generated").tests {
            var session = try SecureChannelSession(
                implicitInitiation: StaticKeys(sameKey: try cardKey(vector.static, aes: false), keyVersion: 0),
                configuration: .init(scp: .scp02(i: try byte(vector.option)), securityLevel: .commandMAC),
                sequenceCounter: try bytes(vector.sequenceCounter),
                aid: try #require(ApplicationIdentifier(hex: vector.aid))
            )
            let initializeUpdate = session.initializeUpdateCommand
            #expect(initializeUpdate == nil)
            for recorded in vector.commands {
                #expect(
                    try session.wrap(try command(recorded.plain)).bytes.hexString == recorded.wrapped,
                    "i=\(vector.option)"
                )
            }
            #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
                try session.externalAuthenticateCommand()
            }
        }
    }

    /// Implicit options are refused for explicit sessions, and implicit sessions allow C-MAC only.
    @Test func separatesImplicitAndExplicitOptions() throws {
        let keys = StaticKeys(
            sameKey: try CardKey(.tripleDES, bytes: [UInt8](repeating: 0x40, count: 16)),
            keyVersion: 0
        )
        let aid = try #require(ApplicationIdentifier(hex: "A000000151000000"))
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            _ = try SecureChannelSession(
                keys: keys,
                configuration: .init(scp: .scp02(i: 0x0A), securityLevel: .commandMAC),
                hostChallenge: [UInt8](repeating: 0, count: 8)
            )
        }
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            _ = try SecureChannelSession(
                implicitInitiation: keys,
                configuration: .init(scp: .scp02(i: 0x15), securityLevel: .commandMAC),
                sequenceCounter: [0, 1],
                aid: aid
            )
        }
        #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
            _ = try SecureChannelSession(
                implicitInitiation: keys,
                configuration: .init(scp: .scp02(i: 0x1A), securityLevel: [.commandMAC, .commandEncryption]),
                sequenceCounter: [0, 1],
                aid: aid
            )
        }
        #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
            _ = try SecureChannelSession(
                keys: keys,
                configuration: .init(scp: .scp02(i: 0x15), securityLevel: [.commandMAC, .responseMAC]),
                hostChallenge: [UInt8](repeating: 0, count: 8)
            )
        }
    }
}
