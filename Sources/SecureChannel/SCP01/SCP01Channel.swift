import APDUTypes
import CardCrypto

/// The SCP01 command MAC chain and command encryption.
///
/// C-MAC = full triple-DES MAC with S-MAC over `pad80(CLA|04 INS P1 P2 Lc+8 data)`, from ICV zero
/// for EXTERNAL AUTHENTICATE and from the previous C-MAC afterwards (encrypted with triple-DES ECB
/// under S-MAC when i=15). C-DECRYPTION encrypts `Lc ‖ data` with triple-DES CBC under S-ENC from a
/// zero IV, padding only when that is not already whole blocks; the MAC covers the plaintext.
struct SCP01Channel: Sendable {
    let keys: SessionKeys
    let level: SecurityLevel
    let encryptsICV: Bool
    /// The last C-MAC, the next command's chaining value.
    private(set) var lastMAC: [UInt8]

    init(keys: SessionKeys, level: SecurityLevel, option: UInt8) {
        self.keys = keys
        self.level = level
        self.encryptsICV = option & 0x10 != 0
        self.lastMAC = Primitives.zeros(8)
    }

    mutating func externalAuthenticate(hostCryptogram: [UInt8]) throws(SecureChannelError) -> CommandAPDU {
        let header: [UInt8] = [0x84, 0x82, level.rawValue, 0x00, 0x10]
        let mac = try SCP01.commandMAC(header + hostCryptogram, keys: keys, previousMAC: nil, encryptsICV: encryptsICV)
        lastMAC = mac
        return CommandAPDU(cla: 0x84, ins: 0x82, p1: level.rawValue, p2: 0x00, data: hostCryptogram + mac)
    }

    mutating func wrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        guard level.contains(.commandMAC) else {
            return command
        }
        let data = command.data
        var body = data
        if level.contains(.commandEncryption) && !data.isEmpty {
            body = try SCP01.encryptCommandData(data, keys: keys)
        }
        try CommandFraming.checkLength(data.count + 8, protocolName: "SCP01")
        try CommandFraming.checkLength(body.count + 8, protocolName: "SCP01")
        let header = [
            CommandFraming.securedCLA(command.cla), command.ins, command.p1, command.p2, UInt8(data.count + 8),
        ]
        let mac = try SCP01.commandMAC(header + data, keys: keys, previousMAC: lastMAC, encryptsICV: encryptsICV)
        let secured = try CommandFraming.securedCommand(command, data: body + mac, protocolName: "SCP01")
        lastMAC = mac
        return secured
    }
}
