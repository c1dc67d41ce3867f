import APDUTypes
import CardCrypto
import Foundation
import SecureChannel

extension ISOFileCard {
    /// The persistent state of a card: its configuration (access keys included), its files with
    /// their contents, and the failed authentication counter.
    ///
    /// The JSON form has sorted keys and byte strings in upper-case hex, so the same card gives the
    /// same bytes. It holds the access keys in the clear, as the card's memory does: keep image files
    /// as secret as key files.
    public struct Image: Hashable, Sendable, Codable {
        /// The format identifier in the JSON form.
        public static let format = "cardseq-iso7816-card-image/1"

        /// The card's keys and operating system facts.
        public var configuration: Configuration
        /// The MF and everything under it.
        public var masterFile: File
        /// Failed EXTERNAL AUTHENTICATE commands since the last success.
        public var failedAuthentications: Int

        /// Makes an image.
        ///
        /// - Parameters:
        ///   - configuration: The card's keys and facts.
        ///   - masterFile: The MF with its files.
        ///   - failedAuthentications: The failure counter.
        public init(configuration: Configuration, masterFile: File, failedAuthentications: Int) {
            self.configuration = configuration
            self.masterFile = masterFile
            self.failedAuthentications = failedAuthentications
        }

        /// Reads an image from its JSON form.
        ///
        /// - Parameter json: UTF-8 JSON as ``json()`` writes it.
        /// - Throws: ``ISOFileCardError/Code/invalidImage`` when the JSON does not decode, names
        ///   another format or holds keys of the wrong length.
        public init(json: [UInt8]) throws(ISOFileCardError) {
            do {
                self = try JSONDecoder().decode(Self.self, from: Data(json))
            } catch let error as ISOFileCardError {
                throw error
            } catch {
                throw .invalidImage("the card image does not decode: \(Self.summary(of: error))")
            }
        }

        /// The JSON form: sorted keys, pretty-printed, byte strings in hex.
        ///
        /// - Returns: UTF-8 JSON.
        /// - Throws: ``ISOFileCardError/Code/invalidImage`` only if encoding fails.
        public func json() throws(ISOFileCardError) -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            do {
                return [UInt8](try encoder.encode(self))
            } catch {
                throw .invalidImage("the card image does not encode: \(Self.summary(of: error))")
            }
        }

        private enum CodingKeys: String, CodingKey {
            case format
            case configuration
            case masterFile = "master-file"
            case failedAuthentications = "failed-authentications"
        }

        /// Decodes an image, checking its format identifier.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let format = try container.decode(String.self, forKey: .format)
            guard format == Self.format else {
                throw ISOFileCardError.invalidImage("the image format is '\(format)', not '\(Self.format)'")
            }
            configuration = try container.decode(Configuration.self, forKey: .configuration)
            masterFile = try container.decode(File.self, forKey: .masterFile)
            failedAuthentications = try container.decode(Int.self, forKey: .failedAuthentications)
        }

        /// Encodes the image with its format identifier.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Self.format, forKey: .format)
            try container.encode(configuration, forKey: .configuration)
            try container.encode(masterFile, forKey: .masterFile)
            try container.encode(failedAuthentications, forKey: .failedAuthentications)
        }

        /// A decoding error in words, without the data it was decoding.
        private static func summary(of error: any Error) -> String {
            switch error {
            case DecodingError.keyNotFound(let key, let context):
                "missing '\(key.stringValue)' at \(path(context.codingPath))"
            case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
                "wrong type at \(path(context.codingPath))"
            case DecodingError.dataCorrupted(let context):
                context.codingPath.isEmpty
                    ? "not JSON" : "\(context.debugDescription) at \(path(context.codingPath))"
            default:
                String(describing: type(of: error))
            }
        }

        private static func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty
                ? "the top level"
                : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
                    .joined(separator: ".")
        }
    }
}

extension ISOFileCard.Configuration: Codable {
    private enum CodingKeys: String, CodingKey {
        case algorithm
        case encryptionKey = "encryption-key"
        case macKey = "mac-key"
        case keyReference = "key-reference"
        case authenticationRetryLimit = "authentication-retry-limit"
        case commandMACPadding = "command-mac-padding"
        case memorySize = "memory-size"
        case masterFileSecurity = "master-file-security"
        case masterFileName = "master-file-name"
        case historicalBytes = "historical-bytes"
    }

    /// Decodes a configuration; the keys are hex strings of their algorithm's length.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let algorithmName = try container.decode(String.self, forKey: .algorithm)
        let algorithm: CardKey.Algorithm
        switch algorithmName {
        case "3des": algorithm = .tripleDES
        case "aes": algorithm = .aes
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .algorithm,
                in: container,
                debugDescription: "the key algorithm is '3des' or 'aes'"
            )
        }
        do {
            accessKeys = try ISOSecureMessaging.Keys(
                encryption: CardKey(algorithm, bytes: try container.decodeHex(forKey: .encryptionKey)),
                mac: CardKey(algorithm, bytes: try container.decodeHex(forKey: .macKey))
            )
        } catch is DecodingError {
            throw DecodingError.dataCorruptedError(
                forKey: .encryptionKey,
                in: container,
                debugDescription: "the access keys are not hex"
            )
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: .encryptionKey,
                in: container,
                debugDescription: "the access keys do not fit ISO secure messaging"
            )
        }
        keyReference = try container.decode(UInt8.self, forKey: .keyReference)
        authenticationRetryLimit = try container.decode(Int.self, forKey: .authenticationRetryLimit)
        switch try container.decode(String.self, forKey: .commandMACPadding) {
        case "always": commandMACPadding = .always
        case "omitted-after-bare-header": commandMACPadding = .omittedAfterBareHeader
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .commandMACPadding,
                in: container,
                debugDescription: "the command MAC padding is 'always' or 'omitted-after-bare-header'"
            )
        }
        memorySize = try container.decode(Int.self, forKey: .memorySize)
        if container.contains(.masterFileSecurity) {
            let bytes = try container.decodeHex(forKey: .masterFileSecurity)
            guard let attributes = ISOFileCard.SecurityAttributes(compact: bytes) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .masterFileSecurity,
                    in: container,
                    debugDescription: "not compact security attributes"
                )
            }
            masterFileSecurity = attributes
        } else {
            masterFileSecurity = nil
        }
        masterFileName = container.contains(.masterFileName) ? try container.decodeHex(forKey: .masterFileName) : nil
        historicalBytes = try container.decodeHex(forKey: .historicalBytes)
    }

    /// Encodes a configuration, the access keys as hex.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(accessKeys.cipher == .aes ? "aes" : "3des", forKey: .algorithm)
        try container.encode(Hex.string(accessKeys.encryption.revealedKeyBytes), forKey: .encryptionKey)
        try container.encode(Hex.string(accessKeys.mac.revealedKeyBytes), forKey: .macKey)
        try container.encode(keyReference, forKey: .keyReference)
        try container.encode(authenticationRetryLimit, forKey: .authenticationRetryLimit)
        try container.encode(
            commandMACPadding == .always ? "always" : "omitted-after-bare-header",
            forKey: .commandMACPadding
        )
        try container.encode(memorySize, forKey: .memorySize)
        if let masterFileSecurity {
            try container.encode(Hex.string(masterFileSecurity.bytes), forKey: .masterFileSecurity)
        }
        if let masterFileName {
            try container.encode(Hex.string(masterFileName), forKey: .masterFileName)
        }
        try container.encode(Hex.string(historicalBytes), forKey: .historicalBytes)
    }
}

extension ISOFileCard.File: Codable {
    private enum CodingKeys: String, CodingKey {
        case fid
        case structure
        case descriptor
        case dfName = "df-name"
        case sfi
        case lifeCycle = "life-cycle"
        case securityAttributes = "security-attributes"
        case size
        case recordSize = "record-size"
        case maximumRecordCount = "maximum-record-count"
        case contents
        case records
        case children
        case proprietaryParameters = "proprietary-parameters"
    }

    /// Decodes a file; identifiers and bytes are hex strings.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let fidBytes = try container.decodeHex(forKey: .fid)
        guard fidBytes.count == 2 else {
            throw DecodingError.dataCorruptedError(forKey: .fid, in: container, debugDescription: "not 2 bytes")
        }
        var securityAttributes: ISOFileCard.SecurityAttributes?
        if container.contains(.securityAttributes) {
            guard
                let attributes = ISOFileCard.SecurityAttributes(
                    compact: try container.decodeHex(forKey: .securityAttributes)
                )
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .securityAttributes,
                    in: container,
                    debugDescription: "not compact security attributes"
                )
            }
            securityAttributes = attributes
        }
        let structure = try container.decode(Structure.self, forKey: .structure)
        let sfi = try container.decodeIfPresent(UInt8.self, forKey: .sfi)
        if let sfi, !(1...30).contains(sfi) {
            throw DecodingError.dataCorruptedError(forKey: .sfi, in: container, debugDescription: "not 1 to 30")
        }
        self.init(
            fid: ISOFileCard.fid(fidBytes, at: 0),
            structure: structure,
            descriptor: try container.decodeHex(forKey: .descriptor),
            dfName: container.contains(.dfName) ? try container.decodeHex(forKey: .dfName) : nil,
            sfi: sfi,
            lifeCycle: try container.decode(ISOFileCard.LifeCycle.self, forKey: .lifeCycle),
            securityAttributes: securityAttributes,
            size: try container.decodeIfPresent(Int.self, forKey: .size),
            recordSize: try container.decodeIfPresent(Int.self, forKey: .recordSize),
            maximumRecordCount: try container.decodeIfPresent(Int.self, forKey: .maximumRecordCount),
            contents: container.contains(.contents) ? try container.decodeHex(forKey: .contents) : [],
            records: try (container.decodeIfPresent([String].self, forKey: .records) ?? []).map { text in
                guard let bytes = Hex.bytes(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .records, in: container, debugDescription: "not hex")
                }
                return bytes
            },
            children: try container.decodeIfPresent([Self].self, forKey: .children) ?? [],
            proprietaryParameters: container.contains(.proprietaryParameters)
                ? try container.decodeHex(forKey: .proprietaryParameters) : []
        )
        guard structure == .transparent || contents.isEmpty, structure.isRecordStructure || records.isEmpty,
            structure == .dedicated || children.isEmpty
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .structure,
                in: container,
                debugDescription: "contents, records or children that a \(structure.rawValue) file does not have"
            )
        }
    }

    /// Encodes a file, leaving out what it does not have.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Hex.string([UInt8(fid >> 8), UInt8(fid & 0xFF)]), forKey: .fid)
        try container.encode(structure, forKey: .structure)
        try container.encode(Hex.string(descriptor), forKey: .descriptor)
        try container.encodeIfPresent(dfName.map { Hex.string($0) }, forKey: .dfName)
        try container.encodeIfPresent(sfi, forKey: .sfi)
        try container.encode(lifeCycle, forKey: .lifeCycle)
        try container.encodeIfPresent(securityAttributes.map { Hex.string($0.bytes) }, forKey: .securityAttributes)
        try container.encodeIfPresent(size, forKey: .size)
        try container.encodeIfPresent(recordSize, forKey: .recordSize)
        try container.encodeIfPresent(maximumRecordCount, forKey: .maximumRecordCount)
        switch structure {
        case .transparent:
            try container.encode(Hex.string(contents), forKey: .contents)
        case .linearFixed, .linearVariable, .cyclic:
            try container.encode(records.map { Hex.string($0) }, forKey: .records)
        case .dedicated:
            try container.encode(children, forKey: .children)
        }
        if !proprietaryParameters.isEmpty {
            try container.encode(Hex.string(proprietaryParameters), forKey: .proprietaryParameters)
        }
    }
}

extension KeyedDecodingContainer {
    /// Bytes written as a hex string.
    fileprivate func decodeHex(forKey key: Key) throws -> [UInt8] {
        let text = try decode(String.self, forKey: key)
        guard let bytes = Hex.bytes(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not hex")
        }
        return bytes
    }
}
