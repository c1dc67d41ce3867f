/// Checks that the bundle is bound to the expected card.
///
/// Every identifier that both the bundle and the expected identity have must be equal, and they
/// must share at least one identifier that singles out a card (CIN, KDD or IC serial number).
public struct CardBindingCheck: BundleCheck {
    /// The identifiers of the card in the reader (or the card the caller expects).
    public var expected: BundleCardIdentity
    /// The profile the card must have, if known.
    public var profile: BundleCardProfile?

    /// Creates the check.
    public init(expected: BundleCardIdentity, profile: BundleCardProfile? = nil) {
        self.expected = expected
        self.profile = profile
    }

    /// `card`.
    public var name: String { "card" }

    /// Reports ``BundleError/Code/wrongCard`` for each differing identifier, or for no shared one.
    public func check(_ bundle: SignedBundle) -> [BundleError] {
        let card = bundle.payload.card
        var problems: [BundleError] = []
        if let profile, profile != card.profile {
            problems.append(
                BundleError(
                    code: .wrongCard,
                    reason: "the bundle is for a \(card.profile.rawValue) card, not \(profile.rawValue)"
                )
            )
        }
        let expectedValues = Dictionary(uniqueKeysWithValues: expected.identifiers.map { ($0.name, $0.bytes) })
        var sharedIndividual = false
        for (name, bytes) in card.identity.identifiers {
            guard let other = expectedValues[name] else { continue }
            if other == bytes {
                sharedIndividual = sharedIndividual || BundleCardIdentity.individualIdentifierNames.contains(name)
            } else {
                problems.append(
                    BundleError(
                        code: .wrongCard,
                        reason:
                            "the bundle's \(name) is \(CanonicalHex.string(bytes)), the card's is \(CanonicalHex.string(other))"
                    )
                )
            }
        }
        if problems.isEmpty && !sharedIndividual {
            problems.append(
                BundleError(
                    code: .wrongCard,
                    reason: "the bundle and the expected card share no CIN, KDD or IC serial number"
                )
            )
        }
        return problems
    }
}
