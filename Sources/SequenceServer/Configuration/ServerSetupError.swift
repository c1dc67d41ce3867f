/// Why the server could not start: an unreadable or invalid catalogue, card data, key file,
/// signing key, certificate or database.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error. The
/// reason names files and positions, never key values.
public struct ServerSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What could not be set up.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The catalogue: a catalogue file, a script or a component.
        public static let catalogue = Code("catalogue")
        /// The card-data directory or one of its files.
        public static let cardData = Code("card-data")
        /// The key store.
        public static let keys = Code("keys")
        /// The bundle signing key.
        public static let signingKey = Code("signing-key")
        /// The TLS certificate or its private key.
        public static let certificate = Code("certificate")
        /// The registry database.
        public static let database = Code("database")

        /// The code's name.
        public var description: String { name }
    }

    /// What could not be set up.
    public var code: Code
    /// Why, in words.
    public var reason: String
    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// `code: reason`.
    public var description: String { "\(code): \(reason)" }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
