/// Why bytes could not be read as a Java Card CAP or IJC file.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error.
/// ``description`` is one lower-case line meant to follow `error:` in a diagnostic, for example
/// `corrupt CAP file: directory lists 1200 bytes for component 'Method' but it has 1100`.
public struct CAPFileError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of problem; new codes may be added, so switch over it with a `default`.
    public var code: Code

    /// What exactly is wrong, in lower case, naming components and entries in single quotes.
    public private(set) var reason: String

    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error with a code and a reason.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - reason: What exactly is wrong, lower case, without a final period.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// A one-line, lower-case message such as `corrupt CAP file: ...`.
    public var description: String {
        switch code {
        case .notAnArchive:
            "not a CAP file: \(reason)"
        case .unsupported:
            "unsupported CAP file: \(reason)"
        default:
            "corrupt CAP file: \(reason)"
        }
    }

    /// The message with the code and the source location that made the error.
    public var debugDescription: String {
        "CAPFileError.\(code): \(reason) (\(location))"
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

extension CAPFileError {
    /// The kind of a ``CAPFileError``.
    ///
    /// A struct with static members rather than an enum, so new codes do not break callers' switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case notAnArchive
            case corruptArchive
            case truncated
            case badMagic
            case invalidAID
            case sizeMismatch
            case missingComponent
            case duplicateComponent
            case malformedComponent
            case unsupported
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// The bytes are neither a ZIP archive nor an IJC file.
        public static let notAnArchive = Self(.notAnArchive)
        /// The ZIP structure is broken: no central directory, bad offsets, a CRC or inflate failure.
        public static let corruptArchive = Self(.corruptArchive)
        /// A component or structure ends before its declared end.
        public static let truncated = Self(.truncated)
        /// The Header component does not start with `0xDECAFFED`.
        public static let badMagic = Self(.badMagic)
        /// A package or applet AID is not 5 to 16 bytes long.
        public static let invalidAID = Self(.invalidAID)
        /// A component's size disagrees with its bytes or with the Directory component.
        public static let sizeMismatch = Self(.sizeMismatch)
        /// A component every CAP file needs is absent.
        public static let missingComponent = Self(.missingComponent)
        /// A component appears more than once.
        public static let duplicateComponent = Self(.duplicateComponent)
        /// A component's contents do not match its layout (wrong tag, trailing bytes, wrong counts).
        public static let malformedComponent = Self(.malformedComponent)
        /// A valid file in a format this reader does not handle (extended CAP, ZIP64, encryption).
        public static let unsupported = Self(.unsupported)

        /// The code's name, such as `sizeMismatch`.
        public var description: String { backing.rawValue }
    }
}

extension CAPFileError {
    @inline(never)
    static func notAnArchive(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .notAnArchive, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func corruptArchive(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .corruptArchive, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func truncated(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .truncated, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func badMagic(_ magic: UInt32, file: String = #fileID, line: UInt = #line) -> Self {
        let hex = String(magic, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        return Self(
            code: .badMagic,
            reason: "component 'Header' starts with 0x\(padded), not 0xDECAFFED",
            file: file,
            line: line
        )
    }

    @inline(never)
    static func invalidAID(
        _ what: String,
        length: Int,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(code: .invalidAID, reason: "\(what) is \(length) bytes long, not 5 to 16", file: file, line: line)
    }

    @inline(never)
    static func sizeMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .sizeMismatch, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func missingComponent(
        _ kind: CAPComponent.Kind,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(code: .missingComponent, reason: "component '\(kind)' is missing", file: file, line: line)
    }

    @inline(never)
    static func duplicateComponent(
        _ kind: CAPComponent.Kind,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(code: .duplicateComponent, reason: "component '\(kind)' appears more than once", file: file, line: line)
    }

    @inline(never)
    static func malformedComponent(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .malformedComponent, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func unsupported(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .unsupported, reason: reason, file: file, line: line)
    }
}
