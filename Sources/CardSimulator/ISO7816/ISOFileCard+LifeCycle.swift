extension ISOFileCard {
    /// The life cycle status of a file (ISO/IEC 7816-4 table 13, ISO/IEC 7816-9 clause 5).
    ///
    /// The card enforces a file's security attributes in the operational and termination states.
    /// In the creation and initialisation states the file is being personalised and its security
    /// attributes do not apply yet; ACTIVATE FILE ends that phase. This is how this simulated card
    /// works, as many card operating systems do; a real card's profile may differ.
    public enum LifeCycle: String, Codable, CaseIterable, Hashable, Sendable {
        /// `01`: created, not yet personalised.
        case creation
        /// `03`: being personalised.
        case initialisation
        /// `05`: operational and activated.
        case activated
        /// `04`: operational and deactivated: only SELECT, ACTIVATE FILE, TERMINATE and DELETE FILE work.
        case deactivated
        /// `0C`: terminated for good: only SELECT and DELETE FILE work.
        case terminated

        /// The life cycle status byte.
        public var byte: UInt8 {
            switch self {
            case .creation: 0x01
            case .initialisation: 0x03
            case .activated: 0x05
            case .deactivated: 0x04
            case .terminated: 0x0C
            }
        }

        /// Reads a life cycle status byte as ISO/IEC 7816-4 table 13 codes it.
        ///
        /// `00` (no information) counts as activated; `05` and `07` are activated, `04` and `06`
        /// deactivated, `0C` to `0F` terminated; a reserved or proprietary value gives `nil`.
        ///
        /// - Parameter byte: The LCS byte.
        public init?(byte: UInt8) {
            switch byte {
            case 0x00, 0x05, 0x07: self = .activated
            case 0x01: self = .creation
            case 0x03: self = .initialisation
            case 0x04, 0x06: self = .deactivated
            case 0x0C...0x0F: self = .terminated
            default: return nil
            }
        }

        /// Whether the file's security attributes apply: in the operational and termination states.
        public var enforcesSecurity: Bool {
            switch self {
            case .creation, .initialisation: false
            case .activated, .deactivated, .terminated: true
            }
        }
    }
}
