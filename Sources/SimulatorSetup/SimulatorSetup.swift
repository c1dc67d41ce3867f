import APDUTypes
import CardSimulator
public import KeyStore
import SecureChannel
public import SequenceCompiler

/// Makes simulated cards that match the fixture cards an issuer describes: the identification data
/// of a card-data file (ISD AID, CPLC, KDD, IIN, CIN) and the keys the issuer's key file selects
/// for it, diversified as the key set says, which is what a card leaves the factory with.
public enum SimulatorSetup {
    /// Options for a new card.
    public struct Options: Sendable {
        /// The SCP03 implementation option `i` when the key set does not decide it: `70`
        /// (pseudo-random card challenges, so bundles can be precomputed) by default.
        public var scp03Option: UInt8
        /// The sequence counter the card starts from.
        public var sequenceCounter: Int
        /// Fixed card challenges (6 bytes, SCP02), for repeatable runs; random otherwise.
        public var fixedCardChallenge: [UInt8]?
        /// Replaces the key set's SCP02 `i`, such as `1A` for implicit initiation.
        public var scp02Option: UInt8?

        /// Creates options.
        public init(
            scp03Option: UInt8 = 0x70,
            sequenceCounter: Int = 0,
            fixedCardChallenge: [UInt8]? = nil,
            scp02Option: UInt8? = nil
        ) {
            self.scp03Option = scp03Option
            self.sequenceCounter = sequenceCounter
            self.fixedCardChallenge = fixedCardChallenge
            self.scp02Option = scp02Option
        }
    }

    /// A new, empty card's image for a card-data file and a key file.
    ///
    /// - Throws: ``SimulatorSetupError`` when the card data lacks what the profile needs, or no
    ///   key set matches the card.
    public static func image(
        cardData: CardData,
        keys: any KeyProvider,
        options: Options = Options()
    ) throws(SimulatorSetupError) -> SimulatedCardImage {
        let identity = CardIdentity(
            isdAID: cardData.bytes(for: .issuerSecurityDomain),
            iin: cardData.bytes(for: .iin),
            cin: cardData.bytes(for: .cin),
            keyDiversificationData: cardData.bytes(for: .keyDiversificationData)
        )
        if cardData.profile?.value == .iso7816 {
            return try isoImage(cardData: cardData, identity: identity, keys: keys)
        }
        return try globalPlatformImage(cardData: cardData, identity: identity, keys: keys, options: options)
    }

    /// The file identifier of EF.GDO, the general data objects under the MF (ISO/IEC 7816-4, section 8.2.1.1).
    public static let generalDataObjectsFileIdentifier: UInt16 = 0x2F02

    /// The contents of EF.GDO that identify a file-oriented card: the card number (tag `5A`,
    /// compressed numeric, padded with `F`), the IIN (`42`) and the CIN (`45`), each present when
    /// the card data give it.
    ///
    /// The card number is the first `card-number` value of the card's record (a top-level key, or
    /// one in a section such as `data.loyalty.card-number`); the IIN and CIN come from the `card:`
    /// section, written as the value or as the whole data object.
    ///
    /// - Parameter cardData: The card's data file.
    /// - Returns: BER-TLV data objects, empty when the card data give none of them.
    public static func generalDataObjects(for cardData: CardData) -> [UInt8] {
        var objects: [UInt8] = []
        if let number = cardNumber(in: cardData.record), let encoded = compressedNumeric(number) {
            objects += BERTLV.encode(tag: 0x5A, value: encoded)
        }
        let iin = value(of: cardData.bytes(for: .iin), tag: 0x42)
        if !iin.isEmpty {
            objects += BERTLV.encode(tag: 0x42, value: iin)
        }
        let cin = value(of: cardData.bytes(for: .cin), tag: 0x45)
        if !cin.isEmpty {
            objects += BERTLV.encode(tag: 0x45, value: cin)
        }
        return objects
    }

    /// The first `card-number` scalar of a record, depth first in source order.
    static func cardNumber(in value: CardDataValue?) -> String? {
        guard case .mapping(let entries)? = value else { return nil }
        for entry in entries {
            if entry.key == "card-number", case .scalar(let text, _) = entry.value {
                return text
            }
        }
        for entry in entries {
            if let found = cardNumber(in: entry.value) {
                return found
            }
        }
        return nil
    }

    /// Digits as compressed numeric: two a byte, an odd count padded with `F` (EMV Book 3, section 4.3).
    static func compressedNumeric(_ digits: String) -> [UInt8]? {
        var nibbles: [UInt8] = []
        for character in digits {
            guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
            nibbles.append(UInt8(digit))
        }
        guard !nibbles.isEmpty else { return nil }
        if nibbles.count % 2 == 1 {
            nibbles.append(0x0F)
        }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    private static func isoImage(
        cardData: CardData,
        identity: CardIdentity,
        keys: any KeyProvider
    ) throws(SimulatorSetupError)
        -> SimulatedCardImage
    {
        do {
            let selected = try keys.accessKeys(for: identity)
            let card = try ISOFileCard(
                configuration: ISOFileCard.Configuration(accessKeys: selected.keys, keyReference: selected.keyReference)
            )
            var image = card.image
            let objects = generalDataObjects(for: cardData)
            if !objects.isEmpty {
                // Written by the issuer at personalization: readable by anyone, never changed.
                image.masterFile.children.append(
                    ISOFileCard.File(
                        fid: generalDataObjectsFileIdentifier,
                        structure: .transparent,
                        lifeCycle: .activated,
                        securityAttributes: ISOFileCard.SecurityAttributes(conditions: [.read: 0x00]),
                        size: objects.count,
                        contents: objects
                    )
                )
            }
            return .iso7816(image)
        } catch let error as KeyStoreError {
            throw SimulatorSetupError(.noKeys, "\(error)")
        } catch {
            throw SimulatorSetupError(.invalidCardData, "\(error)")
        }
    }

    private static func globalPlatformImage(
        cardData: CardData,
        identity: CardIdentity,
        keys: any KeyProvider,
        options: Options
    ) throws(SimulatorSetupError) -> SimulatedCardImage {
        guard let aidBytes = identity.isdAID, let aid = ApplicationIdentifier(aidBytes) else {
            throw SimulatorSetupError(.invalidCardData, "a GlobalPlatform card needs its isd-aid")
        }
        guard let kdd = identity.keyDiversificationData, kdd.count == 10 else {
            throw SimulatorSetupError(.invalidCardData, "a GlobalPlatform card needs its 10-byte kdd")
        }
        let selected: SelectedKeySet
        let cardKeys: StaticKeys
        do {
            selected = try keys.keySet(for: identity)
            cardKeys = try selected.cardKeys(for: identity)
        } catch {
            throw SimulatorSetupError(.noKeys, "\(error)")
        }
        let protocolIdentifier: UInt8
        let option: UInt8
        switch selected.configuration.scp {
        case .scp01(let i):
            protocolIdentifier = 0x01
            option = i
        case .scp02(let i):
            protocolIdentifier = 0x02
            option = options.scp02Option ?? i
        case .scp03:
            protocolIdentifier = 0x03
            option = options.scp03Option
        }
        var cplc: [UInt8] = []
        for field in CPLCField.allCases {
            cplc += cardData.bytes(for: .cplc(field)) ?? [UInt8](repeating: 0, count: field.length)
        }
        let configuration = GlobalPlatformCard.Configuration(
            issuerSecurityDomainAID: aid,
            keySets: [
                GlobalPlatformCard.KeySet(
                    keys: cardKeys,
                    protocolIdentifier: protocolIdentifier,
                    implementationOption: option,
                    sequenceCounter: options.sequenceCounter
                )
            ],
            cardProductionLifeCycle: cplc,
            keyDiversificationData: kdd,
            issuerIdentificationNumber: Self.value(of: identity.iin, tag: 0x42),
            cardImageNumber: Self.value(of: identity.cin, tag: 0x45),
            cardChallenges: options.fixedCardChallenge.map { .fixed($0) } ?? .random
        )
        do {
            return .globalPlatform(try GlobalPlatformCard(configuration: configuration).image)
        } catch {
            throw SimulatorSetupError(.invalidCardData, "\(error)")
        }
    }

    /// The value of a card-data field written as a whole TLV (`42 01 99`), or the bytes as given.
    static func value(of bytes: [UInt8]?, tag: UInt8) -> [UInt8] {
        guard let bytes else { return [] }
        if bytes.count >= 2, bytes[0] == tag, Int(bytes[1]) == bytes.count - 2 {
            return Array(bytes.dropFirst(2))
        }
        return bytes
    }
}

/// Why a simulated card could not be set up or its image read.
public struct SimulatorSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        private init(_ name: String) { self.name = name }
        /// The card data lack what the card needs.
        public static let invalidCardData = Code("invalidCardData")
        /// No key set matches the card.
        public static let noKeys = Code("noKeys")
        /// The image file is not a card image, or a malformed one.
        public static let invalidImage = Code("invalidImage")
        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// Why, in words; never key bytes.
    public var reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// Only the code takes part in equality.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    /// The reason.
    public var description: String { reason }
}
