/// Why a cryptographic operation could not be carried out.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error. The reason
/// names lengths, algorithms and OpenSSL functions, never key bytes, data or MACs.
public struct CardCryptoError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of problem; new codes may be added, so switch over it with a `default`.
    public var code: Code

    /// What exactly is wrong, in lower case, without a final period.
    private var reason: String

    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error with a code and a reason.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - reason: What exactly is wrong, lower case, without a final period; never key bytes or data.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// A one-line, lower-case message such as `invalid key length: AES keys are 16, 24 or 32 bytes, not 20`.
    public var description: String {
        "\(code.summary): \(reason)"
    }

    /// The message with the code and the source location that made the error.
    public var debugDescription: String {
        "CardCryptoError.\(code): \(reason) (\(location))"
    }

    /// Compares the codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension CardCryptoError {
    /// The kind of a ``CardCryptoError``.
    ///
    /// A struct with static members rather than an enum, so new codes do not break callers' switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case invalidKeyLength
            case invalidDataLength
            case invalidIVLength
            case invalidPadding
            case invalidOutputLength
            case unsupportedAlgorithm
            case openSSLFailure
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// The key bytes do not have a length that the key's algorithm allows.
        public static let invalidKeyLength = Self(.invalidKeyLength)
        /// The data is not a whole number of blocks, or is empty where a block is needed.
        public static let invalidDataLength = Self(.invalidDataLength)
        /// The initial chaining value is not exactly one block long.
        public static let invalidIVLength = Self(.invalidIVLength)
        /// The data does not end with ISO/IEC 9797-1 padding method 2.
        public static let invalidPadding = Self(.invalidPadding)
        /// A requested output length is not one the function can produce.
        public static let invalidOutputLength = Self(.invalidOutputLength)
        /// The key's algorithm does not fit the operation, such as a DES key for AES-CMAC.
        public static let unsupportedAlgorithm = Self(.unsupportedAlgorithm)
        /// OpenSSL refused or failed an operation that should have worked.
        public static let openSSLFailure = Self(.openSSLFailure)

        /// The code's name, such as `invalidKeyLength`.
        public var description: String { backing.rawValue }

        /// The start of ``CardCryptoError/description`` for this code.
        fileprivate var summary: String {
            switch backing {
            case .invalidKeyLength: "invalid key length"
            case .invalidDataLength: "invalid data length"
            case .invalidIVLength: "invalid IV length"
            case .invalidPadding: "invalid padding"
            case .invalidOutputLength: "invalid output length"
            case .unsupportedAlgorithm: "unsupported algorithm"
            case .openSSLFailure: "OpenSSL failure"
            }
        }
    }
}

extension CardCryptoError {
    @inline(never)
    static func invalidKeyLength(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidKeyLength, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidDataLength(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidDataLength, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidIVLength(
        _ count: Int,
        blockSize: Int,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(
            code: .invalidIVLength,
            reason: "the IV must be one \(blockSize)-byte block, not \(count) bytes",
            file: file,
            line: line
        )
    }

    @inline(never)
    static func invalidPadding(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidPadding, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidOutputLength(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidOutputLength, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func unsupportedAlgorithm(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .unsupportedAlgorithm, reason: reason, file: file, line: line)
    }

    /// An OpenSSL failure, with the first message of the calling thread's OpenSSL error queue, which it empties.
    @inline(never)
    static func openSSLFailure(_ function: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(
            code: .openSSLFailure,
            reason: "\(function) failed\(OpenSSLErrorQueue.drain())",
            file: file,
            line: line
        )
    }
}
