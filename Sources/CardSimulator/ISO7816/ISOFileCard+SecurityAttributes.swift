import APDUTypes

extension ISOFileCard {
    /// An operation that a file's access mode byte governs (ISO/IEC 7816-4 tables 17 and 18).
    public enum Operation: String, CaseIterable, Hashable, Sendable {
        /// Bit 1 of an EF: READ BINARY, READ RECORD.
        case read
        /// Bit 2 of an EF: UPDATE BINARY, UPDATE RECORD.
        case update
        /// Bit 3 of an EF: APPEND RECORD (and WRITE BINARY, WRITE RECORD).
        case write
        /// Bit 1 of a DF: DELETE FILE of a child.
        case deleteChild = "delete-child"
        /// Bit 2 of a DF: CREATE FILE of an EF.
        case createEF = "create-ef"
        /// Bit 3 of a DF: CREATE FILE of a DF.
        case createDF = "create-df"
        /// Bit 4: DEACTIVATE FILE.
        case deactivate
        /// Bit 5: ACTIVATE FILE.
        case activate
        /// Bit 6: TERMINATE DF or TERMINATE EF.
        case terminate
        /// Bit 7: DELETE FILE of the file itself.
        case delete

        /// The bit of the access mode byte, 1 to 7.
        public var bit: Int {
            switch self {
            case .read, .deleteChild: 1
            case .update, .createEF: 2
            case .write, .createDF: 3
            case .deactivate: 4
            case .activate: 5
            case .terminate: 6
            case .delete: 7
            }
        }
    }

    /// What the card knows about the command being processed, for access conditions.
    public struct SecurityStatus: Hashable, Sendable {
        /// The command arrived protected by secure messaging and its checksum verified.
        public var secureMessaging: Bool
        /// EXTERNAL AUTHENTICATE succeeded in the current secure messaging session.
        public var externalAuthentication: Bool

        /// Makes a security status.
        ///
        /// - Parameters:
        ///   - secureMessaging: Whether the command was protected.
        ///   - externalAuthentication: Whether the terminal authenticated in this session.
        public init(secureMessaging: Bool, externalAuthentication: Bool) {
            self.secureMessaging = secureMessaging
            self.externalAuthentication = externalAuthentication
        }
    }

    /// A file's security attributes in the compact format (ISO/IEC 7816-4 section 7.4.3, tag `8C`).
    ///
    /// An access mode byte with `b8 = 0` says which operations (bits 7 to 1) have a security
    /// condition byte; the condition bytes follow, one per set bit from bit 7 down to bit 1. A
    /// condition byte is `00` (always), `FF` (never), or bits `40` (secure messaging), `20`
    /// (external authentication) and `10` (user authentication) with `b8 = 1` when all must hold and
    /// `b8 = 0` when one suffices; `b4`-`b1` name a security environment.
    ///
    /// This card has no PIN and no security environments: a condition that needs user
    /// authentication alone or names a security environment is never satisfied. An operation whose
    /// bit is not set in the access mode byte is never allowed; a file without security attributes
    /// allows everything.
    public struct SecurityAttributes: Hashable, Sendable, CustomStringConvertible {
        /// The access mode byte followed by the condition bytes.
        public let bytes: [UInt8]

        /// Reads compact security attributes.
        ///
        /// The result is `nil` when the access mode byte has `b8` set (the instruction-coded variant
        /// this card does not support) or the number of condition bytes does not match it.
        ///
        /// - Parameter bytes: The value of data object `8C`.
        public init?(compact bytes: [UInt8]) {
            guard let accessMode = bytes.first, accessMode & 0x80 == 0,
                bytes.count == 1 + accessMode.nonzeroBitCount
            else {
                return nil
            }
            self.bytes = bytes
        }

        /// The security attributes of operations with one condition each.
        ///
        /// Operations that share a bit (an EF's `read` and a DF's `delete-child`) should not both
        /// be given; if they are, the one listed first in ``Operation`` wins.
        ///
        /// - Parameter conditions: The condition byte of each allowed operation.
        public init(conditions: [Operation: UInt8]) {
            var accessMode: UInt8 = 0
            var bytes: [UInt8] = []
            for bit in stride(from: 7, through: 1, by: -1) {
                let operations = Operation.allCases.filter { $0.bit == bit }
                if let condition = operations.lazy.compactMap({ conditions[$0] }).first {
                    accessMode |= UInt8(1 << (bit - 1))
                    bytes.append(condition)
                }
            }
            self.bytes = [accessMode] + bytes
        }

        /// The condition byte of an operation.
        ///
        /// - Parameter operation: The operation.
        /// - Returns: The condition byte, or `nil` when the access mode byte does not list the operation.
        public func condition(for operation: Operation) -> UInt8? {
            let accessMode = bytes[0]
            guard accessMode & UInt8(1 << (operation.bit - 1)) != 0 else {
                return nil
            }
            var index = 1
            for bit in stride(from: 7, to: operation.bit, by: -1) where accessMode & UInt8(1 << (bit - 1)) != 0 {
                index += 1
            }
            return bytes[index]
        }

        /// Whether the security status allows an operation.
        ///
        /// - Parameters:
        ///   - operation: The operation.
        ///   - status: What the card knows about the command.
        /// - Returns: Whether the operation's condition holds; `false` for an operation not listed.
        public func allows(_ operation: Operation, status: SecurityStatus) -> Bool {
            guard let condition = condition(for: operation) else {
                return false
            }
            return Self.isSatisfied(condition, by: status)
        }

        /// Whether one compact security condition byte holds.
        ///
        /// - Parameters:
        ///   - condition: The condition byte.
        ///   - status: What the card knows about the command.
        /// - Returns: `true` for `00`, `false` for `FF`, and otherwise the secure messaging, external
        ///   and user authentication bits combined by `b8` (all) or not (any).
        public static func isSatisfied(_ condition: UInt8, by status: SecurityStatus) -> Bool {
            switch condition {
            case 0x00:
                return true
            case 0xFF:
                return false
            default:
                break
            }
            guard condition & 0x0F == 0 else {
                return false
            }
            var results: [Bool] = []
            if condition & 0x40 != 0 {
                results.append(status.secureMessaging)
            }
            if condition & 0x20 != 0 {
                results.append(status.externalAuthentication)
            }
            if condition & 0x10 != 0 {
                results.append(false)
            }
            guard !results.isEmpty else {
                return false
            }
            return condition & 0x80 != 0 ? results.allSatisfy { $0 } : results.contains(true)
        }

        /// The bytes in upper-case hex, such as `03E000`.
        public var description: String { Hex.string(bytes) }
    }
}
