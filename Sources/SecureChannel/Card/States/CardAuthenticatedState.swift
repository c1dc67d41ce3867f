import APDUTypes

/// The card has accepted EXTERNAL AUTHENTICATE (or the session was implicitly initiated): commands
/// are checked and unwrapped, responses secured.
struct CardAuthenticatedState: Sendable {
    let level: SecurityLevel
    var channel: CardProtocolChannel

    /// Checks the framing every protocol shares, then lets the protocol verify and strip the command.
    mutating func unwrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        guard level.contains(.commandMAC) else {
            // Level 00: commands travel as they are, so a secure messaging indication is not one of the host's.
            guard CommandFraming.hasNoSecureMessagingIndication(command.cla) else {
                throw .malformedCommand(
                    "CLA \(HexText.byte(command.cla)) indicates secure messaging, but the channel was opened at "
                        + "security level \(level), where commands are not secured"
                )
            }
            return command
        }
        guard CommandFraming.hasSecureMessagingIndication(command.cla) else {
            throw .malformedCommand(
                "CLA \(HexText.byte(command.cla)) has no secure messaging indication, but security level \(level) "
                    + "requires a C-MAC on every command"
            )
        }
        guard !command.isExtended else {
            throw .malformedCommand("secure channel commands are short APDUs; this one needs extended lengths")
        }
        guard command.data.count >= channel.macLength else {
            throw .malformedCommand(
                "the command carries \(command.data.count) data bytes, too few for its \(channel.macLength)-byte C-MAC"
            )
        }
        return try channel.unwrap(command)
    }

    mutating func wrap(_ response: CardResponse) throws(SecureChannelError) -> CardResponse {
        try channel.wrap(response)
    }
}
