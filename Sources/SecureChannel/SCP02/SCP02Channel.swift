import APDUTypes
import CardCrypto

/// The SCP02 command MAC chain, command encryption and response MAC chain.
///
/// C-MAC = retail MAC with S-MAC over `pad80(CLA|04 INS P1 P2 Lc+8 data)` (the unmodified
/// `CLA INS P1 P2 Lc data` for implicit options), from ICV zero for EXTERNAL AUTHENTICATE and from
/// the previous C-MAC afterwards, encrypted with single DES under the first half of S-MAC when the
/// option has bit `10`. C-DECRYPTION always pads the data and encrypts it with triple-DES CBC under
/// S-ENC from a zero IV; the MAC covers the plaintext.
///
/// R-MAC (option bit `20`) = retail MAC with S-RMAC over
/// `pad80(CLA INS P1 P2 Lc data ‖ Lr response-data ‖ SW)` of the plain command, chained from the
/// C-MAC of EXTERNAL AUTHENTICATE and then from each previous R-MAC.
struct SCP02Channel: Sendable {
    let keys: SessionKeys
    let level: SecurityLevel
    let option: SCP02.Option
    /// The last C-MAC; `nil` before the first command of an explicit session (ICV zero).
    private(set) var lastMAC: [UInt8]?
    /// The R-MAC chaining value.
    private var responseICV: [UInt8]
    /// The response the next unwrap expects.
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

    mutating func externalAuthenticate(hostCryptogram: [UInt8]) throws(SecureChannelError) -> CommandAPDU {
        let header: [UInt8] = [0x84, 0x82, level.rawValue, 0x00, 0x10]
        let mac = try SCP02.commandMAC(
            header + hostCryptogram,
            keys: keys,
            icv: try SCP02.commandICV(previousMAC: nil, keys: keys, option: option)
        )
        lastMAC = mac
        responseICV = mac
        pending = .externalAuthenticate
        return CommandAPDU(cla: 0x84, ins: 0x82, p1: level.rawValue, p2: 0x00, data: hostCryptogram + mac)
    }

    mutating func wrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        guard level.contains(.commandMAC) else {
            return command
        }
        let data = command.data
        var body = data
        if level.contains(.commandEncryption) && !data.isEmpty {
            body = try SCP02.encryptCommandData(data, keys: keys)
        }
        try CommandFraming.checkLength(data.count + 8, protocolName: "SCP02")
        try CommandFraming.checkLength(body.count + 8, protocolName: "SCP02")
        let icv = try SCP02.commandICV(previousMAC: lastMAC, keys: keys, option: option)
        let input = SCP02.commandMACInput(
            cla: command.cla,
            ins: command.ins,
            p1: command.p1,
            p2: command.p2,
            data: data,
            option: option
        )
        let mac = try SCP02.commandMAC(input, keys: keys, icv: icv)
        let secured = try CommandFraming.securedCommand(command, data: body + mac, protocolName: "SCP02")
        lastMAC = mac
        pending = .command(
            plainCommand: SCP02.plainCommand(
                cla: command.cla,
                ins: command.ins,
                p1: command.p1,
                p2: command.p2,
                data: data
            )
        )
        return secured
    }

    mutating func unwrap(_ response: CardResponse) throws(SecureChannelError) -> CardResponse {
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
                "an SCP02 R-MAC covers the command it answers, and that command's response was unwrapped already"
            )
        case .command(let plainCommand):
            command = plainCommand
        }
        guard response.data.count >= 8 else {
            throw .malformedResponse(
                "an SCP02 response with R-MAC carries at least the 8-byte R-MAC, got \(response.data.count) data bytes"
            )
        }
        let data = Array(response.data.dropLast(8))
        let received = Array(response.data.suffix(8))
        let expected = try SCP02.responseMAC(
            plainCommand: command,
            responseData: data,
            statusWord: [response.statusWord.sw1, response.statusWord.sw2],
            keys: keys,
            icv: responseICV
        )
        guard constantTimeEquals(expected, received) else {
            throw .responseMACMismatch(
                "the SCP02 R-MAC of the response with status word \(response.statusWord) does not verify; "
                    + "the response was altered or does not answer the last wrapped command"
            )
        }
        responseICV = received
        pending = .none
        return CardResponse(data: data, statusWord: response.statusWord)
    }
}
