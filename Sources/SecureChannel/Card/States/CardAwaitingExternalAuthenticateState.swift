import APDUTypes
import CardCrypto

/// The card has answered INITIALIZE UPDATE; EXTERNAL AUTHENTICATE is the only command it accepts next.
struct CardAwaitingExternalAuthenticateState: Sendable {
    let scp: SecureChannelProtocol
    /// The SCP03 option "i"; unused for SCP01 and SCP02.
    let scp03Option: UInt8
    let sessionKeys: SessionKeys
    /// The host cryptogram the card expects.
    let hostCryptogram: [UInt8]
    let minimumSecurityLevel: SecurityLevel

    /// Checks EXTERNAL AUTHENTICATE: its layout, the security level, the host cryptogram and the C-MAC.
    ///
    /// Both the cryptogram and the C-MAC are computed and compared in constant time before either
    /// result is acted on.
    ///
    /// - Throws: ``SecureChannelError/Code/hostCryptogramMismatch``, ``SecureChannelError/Code/commandMACMismatch``,
    ///   ``SecureChannelError/Code/malformedCommand``, ``SecureChannelError/Code/unsupportedSecurityLevel``.
    func receive(_ command: CommandAPDU) throws(SecureChannelError) -> CardAuthenticatedState {
        guard command.ins == 0x82, command.p2 == 0x00, command.cla & 0x80 != 0,
            CommandFraming.hasSecureMessagingIndication(command.cla)
        else {
            throw .malformedCommand(
                "EXTERNAL AUTHENTICATE is '84 82 level 00' (a GlobalPlatform class byte with secure messaging), not "
                    + "\(HexText.bytes([command.cla, command.ins, command.p1, command.p2]))"
            )
        }
        let level = SecurityLevel(rawValue: command.p1)
        try SessionValidation.checkLevel(level, scp: scp)
        if case .scp03 = scp {
            try SessionValidation.checkSCP03(level: level, option: scp03Option)
        }
        guard level.isSuperset(of: minimumSecurityLevel) else {
            throw .unsupportedSecurityLevel(
                "the host asked for security level \(level) but this card requires at least \(minimumSecurityLevel)"
            )
        }
        let length = hostCryptogram.count
        guard command.data.count == 2 * length else {
            throw .malformedCommand(
                "EXTERNAL AUTHENTICATE carries a \(length)-byte host cryptogram and a \(length)-byte C-MAC here, "
                    + "not \(command.data.count) bytes"
            )
        }
        var channel: CardProtocolChannel
        switch scp {
        case .scp01(let option):
            channel = .scp01(SCP01CardChannel(keys: sessionKeys, level: level, option: option))
        case .scp02(let i):
            channel = .scp02(SCP02CardChannel(keys: sessionKeys, level: level, option: SCP02.Option(rawValue: i)))
        case .scp03:
            channel = .scp03(SCP03CardChannel(keys: sessionKeys, level: level, macLength: length))
        }
        let cryptogramMatches = constantTimeEquals(hostCryptogram, command.data.prefix(length))
        let macMatches = try channel.acceptExternalAuthenticate(command)
        guard cryptogramMatches else {
            throw .hostCryptogramMismatch(
                "the host cryptogram in EXTERNAL AUTHENTICATE does not match this card's \(scp) session: the host "
                    + "used other static keys, another key version or diversification, or another card challenge"
            )
        }
        guard macMatches else {
            throw .commandMACMismatch(
                "the host cryptogram matches but the C-MAC of EXTERNAL AUTHENTICATE does not verify: the command "
                    + "was altered, or the host's MAC key differs from the card's"
            )
        }
        return CardAuthenticatedState(level: level, channel: channel)
    }
}
