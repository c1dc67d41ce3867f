public import APDUTypes
import CardCrypto

extension ISOSecureMessaging {
    /// Protects a card's response with the counter value `counter` (card side).
    ///
    /// Data become DO'87' (`01` and the cryptogram), or DO'85' when the command's INS was odd; the
    /// status word becomes DO'99'; DO'8E' carries the checksum over the counter and these objects; the
    /// status word also follows in plain.
    ///
    /// - Parameters:
    ///   - response: The plain response: data and status word.
    ///   - counter: The counter value for this response, already incremented.
    ///   - instruction: The INS of the command answered, to choose DO'85' or DO'87'.
    /// - Returns: The protected response.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` when the protected response would not fit
    ///   the 256 bytes of a short response (see ``maximumResponseDataLength(cipher:instruction:)``) or
    ///   the counter does not fit the cipher.
    public func protect(
        response: CardResponse,
        counter: SendSequenceCounter,
        instruction: UInt8
    ) throws(SecureChannelError) -> CardResponse {
        try counter.check(for: cipher)
        let protectedLength = Self.protectedResponseDataLength(
            plainDataLength: response.data.count,
            cipher: cipher,
            instruction: instruction
        )
        guard protectedLength <= Self.maximumShortResponseLength else {
            let maximum = Self.maximumResponseDataLength(cipher: cipher, instruction: instruction)
            throw .invalidArgument(
                "the protected response would carry \(protectedLength) bytes, more than the 256 of a short "
                    + "response; return at most \(maximum) "
                    + "data bytes"
            )
        }
        let statusWord = response.statusWord
        var objects: [UInt8] = []
        if !response.data.isEmpty {
            let cryptogram = try encrypt(response.data, counter: counter)
            if Self.isOdd(instruction) {
                objects += ISODataObject.encode(tag: ISODataObject.oddCryptogramTag, value: cryptogram)
            } else {
                objects += ISODataObject.encode(
                    tag: ISODataObject.cryptogramTag,
                    value: [ISODataObject.paddingIndicator] + cryptogram
                )
            }
        }
        objects += ISODataObject.encode(tag: ISODataObject.statusTag, value: [statusWord.sw1, statusWord.sw2])
        let mac = try checksum(of: objects, counter: counter)
        objects += ISODataObject.encode(tag: ISODataObject.checksumTag, value: mac)
        return CardResponse(data: objects, statusWord: statusWord)
    }

    /// Verifies and decrypts a protected response with the counter value `counter` (host side).
    ///
    /// The response must carry [DO'87' or DO'85'] DO'99' DO'8E' in that order. The checksum is
    /// verified before anything is decrypted, and the status word returned is the authenticated one
    /// of DO'99', which must equal the plain status word after the data objects.
    ///
    /// - Parameters:
    ///   - response: The protected response as received.
    ///   - counter: The counter value for this response, already incremented.
    /// - Returns: The plain response: the decrypted data and the status word of DO'99'.
    /// - Throws: ``SecureChannelError/Code/unexpectedStatusWord`` when the response is a bare status
    ///   word (the card ended secure messaging, or did not protect an error);
    ///   ``SecureChannelError/Code/malformedResponse`` when a data object is missing, unexpected, out
    ///   of order or badly encoded, the two status words differ, or the padding is bad;
    ///   ``SecureChannelError/Code/responseMACMismatch`` when DO'8E' does not verify.
    public func unprotect(
        response: CardResponse,
        counter: SendSequenceCounter
    ) throws(SecureChannelError) -> CardResponse {
        try counter.check(for: cipher)
        guard !response.data.isEmpty else {
            throw .isoUnprotectedResponse(response.statusWord)
        }
        let objects: [ISODataObject]
        switch ISODataObject.parse(response.data) {
        case .success(let parsed):
            objects = parsed
        case .failure(let failure):
            throw .isoMalformedResponse(failure.reason)
        }
        var remaining = objects[...]
        var cryptogramObject: ISODataObject?
        if let first = remaining.first,
            first.tag == ISODataObject.cryptogramTag || first.tag == ISODataObject.oddCryptogramTag
        {
            cryptogramObject = first
            remaining = remaining.dropFirst()
        }
        guard let statusObject = remaining.first, statusObject.tag == ISODataObject.statusTag else {
            throw .isoMalformedResponse(
                remaining.first.map {
                    "unexpected data object '\(HexText.byte($0.tag))'; a protected response carries "
                        + "[DO'87' or DO'85'] DO'99' DO'8E' in that order"
                } ?? "missing DO'99': the response carries no protected status word"
            )
        }
        remaining = remaining.dropFirst()
        guard let checksumObject = remaining.first, checksumObject.tag == ISODataObject.checksumTag else {
            throw .isoMalformedResponse(
                remaining.first.map {
                    "unexpected data object '\(HexText.byte($0.tag))' after DO'99'; DO'8E' must follow"
                } ?? "missing DO'8E': the response carries no cryptographic checksum"
            )
        }
        guard remaining.count == 1 else {
            throw .isoMalformedResponse("data objects follow DO'8E'; the checksum must be the last object")
        }
        guard checksumObject.value.count == ISODataObject.checksumLength else {
            throw .isoMalformedResponse(
                "DO'8E' holds \(checksumObject.value.count) bytes, not \(ISODataObject.checksumLength)"
            )
        }
        guard statusObject.value.count == 2 else {
            throw .isoMalformedResponse("DO'99' holds \(statusObject.value.count) bytes, not a 2-byte status word")
        }

        var authenticated: [UInt8] = []
        for object in objects.dropLast() {
            authenticated += object.encoded
        }
        let expected = try checksum(of: authenticated, counter: counter)
        guard constantTimeEquals(expected, checksumObject.value) else {
            throw .isoResponseMACMismatch()
        }

        let statusWord = StatusWord(sw1: statusObject.value[0], sw2: statusObject.value[1])
        guard statusWord == response.statusWord else {
            throw .isoMalformedResponse(
                "the plain status word \(response.statusWord) differs from the authenticated one in DO'99' "
                    + "(\(statusWord))"
            )
        }
        var data: [UInt8] = []
        if let cryptogramObject {
            var cryptogram = cryptogramObject.value[...]
            if cryptogramObject.tag == ISODataObject.cryptogramTag {
                guard cryptogram.first == ISODataObject.paddingIndicator else {
                    throw .isoMalformedResponse("DO'87' does not start with the padding-content indicator 01")
                }
                cryptogram = cryptogram.dropFirst()
            }
            data = try decrypt(Array(cryptogram), counter: counter, direction: .response)
        }
        return CardResponse(data: data, statusWord: statusWord)
    }
}
