import APDUTypes
import CardCrypto
import SecureChannel

extension GlobalPlatformCard {
    /// PUT KEY (GPCS 2.3.1 section 11.8, Amendment D 7.2): adds a key set (P1 `00`) or replaces the keys
    /// of key version P1; P2 is the first key identifier, with bit `80` for several keys.
    ///
    /// The data is the new key version and one block per key: `80 Lk key 03 KCV` (triple DES, the key
    /// encrypted with the DEK in ECB mode) or `88 Lk+1 length key 03 KCV` (AES, the key encrypted with
    /// the static DEK in CBC mode from a zero IV). Each key check value must match the decrypted key,
    /// or nothing is stored (`6A80`). The answer is the key version and the key check values.
    func putKey(_ command: CommandAPDU, session box: ChannelBox) throws(Refusal) -> CardResponse {
        let replaced = command.p1
        let firstIdentifier = command.p2 & 0x7F
        let several = command.p2 & 0x80 != 0
        guard replaced & 0x80 == 0, firstIdentifier >= 1 else {
            throw .incorrectParameters
        }
        guard let newVersion = command.data.first, (0x01...0x7F).contains(newVersion) else {
            throw .incorrectData
        }
        let newKeys = try Self.keyBlocks(Array(command.data.dropFirst()), dek: box.session.sessionKeys.dek)
        guard several ? !newKeys.isEmpty : newKeys.count == 1, Int(firstIdentifier) + newKeys.count - 1 <= 0x7F else {
            throw .incorrectData
        }
        var keySets = stored.configuration.keySets
        let keySet: KeySet
        if replaced == 0x00 {
            guard !keySets.contains(where: { $0.keyVersion == newVersion }) else {
                throw .incorrectData
            }
            let algorithm = newKeys[0].algorithm
            let current = keySets.first { $0.keyVersion == box.keyVersion }
            var protocolIdentifier: UInt8 = algorithm == .aes ? 0x03 : 0x02
            var option: UInt8 = algorithm == .aes ? 0x70 : 0x55
            if let current, (current.protocolIdentifier == 0x03) == (algorithm == .aes) {
                protocolIdentifier = current.protocolIdentifier
                option = current.implementationOption
            }
            var added = KeySet(
                keyVersion: newVersion,
                protocolIdentifier: protocolIdentifier,
                implementationOption: option,
                keys: [:]
            )
            for (offset, key) in newKeys.enumerated() {
                added.keys[firstIdentifier + UInt8(offset)] = key
            }
            keySet = added
            keySets.append(added)
        } else {
            guard let index = keySets.firstIndex(where: { $0.keyVersion == replaced }) else {
                throw .referencedDataNotFound
            }
            guard newVersion == replaced || !keySets.contains(where: { $0.keyVersion == newVersion }) else {
                throw .incorrectData
            }
            var replacement = keySets[index]
            replacement.keyVersion = newVersion
            for (offset, key) in newKeys.enumerated() {
                replacement.keys[firstIdentifier + UInt8(offset)] = key
            }
            keySet = replacement
            keySets[index] = replacement
        }
        do throws(GlobalPlatformCardError) {
            try keySet.validate()
        } catch {
            throw .incorrectData
        }
        stored.configuration.keySets = keySets
        var response = [newVersion]
        for key in newKeys {
            response += (try? key.checkValue) ?? []
        }
        return CardResponse(data: response, statusWord: .success)
    }

    /// The keys of PUT KEY's key data blocks, decrypted and checked against their key check values.
    private static func keyBlocks(_ data: [UInt8], dek: CardKey) throws(Refusal) -> [CardKey] {
        var keys: [CardKey] = []
        var index = 0
        while index < data.count {
            guard index + 2 <= data.count else {
                throw .incorrectData
            }
            let type = data[index]
            let length = Int(data[index + 1])
            index += 2
            guard index + length < data.count else {
                throw .incorrectData
            }
            let keyData = Array(data[index..<index + length])
            index += length
            let checkLength = Int(data[index])
            index += 1
            guard checkLength == 0 || checkLength == 3, index + checkLength <= data.count else {
                throw .incorrectData
            }
            let checkValue = Array(data[index..<index + checkLength])
            index += checkLength
            let key = try decryptKey(type: type, keyData: keyData, dek: dek)
            if checkLength > 0 {
                guard let computed = try? key.checkValue, computed == checkValue else {
                    throw .incorrectData
                }
            }
            keys.append(key)
        }
        guard Set(keys.map(\.algorithm)).count <= 1 else {
            throw .incorrectData
        }
        return keys
    }

    /// One key from its block: triple-DES keys (type `80`) under a triple-DES DEK, AES keys (type `88`,
    /// a length byte first) under an AES DEK.
    private static func decryptKey(type: UInt8, keyData: [UInt8], dek: CardKey) throws(Refusal) -> CardKey {
        switch (type, dek.algorithm) {
        case (0x80, .tripleDES):
            guard keyData.count == 16 || keyData.count == 24 else {
                throw .incorrectData
            }
            return try cryptography { () throws(CardCryptoError) in
                try CardKey(.tripleDES, bytes: try dek.decrypt(keyData, mode: .ecb))
            }
        case (0x88, .aes):
            guard let length = keyData.first, [16, 24, 32].contains(Int(length)),
                keyData.count - 1 >= Int(length), (keyData.count - 1) % 16 == 0
            else {
                throw .incorrectData
            }
            let encrypted = Array(keyData.dropFirst())
            return try cryptography { () throws(CardCryptoError) in
                let plain = try dek.decrypt(encrypted, mode: .cbc(iv: [UInt8](repeating: 0, count: 16)))
                return try CardKey(.aes, bytes: plain.prefix(Int(length)))
            }
        default:
            throw .incorrectData
        }
    }

    /// Runs a cryptographic operation; a failure means the data was not a valid key block (`6A80`).
    private static func cryptography<Result>(
        _ body: () throws(CardCryptoError) -> Result
    ) throws(Refusal) -> Result {
        do throws(CardCryptoError) {
            return try body()
        } catch {
            throw .incorrectData
        }
    }
}
