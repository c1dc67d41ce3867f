public import APDUTypes
import CardCrypto

extension ISOSecureMessaging {
    /// Protects a plain command with the counter value `counter` (host side).
    ///
    /// The class byte gains its secure messaging indication (`0C`, or `20` for classes `40`-`7F`
    /// and `C0`-`FE`); data become DO'87' (`01` and the cryptogram), or DO'85' (the cryptogram) for an
    /// odd INS; Le becomes DO'97'; DO'8E' carries the checksum over the counter, the padded header and
    /// these objects; the protected command's Le is `00`.
    ///
    /// - Parameters:
    ///   - command: A short plain command: at most 255 data bytes, Le from 1 to 256 or none, a class
    ///     byte without secure messaging indication.
    ///   - counter: The counter value for this command, already incremented.
    /// - Returns: The protected command, always a short APDU.
    /// - Throws: ``SecureChannelError/Code/invalidCommand`` for an extended, already protected or
    ///   invalid-class command, ``SecureChannelError/Code/commandTooLong`` when the protected data
    ///   field would exceed 255 bytes (see ``maximumCommandDataLength(cipher:instruction:expectsResponseData:)``),
    ///   ``SecureChannelError/Code/invalidArgument`` when the counter does not fit the cipher.
    public func protect(
        _ command: CommandAPDU,
        counter: SendSequenceCounter
    ) throws(SecureChannelError) -> CommandAPDU {
        try counter.check(for: cipher)
        let protectedCLA = try Self.protectedClass(command.cla)
        guard command.data.count <= CommandAPDU.maximumShortDataLength else {
            let maximum = Self.maximumCommandDataLength(
                cipher: cipher,
                instruction: command.ins,
                expectsResponseData: command.le != nil
            )
            throw .invalidCommand(
                "the command carries \(command.data.count) data bytes; secure messaging here protects short "
                    + "APDUs, which hold at most \(maximum) plain data bytes for this command"
            )
        }
        if let le = command.le {
            guard (1...256).contains(le) else {
                throw .invalidCommand("Le \(le) needs an extended APDU; secure messaging here protects short APDUs")
            }
        }
        let protectedLength = Self.protectedCommandDataLength(
            plainDataLength: command.data.count,
            cipher: cipher,
            instruction: command.ins,
            expectsResponseData: command.le != nil
        )
        guard protectedLength <= CommandAPDU.maximumShortDataLength else {
            throw .commandTooLong(dataLength: protectedLength, protocolName: "ISO secure messaging (\(cipher))")
        }

        let header = [protectedCLA, command.ins, command.p1, command.p2]
        var objects: [UInt8] = []
        if !command.data.isEmpty {
            let cryptogram = try encrypt(command.data, counter: counter)
            if Self.isOdd(command.ins) {
                objects += ISODataObject.encode(tag: ISODataObject.oddCryptogramTag, value: cryptogram)
            } else {
                objects += ISODataObject.encode(
                    tag: ISODataObject.cryptogramTag,
                    value: [ISODataObject.paddingIndicator] + cryptogram
                )
            }
        }
        if let le = command.le {
            objects += ISODataObject.encode(tag: ISODataObject.expectedLengthTag, value: [UInt8(le & 0xFF)])
        }
        let mac = try checksum(
            of: Padding.iso9797Method2(header, blockSize: cipher.blockSize) + objects,
            counter: counter,
            isBareHeader: objects.isEmpty
        )
        objects += ISODataObject.encode(tag: ISODataObject.checksumTag, value: mac)
        return CommandAPDU(
            cla: protectedCLA,
            ins: command.ins,
            p1: command.p1,
            p2: command.p2,
            data: objects,
            le: 256
        )
    }

    /// Verifies and decrypts a protected command with the counter value `counter` (card side).
    ///
    /// - Parameters:
    ///   - command: The protected command as received.
    ///   - counter: The counter value for this command, already incremented.
    /// - Returns: The plain command: the class byte without secure messaging indication, the
    ///   decrypted data, and the Le of DO'97' (none without DO'97').
    /// - Throws: ``SecureChannelError/Code/malformedCommand`` when the class byte does not indicate
    ///   secure messaging, the protected Le is not `00`, a data object is missing, unexpected, out of
    ///   order or badly encoded, or the padding is bad; ``SecureChannelError/Code/commandMACMismatch``
    ///   when DO'8E' does not verify.
    public func unprotect(
        command: CommandAPDU,
        counter: SendSequenceCounter
    ) throws(SecureChannelError) -> CommandAPDU {
        try counter.check(for: cipher)
        let plainCLA = try Self.plainClass(command.cla)
        if let le = command.le, le != 256, le != 65536 {
            throw .isoMalformedCommand("the Le of a protected command is 00 (the real Le travels in DO'97'), not \(le)")
        }
        let objects: [ISODataObject]
        switch ISODataObject.parse(command.data) {
        case .success(let parsed):
            objects = parsed
        case .failure(let failure):
            throw .isoMalformedCommand(failure.reason)
        }
        let cryptogramTag = Self.isOdd(command.ins) ? ISODataObject.oddCryptogramTag : ISODataObject.cryptogramTag
        var remaining = objects[...]
        var cryptogramObject: ISODataObject?
        var expectedLengthObject: ISODataObject?
        if let first = remaining.first, first.tag == cryptogramTag {
            cryptogramObject = first
            remaining = remaining.dropFirst()
        }
        if let next = remaining.first, next.tag == ISODataObject.expectedLengthTag {
            expectedLengthObject = next
            remaining = remaining.dropFirst()
        }
        guard let checksumObject = remaining.first, checksumObject.tag == ISODataObject.checksumTag else {
            if let unexpected = remaining.first {
                throw .isoMalformedCommand(
                    "unexpected data object '\(HexText.byte(unexpected.tag))' for INS \(HexText.byte(command.ins)); "
                        + "a protected command carries [DO'\(HexText.byte(cryptogramTag))'] [DO'97'] DO'8E' "
                        + "in that order"
                )
            }
            throw .isoMalformedCommand("missing DO'8E': the command carries no cryptographic checksum")
        }
        guard remaining.count == 1 else {
            throw .isoMalformedCommand("data objects follow DO'8E'; the checksum must be the last object")
        }
        guard checksumObject.value.count == ISODataObject.checksumLength else {
            throw .isoMalformedCommand(
                "DO'8E' holds \(checksumObject.value.count) bytes, not \(ISODataObject.checksumLength)"
            )
        }

        let header = [command.cla, command.ins, command.p1, command.p2]
        var authenticated = Padding.iso9797Method2(header, blockSize: cipher.blockSize)
        for object in objects.dropLast() {
            authenticated += object.encoded
        }
        let expected = try checksum(of: authenticated, counter: counter, isBareHeader: objects.count == 1)
        guard constantTimeEquals(expected, checksumObject.value) else {
            throw .isoCommandMACMismatch()
        }

        var data: [UInt8] = []
        if let cryptogramObject {
            var cryptogram = cryptogramObject.value[...]
            if cryptogramObject.tag == ISODataObject.cryptogramTag {
                guard cryptogram.first == ISODataObject.paddingIndicator else {
                    throw .isoMalformedCommand(
                        "DO'87' does not start with the padding-content indicator 01"
                    )
                }
                cryptogram = cryptogram.dropFirst()
            }
            data = try decrypt(Array(cryptogram), counter: counter, direction: .command)
        }
        var le: Int?
        if let expectedLengthObject {
            le = try Self.expectedLength(expectedLengthObject.value)
        }
        return CommandAPDU(cla: plainCLA, ins: command.ins, p1: command.p1, p2: command.p2, data: data, le: le)
    }

    /// The class byte with secure messaging indicated and the header authenticated (ISO/IEC 7816-4 5.4.1).
    ///
    /// Classes without bit `40` (`00`-`1F` and proprietary `80`-`BF`) set bits `0C`; classes with bit
    /// `40` (further interindustry `40`-`7F` and proprietary `C0`-`FE`) set bit `20`.
    static func protectedClass(_ cla: UInt8) throws(SecureChannelError) -> UInt8 {
        guard cla != 0xFF else {
            throw .invalidCommand("CLA FF is not a valid class byte")
        }
        guard !(0x20...0x3F).contains(cla) else {
            throw .invalidCommand("CLA \(HexText.byte(cla)) is reserved for future use by ISO/IEC 7816-4")
        }
        if cla & 0x40 != 0 {
            guard cla & 0x20 == 0 else {
                throw .invalidCommand(
                    "CLA \(HexText.byte(cla)) already indicates secure messaging; protect each command once"
                )
            }
            return cla | 0x20
        }
        guard cla & 0x0C == 0 else {
            throw .invalidCommand(
                "CLA \(HexText.byte(cla)) already has secure messaging bits set; protect each command once"
            )
        }
        return cla | 0x0C
    }

    /// The class byte without its secure messaging indication, checking that it was there.
    static func plainClass(_ cla: UInt8) throws(SecureChannelError) -> UInt8 {
        if cla & 0x40 != 0 && cla != 0xFF {
            guard cla & 0x20 != 0 else {
                throw .isoMalformedCommand("CLA \(HexText.byte(cla)) does not indicate secure messaging")
            }
            return cla & ~0x20
        }
        guard cla & 0x0C == 0x0C, !(0x20...0x3F).contains(cla) else {
            throw .isoMalformedCommand(
                "CLA \(HexText.byte(cla)) does not indicate secure messaging with an authenticated header (0C)"
            )
        }
        return cla & ~0x0C
    }

    /// The Le of a DO'97' value: one byte (`00` is 256) or two (`0000` is 65536).
    static func expectedLength(_ value: [UInt8]) throws(SecureChannelError) -> Int {
        switch value.count {
        case 1:
            return value[0] == 0 ? 256 : Int(value[0])
        case 2:
            let length = Int(value[0]) << 8 | Int(value[1])
            return length == 0 ? 65536 : length
        default:
            throw .isoMalformedCommand("DO'97' holds \(value.count) bytes; Le is one or two bytes")
        }
    }

    /// Whether an instruction byte is odd, so that its data travel in DO'85' rather than DO'87'.
    static func isOdd(_ ins: UInt8) -> Bool {
        ins & 1 == 1
    }
}
