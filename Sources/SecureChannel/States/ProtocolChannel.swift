import APDUTypes

/// The per-protocol MAC chain of an authenticated session, dispatched without existentials.
enum ProtocolChannel: Sendable {
    case scp01(SCP01Channel)
    case scp02(SCP02Channel)
    case scp03(SCP03Channel)

    /// The protocol's name for messages.
    var protocolName: String {
        switch self {
        case .scp01: "SCP01"
        case .scp02: "SCP02"
        case .scp03: "SCP03"
        }
    }

    mutating func externalAuthenticate(hostCryptogram: [UInt8]) throws(SecureChannelError) -> CommandAPDU {
        switch self {
        case .scp01(var channel):
            let command = try channel.externalAuthenticate(hostCryptogram: hostCryptogram)
            self = .scp01(channel)
            return command
        case .scp02(var channel):
            let command = try channel.externalAuthenticate(hostCryptogram: hostCryptogram)
            self = .scp02(channel)
            return command
        case .scp03(var channel):
            let command = try channel.externalAuthenticate(hostCryptogram: hostCryptogram)
            self = .scp03(channel)
            return command
        }
    }

    mutating func wrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        switch self {
        case .scp01(var channel):
            let secured = try channel.wrap(command)
            self = .scp01(channel)
            return secured
        case .scp02(var channel):
            let secured = try channel.wrap(command)
            self = .scp02(channel)
            return secured
        case .scp03(var channel):
            let secured = try channel.wrap(command)
            self = .scp03(channel)
            return secured
        }
    }

    mutating func unwrap(_ response: CardResponse) throws(SecureChannelError) -> CardResponse {
        switch self {
        case .scp01:
            return response
        case .scp02(var channel):
            let plain = try channel.unwrap(response)
            self = .scp02(channel)
            return plain
        case .scp03(var channel):
            let plain = try channel.unwrap(response)
            self = .scp03(channel)
            return plain
        }
    }
}
