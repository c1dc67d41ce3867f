import APDUTypes
import CardCrypto

/// The card side of the SCP02 MAC chains: checks each C-MAC, decrypts C-DECRYPTION data and adds R-MACs.
///
/// It mirrors ``SCP02Channel`` through the same ``SCP02`` functions: the C-MAC covers the plain data
/// (so encrypted data is decrypted first), from ICV zero for EXTERNAL AUTHENTICATE and from the
/// previous C-MAC (encrypted when the option has bit `10`) afterwards. With R-MAC each response's MAC
/// covers the plain command it answers and chains from the EXTERNAL AUTHENTICATE C-MAC.
struct SCP02CardChannel: Sendable {
    let keys: SessionKeys
    let level: SecurityLevel
    let option: SCP02.Option
    /// The last verified C-MAC; `nil` before EXTERNAL AUTHENTICATE of an explicit session (ICV zero).
    private var lastMAC: [UInt8]?
    /// The R-MAC chaining value.
    private var responseICV: [UInt8]
    /// The command whose response the next wrap secures.
    private var pending: PendingResponse

    init(keys: SessionKeys, level: SecurityLevel, option: SCP02.Option) {
        self.keys = keys
        self.level = level
        self.option = option
        self.lastMAC = nil
        self.responseICV = Primitives.zeros(8)
        self.pending = .none
    }

    /// Starts an implicit session: the chaining value is the retail MAC of `pad80(AID)` from ICV zero.
    init(
        implicitKeys keys: SessionKeys,
        level: SecurityLevel,
        option: SCP02.Option,
        aid: [UInt8]
    ) throws(SecureChannelError) {
        self.init(keys: keys, level: level, option: option)
        let initial = try SCP02.implicitInitialMAC(aid: aid, keys: keys)
        lastMAC = initial
        responseICV = initial
    }

    /// Checks the C-MAC of EXTERNAL AUTHENTICATE (`host-cryptogram C-MAC`) and starts both chains with it.
    ///
    /// - Returns: Whether the C-MAC verified; the chains start only when it did.
    mutating func acceptExternalAuthenticate(_ command: CommandAPDU) throws(SecureChannelError) -> Bool {
        let cryptogram = Array(command.data.dropLast(8))
        let header = [command.cla, command.ins, command.p1, command.p2, UInt8(command.data.count)]
        let expected = try SCP02.commandMAC(
            header + cryptogram,
            keys: keys,
            icv: try SCP02.commandICV(previousMAC: nil, keys: keys, option: option)
        )
        guard constantTimeEquals(expected, command.data.suffix(8)) else {
            return false
        }
        lastMAC = expected
        responseICV = expected
        pending = .externalAuthenticate
        return true
    }

    /// Verifies and strips one secured command; the caller has checked the class byte and that the data holds a MAC.
    mutating func unwrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        let body = Array(command.data.dropLast(8))
        var data = body
        var decrypted = true
        if level.contains(.commandEncryption) && !body.isEmpty {
            if let plain = try SCP02.decryptCommandData(body, keys: keys) {
                data = plain
            } else {
                decrypted = false
            }
        }
        let input = SCP02.commandMACInput(
            cla: command.cla,
            ins: command.ins,
            p1: command.p1,
            p2: command.p2,
            data: data,
            option: option
        )
        let icv = try SCP02.commandICV(previousMAC: lastMAC, keys: keys, option: option)
        let expected = try SCP02.commandMAC(input, keys: keys, icv: icv)
        let macMatches = constantTimeEquals(expected, command.data.suffix(8))
        guard decrypted, macMatches else {
            throw .commandMACMismatch(
                "the SCP02 C-MAC of command \(HexText.bytes([command.cla, command.ins, command.p1, command.p2])) does "
                    + "not verify: the command was altered, dropped, reordered or secured with other keys"
            )
        }
        lastMAC = expected
        pending = .command(
            plainCommand: SCP02.plainCommand(
                cla: command.cla,
                ins: command.ins,
                p1: command.p1,
                p2: command.p2,
                data: data
            )
        )
        return CommandFraming.plainCommand(command, data: data)
    }

    /// Appends the R-MAC to the response of the last unwrapped command, when the level has R-MAC.
    mutating func wrap(_ response: CardResponse) throws(SecureChannelError) -> CardResponse {
        guard level.contains(.responseMAC) else {
            return response
        }
        let command: [UInt8]
        switch pending {
        case .externalAuthenticate:
            pending = .none
            return response
        case .none:
            throw .invalidState(
                "an SCP02 R-MAC covers the command it answers, and the last command's response was secured already"
            )
        case .command(let plainCommand):
            command = plainCommand
        }
        try CommandFraming.checkResponseLength(response.data.count + 8, protocolName: "SCP02")
        let mac = try SCP02.responseMAC(
            plainCommand: command,
            responseData: response.data,
            statusWord: [response.statusWord.sw1, response.statusWord.sw2],
            keys: keys,
            icv: responseICV
        )
        responseICV = mac
        pending = .none
        return CardResponse(data: response.data + mac, statusWord: response.statusWord)
    }
}
