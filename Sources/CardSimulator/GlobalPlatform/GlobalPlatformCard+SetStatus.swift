import APDUTypes

extension GlobalPlatformCard {
    /// SET STATUS (GPCS 2.3.1 section 11.10): P1 `80` the card life cycle, `40` an application or
    /// security domain, `60` a security domain and its applications; P2 the new state.
    ///
    /// Card transitions go forward (OP_READY, INITIALIZED, SECURED), between SECURED and CARD_LOCKED,
    /// and to TERMINATED from any state; others get `6985`. For applications P2 `80` locks, `00`
    /// unlocks, and a value with the low three bits set (such as `0F`) is an application-specific state
    /// of a selectable application.
    func setStatus(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        let state = command.p2
        let isd = stored.configuration.issuerSecurityDomainAID
        switch command.p1 {
        case 0x80:
            guard command.data.isEmpty || command.data == isd.bytes else {
                throw .incorrectData
            }
            guard let target = LifeCycle.cardStates.firstIndex(of: state),
                let current = LifeCycle.cardStates.firstIndex(of: stored.configuration.cardLifeCycle)
            else {
                throw .incorrectData
            }
            let allowed: Bool
            switch (LifeCycle.cardStates[current], state) {
            case (LifeCycle.terminated, _): allowed = false
            case (_, LifeCycle.terminated): allowed = true
            case (LifeCycle.secured, LifeCycle.cardLocked), (LifeCycle.cardLocked, LifeCycle.secured): allowed = true
            case (LifeCycle.cardLocked, _), (_, LifeCycle.cardLocked): allowed = false
            default: allowed = target >= current
            }
            guard allowed else {
                throw .conditionsNotSatisfied
            }
            stored.configuration.cardLifeCycle = state
        case 0x40, 0x60:
            guard let aid = ApplicationIdentifier(command.data) else {
                throw .incorrectData
            }
            guard aid != isd else {
                throw .conditionsNotSatisfied
            }
            guard let index = stored.applications.firstIndex(where: { $0.aid == aid }) else {
                throw .referencedDataNotFound
            }
            var indices = [index]
            if command.p1 == 0x60 {
                guard stored.applications[index].isSecurityDomain, state == 0x80 || state == 0x00 else {
                    throw .conditionsNotSatisfied
                }
                indices += stored.applications.indices.filter { stored.applications[$0].securityDomain == aid }
            }
            for position in indices {
                stored.applications[position].lifeCycle = try Self.applicationState(
                    from: stored.applications[position].lifeCycle,
                    to: state
                )
            }
        default:
            throw .incorrectParameters
        }
        return CardResponse(statusWord: .success)
    }

    /// The life cycle after a SET STATUS to `state`, or the refusal.
    private static func applicationState(from current: UInt8, to state: UInt8) throws(Refusal) -> UInt8 {
        let locked = current & LifeCycle.lockedBit != 0
        switch state {
        case 0x80:
            return current | LifeCycle.lockedBit
        case 0x00:
            guard locked else {
                throw .conditionsNotSatisfied
            }
            return current & ~LifeCycle.lockedBit
        default:
            guard state & 0x80 == 0, state & 0x07 == 0x07, state > LifeCycle.selectable else {
                throw .incorrectData
            }
            guard !locked, current & 0x07 == 0x07 else {
                throw .conditionsNotSatisfied
            }
            return state
        }
    }
}
