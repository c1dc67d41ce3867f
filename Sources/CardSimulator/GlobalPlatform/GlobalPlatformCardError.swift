/// An error from the simulated GlobalPlatform card outside command processing: a configuration the
/// card cannot run with, or a card image that cannot be read or written.
///
/// Commands never throw: the card answers them with status words, as silicon does. Only ``code``
/// takes part in equality, so tests can compare with a freshly made error. The reason names key
/// versions, lengths and AIDs, never key bytes or personalization data.
public struct GlobalPlatformCardError: Error, Hashable, Sendable, CustomStringConvertible,
    CustomDebugStringConvertible
{
    /// The kind of problem; new codes may be added, so switch over it with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case invalidConfiguration
            case invalidImage
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// The configuration cannot work, such as a 9-byte key diversification data or two key sets
        /// with the same key version.
        public static let invalidConfiguration = Self(.invalidConfiguration)
        /// The bytes are not a card image of this format: bad JSON, another format, a field out of range.
        public static let invalidImage = Self(.invalidImage)

        /// The code's name, such as `invalidImage`.
        public var description: String { backing.rawValue }
    }

    /// The kind of problem.
    public var code: Code

    /// What exactly is wrong, in lower case; never key bytes or personalization data.
    private var reason: String

    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error with a code and a reason.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - reason: What exactly is wrong, lower case; never key bytes or personalization data.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// The code and the reason, such as `invalidConfiguration: two key sets have key version 30`.
    public var description: String { "\(code): \(reason)" }

    /// The message with the source location that made the error.
    public var debugDescription: String { "GlobalPlatformCardError.\(code): \(reason) (\(location))" }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension GlobalPlatformCardError {
    @inline(never)
    static func invalidConfiguration(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidConfiguration, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidImage(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidImage, reason: reason, file: file, line: line)
    }
}
