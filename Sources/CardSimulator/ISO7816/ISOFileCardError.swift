/// An error from the simulated ISO 7816 file card outside command processing: an image that cannot
/// be read or written, or a configuration the card cannot run with.
///
/// Commands never throw: the card answers them with status words. Only ``code`` takes part in
/// equality, so tests can compare with a freshly made error. The reason never holds key bytes or
/// file contents.
public struct ISOFileCardError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of problem; new codes may be added, so switch over it with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case invalidImage
            case invalidConfiguration
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// The bytes are not a card image of this format: bad JSON, an unknown format, a field out of range.
        public static let invalidImage = Self(.invalidImage)
        /// The configuration cannot work, such as a retry limit of zero.
        public static let invalidConfiguration = Self(.invalidConfiguration)

        /// The code's name, such as `invalidImage`.
        public var description: String { backing.rawValue }
    }

    /// The kind of problem.
    public var code: Code

    /// What exactly is wrong, in lower case; never key bytes or file contents.
    private var reason: String

    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error with a code and a reason.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - reason: What exactly is wrong, lower case; never key bytes or file contents.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// The code and the reason, such as `invalidImage: unknown format 'x'`.
    public var description: String { "\(code): \(reason)" }

    /// The message with the source location that made the error.
    public var debugDescription: String { "ISOFileCardError.\(code): \(reason) (\(location))" }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension ISOFileCardError {
    @inline(never)
    static func invalidImage(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidImage, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidConfiguration(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidConfiguration, reason: reason, file: file, line: line)
    }
}
