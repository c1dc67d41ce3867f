import APDUTypes
import CardCrypto

/// The card side of the SCP01 command MAC chain: checks each C-MAC and decrypts C-DECRYPTION data.
///
/// It mirrors ``SCP01Channel`` through the same ``SCP01`` functions: the C-MAC covers
/// `CLA|04 INS P1 P2 Lc+8` and the plain data, so encrypted data is decrypted first. SCP01 has no
/// R-MAC, so responses go out as they are.
struct SCP01CardChannel: Sendable {
    let keys: SessionKeys
    let level: SecurityLevel
    let encryptsICV: Bool
    /// The last verified C-MAC; `nil` until EXTERNAL AUTHENTICATE, whose ICV is zero.
    private var lastMAC: [UInt8]?

    init(keys: SessionKeys, level: SecurityLevel, option: UInt8) {
        self.keys = keys
        self.level = level
        self.encryptsICV = option & 0x10 != 0
        self.lastMAC = nil
    }

    /// Checks the C-MAC of EXTERNAL AUTHENTICATE (`host-cryptogram C-MAC`) and starts the chain with it.
    ///
    /// - Returns: Whether the C-MAC verified; the chain starts only when it did.
    mutating func acceptExternalAuthenticate(_ command: CommandAPDU) throws(SecureChannelError) -> Bool {
        let cryptogram = Array(command.data.dropLast(8))
        let header = [command.cla, command.ins, command.p1, command.p2, UInt8(command.data.count)]
        let expected = try SCP01.commandMAC(header + cryptogram, keys: keys, previousMAC: nil, encryptsICV: encryptsICV)
        guard constantTimeEquals(expected, command.data.suffix(8)) else {
            return false
        }
        lastMAC = expected
        return true
    }

    /// Verifies and strips one secured command; the caller has checked the class byte and that the data holds a MAC.
    mutating func unwrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        let body = Array(command.data.dropLast(8))
        var data = body
        var decrypted = true
        if level.contains(.commandEncryption) && !body.isEmpty {
            if let plain = try SCP01.decryptCommandData(body, keys: keys) {
                data = plain
            } else {
                decrypted = false
            }
        }
        let header = [command.cla, command.ins, command.p1, command.p2, UInt8(truncatingIfNeeded: data.count + 8)]
        let expected = try SCP01.commandMAC(header + data, keys: keys, previousMAC: lastMAC, encryptsICV: encryptsICV)
        let macMatches = constantTimeEquals(expected, command.data.suffix(8))
        guard decrypted, macMatches else {
            throw .commandMACMismatch(
                "the SCP01 C-MAC of command \(HexText.bytes([command.cla, command.ins, command.p1, command.p2])) does "
                    + "not verify: the command was altered, dropped, reordered or secured with other keys"
            )
        }
        lastMAC = expected
        return CommandFraming.plainCommand(command, data: data)
    }
}
