/// An error from reading, sealing or verifying a bundle.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error. The
/// reason says what was found for people reading logs; it never contains key material. Errors
/// about one command carry its ``commandIndex``.
public struct BundleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is: a stable identifier that new codes extend without breaking a `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable identifier, such as `bundle.signature-invalid`.
        public let identifier: String

        /// Creates a code; modules that add checks define their own codes this way.
        ///
        /// - Parameter identifier: A stable `bundle.kebab-name` identifier, never reused.
        public init(_ identifier: String) {
            self.identifier = identifier
        }

        /// The identifier.
        public var description: String { identifier }

        /// The bytes are not a well-formed bundle: bad JSON, a duplicate, unknown or missing key,
        /// a value of the wrong type, or hex that is not canonical.
        public static let malformedBundle = Code("bundle.malformed")
        /// The `format` member names a format or version this code does not read.
        public static let unsupportedFormat = Code("bundle.unsupported-format")
        /// The signature algorithm is not one this code verifies.
        public static let unsupportedAlgorithm = Code("bundle.unsupported-algorithm")
        /// No pinned public key has the bundle's key id and algorithm.
        public static let unknownSigningKey = Code("bundle.unknown-signing-key")
        /// The signature does not verify over the canonical payload with the pinned key.
        public static let signatureInvalid = Code("bundle.signature-invalid")
        /// The bundle's validity period ended before the verifier's `now`.
        public static let expired = Code("bundle.expired")
        /// The bundle's validity period starts after the verifier's `now`.
        public static let notYetValid = Code("bundle.not-yet-valid")
        /// The bundle is bound to a different card than the expected one.
        public static let wrongCard = Code("bundle.wrong-card")
        /// The payload breaks a structural rule that is not about one command.
        public static let invalidStructure = Code("bundle.invalid-structure")
        /// One command breaks a structural rule; ``BundleError/commandIndex`` says which.
        public static let commandInvalid = Code("bundle.command-invalid")
        /// The recomputed secure-channel MAC chain differs from the commands' MACs (used by the
        /// secure-channel checks that plug into ``BundleVerifier``).
        public static let macChainInvalid = Code("bundle.mac-chain-invalid")
        /// A key given to a signer or verifier is not a valid key of its algorithm.
        public static let invalidKey = Code("bundle.invalid-key")
        /// The signer failed, or produced a signature its own public key does not verify.
        public static let signingFailed = Code("bundle.signing-failed")
    }

    /// What kind of problem this is.
    public var code: Code
    /// The index of the command the problem is about, when it is about one command.
    public var commandIndex: Int?
    private var reason: String
    private var location: String

    /// Creates an error; checks in other modules use this to report their findings.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - reason: What was found, for people; never key bytes or MAC inputs.
    ///   - commandIndex: The command the problem is about, if any.
    ///   - file: The source file that raised the error.
    ///   - line: The source line that raised the error.
    public init(
        code: Code,
        reason: String,
        commandIndex: Int? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.commandIndex = commandIndex
        self.location = "\(file):\(line)"
    }

    /// The reason, for people: what was found.
    public var message: String { reason }

    /// `bundle.code: reason (command N) [File.swift:line]`.
    public var description: String {
        var text = "\(code): \(reason)"
        if let commandIndex {
            text += " (command \(commandIndex))"
        }
        return text + " [\(location)]"
    }

    /// Compares codes only.
    public static func == (lhs: BundleError, rhs: BundleError) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only, consistently with equality.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension BundleError {
    /// The bytes are not a well-formed bundle.
    @inline(never)
    static func malformed(
        _ reason: String,
        commandIndex: Int? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) -> BundleError {
        BundleError(code: .malformedBundle, reason: reason, commandIndex: commandIndex, file: file, line: line)
    }

    /// The payload breaks a structural rule.
    @inline(never)
    static func invalidStructure(_ reason: String, file: String = #fileID, line: UInt = #line) -> BundleError {
        BundleError(code: .invalidStructure, reason: reason, file: file, line: line)
    }

    /// One command breaks a structural rule.
    @inline(never)
    static func commandInvalid(
        _ reason: String,
        index: Int,
        file: String = #fileID,
        line: UInt = #line
    ) -> BundleError {
        BundleError(code: .commandInvalid, reason: reason, commandIndex: index, file: file, line: line)
    }

    /// A key is not a valid key of its algorithm.
    @inline(never)
    static func invalidKey(_ reason: String, file: String = #fileID, line: UInt = #line) -> BundleError {
        BundleError(code: .invalidKey, reason: reason, file: file, line: line)
    }
}
