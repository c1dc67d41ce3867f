public import SecureChannel

extension ISOFileCard {
    /// What a card is made with: its access keys and the facts of its operating system.
    ///
    /// The access keys are secrets of the card: the description never shows them, but a card
    /// image (``ISOFileCard/Image``) holds them, as a card's memory does.
    public struct Configuration: Hashable, Sendable, CustomStringConvertible {
        /// K_ENC and K_MAC for EXTERNAL AUTHENTICATE: two-key triple DES or AES-128/192/256.
        public var accessKeys: ISOSecureMessaging.Keys
        /// The key reference EXTERNAL AUTHENTICATE names in P2; `00` (no information) is also accepted.
        public var keyReference: UInt8
        /// How many failed EXTERNAL AUTHENTICATE commands in a row block authentication for good (`6983`).
        public var authenticationRetryLimit: Int
        /// How the card pads the checksum input of a protected command without data objects.
        public var commandMACPadding: ISOSecureMessaging.CommandMACPadding
        /// The bytes of memory for files: the space of the MF.
        public var memorySize: Int
        /// The MF's compact security attributes; `nil` allows everything.
        public var masterFileSecurity: SecurityAttributes?
        /// The MF's DF name, if it has one.
        public var masterFileName: [UInt8]?
        /// The historical bytes of the answer to reset, at most 15.
        public var historicalBytes: [UInt8]

        /// The MF's default security attributes: files and DFs are created and deleted after
        /// external authentication; the MF itself is never deleted or terminated.
        public static let defaultMasterFileSecurity = SecurityAttributes(conditions: [
            .delete: 0xFF, .terminate: 0xFF, .createDF: 0x20, .createEF: 0x20, .deleteChild: 0x20,
        ])

        /// Historical bytes that describe this card: category `80`, card service data `31 80`
        /// (selection by full DF name), card capabilities `73 80 01 00` (selection by full DF name;
        /// no chaining, no extended lengths, no logical channels).
        public static let defaultHistoricalBytes: [UInt8] = [0x80, 0x31, 0x80, 0x73, 0x80, 0x01, 0x00]

        /// Makes a configuration.
        ///
        /// - Parameters:
        ///   - accessKeys: K_ENC and K_MAC.
        ///   - keyReference: The key reference EXTERNAL AUTHENTICATE names; `00` by default.
        ///   - authenticationRetryLimit: Failed authentications before the card blocks; 3 by default.
        ///   - commandMACPadding: ``ISOSecureMessaging/CommandMACPadding/always`` (ICAO Doc 9303) by default.
        ///   - memorySize: Bytes for files; 32 KB by default.
        ///   - masterFileSecurity: The MF's security attributes; ``defaultMasterFileSecurity`` by default.
        ///   - masterFileName: The MF's DF name; none by default.
        ///   - historicalBytes: The answer to reset's historical bytes; ``defaultHistoricalBytes`` by default.
        public init(
            accessKeys: ISOSecureMessaging.Keys,
            keyReference: UInt8 = 0x00,
            authenticationRetryLimit: Int = 3,
            commandMACPadding: ISOSecureMessaging.CommandMACPadding = .always,
            memorySize: Int = 32_768,
            masterFileSecurity: SecurityAttributes? = Self.defaultMasterFileSecurity,
            masterFileName: [UInt8]? = nil,
            historicalBytes: [UInt8] = Self.defaultHistoricalBytes
        ) {
            self.accessKeys = accessKeys
            self.keyReference = keyReference
            self.authenticationRetryLimit = authenticationRetryLimit
            self.commandMACPadding = commandMACPadding
            self.memorySize = memorySize
            self.masterFileSecurity = masterFileSecurity
            self.masterFileName = masterFileName
            self.historicalBytes = historicalBytes
        }

        /// The keys' algorithm and check values and the card's limits; never key bytes.
        public var description: String {
            "ISOFileCard.Configuration(\(accessKeys), key reference \(keyReference), "
                + "retry limit \(authenticationRetryLimit), \(memorySize) bytes)"
        }

        /// Checks the limits the card relies on.
        func validate() throws(ISOFileCardError) {
            guard authenticationRetryLimit >= 1 else {
                throw .invalidConfiguration(
                    "the authentication retry limit is at least 1, not \(authenticationRetryLimit)"
                )
            }
            guard (0...0xFF_FFFF).contains(memorySize) else {
                throw .invalidConfiguration("the memory size is 0 to 16777215 bytes, not \(memorySize)")
            }
            guard historicalBytes.count <= 15 else {
                throw .invalidConfiguration(
                    "an answer to reset has at most 15 historical bytes, not \(historicalBytes.count)"
                )
            }
            if let masterFileName, !(1...16).contains(masterFileName.count) {
                throw .invalidConfiguration("a DF name is 1 to 16 bytes, not \(masterFileName.count)")
            }
        }
    }
}
