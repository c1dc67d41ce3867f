import APDUTypes

/// The per-protocol card side of an authenticated channel, dispatched without existentials.
enum CardProtocolChannel: Sendable {
    case scp01(SCP01CardChannel)
    case scp02(SCP02CardChannel)
    case scp03(SCP03CardChannel)

    /// The C-MAC length: 8 bytes, or 16 in SCP03 S16 mode.
    var macLength: Int {
        switch self {
        case .scp01, .scp02: 8
        case .scp03(let channel): channel.macLength
        }
    }

    /// Checks the C-MAC of EXTERNAL AUTHENTICATE and, when it verifies, starts the chain.
    mutating func acceptExternalAuthenticate(_ command: CommandAPDU) throws(SecureChannelError) -> Bool {
        switch self {
        case .scp01(var channel):
            let accepted = try channel.acceptExternalAuthenticate(command)
            self = .scp01(channel)
            return accepted
        case .scp02(var channel):
            let accepted = try channel.acceptExternalAuthenticate(command)
            self = .scp02(channel)
            return accepted
        case .scp03(var channel):
            let accepted = try channel.acceptExternalAuthenticate(command)
            self = .scp03(channel)
            return accepted
        }
    }

    mutating func unwrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        switch self {
        case .scp01(var channel):
            let plain = try channel.unwrap(command)
            self = .scp01(channel)
            return plain
        case .scp02(var channel):
            let plain = try channel.unwrap(command)
            self = .scp02(channel)
            return plain
        case .scp03(var channel):
            let plain = try channel.unwrap(command)
            self = .scp03(channel)
            return plain
        }
    }

    mutating func wrap(_ response: CardResponse) throws(SecureChannelError) -> CardResponse {
        switch self {
        case .scp01:
            return response
        case .scp02(var channel):
            let secured = try channel.wrap(response)
            self = .scp02(channel)
            return secured
        case .scp03(var channel):
            let secured = try channel.wrap(response)
            self = .scp03(channel)
            return secured
        }
    }
}
