import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Replays recorded sessions through ``SecureChannelSession`` and compares every byte.
enum TraceReplay {
    /// Opens the session of a trace and checks INITIALIZE UPDATE, session keys, cryptograms and EXTERNAL AUTHENTICATE.
    static func authenticate(
        _ trace: TraceVector,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> SecureChannelSession {
        var session = try trace.makeSession()
        let builtCommand = session.initializeUpdateCommand
        let initializeUpdate = try #require(builtCommand)
        if let expected = trace.initializeUpdate {
            let recorded = try command(expected)
            // Tools differ on sending Le with INITIALIZE UPDATE (scp-facts gotcha 5); compare without it when absent.
            var built = initializeUpdate
            if recorded.le == nil {
                built.le = nil
            }
            #expect(built.bytes == recorded.bytes, "INITIALIZE UPDATE", sourceLocation: sourceLocation)
        }
        try session.receiveInitializeUpdateResponse(try bytes(trace.initializeUpdateResponse))
        let sessionKeys = session.sessionKeys
        let keys = try #require(sessionKeys)
        if let value = trace.sessionENC {
            #expect(keys.enc.revealedKeyBytes == (try bytes(value)), "S-ENC", sourceLocation: sourceLocation)
        }
        if let value = trace.sessionMAC {
            #expect(keys.mac.revealedKeyBytes == (try bytes(value)), "S-MAC", sourceLocation: sourceLocation)
        }
        if let value = trace.sessionRMAC {
            #expect(keys.rmac?.revealedKeyBytes == (try bytes(value)), "S-RMAC", sourceLocation: sourceLocation)
        }
        if let value = trace.sessionDEK {
            #expect(keys.dek.revealedKeyBytes == (try bytes(value)), "S-DEK", sourceLocation: sourceLocation)
        }
        let parsed = session.initializeUpdateResponse
        let response = try #require(parsed)
        if let value = trace.cardCryptogram {
            #expect(response.cardCryptogram == (try bytes(value)), "card cryptogram", sourceLocation: sourceLocation)
        }
        let diversified = session.cardKeys
        let cardKeys = try #require(diversified)
        if let value = trace.cardStaticENC {
            #expect(
                cardKeys.enc.revealedKeyBytes == (try bytes(value)),
                "diversified ENC",
                sourceLocation: sourceLocation
            )
        }
        if let value = trace.cardStaticMAC {
            #expect(
                cardKeys.mac.revealedKeyBytes == (try bytes(value)),
                "diversified MAC",
                sourceLocation: sourceLocation
            )
        }
        if let value = trace.cardStaticDEK {
            #expect(
                cardKeys.dek.revealedKeyBytes == (try bytes(value)),
                "diversified DEK",
                sourceLocation: sourceLocation
            )
        }
        if let aidHex = trace.securityDomainAID, let counter = response.sequenceCounter, counter.count == 3 {
            let aid = try #require(ApplicationIdentifier(hex: aidHex))
            let challenge = try SCP03.pseudoRandomCardChallenge(
                staticENC: cardKeys.enc,
                sequenceCounter: counter,
                aid: aid,
                length: response.cardChallenge.count
            )
            #expect(challenge == response.cardChallenge, "pseudo-random card challenge", sourceLocation: sourceLocation)
        }
        let externalAuthenticate = try session.externalAuthenticateCommand()
        if let value = trace.externalAuthenticate {
            #expect(
                externalAuthenticate.bytes == (try bytes(value)),
                "EXTERNAL AUTHENTICATE",
                sourceLocation: sourceLocation
            )
        }
        if let value = trace.hostCryptogram {
            let hostCryptogram = try bytes(value)
            #expect(
                Array(externalAuthenticate.data.prefix(hostCryptogram.count)) == hostCryptogram,
                "host cryptogram",
                sourceLocation: sourceLocation
            )
        }
        let isAuthenticated = session.isAuthenticated
        #expect(isAuthenticated, sourceLocation: sourceLocation)
        return session
    }

    /// Replays a whole trace: every wrapped command and every response byte for byte.
    static func replay(_ trace: TraceVector, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var session = try authenticate(trace, sourceLocation: sourceLocation)
        for (index, recorded) in (trace.commands ?? []).enumerated() {
            let wrapped = try session.wrap(try command(recorded.plain))
            #expect(
                wrapped.bytes.hexString == recorded.wrapped,
                "command \(index + 1) wrapped",
                sourceLocation: sourceLocation
            )
            guard let responseHex = recorded.response else {
                continue
            }
            let response = try bytes(responseHex)
            let plain = try session.unwrap(response: response)
            if let expected = recorded.responsePlain {
                #expect(plain.data.hexString == expected, "response \(index + 1) data", sourceLocation: sourceLocation)
            }
            #expect(
                plain.statusWord == StatusWord(sw1: response[response.count - 2], sw2: response[response.count - 1]),
                "response \(index + 1) status word",
                sourceLocation: sourceLocation
            )
        }
    }

    /// Wraps every prefix of the trace's commands from a fresh session, one command at a time and
    /// without unwrapping responses, and checks that the last command of each prefix is byte-exact.
    static func replayPrefixes(_ trace: TraceVector, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let commands = trace.commands ?? []
        for end in commands.indices {
            var session = try authenticate(trace, sourceLocation: sourceLocation)
            var last: CommandAPDU?
            for recorded in commands[...end] {
                last = try session.wrap(try command(recorded.plain))
            }
            #expect(
                last?.bytes.hexString == commands[end].wrapped,
                "command \(end + 1) wrapped after a fresh session",
                sourceLocation: sourceLocation
            )
        }
    }

    /// Flips one bit of the first command that has data and checks that its MAC and every later MAC change.
    ///
    /// - Returns: The number of MACs compared, 0 when the trace has no command with data.
    @discardableResult
    static func checkTamperPropagation(
        _ trace: TraceVector,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Int {
        let commands = try (trace.commands ?? []).map { try command($0.plain) }
        guard let target = commands.firstIndex(where: { !$0.data.isEmpty }) else {
            return 0
        }
        let macLength = try trace.macLength()
        var original = try authenticate(trace, sourceLocation: sourceLocation)
        var tampered = try authenticate(trace, sourceLocation: sourceLocation)
        var compared = 0
        for (index, plain) in commands.enumerated() {
            var changed = plain
            if index == target {
                changed.data[0] ^= 0x01
            }
            let a = try original.wrap(plain)
            let b = try tampered.wrap(changed)
            if index < target {
                #expect(a == b, "command \(index + 1) before the tampered one", sourceLocation: sourceLocation)
            } else {
                #expect(
                    a.data.suffix(macLength) != b.data.suffix(macLength),
                    "MAC of command \(index + 1) must change after tampering with command \(target + 1)",
                    sourceLocation: sourceLocation
                )
                compared += 1
            }
        }
        return compared
    }
}
