import APDUTypes
import CardCrypto

/// The card side of the SCP03 MAC chain and encryption counter: checks each C-MAC, decrypts
/// C-DECRYPTION data, and adds R-MAC and R-ENCRYPTION to responses.
///
/// It mirrors ``SCP03Channel`` through the same ``SCP03`` functions. The C-MAC covers the data as
/// sent, so it is checked before anything is decrypted; the counter advances with every command
/// after EXTERNAL AUTHENTICATE, with or without data, as the host's does.
struct SCP03CardChannel: Sendable {
    let keys: SessionKeys
    let level: SecurityLevel
    let macLength: Int
    /// The MAC chaining value: 16 zero bytes before EXTERNAL AUTHENTICATE, then each full C-MAC.
    private var chain: [UInt8]
    /// The encryption counter: the number of commands accepted since EXTERNAL AUTHENTICATE.
    private var counter: UInt64
    /// The command whose response the next wrap secures.
    private var pending: PendingResponse

    init(keys: SessionKeys, level: SecurityLevel, macLength: Int) {
        self.keys = keys
        self.level = level
        self.macLength = macLength
        self.chain = Primitives.zeros(16)
        self.counter = 0
        self.pending = .none
    }

    /// Checks the C-MAC of EXTERNAL AUTHENTICATE (`host-cryptogram C-MAC`) and starts the chain with it.
    ///
    /// - Returns: Whether the C-MAC verified; the chain starts only when it did.
    mutating func acceptExternalAuthenticate(_ command: CommandAPDU) throws(SecureChannelError) -> Bool {
        let header = [command.cla, command.ins, command.p1, command.p2, UInt8(command.data.count)]
        let full = try SCP03.commandMAC(
            chain: chain,
            header: header,
            body: Array(command.data.dropLast(macLength)),
            keys: keys
        )
        guard constantTimeEquals(full.prefix(macLength), command.data.suffix(macLength)) else {
            return false
        }
        chain = full
        pending = .externalAuthenticate
        return true
    }

    /// Verifies, decrypts and strips one secured command; the caller has checked the class byte and
    /// that the data holds a MAC.
    mutating func unwrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        let body = Array(command.data.dropLast(macLength))
        let header = [command.cla, command.ins, command.p1, command.p2, UInt8(command.data.count)]
        let full = try SCP03.commandMAC(chain: chain, header: header, body: body, keys: keys)
        guard constantTimeEquals(full.prefix(macLength), command.data.suffix(macLength)) else {
            throw .commandMACMismatch(
                "the SCP03 C-MAC of command \(HexText.bytes([command.cla, command.ins, command.p1, command.p2])) does "
                    + "not verify: the command was altered, dropped, reordered or secured with other keys"
            )
        }
        let nextCounter = counter + 1
        var data = body
        if level.contains(.commandEncryption) && !body.isEmpty {
            // The C-MAC verified, so the ciphertext is the host's: a bad block count or padding is the host's
            // mistake (or another S-ENC), not tampering.
            guard body.count % 16 == 0 else {
                throw .malformedCommand(
                    "the encrypted data of an SCP03 command is whole 16-byte blocks, not \(body.count) bytes"
                )
            }
            let iv = try SCP03.commandIV(counter: nextCounter, keys: keys)
            let padded = try Primitives.decryptCBC(body, key: keys.enc, iv: iv)
            guard let plain = try? Padding.removeISO9797Method2(padded, blockSize: 16) else {
                throw .malformedCommand(
                    "the decrypted data of an SCP03 command does not end with ISO 9797-1 method 2 padding; the host "
                        + "may encrypt with another S-ENC or encryption counter"
                )
            }
            data = plain
        }
        chain = full
        counter = nextCounter
        pending = .command(plainCommand: [])
        return CommandFraming.plainCommand(command, data: data)
    }

    /// Secures the response to the last unwrapped command: R-ENCRYPTION of the data, then the R-MAC.
    ///
    /// Responses with status words other than `9000`, `62xx` and `63xx` go out as they are.
    mutating func wrap(_ response: CardResponse) throws(SecureChannelError) -> CardResponse {
        guard level.contains(.responseMAC) else {
            return response
        }
        switch pending {
        case .externalAuthenticate:
            pending = .none
            return response
        case .none:
            throw .invalidState(
                "an SCP03 R-MAC covers the last unwrapped command, whose response was secured already"
            )
        case .command:
            break
        }
        let sw = response.statusWord
        guard SCP03.protectsResponse(statusWord: sw) else {
            pending = .none
            return response
        }
        var body = response.data
        if level.contains(.responseEncryption) && !body.isEmpty {
            let padded = Padding.iso9797Method2(body, blockSize: 16)
            try CommandFraming.checkResponseLength(padded.count + macLength, protocolName: "SCP03")
            body = try Primitives.encryptCBC(
                padded,
                key: keys.enc,
                iv: try SCP03.responseIV(counter: counter, keys: keys)
            )
        }
        try CommandFraming.checkResponseLength(body.count + macLength, protocolName: "SCP03")
        let full = try SCP03.responseMAC(chain: chain, body: body, statusWord: sw, keys: keys)
        pending = .none
        return CardResponse(data: body + full.prefix(macLength), statusWord: sw)
    }
}
