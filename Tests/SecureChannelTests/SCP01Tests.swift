import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// SCP01 sessions: GlobalPlatformPro's real card trace and kaoh/globalplatform's C-DEC install.
struct SCP01Tests {
    /// martinpaljak/GlobalPlatformPro `nextgen/src/test/resources/scp01-auth.dump`: real card, i=05, level 01.
    @Test func realCardTraceI05() throws {
        let trace = try TraceCase.named("trace-scp01-gppro-scp01-auth-dump").vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 1)
    }

    /// kaoh/globalplatform `scp01Test.c` `install`: VISA2 keys, C-DEC and C-MAC over DELETE, INSTALL and LOAD.
    ///
    /// The LOAD block of 239 bytes plus its Lc byte is whole blocks, so it is encrypted without padding.
    @Test func encryptedInstallWithVISA2Keys() throws {
        let trace = try TraceCase.named("trace-scp01-kaoh-install").vector
        try TraceReplay.replay(trace)
        try TraceReplay.replayPrefixes(trace)
        #expect(try TraceReplay.checkTamperPropagation(trace) == 7)
    }

    /// ICV encryption (i=15) changes every C-MAC after EXTERNAL AUTHENTICATE but not EXTERNAL AUTHENTICATE itself.
    @Test func icvEncryptionChangesTheChain() throws {
        var trace = try TraceCase.named("trace-scp01-gppro-scp01-auth-dump").vector
        trace.option = "15"
        var session = try trace.makeSession()
        try session.receiveInitializeUpdateResponse(try bytes(trace.initializeUpdateResponse))
        let externalAuthenticate = try session.externalAuthenticateCommand()
        #expect(externalAuthenticate.bytes.hexString == trace.externalAuthenticate)
        let recorded = try #require(trace.commands?.first)
        let wrapped = try session.wrap(try command(recorded.plain))
        #expect(wrapped.bytes.count == (try bytes(recorded.wrapped)).count)
        #expect(wrapped.bytes.hexString != recorded.wrapped)
    }

    /// SCP01 has no R-MAC: levels with response bits are refused before anything is sent.
    @Test func refusesResponseLevels() throws {
        let trace = try TraceCase.named("trace-scp01-gppro-scp01-auth-dump").vector
        for level: UInt8 in [0x11, 0x13, 0x33, 0x02] {
            #expect(throws: SecureChannelError(code: .unsupportedSecurityLevel, reason: "")) {
                _ = try SecureChannelSession(
                    keys: try trace.keys(),
                    configuration: .init(scp: .scp01(i: 0x05), securityLevel: SecurityLevel(rawValue: level)),
                    hostChallenge: try bytes(trace.hostChallenge)
                )
            }
        }
        #expect(throws: SecureChannelError(code: .unsupportedProtocol, reason: "")) {
            _ = try SecureChannelSession(
                keys: try trace.keys(),
                configuration: .init(scp: .scp01(i: 0x0A), securityLevel: .commandMAC),
                hostChallenge: try bytes(trace.hostChallenge)
            )
        }
    }
}
