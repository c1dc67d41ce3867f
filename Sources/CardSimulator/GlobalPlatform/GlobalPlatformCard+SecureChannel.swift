import APDUTypes
import Crypto
import SecureChannel

extension GlobalPlatformCard {
    /// INITIALIZE UPDATE (GPCS 2.3.1 E.5.1, Amendment D 7.1): starts a new session on a key set.
    ///
    /// Any open session ends first. SCP03 cards with pseudo-random challenges advance their sequence
    /// counter here, before computing the challenge, and keep the new value even if the session never opens.
    /// Key version `00` takes the first key set with explicit initiation; a key version whose key set
    /// only initiates implicitly (SCP02 `0A`, `0B`, `1A`, `1B`) is not found (`6A88`), as an unknown one.
    func initializeUpdate(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        guard command.cla == 0x80 else {
            throw command.cla & 0x80 != 0 ? .securityStatusNotSatisfied : .classNotSupported
        }
        endSession()
        guard command.p2 == 0x00 else {
            throw .incorrectParameters
        }
        guard !stored.isAuthenticationBlocked else {
            throw .authenticationBlocked
        }
        let requested = command.p1
        let keySets = stored.configuration.keySets
        let index =
            requested == 0
            ? keySets.firstIndex { $0.staticKeys != nil && !$0.initiatesImplicitly }
            : keySets.firstIndex { $0.keyVersion == requested && !$0.initiatesImplicitly }
        guard let index, let keys = stored.configuration.keySets[index].staticKeys else {
            throw .referencedDataNotFound
        }
        let keySet = stored.configuration.keySets[index]
        let option = keySet.implementationOption
        let isSCP03 = keySet.protocolIdentifier == 0x03
        let hostChallengeLength = isSCP03 && option & 0x01 != 0 ? 16 : 8
        guard command.data.count == hostChallengeLength else {
            throw .wrongLength
        }
        var counter = keySet.sequenceCounter
        if isSCP03 && option & 0x10 != 0 {
            guard counter < 0xFF_FFFF else {
                throw .conditionsNotSatisfied
            }
            counter += 1
            stored.configuration.keySets[index].sequenceCounter = counter
        }
        let challengeLength = keySet.cardChallengeLength
        let challenge = challengeLength == 0 ? nil : nextCardChallenge(length: challengeLength)
        let configuration = CardSecureChannelSession.Configuration(
            scp: keySet.secureChannelProtocol,
            scp03Option: isSCP03 ? option : 0x70,
            keyDiversificationData: stored.configuration.keyDiversificationData,
            securityDomainAID: stored.configuration.issuerSecurityDomainAID
        )
        let session: CardSecureChannelSession
        do throws(SecureChannelError) {
            session = try CardSecureChannelSession(
                keys: keys,
                configuration: configuration,
                sequenceCounter: keySet.counterBytes(counter),
                cardChallenge: challenge,
                initializeUpdate: command
            )
        } catch {
            throw error.code == .invalidArgument ? .wrongLength : .conditionsNotSatisfied
        }
        let response = session.initializeUpdateResponse ?? CardResponse(statusWord: StatusWord(0x6F00))
        channel = .awaitingExternalAuthenticate(ChannelBox(session: session, keyVersion: keySet.keyVersion))
        return response
    }

    /// EXTERNAL AUTHENTICATE: checks the host cryptogram and the C-MAC, and opens the channel at the level in P1.
    ///
    /// A wrong host cryptogram answers `6300` and counts towards the retry limit; a good one resets the
    /// count and, for SCP02, advances the sequence counter. Every failure closes the session.
    func externalAuthenticate(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        guard case .awaitingExternalAuthenticate(let box) = channel else {
            endSession()
            throw command.cla & 0x80 == 0 ? .classNotSupported : .conditionsNotSatisfied
        }
        endSession()
        guard command.cla == 0x84 else {
            throw command.cla & 0x80 == 0 ? .classNotSupported : .securityStatusNotSatisfied
        }
        guard command.p2 == 0x00 else {
            throw .incorrectParameters
        }
        let level = SecurityLevel(rawValue: command.p1)
        guard level.isSuperset(of: stored.configuration.minimumSecurityLevel) else {
            throw .securityStatusNotSatisfied
        }
        do throws(SecureChannelError) {
            try box.session.receiveExternalAuthenticate(command)
        } catch {
            switch error.code {
            case .hostCryptogramMismatch:
                stored.consecutiveAuthenticationFailures += 1
                throw .authenticationFailed
            case .unsupportedSecurityLevel:
                throw .incorrectParameters
            case .malformedCommand:
                throw .wrongLength
            default:
                throw .securityStatusNotSatisfied
            }
        }
        stored.consecutiveAuthenticationFailures = 0
        if let index = stored.configuration.keySets.firstIndex(where: { $0.keyVersion == box.keyVersion }),
            stored.configuration.keySets[index].protocolIdentifier == 0x02
        {
            // GPCS 2.3.1 E.4.2.1: the SCP02 counter advances once a session is established.
            let counter = stored.configuration.keySets[index].sequenceCounter
            stored.configuration.keySets[index].sequenceCounter = min(counter + 1, 0xFFFF)
        }
        channel = .open(box)
        return CardResponse(statusWord: .success)
    }

    /// Starts an implicitly initiated SCP02 session (GPCS 2.3.1 appendix E.1.2 and E.3.3) with the first
    /// secured command that arrives while the issuer security domain is selected and no session is open.
    ///
    /// The first key set with an implicit option is used, with its sequence counter as it is; the chain
    /// starts from the MAC of the selected security domain's AID, and the level is C-MAC. Only when the
    /// command's C-MAC verifies does the session open and the counter advance by one (the counter is
    /// incremented when the first C-MAC of a session is verified, GPCS 2.3.1 E.1.2), so a failed attempt
    /// changes nothing and the next secured command may try again. A counter at `FFFF` cannot advance:
    /// the same session keys would come back, so the card refuses (`6985`) instead of opening a session a
    /// recording could replay.
    ///
    /// - Parameter command: The secured command that starts the session.
    /// - Returns: The open session and the command without its C-MAC.
    /// - Throws: `6982` when no key set initiates implicitly or the C-MAC does not verify, `6983` when wrong
    ///   host cryptograms have blocked authentication, `6985` when the counter is exhausted.
    func openImplicitSession(_ command: CommandAPDU) throws(Refusal) -> (ChannelBox, CommandAPDU) {
        let configuration = stored.configuration
        guard let index = configuration.keySets.firstIndex(where: { $0.initiatesImplicitly && $0.staticKeys != nil }),
            let keys = configuration.keySets[index].staticKeys
        else {
            throw .securityStatusNotSatisfied
        }
        guard !stored.isAuthenticationBlocked else {
            throw .authenticationBlocked
        }
        let keySet = configuration.keySets[index]
        guard keySet.sequenceCounter < 0xFFFF, let counter = keySet.counterBytes(keySet.sequenceCounter) else {
            throw .conditionsNotSatisfied
        }
        let sessionConfiguration = CardSecureChannelSession.Configuration(
            scp: keySet.secureChannelProtocol,
            keyDiversificationData: configuration.keyDiversificationData,
            securityDomainAID: configuration.issuerSecurityDomainAID,
            minimumSecurityLevel: configuration.minimumSecurityLevel
        )
        let box: ChannelBox
        let plain: CommandAPDU
        do throws(SecureChannelError) {
            let session = try CardSecureChannelSession(
                implicitInitiation: keys,
                configuration: sessionConfiguration,
                sequenceCounter: counter,
                aid: configuration.issuerSecurityDomainAID
            )
            box = ChannelBox(session: session, keyVersion: keySet.keyVersion)
            plain = try box.session.unwrap(command)
        } catch {
            throw .securityStatusNotSatisfied
        }
        stored.configuration.keySets[index].sequenceCounter = keySet.sequenceCounter + 1
        channel = .open(box)
        return (box, plain)
    }

    /// The next card challenge from the configured source.
    private func nextCardChallenge(length: Int) -> [UInt8] {
        switch stored.configuration.cardChallenges {
        case .random:
            var generator = SystemRandomNumberGenerator()
            return (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        case .fixed(let bytes):
            return Array(bytes.prefix(length))
        case .seeded(let seed):
            let counter = stored.challengeCounter
            stored.challengeCounter += 1
            let counterBytes = (0..<8).reversed().map { UInt8((counter >> (8 * $0)) & 0xFF) }
            return Array(SHA256.hash(data: seed + counterBytes)).prefix(length).map { $0 }
        }
    }
}
