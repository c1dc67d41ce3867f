/// An error from the key store: a key file that cannot be used, or no keys for a card.
///
/// Only ``code`` takes part in equality. Messages never contain key bytes.
public struct KeyStoreError: Error, Hashable, CustomStringConvertible {
    /// What went wrong, extensible without breaking `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The key file is not valid YAML or not the key-file format.
        public static let malformedKeyFile = Code("malformed-key-file")
        /// A key has the wrong length or algorithm for its scheme.
        public static let invalidKeys = Code("invalid-keys")
        /// No key set matches the card.
        public static let noMatchingKeySet = Code("no-matching-key-set")
        /// Several key sets match the card equally well.
        public static let ambiguousKeySet = Code("ambiguous-key-set")
        /// The key set needs card data (such as the KDD) that is missing.
        public static let missingCardData = Code("missing-card-data")

        /// The code's name, such as `no-matching-key-set`.
        public var description: String { name }
    }

    /// The error's code.
    public var code: Code
    /// What happened, for people; never key bytes.
    public private(set) var reason: String
    private var location: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// The reason.
    public var description: String { reason }

    /// Compares codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
