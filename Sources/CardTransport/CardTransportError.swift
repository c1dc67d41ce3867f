/// An error from a card transport: the card, the reader or the link to them failed.
///
/// Only ``code`` takes part in equality, so tests can compare with a freshly made error.
public struct CardTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// No PC/SC service (pcscd not running, or no access to it).
        public static let serviceUnavailable = Code("serviceUnavailable")
        /// No reader with that name, or no reader at all.
        public static let noReader = Code("noReader")
        /// The reader has no card, or none that answers.
        public static let noCard = Code("noCard")
        /// The card was removed (or reset by someone else) while connected.
        public static let cardRemoved = Code("cardRemoved")
        /// The reader disappeared while connected.
        public static let readerRemoved = Code("readerRemoved")
        /// The command could not be sent or its answer was malformed.
        public static let transmitFailed = Code("transmitFailed")
        /// The command does not fit the transport (too long, extended length not supported).
        public static let invalidCommand = Code("invalidCommand")
        /// The channel was closed by this side.
        public static let closed = Code("closed")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// Why, in words; never holds command or response data.
    public var reason: String
    /// The PC/SC status code, when the failure came from pcsc-lite.
    public var serviceStatus: Int?

    /// Creates an error.
    public init(code: Code, reason: String, serviceStatus: Int? = nil) {
        self.code = code
        self.reason = reason
        self.serviceStatus = serviceStatus
    }

    /// Only the code takes part in equality.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The code and reason, and the PC/SC status in hex when there is one.
    public var description: String {
        var text = "\(code): \(reason)"
        if let serviceStatus {
            text += " (PC/SC 0x" + String(UInt32(truncatingIfNeeded: serviceStatus), radix: 16, uppercase: true) + ")"
        }
        return text
    }
}
