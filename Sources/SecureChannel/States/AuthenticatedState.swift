import APDUTypes
import CardCrypto

/// The secure channel is open: commands are wrapped and responses unwrapped.
struct AuthenticatedState: Sendable {
    /// The INITIALIZE UPDATE response; `nil` for SCP02 implicit initiation.
    let response: InitializeUpdate.Response?
    let cardKeys: StaticKeys
    let sessionKeys: SessionKeys
    var channel: ProtocolChannel

    mutating func wrap(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        try CommandFraming.validate(command)
        return try channel.wrap(command)
    }

    mutating func unwrap(_ response: [UInt8]) throws(SecureChannelError) -> CardResponse {
        try channel.unwrap(try CardResponse(bytes: response))
    }

    func encryptSensitiveData(
        _ data: [UInt8],
        padding: SensitiveDataPadding
    ) throws(SecureChannelError) -> [UInt8] {
        let dek = sessionKeys.dek
        var plain = data
        switch padding {
        case .none:
            guard !data.isEmpty, data.count % dek.blockSize == 0 else {
                throw .invalidArgument(
                    "sensitive data without padding must be whole \(dek.blockSize)-byte blocks, not \(data.count) "
                        + "bytes; pad it as the application expects or choose .iso9797Method2"
                )
            }
        case .iso9797Method2:
            plain = Padding.iso9797Method2(data, blockSize: dek.blockSize)
        }
        return try Self.encryptUnderDEK(plain, dek: dek)
    }

    func putKeyBlock(newKey: CardKey) throws(SecureChannelError) -> [UInt8] {
        let dek = sessionKeys.dek
        guard let checkValue = Primitives.checkValue(of: newKey) else {
            throw .invalidKeys("the key check value of the new \(newKey.name) key cannot be computed")
        }
        switch (newKey.algorithm, dek.algorithm) {
        case (.des, .tripleDES), (.tripleDES, .tripleDES):
            let encrypted = try Self.encryptUnderDEK(newKey.revealedKeyBytes, dek: dek)
            return [0x80, UInt8(encrypted.count)] + encrypted + [UInt8(checkValue.count)] + checkValue
        case (.aes, .aes):
            var plain = newKey.revealedKeyBytes
            if plain.count % 16 != 0 {
                // The card reads the key length from the block; GlobalPlatformPro fills with random bytes,
                // ISO 9797-1 method 2 keeps the block reproducible.
                Padding.appendISO9797Method2(to: &plain, blockSize: 16)
            }
            let encrypted = try Self.encryptUnderDEK(plain, dek: dek)
            return [0x88, UInt8(encrypted.count + 1), UInt8(newKey.byteCount)] + encrypted
                + [UInt8(checkValue.count)] + checkValue
        default:
            throw .invalidKeys(
                "a new \(newKey.name) key cannot be sent under a \(dek.name) DEK; SCP01 and SCP02 carry DES "
                    + "and triple-DES keys, SCP03 AES keys"
            )
        }
    }

    /// Triple-DES ECB for SCP01 and SCP02, AES-CBC from a zero IV for SCP03.
    private static func encryptUnderDEK(_ plain: [UInt8], dek: CardKey) throws(SecureChannelError) -> [UInt8] {
        dek.algorithm == .aes
            ? try Primitives.encryptCBC(plain, key: dek)
            : try Primitives.encryptECB(plain, key: dek)
    }
}
