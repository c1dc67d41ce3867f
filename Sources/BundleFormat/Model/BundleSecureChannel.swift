/// The secure channel the bundle's commands were secured for, and the session values they depend on.
///
/// Nothing here is secret: the session keys stay on the server. What is here lets the client
/// check that the card's session matches the bundle (the card challenge, the sequence counter)
/// and lets an offline verifier that holds the card keys recompute the MAC chain. The JSON form
/// is one object whose `protocol` member says which other members it has.
public enum BundleSecureChannel: Hashable, Sendable {
    /// No secure channel: plain commands, for development cards only.
    case none
    /// A GlobalPlatform secure channel session: SCP01, SCP02 or SCP03.
    case globalPlatform(GlobalPlatformSession)
    /// ISO/IEC 7816-4 secure messaging.
    case secureMessaging(SecureMessagingSession)

    /// The protocol, as the JSON `protocol` member names it.
    public var channelProtocol: BundleChannelProtocol {
        switch self {
        case .none: .none
        case .globalPlatform(let session): session.scp.channelProtocol
        case .secureMessaging: .sm
        }
    }

    /// The security level the commands were secured with, if there is a channel.
    public var securityLevel: BundleSecurityLevel? {
        switch self {
        case .none: nil
        case .globalPlatform(let session): session.securityLevel
        case .secureMessaging(let session): session.securityLevel
        }
    }

    /// A GlobalPlatform secure channel session, opened by INITIALIZE UPDATE and EXTERNAL AUTHENTICATE.
    public struct GlobalPlatformSession: Hashable, Sendable {
        /// The secure channel protocol.
        public var scp: SCP
        /// The protocol's `i` parameter, which selects its options.
        public var iParameter: UInt8
        /// The key version number of the static keys the session keys were derived from.
        public var keyVersion: UInt8
        /// The security level set by EXTERNAL AUTHENTICATE (its P1).
        public var securityLevel: BundleSecurityLevel
        /// Whether the client opens the session itself or the bundle includes INITIALIZE UPDATE.
        public var mode: Mode
        /// The host challenge sent in INITIALIZE UPDATE: 8 bytes (16 in SCP03 S16 mode).
        public var hostChallenge: [UInt8]
        /// The card challenge from the INITIALIZE UPDATE response: 6 bytes in SCP02, 8 (or 16
        /// in SCP03 S16 mode) otherwise.
        public var cardChallenge: [UInt8]
        /// The sequence counter from the INITIALIZE UPDATE response: 2 bytes in SCP02, 3 in SCP03
        /// with pseudo-random card challenges; absent otherwise.
        public var sequenceCounter: [UInt8]?
        /// The INITIALIZE UPDATE exchange the session keys were computed for.
        public var initializeUpdate: InitializeUpdate

        /// Creates a session description.
        public init(
            scp: SCP,
            iParameter: UInt8,
            keyVersion: UInt8,
            securityLevel: BundleSecurityLevel,
            mode: Mode,
            hostChallenge: [UInt8],
            cardChallenge: [UInt8],
            sequenceCounter: [UInt8]?,
            initializeUpdate: InitializeUpdate
        ) {
            self.scp = scp
            self.iParameter = iParameter
            self.keyVersion = keyVersion
            self.securityLevel = securityLevel
            self.mode = mode
            self.hostChallenge = hostChallenge
            self.cardChallenge = cardChallenge
            self.sequenceCounter = sequenceCounter
            self.initializeUpdate = initializeUpdate
        }

        /// A GlobalPlatform secure channel protocol.
        public enum SCP: String, CaseIterable, Hashable, Sendable {
            /// SCP01 (Open Platform 2.0.1).
            case scp01
            /// SCP02.
            case scp02
            /// SCP03 (GlobalPlatform Amendment D).
            case scp03

            /// The same protocol as a ``BundleChannelProtocol``.
            public var channelProtocol: BundleChannelProtocol {
                switch self {
                case .scp01: .scp01
                case .scp02: .scp02
                case .scp03: .scp03
                }
            }

            /// The protocol number in the INITIALIZE UPDATE response's key information.
            public var number: UInt8 {
                switch self {
                case .scp01: 0x01
                case .scp02: 0x02
                case .scp03: 0x03
                }
            }
        }

        /// How the session is opened.
        public enum Mode: String, CaseIterable, Hashable, Sendable {
            /// The client already ran INITIALIZE UPDATE and sent the response to the server; the
            /// bundle starts with EXTERNAL AUTHENTICATE.
            case online
            /// The server predicted the card's response (pseudo-random card challenge); the bundle
            /// starts with INITIALIZE UPDATE, whose response the client compares with ``InitializeUpdate/response``.
            case precomputed
            /// SCP02 implicit initiation (`i` = `0A`, `0B`, `1A`, `1B`): no INITIALIZE UPDATE and no
            /// EXTERNAL AUTHENTICATE; the session keys derive from the sequence counter, and the first
            /// command's C-MAC opens the session with the security domain the client selected. The
            /// challenges and the INITIALIZE UPDATE exchange are empty and absent from the JSON.
            case implicit
        }

        /// The INITIALIZE UPDATE command and the card's response data (without the status word).
        ///
        /// In `online` mode the response is what the card answered; in `precomputed` mode it is
        /// what the server expects the card to answer, and the client stops if it differs.
        public struct InitializeUpdate: Hashable, Sendable {
            /// The INITIALIZE UPDATE command APDU.
            public var command: [UInt8]
            /// The response data: key diversification data, key information, sequence counter
            /// (SCP02), card challenge, card cryptogram and sequence counter (SCP03).
            public var response: [UInt8]

            /// Creates the exchange.
            public init(command: [UInt8], response: [UInt8]) {
                self.command = command
                self.response = response
            }
        }
    }

    /// An ISO/IEC 7816-4 secure messaging session opened by mutual authentication.
    ///
    /// The session keys depend on key material both sides contribute (ICAO Doc 9303 Part 11,
    /// section 9.7), so the server compiles the bundle only after the card answered EXTERNAL
    /// AUTHENTICATE: the client ran GET CHALLENGE and EXTERNAL AUTHENTICATE in the probe, and the
    /// bundle records that exchange. Its cryptograms are encrypted under the access keys; a verifier
    /// holding those keys rebuilds the session keys and the counter from them.
    public struct SecureMessagingSession: Hashable, Sendable {
        /// Command MAC and encryption, response MAC and encryption: `33`, as ICAO secure messaging
        /// protects both directions.
        public var securityLevel: BundleSecurityLevel
        /// The block cipher of the access and session keys.
        public var cipher: Cipher
        /// The key reference of EXTERNAL AUTHENTICATE (its P2), when the card has several key sets.
        public var keyReference: UInt8?
        /// RND.IC, the card's answer to GET CHALLENGE: 8 bytes.
        public var cardChallenge: [UInt8]
        /// The send sequence counter before the first protected command: 8 bytes (3DES) or 16 (AES).
        public var sequenceCounter: [UInt8]
        /// The recorded EXTERNAL AUTHENTICATE exchange the session keys came from.
        public var authentication: Authentication

        /// Creates a session description.
        public init(
            securityLevel: BundleSecurityLevel,
            cipher: Cipher,
            keyReference: UInt8? = nil,
            cardChallenge: [UInt8],
            sequenceCounter: [UInt8],
            authentication: Authentication
        ) {
            self.securityLevel = securityLevel
            self.cipher = cipher
            self.keyReference = keyReference
            self.cardChallenge = cardChallenge
            self.sequenceCounter = sequenceCounter
            self.authentication = authentication
        }

        /// The block cipher of a secure messaging session.
        public enum Cipher: String, CaseIterable, Hashable, Sendable {
            /// Two-key triple DES with the retail MAC (Basic Access Control).
            case tripleDES = "3des"
            /// AES with AES-CMAC.
            case aes
        }

        /// The EXTERNAL AUTHENTICATE command the client sent and the card's answer data (`E_IC ‖ M_IC`).
        public struct Authentication: Hashable, Sendable {
            /// The EXTERNAL AUTHENTICATE command APDU.
            public var command: [UInt8]
            /// The card's response data, without the status word.
            public var response: [UInt8]

            /// Creates the exchange.
            public init(command: [UInt8], response: [UInt8]) {
                self.command = command
                self.response = response
            }
        }
    }
}

/// The names the JSON `protocol` member takes.
public enum BundleChannelProtocol: String, CaseIterable, Hashable, Sendable, Codable {
    /// GlobalPlatform SCP01.
    case scp01
    /// GlobalPlatform SCP02.
    case scp02
    /// GlobalPlatform SCP03.
    case scp03
    /// ISO/IEC 7816-4 secure messaging.
    case sm
    /// No secure channel.
    case none
}

/// A secure channel security level: the P1 of EXTERNAL AUTHENTICATE.
///
/// Written in JSON as the byte and its names, `{"names": ["C-MAC", "R-MAC"], "value": "11"}`,
/// so people read the names and programs the byte; the two must agree. Only the bits for
/// command MAC (`01`), command decryption (`02`), response MAC (`10`) and response encryption
/// (`20`) may be set; command decryption and response MAC need command MAC, and response encryption needs both
/// response MAC and command decryption. The valid levels are `00`, `01`, `03`, `11`, `13`, `33`.
public struct BundleSecurityLevel: Hashable, Sendable, CustomStringConvertible {
    /// The byte.
    public let rawValue: UInt8

    /// Command MAC: `01`.
    public static let cMAC = BundleSecurityLevel(checked: 0x01)
    /// Command MAC and command data encryption: `03`.
    public static let cMACAndCDecryption = BundleSecurityLevel(checked: 0x03)
    /// Command and response MAC: `11`.
    public static let cMACAndRMAC = BundleSecurityLevel(checked: 0x11)
    /// Command MAC and encryption, response MAC: `13`.
    public static let cMACCDecryptionAndRMAC = BundleSecurityLevel(checked: 0x13)
    /// Command and response MAC and encryption: `33`.
    public static let all = BundleSecurityLevel(checked: 0x33)
    /// No protection: `00`.
    public static let noProtection = BundleSecurityLevel(checked: 0x00)

    private static let bitNames: [(bit: UInt8, name: String)] = [
        (0x01, "C-MAC"), (0x02, "C-DECRYPTION"), (0x10, "R-MAC"), (0x20, "R-ENCRYPTION"),
    ]

    private init(checked rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Creates a level from its byte, or returns `nil` when it is not one of `00`, `01`, `03`,
    /// `11`, `13` and `33`.
    public init?(rawValue: UInt8) {
        guard rawValue & ~0x33 == 0,
            rawValue & 0x32 == 0 || rawValue & 0x01 != 0,
            rawValue & 0x20 == 0 || rawValue & 0x12 == 0x12
        else {
            return nil
        }
        self.rawValue = rawValue
    }

    /// The names of the set bits, lowest bit first: `C-MAC`, `C-DECRYPTION`, `R-MAC`, `R-ENCRYPTION`.
    public var names: [String] {
        Self.bitNames.filter { rawValue & $0.bit != 0 }.map(\.name)
    }

    /// Whether commands carry a MAC.
    public var hasCommandMAC: Bool { rawValue & 0x01 != 0 }
    /// Whether command data is encrypted.
    public var hasCommandEncryption: Bool { rawValue & 0x02 != 0 }

    /// `33 (C-MAC, C-DECRYPTION, R-MAC, R-ENCRYPTION)`, or `00 (none)`.
    public var description: String {
        let list = names.isEmpty ? "none" : names.joined(separator: ", ")
        return "\(CanonicalHex.string([rawValue])) (\(list))"
    }
}

extension BundleSecurityLevel {
    init(json: JSONValue, path: String) throws(BundleError) {
        var reader = try JSONObjectReader(json, path: path)
        let byte = try reader.hex("value", lengths: 1...1)[0]
        let names = try reader.array("names").map { (value: JSONValue) -> String? in
            if case .string(let name) = value { name } else { nil }
        }
        try reader.finish()
        guard let level = BundleSecurityLevel(rawValue: byte) else {
            throw reader.error("value", "is not a valid security level (00, 01, 03, 11, 13 or 33)")
        }
        guard names == level.names else {
            let expected = level.names.map { "'\($0)'" }.joined(separator: ", ")
            throw reader.error("names", "must be [\(expected)] for value \(CanonicalHex.string([byte]))")
        }
        self = level
    }

    var json: JSONValue {
        .object(["value": .string(CanonicalHex.string([rawValue])), "names": .array(names.map { .string($0) })])
    }
}

extension BundleSecureChannel {
    init(json: JSONValue, path: String) throws(BundleError) {
        var reader = try JSONObjectReader(json, path: path)
        let channelProtocol = try reader.enumeration("protocol", as: BundleChannelProtocol.self)
        switch channelProtocol {
        case .none:
            self = .none
        case .sm:
            let level = try BundleSecurityLevel(
                json: try reader.value("securityLevel"),
                path: reader.memberPath("securityLevel")
            )
            let cipher = try reader.enumeration("cipher", as: SecureMessagingSession.Cipher.self)
            var exchange = try JSONObjectReader(
                try reader.value("authentication"),
                path: reader.memberPath("authentication")
            )
            let authentication = SecureMessagingSession.Authentication(
                command: try exchange.hex("command", lengths: 5...261),
                response: try exchange.hex("response", lengths: 1...256)
            )
            try exchange.finish()
            let counterLength = cipher == .aes ? 16 : 8
            self = .secureMessaging(
                SecureMessagingSession(
                    securityLevel: level,
                    cipher: cipher,
                    keyReference: try reader.optionalHex("keyReference", lengths: 1...1)?.first,
                    cardChallenge: try reader.hex("cardChallenge", lengths: 8...8),
                    sequenceCounter: try reader.hex("sequenceCounter", lengths: counterLength...counterLength),
                    authentication: authentication
                )
            )
        case .scp01, .scp02, .scp03:
            let scp = GlobalPlatformSession.SCP(rawValue: channelProtocol.rawValue) ?? .scp03
            let level = try BundleSecurityLevel(
                json: try reader.value("securityLevel"),
                path: reader.memberPath("securityLevel")
            )
            let mode = try reader.enumeration("mode", as: GlobalPlatformSession.Mode.self)
            var initializeUpdate = GlobalPlatformSession.InitializeUpdate(command: [], response: [])
            var hostChallenge: [UInt8] = []
            var cardChallenge: [UInt8] = []
            if mode != .implicit {
                var exchange = try JSONObjectReader(
                    try reader.value("initializeUpdate"),
                    path: reader.memberPath("initializeUpdate")
                )
                initializeUpdate = GlobalPlatformSession.InitializeUpdate(
                    command: try exchange.hex("command", lengths: 5...261),
                    response: try exchange.hex("response", lengths: 1...256)
                )
                try exchange.finish()
                hostChallenge = try reader.hex("hostChallenge", lengths: 8...16)
                cardChallenge = try reader.hex("cardChallenge", lengths: 6...16)
            }
            let sequenceCounter = try reader.optionalHex("sequenceCounter", lengths: 2...3)
            if mode == .implicit && (scp != .scp02 || sequenceCounter?.count != 2) {
                throw reader.error("mode", "implicit initiation needs SCP02 and its 2-byte sequence counter")
            }
            self = .globalPlatform(
                GlobalPlatformSession(
                    scp: scp,
                    iParameter: try reader.hex("iParameter", lengths: 1...1)[0],
                    keyVersion: UInt8(try reader.integer("keyVersion", in: 0...255)),
                    securityLevel: level,
                    mode: mode,
                    hostChallenge: hostChallenge,
                    cardChallenge: cardChallenge,
                    sequenceCounter: sequenceCounter,
                    initializeUpdate: initializeUpdate
                )
            )
        }
        try reader.finish()
    }

    var json: JSONValue {
        var members: JSONObject = ["protocol": .string(channelProtocol.rawValue)]
        switch self {
        case .none:
            break
        case .secureMessaging(let session):
            members["securityLevel"] = session.securityLevel.json
            members["cipher"] = .string(session.cipher.rawValue)
            if let keyReference = session.keyReference {
                members["keyReference"] = .string(CanonicalHex.string([keyReference]))
            }
            members["cardChallenge"] = .string(CanonicalHex.string(session.cardChallenge))
            members["sequenceCounter"] = .string(CanonicalHex.string(session.sequenceCounter))
            members["authentication"] = .object([
                "command": .string(CanonicalHex.string(session.authentication.command)),
                "response": .string(CanonicalHex.string(session.authentication.response)),
            ])
        case .globalPlatform(let session):
            members["iParameter"] = .string(CanonicalHex.string([session.iParameter]))
            members["keyVersion"] = .integer(Int64(session.keyVersion))
            members["securityLevel"] = session.securityLevel.json
            members["mode"] = .string(session.mode.rawValue)
            if let counter = session.sequenceCounter {
                members["sequenceCounter"] = .string(CanonicalHex.string(counter))
            }
            guard session.mode != .implicit else { break }
            members["hostChallenge"] = .string(CanonicalHex.string(session.hostChallenge))
            members["cardChallenge"] = .string(CanonicalHex.string(session.cardChallenge))
            members["initializeUpdate"] = .object([
                "command": .string(CanonicalHex.string(session.initializeUpdate.command)),
                "response": .string(CanonicalHex.string(session.initializeUpdate.response)),
            ])
        }
        return .object(members)
    }
}

extension BundleSecureChannel: Codable {
    /// Decodes the JSON form with the same rules as ``SignedBundle/decode(_:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), path: "secureChannel")
    }

    /// Encodes the JSON form.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
