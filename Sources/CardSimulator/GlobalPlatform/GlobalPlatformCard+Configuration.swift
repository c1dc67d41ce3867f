public import APDUTypes
public import CardCrypto
public import SecureChannel

extension GlobalPlatformCard {
    /// What a GlobalPlatform card is: its issuer security domain, key sets, identification data and policies.
    ///
    /// A card keeps its configuration in its ``Image``; PUT KEY, PUT DATA, SET STATUS and the
    /// sequence counters change it as the card runs, so the image always holds the card as it is now.
    /// The configuration holds the card's static keys in the clear: a card image is a simulated
    /// card's memory, never a place for production keys. Descriptions never show key bytes.
    public struct Configuration: Hashable, Sendable {
        /// The AID of the issuer security domain; `A000000151000000` by default.
        ///
        /// A reset selects it unless a selectable application holds the Card Reset privilege.
        public var issuerSecurityDomainAID: ApplicationIdentifier
        /// The key sets of the issuer security domain; INITIALIZE UPDATE with key version `00` uses the first
        /// with explicit initiation, an implicitly initiated session the first with an implicit SCP02 option.
        public var keySets: [KeySet]
        /// The card production life cycle data: the value of tag `9F7F` (42 bytes on most cards).
        public var cardProductionLifeCycle: [UInt8]
        /// The card recognition data: the value of tag `66`; `nil` makes the card build it from its key sets.
        public var cardRecognitionData: [UInt8]?
        /// The key diversification data: the first 10 bytes of the INITIALIZE UPDATE response (tag `CF`).
        public var keyDiversificationData: [UInt8]
        /// The issuer identification number: the value of tag `42`.
        public var issuerIdentificationNumber: [UInt8]
        /// The card image number: the value of tag `45`.
        public var cardImageNumber: [UInt8]
        /// The answer to reset.
        public var answerToReset: [UInt8]
        /// The card life cycle state (GPCS 2.3.1 table 11-5): ``LifeCycle/secured`` by default.
        public var cardLifeCycle: UInt8
        /// How many EXTERNAL AUTHENTICATE commands with a wrong host cryptogram in a row block the secure
        /// channel for good (INITIALIZE UPDATE, and a secured command that would start an implicit session,
        /// then answer `6983`); 3 by default.
        public var authenticationRetryLimit: Int
        /// Where card challenges come from when the protocol does not compute them.
        public var cardChallenges: CardChallengeSource
        /// The weakest security level EXTERNAL AUTHENTICATE may ask for; a weaker one gets `6982`.
        public var minimumSecurityLevel: SecurityLevel
        /// The security level card content management commands need; C-MAC by default.
        ///
        /// INSTALL, LOAD, DELETE, GET STATUS, SET STATUS, PUT KEY, STORE DATA and PUT DATA in a weaker
        /// channel, or outside one, get `6982`.
        public var contentManagementSecurityLevel: SecurityLevel
        /// The bytes of load files and install parameters the card holds at most; `nil` for no limit.
        ///
        /// LOAD answers `6A84` when a load file would not fit.
        public var memoryCapacity: Int?
        /// Whether the card accepts extended-length commands; without it they get `6700`.
        public var supportsExtendedLength: Bool

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - issuerSecurityDomainAID: The ISD's AID; `A000000151000000` by default.
        ///   - keySets: The key sets, at least one.
        ///   - cardProductionLifeCycle: The CPLC value (tag `9F7F`), without tag and length.
        ///   - cardRecognitionData: The value of tag `66`, or `nil` to build it from the key sets.
        ///   - keyDiversificationData: The 10-byte KDD.
        ///   - issuerIdentificationNumber: The IIN (tag `42`).
        ///   - cardImageNumber: The CIN (tag `45`).
        ///   - answerToReset: The ATR; a T=0/T=1 ATR naming cardseq by default.
        ///   - cardLifeCycle: The card life cycle state, ``LifeCycle/secured`` by default.
        ///   - authenticationRetryLimit: Wrong host cryptograms in a row before the channel blocks; 3 by default.
        ///   - cardChallenges: The source of card challenges; random by default.
        ///   - minimumSecurityLevel: The weakest level EXTERNAL AUTHENTICATE may set; none by default.
        ///   - contentManagementSecurityLevel: The level content management needs; C-MAC by default.
        ///   - memoryCapacity: The bytes available for load files; unlimited by default.
        ///   - supportsExtendedLength: Whether extended-length commands are accepted; no by default.
        public init(
            issuerSecurityDomainAID: ApplicationIdentifier = GlobalPlatformCard.defaultIssuerSecurityDomainAID,
            keySets: [KeySet],
            cardProductionLifeCycle: [UInt8] = [UInt8](repeating: 0, count: 42),
            cardRecognitionData: [UInt8]? = nil,
            keyDiversificationData: [UInt8],
            issuerIdentificationNumber: [UInt8] = [],
            cardImageNumber: [UInt8] = [],
            answerToReset: [UInt8] = GlobalPlatformCard.defaultAnswerToReset,
            cardLifeCycle: UInt8 = LifeCycle.secured,
            authenticationRetryLimit: Int = 3,
            cardChallenges: CardChallengeSource = .random,
            minimumSecurityLevel: SecurityLevel = [],
            contentManagementSecurityLevel: SecurityLevel = .commandMAC,
            memoryCapacity: Int? = nil,
            supportsExtendedLength: Bool = false
        ) {
            self.issuerSecurityDomainAID = issuerSecurityDomainAID
            self.keySets = keySets
            self.cardProductionLifeCycle = cardProductionLifeCycle
            self.cardRecognitionData = cardRecognitionData
            self.keyDiversificationData = keyDiversificationData
            self.issuerIdentificationNumber = issuerIdentificationNumber
            self.cardImageNumber = cardImageNumber
            self.answerToReset = answerToReset
            self.cardLifeCycle = cardLifeCycle
            self.authenticationRetryLimit = authenticationRetryLimit
            self.cardChallenges = cardChallenges
            self.minimumSecurityLevel = minimumSecurityLevel
            self.contentManagementSecurityLevel = contentManagementSecurityLevel
            self.memoryCapacity = memoryCapacity
            self.supportsExtendedLength = supportsExtendedLength
        }

        /// The key set with a key version, if the card has one.
        ///
        /// - Parameter keyVersion: The key version number.
        /// - Returns: The key set, or `nil`.
        public func keySet(version keyVersion: UInt8) -> KeySet? {
            keySets.first { $0.keyVersion == keyVersion }
        }

        /// Checks that the card can run with this configuration.
        ///
        /// - Throws: ``GlobalPlatformCardError/Code/invalidConfiguration`` naming the first problem.
        public func validate() throws(GlobalPlatformCardError) {
            guard keyDiversificationData.count == 10 else {
                throw .invalidConfiguration("key diversification data is 10 bytes, not \(keyDiversificationData.count)")
            }
            guard !keySets.isEmpty else {
                throw .invalidConfiguration("the issuer security domain needs at least one key set")
            }
            guard keySets.contains(where: { $0.staticKeys != nil }) else {
                throw .invalidConfiguration("no key set has keys 1 (ENC), 2 (MAC) and 3 (DEK) to open a secure channel")
            }
            var seen: Set<UInt8> = []
            for keySet in keySets {
                guard seen.insert(keySet.keyVersion).inserted else {
                    throw .invalidConfiguration("two key sets have key version \(Hex.string([keySet.keyVersion]))")
                }
                try keySet.validate()
            }
            if let implicit = keySets.first(where: \.initiatesImplicitly),
                !SecurityLevel.commandMAC.isSuperset(of: minimumSecurityLevel)
            {
                throw .invalidConfiguration(
                    "key set \(Hex.string([implicit.keyVersion])) opens implicit SCP02 sessions at C-MAC (01), below "
                        + "the minimum security level \(Hex.string([minimumSecurityLevel.rawValue]))"
                )
            }
            for (name, value) in [
                ("the CPLC", cardProductionLifeCycle), ("the IIN", issuerIdentificationNumber),
                ("the CIN", cardImageNumber), ("the card recognition data", cardRecognitionData ?? []),
            ] where value.count > 127 {
                throw .invalidConfiguration("\(name) is \(value.count) bytes; GET DATA answers at most 127")
            }
            guard (2...33).contains(answerToReset.count) else {
                throw .invalidConfiguration("an answer to reset is 2 to 33 bytes, not \(answerToReset.count)")
            }
            guard authenticationRetryLimit >= 1 else {
                throw .invalidConfiguration(
                    "the authentication retry limit is at least 1, not \(authenticationRetryLimit)"
                )
            }
            guard LifeCycle.cardStates.contains(cardLifeCycle) else {
                throw .invalidConfiguration("\(Hex.string([cardLifeCycle])) is not a card life cycle state")
            }
            if case .fixed(let challenge) = cardChallenges {
                let needed = keySets.map(\.cardChallengeLength).max() ?? 8
                guard challenge.count >= needed else {
                    throw .invalidConfiguration(
                        "the fixed card challenge has \(challenge.count) bytes; these key sets need \(needed)"
                    )
                }
            }
            if let memoryCapacity, memoryCapacity < 0 {
                throw .invalidConfiguration("the memory capacity cannot be negative")
            }
        }
    }

    /// The AID most GlobalPlatform cards give their issuer security domain: `A000000151000000`.
    public static let defaultIssuerSecurityDomainAID: ApplicationIdentifier = {
        guard let aid = ApplicationIdentifier([0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00]) else {
            preconditionFailure("the default ISD AID has a valid length")
        }
        return aid
    }()

    /// A T=0 and T=1 answer to reset whose historical bytes say `cardseq` (ISO/IEC 7816-3 section 8).
    ///
    /// `3B` direct convention, T0 `89` (TD1 present, 9 historical bytes), TD1 `80` (TD2 present, T=0),
    /// TD2 `01` (T=1), historical bytes `80` (compact-TLV follows) and `57` (card issuer's data, 7 bytes)
    /// `cardseq`, and the check byte TCK.
    public static let defaultAnswerToReset: [UInt8] = {
        let body: [UInt8] = [0x89, 0x80, 0x01, 0x80, 0x57] + Array("cardseq".utf8)
        return [0x3B] + body + [body.reduce(0, ^)]
    }()

    /// Where a card takes its card challenges from, when the protocol lets the card choose them.
    ///
    /// SCP03 with pseudo-random challenges (option bit `10`) computes them from the static ENC key,
    /// the sequence counter and the ISD AID, whatever this says.
    public enum CardChallengeSource: Hashable, Sendable {
        /// Fresh random bytes from the system generator, as a real card.
        case random
        /// The same bytes every time, cut to the challenge length, so tests can predict the card's answer.
        case fixed([UInt8])
        /// SHA-256 of the seed and a counter kept in the card image: different every session, yet
        /// the same for two cards made from the same image.
        case seeded([UInt8])
    }

    /// One key set of the issuer security domain: keys with one key version, and the protocol they open.
    public struct KeySet: Hashable, Sendable, CustomStringConvertible {
        /// The key version number (`01` to `7F`).
        public var keyVersion: UInt8
        /// The secure channel protocol: 1, 2 or 3.
        public var protocolIdentifier: UInt8
        /// The implementation option "i": SCP01 `05` or `15`; SCP02 explicit options such as `15`, `55`,
        /// `05`, `45`, or the implicit options `0A`, `0B`, `1A`, `1B`; SCP03 a combination of `01` (S16), `10`
        /// (pseudo-random challenges), `20` (R-MAC) and `40` (R-ENCRYPTION), such as `00`, `10`, `30`, `60` or `70`.
        ///
        /// A key set with an implicit SCP02 option opens no session through INITIALIZE UPDATE: the first
        /// command with a valid C-MAC opens it (GPCS 2.3.1 appendix E.1.2).
        public var implementationOption: UInt8
        /// The keys by key identifier: 1 ENC, 2 MAC, 3 DEK (already diversified, as the card holds them).
        public var keys: [UInt8: CardKey]
        /// The sequence counter: the SCP02 counter the next INITIALIZE UPDATE reports, or the SCP03
        /// counter of the last pseudo-random challenge (the next INITIALIZE UPDATE uses one more).
        public var sequenceCounter: Int

        /// Creates a key set from static keys.
        ///
        /// - Parameters:
        ///   - keys: ENC, MAC and DEK as the card holds them (diversified if the issuer diversifies);
        ///     their key version is the key set's.
        ///   - protocolIdentifier: 1, 2 or 3.
        ///   - implementationOption: The option "i".
        ///   - sequenceCounter: The SCP02 counter the next session reports, or the SCP03 counter last used; 0 by default.
        public init(keys: StaticKeys, protocolIdentifier: UInt8, implementationOption: UInt8, sequenceCounter: Int = 0)
        {
            self.keyVersion = keys.keyVersion
            self.protocolIdentifier = protocolIdentifier
            self.implementationOption = implementationOption
            self.keys = [1: keys.enc, 2: keys.mac, 3: keys.dek]
            self.sequenceCounter = sequenceCounter
        }

        /// Creates a key set from keys by identifier.
        ///
        /// - Parameters:
        ///   - keyVersion: The key version number.
        ///   - protocolIdentifier: 1, 2 or 3.
        ///   - implementationOption: The option "i".
        ///   - keys: The keys by key identifier.
        ///   - sequenceCounter: The sequence counter; 0 by default.
        public init(
            keyVersion: UInt8,
            protocolIdentifier: UInt8,
            implementationOption: UInt8,
            keys: [UInt8: CardKey],
            sequenceCounter: Int = 0
        ) {
            self.keyVersion = keyVersion
            self.protocolIdentifier = protocolIdentifier
            self.implementationOption = implementationOption
            self.keys = keys
            self.sequenceCounter = sequenceCounter
        }

        /// ENC, MAC and DEK (key identifiers 1, 2, 3), or `nil` when the set lacks one of them.
        public var staticKeys: StaticKeys? {
            guard let enc = keys[1], let mac = keys[2], let dek = keys[3] else {
                return nil
            }
            return StaticKeys(enc: enc, mac: mac, dek: dek, keyVersion: keyVersion)
        }

        /// The protocol and option as the SecureChannel module names them.
        public var secureChannelProtocol: SecureChannelProtocol {
            switch protocolIdentifier {
            case 0x01: .scp01(i: implementationOption)
            case 0x02: .scp02(i: implementationOption)
            default: .scp03
            }
        }

        /// The key version, protocol and key check values, never key bytes.
        public var description: String {
            let checkValues = keys.keys.sorted().map { identifier in
                let checkValue = keys[identifier].flatMap { try? $0.checkValue }.map(Hex.string) ?? "??????"
                return "\(identifier):\(checkValue)"
            }
            return
                "KeySet(KVN \(Hex.string([keyVersion])), SCP0\(protocolIdentifier) i=\(Hex.string([implementationOption])), "
                + "KCV \(checkValues.joined(separator: " ")))"
        }

        /// The SCP02 options with implicit initiation that the card offers (GPCS 2.3.1 table E-1: bit `04`
        /// clear, ICV = MAC over the AID, C-MAC on the unmodified APDU, with or without ICV encryption and
        /// three keys).
        static let implicitSCP02Options: Set<UInt8> = [0x0A, 0x0B, 0x1A, 0x1B]

        /// Whether sessions on this key set start implicitly (SCP02 option bit `04` clear), not with
        /// INITIALIZE UPDATE.
        public var initiatesImplicitly: Bool {
            protocolIdentifier == 0x02 && implementationOption & 0x04 == 0
        }

        /// The length of the card challenges this key set needs from ``CardChallengeSource``: 0 when the
        /// protocol computes them or the session starts implicitly.
        var cardChallengeLength: Int {
            switch protocolIdentifier {
            case 0x01: 8
            case 0x02: initiatesImplicitly ? 0 : 6
            default:
                implementationOption & 0x10 != 0 ? 0 : (implementationOption & 0x01 != 0 ? 16 : 8)
            }
        }

        /// The sequence counter's length in the INITIALIZE UPDATE response and GET DATA `C1`, or `nil`.
        var sequenceCounterLength: Int? {
            switch protocolIdentifier {
            case 0x02: 2
            case 0x03 where implementationOption & 0x10 != 0: 3
            default: nil
            }
        }

        /// The sequence counter as the card reports it, or `nil` when the protocol has none.
        func counterBytes(_ value: Int) -> [UInt8]? {
            guard let length = sequenceCounterLength else { return nil }
            return (0..<length).reversed().map { UInt8((value >> (8 * $0)) & 0xFF) }
        }

        func validate() throws(GlobalPlatformCardError) {
            let name = "key set \(Hex.string([keyVersion]))"
            guard (0x01...0x7F).contains(keyVersion) else {
                throw .invalidConfiguration("\(name): a key version is 01 to 7F")
            }
            let option = implementationOption
            let algorithm: CardKey.Algorithm
            switch protocolIdentifier {
            case 0x01:
                guard option == 0x05 || option == 0x15 else {
                    throw .invalidConfiguration("\(name): SCP01 has options 05 and 15, not \(Hex.string([option]))")
                }
                algorithm = .tripleDES
            case 0x02:
                guard option & 0x04 != 0 || Self.implicitSCP02Options.contains(option) else {
                    throw .invalidConfiguration(
                        "\(name): SCP02 i=\(Hex.string([option])) is implicit initiation the card does not offer; "
                            + "its implicit options are 0A, 0B, 1A and 1B"
                    )
                }
                algorithm = .tripleDES
            case 0x03:
                guard option & ~0x71 == 0 else {
                    throw .invalidConfiguration(
                        "\(name): SCP03 options combine 01, 10, 20 and 40, not \(Hex.string([option]))"
                    )
                }
                algorithm = .aes
            default:
                throw .invalidConfiguration("\(name): the protocol is SCP01, SCP02 or SCP03, not \(protocolIdentifier)")
            }
            for (identifier, key) in keys {
                guard key.algorithm == algorithm else {
                    throw .invalidConfiguration(
                        "\(name): key \(identifier) is \(key.name), but SCP0\(protocolIdentifier) uses \(algorithm) keys"
                    )
                }
                if algorithm == .tripleDES && key.byteCount != 16 {
                    throw .invalidConfiguration(
                        "\(name): key \(identifier) is \(key.name); SCP01 and SCP02 use 2-key 3DES"
                    )
                }
            }
            guard !keys.isEmpty, keys.keys.allSatisfy({ (0x01...0x7F).contains($0) }) else {
                throw .invalidConfiguration("\(name): a key set holds keys with identifiers 01 to 7F")
            }
            let limit = sequenceCounterLength.map { (1 << (8 * $0)) - 1 } ?? Int.max
            guard sequenceCounter >= 0, sequenceCounter <= limit else {
                throw .invalidConfiguration(
                    "\(name): the sequence counter \(sequenceCounter) does not fit the protocol"
                )
            }
        }
    }
}
