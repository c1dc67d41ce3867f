import CardCrypto

extension ISOSecureMessaging {
    /// Which message a cryptographic check belongs to, so that failures get the right error code.
    enum Direction {
        case command
        case response

        func malformed(_ reason: String) -> SecureChannelError {
            switch self {
            case .command: .isoMalformedCommand(reason)
            case .response: .isoMalformedResponse(reason)
            }
        }
    }

    /// Pads `plaintext` (ISO/IEC 9797-1 method 2) and encrypts it with KS_ENC.
    ///
    /// Triple DES uses CBC with a zero IV (ICAO Doc 9303 Part 11, 9.8.6.1); AES uses CBC with the IV
    /// `E(KS_ENC, SSC)` (9.8.7.1).
    func encrypt(_ plaintext: [UInt8], counter: SendSequenceCounter) throws(SecureChannelError) -> [UInt8] {
        let padded = Padding.iso9797Method2(plaintext, blockSize: cipher.blockSize)
        let iv = try initializationVector(counter: counter)
        let key = keys.encryption
        return try Primitives.run { () throws(CardCryptoError) in try key.encrypt(padded, mode: .cbc(iv: iv)) }
    }

    /// Decrypts a cryptogram with KS_ENC and removes its padding.
    ///
    /// - Throws: A malformed-message error for the `direction` when the cryptogram is not whole blocks
    ///   or its padding is bad.
    func decrypt(
        _ cryptogram: [UInt8],
        counter: SendSequenceCounter,
        direction: Direction
    ) throws(SecureChannelError) -> [UInt8] {
        let blockSize = cipher.blockSize
        guard !cryptogram.isEmpty, cryptogram.count % blockSize == 0 else {
            throw direction.malformed(
                "the cryptogram is \(cryptogram.count) bytes, not whole \(blockSize)-byte \(cipher) blocks"
            )
        }
        let iv = try initializationVector(counter: counter)
        let key = keys.encryption
        let padded = try Primitives.run { () throws(CardCryptoError) in
            try key.decrypt(cryptogram, mode: .cbc(iv: iv))
        }
        do throws(CardCryptoError) {
            return try Padding.removeISO9797Method2(padded, blockSize: blockSize)
        } catch {
            throw direction.malformed(
                "bad padding: the decrypted data does not end with ISO/IEC 9797-1 method 2 padding (80 00 ..)"
            )
        }
    }

    /// The 8-byte checksum of `message` (the padded header and data objects, or the response's data
    /// objects) at `counter`.
    ///
    /// `N = pad(SSC ‖ message)`, except that with ``CommandMACPadding/omittedAfterBareHeader`` a
    /// bare padded header is not padded again. Triple DES: ISO/IEC 9797-1 MAC algorithm 3 with a zero
    /// IV; AES: the first 8 bytes of AES-CMAC.
    func checksum(
        of message: [UInt8],
        counter: SendSequenceCounter,
        isBareHeader: Bool = false
    ) throws(SecureChannelError) -> [UInt8] {
        try counter.check(for: cipher)
        var input = counter.bytes + message
        if !(isBareHeader && commandMACPadding == .omittedAfterBareHeader) {
            Padding.appendISO9797Method2(to: &input, blockSize: cipher.blockSize)
        }
        let key = keys.mac
        let padded = input
        switch cipher {
        case .tripleDES:
            return try Primitives.run { () throws(CardCryptoError) in
                try RetailMAC.authenticationCode(for: padded, using: key, iv: [UInt8](repeating: 0, count: 8))
            }
        case .aes:
            let full = try Primitives.run { () throws(CardCryptoError) in
                try AESCMAC.authenticationCode(for: padded, using: key)
            }
            return Array(full[0..<ISODataObject.checksumLength])
        }
    }

    /// The CBC initialization vector at `counter`: zero for triple DES, `E(KS_ENC, SSC)` for AES.
    private func initializationVector(counter: SendSequenceCounter) throws(SecureChannelError) -> [UInt8] {
        try counter.check(for: cipher)
        switch cipher {
        case .tripleDES:
            return [UInt8](repeating: 0, count: 8)
        case .aes:
            return try Primitives.encryptECB(counter.bytes, key: keys.encryption)
        }
    }
}
