import APDUTypes
import CardCrypto
import SecureChannel

// The JSON form of card images: bytes as upper-case hex strings, single bytes as two hex digits,
// keys as their algorithm and hex value (a simulated card's memory, never a production key store).

extension GlobalPlatformCard.Image: Codable {
    private enum CodingKeys: String, CodingKey {
        case format, configuration, loadFiles, applications, securityDomainData
        case consecutiveAuthenticationFailures, challengeCounter
    }

    /// Reads an image; the `format` member must be ``currentFormat``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let format = try container.decode(String.self, forKey: .format)
        guard format == Self.currentFormat else {
            throw DecodingError.dataCorruptedError(
                forKey: .format,
                in: container,
                debugDescription: "the format is '\(format)', not '\(Self.currentFormat)'"
            )
        }
        self.init(configuration: try container.decode(GlobalPlatformCard.Configuration.self, forKey: .configuration))
        loadFiles = try container.decode([GlobalPlatformCard.LoadFile].self, forKey: .loadFiles)
        applications = try container.decode([GlobalPlatformCard.Application].self, forKey: .applications)
        securityDomainData = try container.decode([GlobalPlatformCard.StoreDataBlock].self, forKey: .securityDomainData)
        consecutiveAuthenticationFailures = try container.decode(Int.self, forKey: .consecutiveAuthenticationFailures)
        challengeCounter = try container.decode(Int.self, forKey: .challengeCounter)
    }

    /// Writes the image with its format name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.currentFormat, forKey: .format)
        try container.encode(configuration, forKey: .configuration)
        try container.encode(loadFiles, forKey: .loadFiles)
        try container.encode(applications, forKey: .applications)
        try container.encode(securityDomainData, forKey: .securityDomainData)
        try container.encode(consecutiveAuthenticationFailures, forKey: .consecutiveAuthenticationFailures)
        try container.encode(challengeCounter, forKey: .challengeCounter)
    }
}

extension GlobalPlatformCard.Configuration: Codable {
    private enum CodingKeys: String, CodingKey {
        case issuerSecurityDomainAID, keySets, cardProductionLifeCycle, cardRecognitionData
        case keyDiversificationData, issuerIdentificationNumber, cardImageNumber, answerToReset, cardLifeCycle
        case authenticationRetryLimit, cardChallenges, minimumSecurityLevel, contentManagementSecurityLevel
        case memoryCapacity, supportsExtendedLength
    }

    private typealias HexField = GlobalPlatformCard.HexField
    private typealias ByteField = GlobalPlatformCard.ByteField

    /// Reads a configuration; bytes are hex strings.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            issuerSecurityDomainAID: try container.decode(
                GlobalPlatformCard.AIDField.self,
                forKey: .issuerSecurityDomainAID
            )
            .aid,
            keySets: try container.decode([GlobalPlatformCard.KeySet].self, forKey: .keySets),
            cardProductionLifeCycle: try container.decode(HexField.self, forKey: .cardProductionLifeCycle).bytes,
            cardRecognitionData: try container.decodeIfPresent(HexField.self, forKey: .cardRecognitionData)?.bytes,
            keyDiversificationData: try container.decode(HexField.self, forKey: .keyDiversificationData).bytes,
            issuerIdentificationNumber: try container.decode(HexField.self, forKey: .issuerIdentificationNumber).bytes,
            cardImageNumber: try container.decode(HexField.self, forKey: .cardImageNumber).bytes,
            answerToReset: try container.decode(HexField.self, forKey: .answerToReset).bytes,
            cardLifeCycle: try container.decode(ByteField.self, forKey: .cardLifeCycle).value,
            authenticationRetryLimit: try container.decode(Int.self, forKey: .authenticationRetryLimit),
            cardChallenges: try container.decode(GlobalPlatformCard.CardChallengeSource.self, forKey: .cardChallenges),
            minimumSecurityLevel: SecurityLevel(
                rawValue: try container.decode(ByteField.self, forKey: .minimumSecurityLevel).value
            ),
            contentManagementSecurityLevel: SecurityLevel(
                rawValue: try container.decode(ByteField.self, forKey: .contentManagementSecurityLevel).value
            ),
            memoryCapacity: try container.decodeIfPresent(Int.self, forKey: .memoryCapacity),
            supportsExtendedLength: try container.decode(Bool.self, forKey: .supportsExtendedLength)
        )
    }

    /// Writes the configuration; bytes as hex strings, absent optional values left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(GlobalPlatformCard.AIDField(issuerSecurityDomainAID), forKey: .issuerSecurityDomainAID)
        try container.encode(keySets, forKey: .keySets)
        try container.encode(HexField(cardProductionLifeCycle), forKey: .cardProductionLifeCycle)
        try container.encodeIfPresent(cardRecognitionData.map(HexField.init), forKey: .cardRecognitionData)
        try container.encode(HexField(keyDiversificationData), forKey: .keyDiversificationData)
        try container.encode(HexField(issuerIdentificationNumber), forKey: .issuerIdentificationNumber)
        try container.encode(HexField(cardImageNumber), forKey: .cardImageNumber)
        try container.encode(HexField(answerToReset), forKey: .answerToReset)
        try container.encode(ByteField(cardLifeCycle), forKey: .cardLifeCycle)
        try container.encode(authenticationRetryLimit, forKey: .authenticationRetryLimit)
        try container.encode(cardChallenges, forKey: .cardChallenges)
        try container.encode(ByteField(minimumSecurityLevel.rawValue), forKey: .minimumSecurityLevel)
        try container.encode(
            ByteField(contentManagementSecurityLevel.rawValue),
            forKey: .contentManagementSecurityLevel
        )
        try container.encodeIfPresent(memoryCapacity, forKey: .memoryCapacity)
        try container.encode(supportsExtendedLength, forKey: .supportsExtendedLength)
    }
}

extension GlobalPlatformCard.CardChallengeSource: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, value
    }

    /// Reads `{"kind": "random"}`, `{"kind": "fixed", "value": "…"}` or `{"kind": "seeded", "value": "…"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "random":
            self = .random
        case "fixed":
            self = .fixed(try container.decode(GlobalPlatformCard.HexField.self, forKey: .value).bytes)
        case "seeded":
            self = .seeded(try container.decode(GlobalPlatformCard.HexField.self, forKey: .value).bytes)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind,
                in: container,
                debugDescription: "a challenge source is 'random', 'fixed' or 'seeded', not '\(kind)'"
            )
        }
    }

    /// Writes the kind and, for fixed and seeded sources, the bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .random:
            try container.encode("random", forKey: .kind)
        case .fixed(let bytes):
            try container.encode("fixed", forKey: .kind)
            try container.encode(GlobalPlatformCard.HexField(bytes), forKey: .value)
        case .seeded(let seed):
            try container.encode("seeded", forKey: .kind)
            try container.encode(GlobalPlatformCard.HexField(seed), forKey: .value)
        }
    }
}

extension GlobalPlatformCard.KeySet: Codable {
    private enum CodingKeys: String, CodingKey {
        case keyVersion, scp, i, keys, sequenceCounter
    }

    /// One key of a key set in an image: identifier, algorithm and value.
    private struct StoredKey: Codable {
        var id: GlobalPlatformCard.ByteField
        var algorithm: String
        var value: GlobalPlatformCard.HexField
    }

    /// Reads a key set; keys are `{"id": "01", "algorithm": "aes", "value": "…"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var keys: [UInt8: CardKey] = [:]
        for stored in try container.decode([StoredKey].self, forKey: .keys) {
            let algorithm: CardKey.Algorithm
            switch stored.algorithm {
            case "aes": algorithm = .aes
            case "3des": algorithm = .tripleDES
            case "des": algorithm = .des
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .keys,
                    in: container,
                    debugDescription: "a key algorithm is 'aes', '3des' or 'des', not '\(stored.algorithm)'"
                )
            }
            guard let key = try? CardKey(algorithm, bytes: stored.value.bytes) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .keys,
                    in: container,
                    debugDescription: "key \(Hex.string([stored.id.value])) has a length \(algorithm) does not allow"
                )
            }
            guard keys.updateValue(key, forKey: stored.id.value) == nil else {
                throw DecodingError.dataCorruptedError(
                    forKey: .keys,
                    in: container,
                    debugDescription: "key \(Hex.string([stored.id.value])) appears twice"
                )
            }
        }
        self.init(
            keyVersion: try container.decode(GlobalPlatformCard.ByteField.self, forKey: .keyVersion).value,
            protocolIdentifier: try container.decode(GlobalPlatformCard.ByteField.self, forKey: .scp).value,
            implementationOption: try container.decode(GlobalPlatformCard.ByteField.self, forKey: .i).value,
            keys: keys,
            sequenceCounter: try container.decode(Int.self, forKey: .sequenceCounter)
        )
    }

    /// Writes the key set, keys sorted by identifier.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(GlobalPlatformCard.ByteField(keyVersion), forKey: .keyVersion)
        try container.encode(GlobalPlatformCard.ByteField(protocolIdentifier), forKey: .scp)
        try container.encode(GlobalPlatformCard.ByteField(implementationOption), forKey: .i)
        let stored = keys.keys.sorted().compactMap { identifier -> StoredKey? in
            guard let key = keys[identifier] else { return nil }
            let algorithm =
                switch key.algorithm {
                case .aes: "aes"
                case .tripleDES: "3des"
                case .des: "des"
                }
            return StoredKey(
                id: GlobalPlatformCard.ByteField(identifier),
                algorithm: algorithm,
                value: GlobalPlatformCard.HexField(key.revealedKeyBytes)
            )
        }
        try container.encode(stored, forKey: .keys)
        try container.encode(sequenceCounter, forKey: .sequenceCounter)
    }
}

extension GlobalPlatformCard.LoadFile: Codable {
    private enum CodingKeys: String, CodingKey {
        case aid, lifeCycle, securityDomain, version, modules, size, loadParameters
    }

    /// Reads a load file entry.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            aid: try container.decode(GlobalPlatformCard.AIDField.self, forKey: .aid).aid,
            lifeCycle: try container.decode(GlobalPlatformCard.ByteField.self, forKey: .lifeCycle).value,
            securityDomain: try container.decode(GlobalPlatformCard.AIDField.self, forKey: .securityDomain).aid,
            version: try container.decode(GlobalPlatformCard.HexField.self, forKey: .version).bytes,
            modules: try container.decode([GlobalPlatformCard.AIDField].self, forKey: .modules).map(\.aid),
            size: try container.decode(Int.self, forKey: .size),
            loadParameters: try container.decode(GlobalPlatformCard.HexField.self, forKey: .loadParameters).bytes
        )
    }

    /// Writes a load file entry.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(GlobalPlatformCard.AIDField(aid), forKey: .aid)
        try container.encode(GlobalPlatformCard.ByteField(lifeCycle), forKey: .lifeCycle)
        try container.encode(GlobalPlatformCard.AIDField(securityDomain), forKey: .securityDomain)
        try container.encode(GlobalPlatformCard.HexField(version), forKey: .version)
        try container.encode(modules.map(GlobalPlatformCard.AIDField.init), forKey: .modules)
        try container.encode(size, forKey: .size)
        try container.encode(GlobalPlatformCard.HexField(loadParameters), forKey: .loadParameters)
    }
}

extension GlobalPlatformCard.Application: Codable {
    private enum CodingKeys: String, CodingKey {
        case aid, loadFile, module, securityDomain, privileges, lifeCycle, installParameters, storedData
    }

    /// Reads an application entry.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            aid: try container.decode(GlobalPlatformCard.AIDField.self, forKey: .aid).aid,
            loadFile: try container.decode(GlobalPlatformCard.AIDField.self, forKey: .loadFile).aid,
            module: try container.decode(GlobalPlatformCard.AIDField.self, forKey: .module).aid,
            securityDomain: try container.decode(GlobalPlatformCard.AIDField.self, forKey: .securityDomain).aid,
            privileges: try container.decode(GlobalPlatformCard.HexField.self, forKey: .privileges).bytes,
            lifeCycle: try container.decode(GlobalPlatformCard.ByteField.self, forKey: .lifeCycle).value,
            installParameters: try container.decode(GlobalPlatformCard.HexField.self, forKey: .installParameters).bytes,
            storedData: try container.decode([GlobalPlatformCard.StoreDataBlock].self, forKey: .storedData)
        )
    }

    /// Writes an application entry.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(GlobalPlatformCard.AIDField(aid), forKey: .aid)
        try container.encode(GlobalPlatformCard.AIDField(loadFile), forKey: .loadFile)
        try container.encode(GlobalPlatformCard.AIDField(module), forKey: .module)
        try container.encode(GlobalPlatformCard.AIDField(securityDomain), forKey: .securityDomain)
        try container.encode(GlobalPlatformCard.HexField(privileges), forKey: .privileges)
        try container.encode(GlobalPlatformCard.ByteField(lifeCycle), forKey: .lifeCycle)
        try container.encode(GlobalPlatformCard.HexField(installParameters), forKey: .installParameters)
        try container.encode(storedData, forKey: .storedData)
    }
}

extension GlobalPlatformCard.StoreDataBlock: Codable {
    private enum CodingKeys: String, CodingKey {
        case p1, blockNumber, data
    }

    /// Reads a STORE DATA block.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            p1: try container.decode(GlobalPlatformCard.ByteField.self, forKey: .p1).value,
            blockNumber: try container.decode(GlobalPlatformCard.ByteField.self, forKey: .blockNumber).value,
            data: try container.decode(GlobalPlatformCard.HexField.self, forKey: .data).bytes
        )
    }

    /// Writes a STORE DATA block.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(GlobalPlatformCard.ByteField(p1), forKey: .p1)
        try container.encode(GlobalPlatformCard.ByteField(blockNumber), forKey: .blockNumber)
        try container.encode(GlobalPlatformCard.HexField(data), forKey: .data)
    }
}
