import APDUTypes

extension ISOFileCard {
    /// A command the card refuses, with the status word it answers (ISO/IEC 7816-4 section 5.6, table 6).
    struct Refusal: Error {
        let statusWord: StatusWord

        init(_ rawValue: UInt16) {
            self.statusWord = StatusWord(rawValue)
        }

        /// `6300`: authentication failed.
        static let authenticationFailed = Self(0x6300)
        /// `6700`: wrong length.
        static let wrongLength = Self(0x6700)
        /// `6981`: command incompatible with the file structure.
        static let incompatibleFileStructure = Self(0x6981)
        /// `6982`: security status not satisfied.
        static let securityStatusNotSatisfied = Self(0x6982)
        /// `6983`: authentication method blocked.
        static let authenticationMethodBlocked = Self(0x6983)
        /// `6985`: conditions of use not satisfied.
        static let conditionsOfUseNotSatisfied = Self(0x6985)
        /// `6986`: command not allowed, no current EF.
        static let noCurrentEF = Self(0x6986)
        /// `6A80`: incorrect parameters in the command data field.
        static let incorrectData = Self(0x6A80)
        /// `6A81`: function not supported.
        static let functionNotSupported = Self(0x6A81)
        /// `6A82`: file or application not found.
        static let fileNotFound = Self(0x6A82)
        /// `6A83`: record not found.
        static let recordNotFound = Self(0x6A83)
        /// `6A84`: not enough memory space in the file.
        static let notEnoughMemory = Self(0x6A84)
        /// `6A86`: incorrect parameters P1-P2.
        static let incorrectParameters = Self(0x6A86)
        /// `6A87`: Nc inconsistent with parameters P1-P2.
        static let lengthInconsistentWithParameters = Self(0x6A87)
        /// `6A88`: referenced data or reference data not found.
        static let referencedDataNotFound = Self(0x6A88)
        /// `6A89`: file already exists.
        static let fileAlreadyExists = Self(0x6A89)
        /// `6A8A`: DF name already exists.
        static let dfNameAlreadyExists = Self(0x6A8A)
        /// `6B00`: wrong parameters P1-P2 (offset outside the EF).
        static let offsetOutsideFile = Self(0x6B00)

        /// `6Cxx`: wrong Le, `xx` bytes available.
        static func wrongExpectedLength(available: Int) -> Self {
            Self(0x6C00 | UInt16(available & 0xFF))
        }
    }
}
