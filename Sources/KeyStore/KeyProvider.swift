import APDUTypes
public import SecureChannel

/// What the server knows of a card when it picks the keys: identification data from the probe.
public struct CardIdentity: Hashable, Sendable {
    /// The issuer security domain's AID.
    public var isdAID: [UInt8]?
    /// The Issuer Identification Number (GET DATA `42`).
    public var iin: [UInt8]?
    /// The Card Image Number (GET DATA `45`).
    public var cin: [UInt8]?
    /// The key diversification data from INITIALIZE UPDATE (10 bytes).
    public var keyDiversificationData: [UInt8]?

    /// Creates a card identity.
    public init(
        isdAID: [UInt8]? = nil,
        iin: [UInt8]? = nil,
        cin: [UInt8]? = nil,
        keyDiversificationData: [UInt8]? = nil
    ) {
        self.isdAID = isdAID
        self.iin = iin
        self.cin = cin
        self.keyDiversificationData = keyDiversificationData
    }
}

/// The keys and secure-channel parameters chosen for one card.
public struct SelectedKeySet: Sendable {
    /// The key set's name in the key store.
    public var name: String
    /// The issuer's keys as stored: master keys when ``configuration`` diversifies, else the card's static keys.
    public var keys: StaticKeys
    /// The protocol, security level and diversification to open the channel with.
    public var configuration: SecureChannelSession.Configuration

    /// Creates a selection.
    public init(name: String, keys: StaticKeys, configuration: SecureChannelSession.Configuration) {
        self.name = name
        self.keys = keys
        self.configuration = configuration
    }

    /// The card's static keys: the stored keys diversified with the card's KDD when the scheme needs it.
    ///
    /// - Throws: ``KeyStoreError`` when the scheme needs a KDD that the identity lacks, or the
    ///   derivation fails.
    public func cardKeys(for card: CardIdentity) throws(KeyStoreError) -> StaticKeys {
        guard configuration.diversification != .none else { return keys }
        guard let kdd = card.keyDiversificationData else {
            throw KeyStoreError(
                .missingCardData,
                "key set '\(name)' diversifies keys (\(configuration.diversification)) and needs the card's KDD"
            )
        }
        do {
            return try configuration.diversification.diversify(keys, keyDiversificationData: kdd)
        } catch {
            throw KeyStoreError(.invalidKeys, "key set '\(name)': \(error)")
        }
    }
}

/// The access keys chosen for a file-oriented card that uses ISO 7816-4 secure messaging.
public struct SelectedAccessKeys: Sendable {
    /// The key set's name in the key store.
    public var name: String
    /// K_ENC and K_MAC, which authenticate both sides and from which the session keys derive.
    public var keys: ISOSecureMessaging.Keys
    /// The key reference EXTERNAL AUTHENTICATE names in its P2.
    public var keyReference: UInt8

    /// Creates a selection.
    public init(name: String, keys: ISOSecureMessaging.Keys, keyReference: UInt8 = 0x00) {
        self.name = name
        self.keys = keys
        self.keyReference = keyReference
    }
}

/// A source of card keys: a development key file today, a hardware token later.
///
/// Implementations never log or print key bytes; what they show of a key is its check value.
public protocol KeyProvider: Sendable {
    /// The key set for a card.
    ///
    /// - Parameter card: What the server knows of the card.
    /// - Returns: The selected key set.
    /// - Throws: ``KeyStoreError`` when no key set matches or the stored keys are unusable.
    func keySet(for card: CardIdentity) throws(KeyStoreError) -> SelectedKeySet

    /// The secure messaging access keys for a file-oriented card.
    ///
    /// - Parameter card: What the server knows of the card.
    /// - Returns: The selected access keys.
    /// - Throws: ``KeyStoreError`` when no key set matches.
    func accessKeys(for card: CardIdentity) throws(KeyStoreError) -> SelectedAccessKeys
}

extension KeyProvider {
    /// A provider without secure messaging key sets: no file-oriented card matches.
    public func accessKeys(for card: CardIdentity) throws(KeyStoreError) -> SelectedAccessKeys {
        throw KeyStoreError(.noMatchingKeySet, "this key provider holds no secure messaging key sets")
    }
}
