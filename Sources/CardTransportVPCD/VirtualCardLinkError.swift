/// An error from the link between a virtual card and vpcd.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error. The reason
/// names addresses, lengths and system error texts, never command or response data.
public struct VirtualCardLinkError: Error, Hashable, Sendable, CustomStringConvertible,
    CustomDebugStringConvertible
{
    /// The kind of problem; new codes may be added, so switch over it with a `default`.
    public var code: Code

    /// What exactly is wrong, in lower case; never command or response data.
    public private(set) var reason: String

    /// Where the error was made, as `#fileID:#line`.
    private var location: String

    /// Creates an error with a code and a reason.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - reason: What exactly is wrong, lower case; never command or response data.
    ///   - file: The file making the error, `#fileID` by default.
    ///   - line: The line making the error, `#line` by default.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(file):\(line)"
    }

    /// A message such as `vpcd not listening: nothing listens on 127.0.0.1:35963 ...`.
    public var description: String {
        "\(code.summary): \(reason)"
    }

    /// The message with the code and the source location that made the error.
    public var debugDescription: String {
        "VirtualCardLinkError.\(code): \(reason) (\(location))"
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

extension VirtualCardLinkError {
    /// The kind of a ``VirtualCardLinkError``.
    ///
    /// A struct with static members rather than an enum, so new codes do not break callers' switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case vpcdNotListening
            case connectionFailed
            case invalidAddress
            case invalidState
            case invalidAnswerToReset
            case protocolViolation
            case invalidResponse
            case connectionLost
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// Nothing listens on the vpcd address: pcscd is not running, or runs without the vpcd driver.
        public static let vpcdNotListening = Self(.vpcdNotListening)
        /// The TCP connection to vpcd could not be made for another reason than a refusal.
        public static let connectionFailed = Self(.connectionFailed)
        /// The host name does not resolve, or the port is not usable.
        public static let invalidAddress = Self(.invalidAddress)
        /// The call does not fit the link's state, such as starting a link twice.
        public static let invalidState = Self(.invalidState)
        /// The card's answer to reset is empty or longer than the 33 bytes ISO 7816-3 allows.
        public static let invalidAnswerToReset = Self(.invalidAnswerToReset)
        /// vpcd sent a message the protocol does not allow, such as an empty or an over-long one.
        public static let protocolViolation = Self(.protocolViolation)
        /// The card's response is shorter than a status word, or longer than a vpcd message holds.
        public static let invalidResponse = Self(.invalidResponse)
        /// The connection broke: vpcd closed it in the middle of a message, or a send or receive failed.
        public static let connectionLost = Self(.connectionLost)

        /// The code's name, such as `vpcdNotListening`.
        public var description: String { backing.rawValue }

        /// The start of ``VirtualCardLinkError/description`` for this code.
        fileprivate var summary: String {
            switch backing {
            case .vpcdNotListening: "vpcd not listening"
            case .connectionFailed: "connection failed"
            case .invalidAddress: "invalid address"
            case .invalidState: "invalid state"
            case .invalidAnswerToReset: "invalid answer to reset"
            case .protocolViolation: "protocol violation"
            case .invalidResponse: "invalid response"
            case .connectionLost: "connection lost"
            }
        }
    }
}

extension VirtualCardLinkError {
    @inline(never)
    static func vpcdNotListening(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .vpcdNotListening, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func connectionFailed(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .connectionFailed, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidAddress(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidAddress, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidState(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidState, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidAnswerToReset(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidAnswerToReset, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func protocolViolation(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .protocolViolation, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func invalidResponse(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidResponse, reason: reason, file: file, line: line)
    }

    @inline(never)
    static func connectionLost(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .connectionLost, reason: reason, file: file, line: line)
    }
}
