import APDUTypes
import CardCrypto

/// The SCP03 MAC chain, encryption counter, command encryption and response checks.
///
/// Every command after EXTERNAL AUTHENTICATE increments the encryption counter, with or without
/// data. With C-DECRYPTION, data becomes `AES-CBC(S-ENC, IV = AES-ECB(S-ENC, counter), pad80(data))`.
/// The C-MAC is `CMAC(S-MAC, chain ‖ CLA|04 INS P1 P2 Lc' ‖ data')` over the encrypted data; its
/// full 16 bytes become the new chain and its first 8 (S8) or 16 (S16) bytes are sent.
/// The R-MAC is `CMAC(S-RMAC, chain ‖ response data ‖ SW)` and is present only for `9000`, `62xx`
/// and `63xx`; R-ENCRYPTION decrypts with the IV `AES-ECB(S-ENC, 80 ‖ counter[1...])`.
struct SCP03Channel: Sendable {
    let keys: SessionKeys
    let level: SecurityLevel
    let macLength: Int
    /// The MAC chaining value: 16 zero bytes before EXTERNAL AUTHENTICATE, then each full C-MAC.
    private(set) var chain: [UInt8]
    /// The encryption counter: the number of commands wrapped since EXTERNAL AUTHENTICATE.
    private(set) var counter: UInt64
    /// The response the next unwrap expects.
    private var pending: PendingResponse

    init(keys: SessionKeys, level: SecurityLevel, macLength: Int) {
        self.keys = keys
        self.level = level
        self.macLength = macLength
        self.chain = Primitives.zeros(16)
        self.counter = 0
        self.pending = .none
    }

    mutating func externalAuthenticate(hostCryptogram: [UInt8]) throws(SecureChannelError) -> CommandAPDU {
        let header: [UInt8] = [0x84, 0x82, level.rawValue, 0x00, UInt8(hostCryptogram.count + macLength)]
        let full = try SCP03.commandMAC(chain: chain, header: header, body: hostCryptogram, keys: keys)
        chain = full
        pending = .externalAuthenticate
        return CommandAPDU(
            cla: 0x84,
            ins: 0x82,
            p1: level.rawValue,
            p2: 0x00,
            data: hostCryptogram + full.prefix(macLength)
        )
    }

    mutating func wrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        guard level.contains(.commandMAC) else {
            return command
        }
        let nextCounter = counter + 1
        var body = command.data
        if level.contains(.commandEncryption) && !body.isEmpty {
            let padded = Padding.iso9797Method2(body, blockSize: 16)
            try CommandFraming.checkLength(padded.count + macLength, protocolName: "SCP03")
            let iv = try SCP03.commandIV(counter: nextCounter, keys: keys)
            body = try Primitives.encryptCBC(padded, key: keys.enc, iv: iv)
        }
        try CommandFraming.checkLength(body.count + macLength, protocolName: "SCP03")
        let header = [
            CommandFraming.securedCLA(command.cla), command.ins, command.p1, command.p2,
            UInt8(body.count + macLength),
        ]
        let full = try SCP03.commandMAC(chain: chain, header: header, body: body, keys: keys)
        let secured = try CommandFraming.securedCommand(
            command,
            data: body + full.prefix(macLength),
            protocolName: "SCP03"
        )
        chain = full
        counter = nextCounter
        pending = .command(plainCommand: [])
        return secured
    }

    mutating func unwrap(_ response: CardResponse) throws(SecureChannelError) -> CardResponse {
        guard level.contains(.responseMAC) else {
            return response
        }
        switch pending {
        case .externalAuthenticate:
            pending = .none
            return response
        case .none:
            throw .invalidState(
                "an SCP03 R-MAC covers the last wrapped command, whose response was unwrapped already"
            )
        case .command:
            pending = .none
        }
        let sw = response.statusWord
        // Amendment D 6.2.5: no R-MAC (and no R-ENC) on error status words.
        guard SCP03.protectsResponse(statusWord: sw) else {
            return response
        }
        guard response.data.count >= macLength else {
            throw .malformedResponse(
                "an SCP03 response with R-MAC carries at least the \(macLength)-byte R-MAC, "
                    + "got \(response.data.count) data bytes"
            )
        }
        let body = Array(response.data.dropLast(macLength))
        let received = Array(response.data.suffix(macLength))
        let full = try SCP03.responseMAC(chain: chain, body: body, statusWord: sw, keys: keys)
        guard constantTimeEquals(full.prefix(macLength), received) else {
            throw .responseMACMismatch(
                "the SCP03 R-MAC of the response with status word \(sw) does not verify; the response was "
                    + "altered or does not answer the last wrapped command"
            )
        }
        guard level.contains(.responseEncryption), !body.isEmpty else {
            return CardResponse(data: body, statusWord: sw)
        }
        guard body.count % 16 == 0 else {
            throw .malformedResponse("R-ENCRYPTED response data is whole 16-byte blocks, not \(body.count) bytes")
        }
        let iv = try SCP03.responseIV(counter: counter, keys: keys)
        let padded = try Primitives.decryptCBC(body, key: keys.enc, iv: iv)
        return CardResponse(data: try Primitives.removePadding(padded), statusWord: sw)
    }
}
