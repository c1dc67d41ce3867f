import APDUTypes

/// The parts of command wrapping that all three protocols share: checks, the secured CLA and the final APDU.
enum CommandFraming {
    /// The largest data field of a short command APDU.
    static let maximumDataLength = 255

    /// Checks that a plain command can be secured.
    ///
    /// - Throws: ``SecureChannelError/Code/invalidCommand`` for extended lengths, a CLA of `FF`, or a
    ///   CLA that already has its secure messaging bits set (a command wrapped twice).
    static func validate(_ command: CommandAPDU) throws(SecureChannelError) {
        guard command.cla != 0xFF else {
            throw .invalidCommand("CLA FF is not a valid class byte")
        }
        if command.cla & 0x40 != 0 {
            guard command.cla & 0x20 == 0 else {
                throw .invalidCommand(
                    "CLA \(HexText.byte(command.cla)) already has its secure messaging bit set; wrap each command once"
                )
            }
        } else {
            guard command.cla & 0x0C == 0 else {
                throw .invalidCommand(
                    "CLA \(HexText.byte(command.cla)) already has secure messaging bits set; wrap each command once"
                )
            }
        }
        guard command.data.count <= maximumDataLength else {
            throw .invalidCommand(
                "the command carries \(command.data.count) data bytes; secure channel commands are short APDUs "
                    + "with at most 255 data bytes before wrapping"
            )
        }
        if let le = command.le {
            guard (1...256).contains(le) else {
                throw .invalidCommand("Le \(le) needs an extended APDU; secure channel commands are short APDUs")
            }
        }
    }

    /// The class byte with the GlobalPlatform secure messaging indication set.
    ///
    /// Class bytes `00`-`3F` and `80`-`BF` (basic and first interindustry logical channels 0 to 3) set
    /// bit `04`; class bytes with bit `40` (further logical channels 4 to 19) set bit `20`
    /// (ISO/IEC 7816-4 5.4.1, GlobalPlatform 2.3.1 11.1.4).
    static func securedCLA(_ cla: UInt8) -> UInt8 {
        cla & 0x40 != 0 ? cla | 0x20 : cla | 0x04
    }

    /// The class byte without secure messaging indication, as SCP02 "unmodified APDU" MACs and R-MACs use it.
    static func plainCLA(_ cla: UInt8) -> UInt8 {
        cla & 0x40 != 0 ? cla & ~0x20 : cla & ~0x0C
    }

    /// Whether the class byte carries exactly the secure messaging indication ``securedCLA(_:)`` sets.
    ///
    /// A card accepts a secured command only with this indication: bit `04` (and not `08`) for class
    /// bytes without bit `40`, bit `20` for the others. Class `FF` is never valid.
    static func hasSecureMessagingIndication(_ cla: UInt8) -> Bool {
        cla != 0xFF && cla == securedCLA(plainCLA(cla))
    }

    /// Whether the class byte carries no secure messaging indication at all, as a plain command's does.
    static func hasNoSecureMessagingIndication(_ cla: UInt8) -> Bool {
        cla != 0xFF && cla == plainCLA(cla)
    }

    /// Builds the secured command, keeping Le outside the MAC and after it.
    ///
    /// - Throws: ``SecureChannelError/Code/commandTooLong`` when `data` exceeds 255 bytes, saying by how much.
    static func securedCommand(
        _ command: CommandAPDU,
        data: [UInt8],
        protocolName: String
    ) throws(SecureChannelError) -> CommandAPDU {
        guard data.count <= maximumDataLength else {
            throw .commandTooLong(dataLength: data.count, protocolName: protocolName)
        }
        return CommandAPDU(
            cla: securedCLA(command.cla),
            ins: command.ins,
            p1: command.p1,
            p2: command.p2,
            data: data,
            le: command.le
        )
    }

    /// The plain command a card recovers from a secured one: class byte without secure messaging
    /// indication, the plain data, and the Le that travelled outside the MAC.
    static func plainCommand(_ secured: CommandAPDU, data: [UInt8]) -> CommandAPDU {
        CommandAPDU(
            cla: plainCLA(secured.cla),
            ins: secured.ins,
            p1: secured.p1,
            p2: secured.p2,
            data: data,
            le: secured.le
        )
    }

    /// Checks a secured response data length (at most 256 bytes, what a short Le asks for) on the card side.
    static func checkResponseLength(_ count: Int, protocolName: String) throws(SecureChannelError) {
        guard count <= 256 else {
            throw .invalidArgument(
                "with \(protocolName) the secured response data would be \(count) bytes, \(count - 256) more than "
                    + "the 256 a short response carries; return less data per response"
            )
        }
    }

    /// Checks a secured data length before any MAC is computed, so a rejected command leaves the chain untouched.
    static func checkLength(_ count: Int, protocolName: String) throws(SecureChannelError) {
        guard count <= maximumDataLength else {
            throw .commandTooLong(dataLength: count, protocolName: protocolName)
        }
    }
}
