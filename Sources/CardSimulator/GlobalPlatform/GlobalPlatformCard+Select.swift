import APDUTypes

extension GlobalPlatformCard {
    /// SELECT by DF name (GPCS 2.3.1 section 11.9, ISO/IEC 7816-4 section 11.2.2): whole or partial AIDs,
    /// first or next occurrence, FCI or no response data.
    ///
    /// A successful SELECT ends the issuer security domain's session, even when it selects the
    /// security domain again. An AID that matches nothing selectable gets `6A82` and leaves the
    /// selection (and the session) as they were. On a locked or terminated card only the issuer
    /// security domain can be selected, with the warning `6283`.
    func select(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        switch command.p1 {
        case 0x04:
            break
        case 0x00...0x03, 0x08, 0x09:
            // Selection by file identifier or path: a GlobalPlatform card manager has no files.
            throw .applicationNotFound
        default:
            throw .incorrectParameters
        }
        let occurrence = command.p2 & 0x03
        let answer = command.p2 & 0x0C
        guard command.p2 & 0xF0 == 0, occurrence == 0x00 || occurrence == 0x02 else {
            throw .incorrectParameters
        }
        guard command.data.count <= ApplicationIdentifier.maximumLength else {
            throw .wrongLength
        }
        let isd = stored.configuration.issuerSecurityDomainAID
        let lifeCycle = stored.configuration.cardLifeCycle
        let cardIsLocked = lifeCycle == LifeCycle.cardLocked || lifeCycle == LifeCycle.terminated
        var candidates: [ApplicationIdentifier] = [isd]
        if !cardIsLocked {
            candidates += stored.applications.filter(Self.isSelectable).map(\.aid)
        }
        candidates = candidates.filter { $0.bytes.starts(with: command.data) }
        var target = candidates.first
        if occurrence == 0x02 {
            let current = selectedAID
            if let position = candidates.firstIndex(of: current) {
                target = position + 1 < candidates.count ? candidates[position + 1] : nil
            }
        }
        guard let target else {
            throw .applicationNotFound
        }
        endSession()
        selection = target == isd ? .issuerSecurityDomain : .application(target)
        let data = answer == 0x0C ? [] : fileControlInformation(for: target)
        return CardResponse(data: data, statusWord: cardIsLocked ? StatusWord(0x6283) : .success)
    }

    /// What a reset selects on the basic logical channel: the first selectable application, in install
    /// order, with the Card Reset privilege (GPCS 2.3.1 table 11-7, formerly Default Selected), or the
    /// issuer security domain when there is none or the card is locked or terminated.
    var selectionAfterReset: Selection {
        let lifeCycle = stored.configuration.cardLifeCycle
        guard lifeCycle != LifeCycle.cardLocked && lifeCycle != LifeCycle.terminated,
            let application = stored.applications.first(where: { $0.hasCardResetPrivilege && Self.isSelectable($0) })
        else {
            return .issuerSecurityDomain
        }
        return .application(application.aid)
    }

    /// Whether SELECT may reach an application: SELECTABLE or an application-specific state, not locked.
    static func isSelectable(_ application: Application) -> Bool {
        !application.isLocked && application.lifeCycle & LifeCycle.selectable == LifeCycle.selectable
    }

    /// The FCI: `6F` with `84` (the AID) and, for the issuer security domain, `A5` with the security
    /// domain management data (`73`, as in tag `66`) and the largest command data field (`9F65`).
    func fileControlInformation(for aid: ApplicationIdentifier) -> [UInt8] {
        var template = BERTLV.encode(tag: 0x84, value: aid.bytes)
        if aid == stored.configuration.issuerSecurityDomainAID {
            let proprietary = cardRecognitionData() + [0x9F, 0x65, 0x01, 0xFF]
            template += BERTLV.encode(tag: 0xA5, value: proprietary)
        }
        return BERTLV.encode(tag: 0x6F, value: template)
    }

    /// The card recognition data (the value of tag `66`): the configured one, or one built from the
    /// key sets (GPCS 2.3.1 appendix H.2: the GlobalPlatform OIDs under 1.2.840.114283).
    func cardRecognitionData() -> [UInt8] {
        if let configured = stored.configuration.cardRecognitionData {
            return configured
        }
        // 1.2.840.114283 is 2A 86 48 86 FC 6B; arcs 1 (card recognition data), 2 (GP version, here
        // 2.3.1), 3 (card identification scheme) and 4 (secure channel protocol and option).
        let globalPlatform: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B]
        func oid(_ arcs: [UInt8]) -> [UInt8] {
            BERTLV.encode(tag: 0x06, value: globalPlatform + arcs)
        }
        var contents = oid([0x01])
        contents += BERTLV.encode(tag: 0x60, value: oid([0x02, 0x02, 0x03, 0x01]))
        contents += BERTLV.encode(tag: 0x63, value: oid([0x03]))
        var protocols: [[UInt8]] = []
        for keySet in stored.configuration.keySets {
            let pair = [keySet.protocolIdentifier, keySet.implementationOption]
            if !protocols.contains(pair) {
                protocols.append(pair)
            }
        }
        for pair in protocols {
            contents += BERTLV.encode(tag: 0x64, value: oid([0x04] + pair))
        }
        return BERTLV.encode(tag: 0x73, value: contents)
    }
}
