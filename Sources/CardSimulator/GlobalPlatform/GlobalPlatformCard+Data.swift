import APDUTypes
import CardCrypto

extension GlobalPlatformCard {
    /// GET DATA (GPCS 2.3.1 section 11.3): the data object named by P1-P2, with its tag and length.
    ///
    /// `9F7F` CPLC, `66` card recognition data, `00E0` key information template, `0042` IIN, `0045` CIN,
    /// `00CF` key diversification data, `00C1` the sequence counter of the default key set (2 bytes for
    /// SCP02: the one the next session uses, which for implicit initiation is how the host learns it; 3 for
    /// SCP03 with pseudo-random challenges: the last one used). No secure channel is needed.
    func getData(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        let configuration = stored.configuration
        let tag = UInt16(command.p1) << 8 | UInt16(command.p2)
        let value: [UInt8]
        let tagBytes: [UInt8]
        switch tag {
        case 0x9F7F:
            (tagBytes, value) = ([0x9F, 0x7F], configuration.cardProductionLifeCycle)
        case 0x0066:
            (tagBytes, value) = ([0x66], cardRecognitionData())
        case 0x00E0:
            (tagBytes, value) = ([0xE0], keyInformationTemplate())
        case 0x0042:
            (tagBytes, value) = ([0x42], configuration.issuerIdentificationNumber)
        case 0x0045:
            (tagBytes, value) = ([0x45], configuration.cardImageNumber)
        case 0x00CF:
            (tagBytes, value) = ([0xCF], configuration.keyDiversificationData)
        case 0x00C1:
            guard let keySet = configuration.keySets.first(where: { $0.staticKeys != nil }),
                let counter = keySet.counterBytes(keySet.sequenceCounter)
            else {
                throw .referencedDataNotFound
            }
            (tagBytes, value) = ([0xC1], counter)
        default:
            throw .referencedDataNotFound
        }
        guard !value.isEmpty else {
            throw .referencedDataNotFound
        }
        return CardResponse(data: tagBytes + BERTLV.encodeLength(value.count) + value, statusWord: .success)
    }

    /// The key information template: one `C0` per key, `key id, key version, type, length`, sorted by
    /// key version and identifier (GPCS 2.3.1 section 11.1.8; types `80` DES, `88` AES).
    func keyInformationTemplate() -> [UInt8] {
        var template: [UInt8] = []
        for keySet in stored.configuration.keySets.sorted(by: { $0.keyVersion < $1.keyVersion }) {
            for identifier in keySet.keys.keys.sorted() {
                guard let key = keySet.keys[identifier] else { continue }
                let type: UInt8 = key.algorithm == .aes ? 0x88 : 0x80
                template += BERTLV.encode(
                    tag: 0xC0,
                    value: [identifier, keySet.keyVersion, type, UInt8(key.byteCount)]
                )
            }
        }
        return template
    }

    /// PUT DATA (ISO/IEC 7816-4 section 11.4.6) on the issuer security domain: replaces the IIN (`42`),
    /// CIN (`45`), card recognition data (`66`) or KDD (`CF`) inside the secure channel.
    func putData(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        if stored.configuration.cardLifeCycle == LifeCycle.cardLocked {
            throw .conditionsNotSatisfied
        }
        let value = command.data
        guard value.count <= 127 else {
            throw .wrongLength
        }
        switch UInt16(command.p1) << 8 | UInt16(command.p2) {
        case 0x0042:
            stored.configuration.issuerIdentificationNumber = value
        case 0x0045:
            stored.configuration.cardImageNumber = value
        case 0x0066:
            guard BERTLV.decode(value) != nil else {
                throw .incorrectData
            }
            stored.configuration.cardRecognitionData = value
        case 0x00CF:
            guard value.count == 10 else {
                throw .incorrectData
            }
            stored.configuration.keyDiversificationData = value
        default:
            throw .referencedDataNotFound
        }
        return CardResponse(statusWord: .success)
    }
}
