import APDUTypes
import CardCrypto
import SecureChannel

extension GlobalPlatformCard {
    /// STORE DATA (GPCS 2.3.1 section 11.11): a block for the application INSTALL [for personalization]
    /// named, or for the issuer security domain itself.
    ///
    /// P1 bit `80` marks the last block, bits `60` set mean the data is encrypted under the DEK (SCP01:
    /// static DEK and SCP02: session DEK, both triple-DES ECB; SCP03: static DEK, AES-CBC from a zero IV,
    /// Amendment D 6.2.6), bits `18` give the structure (`08` DGI, `10` BER-TLV), and P2 numbers the
    /// blocks from `00`. The receiver keeps each block with encrypted values decrypted.
    func storeData(_ command: CommandAPDU, session box: ChannelBox) throws(Refusal) -> CardResponse {
        let p1 = command.p1
        let encryption = p1 & 0x60
        let structure = p1 & 0x18
        guard p1 & 0x07 == 0, encryption != 0x40, structure != 0x18 else {
            throw .incorrectParameters
        }
        guard Int(command.p2) == nextStoreDataBlock % 256 else {
            throw .incorrectParameters
        }
        var targetIndex: Int?
        if let target = personalizationTarget {
            guard let index = stored.applications.firstIndex(where: { $0.aid == target }) else {
                throw .referencedDataNotFound
            }
            guard !stored.applications[index].isLocked else {
                throw .conditionsNotSatisfied
            }
            targetIndex = index
        }
        var data = command.data
        if encryption == 0x60 {
            data = try Self.decrypt(data, structure: structure, dek: box.session.sessionKeys.dek)
        }
        let block = StoreDataBlock(p1: p1, blockNumber: command.p2, data: data)
        if let targetIndex {
            stored.applications[targetIndex].storedData.append(block)
        } else {
            stored.securityDomainData.append(block)
        }
        if p1 & 0x80 != 0 {
            personalizationTarget = nil
            nextStoreDataBlock = 0
        } else {
            nextStoreDataBlock += 1
        }
        return CardResponse(statusWord: .success)
    }

    /// Decrypts each DGI or BER-TLV value, or the whole field when it has no structure.
    private static func decrypt(_ data: [UInt8], structure: UInt8, dek: CardKey) throws(Refusal) -> [UInt8] {
        switch structure {
        case 0x08:
            var out: [UInt8] = []
            var index = 0
            while index < data.count {
                guard index + 3 <= data.count else {
                    throw .incorrectData
                }
                var header = Array(data[index..<index + 3])
                var length = Int(data[index + 2])
                index += 3
                if length == 0xFF {
                    guard index + 2 <= data.count else {
                        throw .incorrectData
                    }
                    length = Int(data[index]) << 8 | Int(data[index + 1])
                    header += data[index..<index + 2]
                    index += 2
                }
                guard index + length <= data.count else {
                    throw .incorrectData
                }
                out += header + (try decryptValue(Array(data[index..<index + length]), dek: dek))
                index += length
            }
            return out
        case 0x10:
            guard let elements = BERTLV.decode(data) else {
                throw .incorrectData
            }
            var out: [UInt8] = []
            for element in elements {
                out += element.tag
                let value = try decryptValue(element.value, dek: dek)
                out += BERTLV.encodeLength(value.count) + value
            }
            return out
        default:
            return try decryptValue(data, dek: dek)
        }
    }

    /// Triple-DES ECB for SCP01 and SCP02, AES-CBC from a zero IV for SCP03; whole blocks only.
    private static func decryptValue(_ value: [UInt8], dek: CardKey) throws(Refusal) -> [UInt8] {
        guard value.count % dek.blockSize == 0 else {
            throw .incorrectData
        }
        let mode: BlockCipherMode =
            dek.algorithm == .aes ? .cbc(iv: [UInt8](repeating: 0, count: dek.blockSize)) : .ecb
        do throws(CardCryptoError) {
            return try dek.decrypt(value, mode: mode)
        } catch {
            throw .incorrectData
        }
    }
}
