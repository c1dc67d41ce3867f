public import APDUTypes
import CardCrypto

/// Mutual authentication with static keys and key establishment, as Basic Access Control does it
/// (ICAO Doc 9303 Part 11, sections 4.3 and 9.7.2; worked example in appendix D.3).
///
/// 1. The terminal (IFD; for cardseq, the server) asks for the card's challenge RND.IC with GET CHALLENGE.
/// 2. It picks RND.IFD and key material K.IFD, and sends EXTERNAL AUTHENTICATE (`00 82 00 00 28`)
///    with `E_IFD = E(K_ENC, RND.IFD ‖ RND.IC ‖ K.IFD)` and `M_IFD = MAC(K_MAC, E_IFD)`.
/// 3. The card checks them and answers `E_IC ‖ M_IC` over `RND.IC ‖ RND.IFD ‖ K.IC`.
/// 4. Both derive the session keys from `K.IFD ⊕ K.IC` and start the send sequence counter at the
///    low four bytes of RND.IC followed by the low four bytes of RND.IFD.
///
/// With triple-DES keys this is Basic Access Control exactly: CBC with a zero IV and the retail MAC
/// over the padded cryptogram. With AES keys cardseq applies the same layout with AES-CBC (zero IV)
/// and AES-CMAC over the padded cryptogram cut to 8 bytes; the session keys have the length of the
/// static keys, and the 16-byte counter is eight zero bytes followed by the 8-byte BAC value. ICAO
/// defines no AES variant of this protocol, so a real card needs its own profile for it.
///
/// Challenges and key material come in as parameters, so the same inputs give the same bytes.
public enum ISOMutualAuthentication {
    /// The length of RND.IC and RND.IFD.
    public static let challengeLength = 8
    /// The length of K.IC and K.IFD.
    public static let keyMaterialLength = 16

    /// GET CHALLENGE for the card's 8-byte challenge: `00 84 00 00 08`.
    public static let getChallengeCommand = CommandAPDU(cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, le: 8)

    /// What mutual authentication establishes: the session keys and the initial send sequence counter.
    public struct Session: Hashable, Sendable, CustomStringConvertible {
        /// KS_ENC and KS_MAC.
        public let keys: ISOSecureMessaging.Keys
        /// The counter before the first protected command.
        public let counter: ISOSecureMessaging.SendSequenceCounter

        /// The keys' algorithm and check values and the counter; never key bytes.
        public var description: String { "Session(\(keys), SSC \(counter))" }
    }

    /// The terminal's side: builds EXTERNAL AUTHENTICATE and checks the card's answer.
    public struct Terminal: Sendable {
        private let accessKeys: ISOSecureMessaging.Keys
        private let cardChallenge: [UInt8]
        private let terminalChallenge: [UInt8]
        private let terminalKeyMaterial: [UInt8]

        /// Prepares the terminal's part of the authentication.
        ///
        /// - Parameters:
        ///   - accessKeys: K_ENC and K_MAC, such as ``ISOBasicAccessControl/accessKeys(mrzInformation:)``.
        ///   - cardChallenge: RND.IC from GET CHALLENGE, 8 bytes.
        ///   - terminalChallenge: RND.IFD, 8 fresh random bytes.
        ///   - terminalKeyMaterial: K.IFD, 16 fresh random bytes; secret.
        /// - Throws: ``SecureChannelError/Code/invalidArgument`` for wrong lengths.
        public init(
            accessKeys: ISOSecureMessaging.Keys,
            cardChallenge: [UInt8],
            terminalChallenge: [UInt8],
            terminalKeyMaterial: [UInt8]
        ) throws(SecureChannelError) {
            try ISOMutualAuthentication.checkLengths(
                challenges: [("RND.IC", cardChallenge), ("RND.IFD", terminalChallenge)],
                keyMaterial: ("K.IFD", terminalKeyMaterial)
            )
            self.accessKeys = accessKeys
            self.cardChallenge = cardChallenge
            self.terminalChallenge = terminalChallenge
            self.terminalKeyMaterial = terminalKeyMaterial
        }

        /// `E_IFD ‖ M_IFD`: the 40-byte data field of EXTERNAL AUTHENTICATE.
        public func authenticationData() throws(SecureChannelError) -> [UInt8] {
            try ISOMutualAuthentication.cryptogram(
                terminalChallenge + cardChallenge + terminalKeyMaterial,
                keys: accessKeys
            )
        }

        /// EXTERNAL AUTHENTICATE (`00 82 00 00 28 E_IFD M_IFD 28`).
        public func command() throws(SecureChannelError) -> CommandAPDU {
            let data = try authenticationData()
            return CommandAPDU(cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data: data, le: data.count)
        }

        /// Checks the card's answer and derives the session.
        ///
        /// - Parameter response: The card's response to ``command()``: `E_IC ‖ M_IC` and `9000`.
        /// - Returns: The session keys and the initial send sequence counter.
        /// - Throws: ``SecureChannelError/Code/unexpectedStatusWord`` when the card refused (such as
        ///   `6300` for wrong keys), ``SecureChannelError/Code/malformedResponse`` for a wrong length,
        ///   ``SecureChannelError/Code/cardCryptogramMismatch`` when M_IC does not verify or the card
        ///   did not return RND.IFD, ``SecureChannelError/Code/cardChallengeMismatch`` when it did not
        ///   return its own challenge.
        public func establish(response: CardResponse) throws(SecureChannelError) -> Session {
            guard response.statusWord == .success else {
                throw .unexpectedStatusWord(
                    "the card refused mutual authentication with \(response.statusWord)"
                        + (response.statusWord.meaning.map { " (\($0))" } ?? "")
                )
            }
            let expectedLength = ISOMutualAuthentication.authenticationDataLength
            guard response.data.count == expectedLength else {
                throw .malformedResponse(
                    "the card's authentication data are \(response.data.count) bytes, not \(expectedLength)"
                )
            }
            let plain: [UInt8]
            do throws(SecureChannelError) {
                plain = try ISOMutualAuthentication.open(response.data, keys: accessKeys)
            } catch let error where error.code == .commandMACMismatch {
                throw .cardCryptogramMismatch("M_IC does not verify: the card does not hold these access keys")
            }
            guard constantTimeEquals(plain[8..<16], terminalChallenge) else {
                throw .cardCryptogramMismatch("the card's answer does not contain this terminal's RND.IFD")
            }
            guard constantTimeEquals(plain[0..<8], cardChallenge) else {
                throw .cardChallengeMismatch("the card's answer does not contain the RND.IC it sent")
            }
            return try ISOMutualAuthentication.session(
                terminalKeyMaterial: terminalKeyMaterial,
                cardKeyMaterial: Array(plain[16..<32]),
                cardChallenge: cardChallenge,
                terminalChallenge: terminalChallenge,
                accessKeys: accessKeys
            )
        }
    }

    /// The card's side, for simulated cards: checks EXTERNAL AUTHENTICATE and answers it.
    public struct Card: Sendable {
        private let accessKeys: ISOSecureMessaging.Keys
        private let cardChallenge: [UInt8]
        private let cardKeyMaterial: [UInt8]

        /// Prepares the card's part of the authentication.
        ///
        /// - Parameters:
        ///   - accessKeys: K_ENC and K_MAC.
        ///   - cardChallenge: RND.IC, the 8 bytes the card answered GET CHALLENGE with.
        ///   - cardKeyMaterial: K.IC, 16 fresh random bytes; secret.
        /// - Throws: ``SecureChannelError/Code/invalidArgument`` for wrong lengths.
        public init(
            accessKeys: ISOSecureMessaging.Keys,
            cardChallenge: [UInt8],
            cardKeyMaterial: [UInt8]
        ) throws(SecureChannelError) {
            try ISOMutualAuthentication.checkLengths(
                challenges: [("RND.IC", cardChallenge)],
                keyMaterial: ("K.IC", cardKeyMaterial)
            )
            self.accessKeys = accessKeys
            self.cardChallenge = cardChallenge
            self.cardKeyMaterial = cardKeyMaterial
        }

        /// Checks the terminal's EXTERNAL AUTHENTICATE and makes the answer and the session.
        ///
        /// - Parameter command: EXTERNAL AUTHENTICATE with `E_IFD ‖ M_IFD`.
        /// - Returns: The response (`E_IC ‖ M_IC` and `9000`) and the session it establishes.
        /// - Throws: ``SecureChannelError/Code/malformedCommand`` for another command or length,
        ///   ``SecureChannelError/Code/hostCryptogramMismatch`` when M_IFD does not verify or the
        ///   terminal did not return RND.IC; a card answers those with `6300` and no session.
        public func respond(
            to command: CommandAPDU
        ) throws(SecureChannelError) -> (response: CardResponse, session: Session) {
            guard command.ins == 0x82, command.cla & 0x0C == 0 else {
                throw .isoMalformedCommand(
                    "mutual authentication expects a plain EXTERNAL AUTHENTICATE (INS 82), not INS "
                        + HexText.byte(command.ins)
                )
            }
            guard command.data.count == ISOMutualAuthentication.authenticationDataLength else {
                throw .isoMalformedCommand(
                    "EXTERNAL AUTHENTICATE carries \(command.data.count) bytes, not "
                        + "\(ISOMutualAuthentication.authenticationDataLength)"
                )
            }
            let plain: [UInt8]
            do throws(SecureChannelError) {
                plain = try ISOMutualAuthentication.open(command.data, keys: accessKeys)
            } catch let error where error.code == .commandMACMismatch {
                throw .isoTerminalCryptogramMismatch(
                    "M_IFD does not verify: the terminal does not hold the access keys"
                )
            }
            guard constantTimeEquals(plain[8..<16], cardChallenge) else {
                throw .isoTerminalCryptogramMismatch("the terminal's data do not contain this card's RND.IC")
            }
            let terminalChallenge = Array(plain[0..<8])
            let data = try ISOMutualAuthentication.cryptogram(
                cardChallenge + terminalChallenge + cardKeyMaterial,
                keys: accessKeys
            )
            let session = try ISOMutualAuthentication.session(
                terminalKeyMaterial: Array(plain[16..<32]),
                cardKeyMaterial: cardKeyMaterial,
                cardChallenge: cardChallenge,
                terminalChallenge: terminalChallenge,
                accessKeys: accessKeys
            )
            return (CardResponse(data: data, statusWord: .success), session)
        }
    }
}

extension ISOMutualAuthentication {
    /// The length of `E ‖ M`: a 32-byte cryptogram and an 8-byte MAC.
    static let authenticationDataLength = 40

    static func checkLengths(
        challenges: [(String, [UInt8])],
        keyMaterial: (String, [UInt8])
    ) throws(SecureChannelError) {
        for (name, challenge) in challenges where challenge.count != challengeLength {
            throw .invalidArgument("\(name) is \(challengeLength) bytes, not \(challenge.count)")
        }
        guard keyMaterial.1.count == keyMaterialLength else {
            throw .invalidArgument("\(keyMaterial.0) is \(keyMaterialLength) bytes, not \(keyMaterial.1.count)")
        }
    }

    /// `E ‖ M`: the 32-byte plaintext encrypted with K_ENC (CBC, zero IV, no padding) and the MAC of
    /// the padded cryptogram with K_MAC.
    static func cryptogram(_ plaintext: [UInt8], keys: ISOSecureMessaging.Keys) throws(SecureChannelError) -> [UInt8] {
        let encrypted = try Primitives.encryptCBC(plaintext, key: keys.encryption)
        return encrypted + (try mac(encrypted, keys: keys))
    }

    /// Checks the MAC of `E ‖ M` and decrypts E.
    ///
    /// - Throws: ``SecureChannelError/Code/commandMACMismatch`` when M does not verify (callers
    ///   turn it into the error of their side).
    static func open(_ data: [UInt8], keys: ISOSecureMessaging.Keys) throws(SecureChannelError) -> [UInt8] {
        let encrypted = Array(data[0..<32])
        let expected = try mac(encrypted, keys: keys)
        guard constantTimeEquals(expected, data[32..<40]) else {
            throw .isoCommandMACMismatch()
        }
        let iv = [UInt8](repeating: 0, count: keys.cipher.blockSize)
        return try Primitives.decryptCBC(encrypted, key: keys.encryption, iv: iv)
    }

    /// The 8-byte MAC of the padded cryptogram: the retail MAC (triple DES) or AES-CMAC cut to 8 bytes.
    static func mac(_ message: [UInt8], keys: ISOSecureMessaging.Keys) throws(SecureChannelError) -> [UInt8] {
        let padded = Padding.iso9797Method2(message, blockSize: keys.cipher.blockSize)
        let key = keys.mac
        switch keys.cipher {
        case .tripleDES:
            return try Primitives.run { () throws(CardCryptoError) in
                try RetailMAC.authenticationCode(for: padded, using: key, iv: [UInt8](repeating: 0, count: 8))
            }
        case .aes:
            let full = try Primitives.cmac(padded, key: key)
            return Array(full[0..<8])
        }
    }

    /// The session keys from `K.IFD ⊕ K.IC` and the counter from the challenges' low halves.
    static func session(
        terminalKeyMaterial: [UInt8],
        cardKeyMaterial: [UInt8],
        cardChallenge: [UInt8],
        terminalChallenge: [UInt8],
        accessKeys: ISOSecureMessaging.Keys
    ) throws(SecureChannelError) -> Session {
        var seed = zip(terminalKeyMaterial, cardKeyMaterial).map { $0 ^ $1 }
        defer { ISOKeyDerivation.wipe(&seed) }
        let cipher = accessKeys.cipher
        let keys = try ISOSecureMessaging.Keys.derive(
            fromSeed: seed,
            cipher: cipher,
            keyLength: cipher == .tripleDES ? 16 : accessKeys.encryption.byteCount
        )
        var counter = Array(cardChallenge[4..<8]) + Array(terminalChallenge[4..<8])
        if cipher == .aes {
            counter = [UInt8](repeating: 0, count: 8) + counter
        }
        return Session(keys: keys, counter: ISOSecureMessaging.SendSequenceCounter(uncheckedBytes: counter))
    }
}

extension ISOMutualAuthentication {
    /// What an offline verifier learns from a recorded authentication: both challenges and the session.
    public struct Reconstruction: Sendable {
        /// RND.IC, the card's challenge.
        public let cardChallenge: [UInt8]
        /// RND.IFD, the terminal's challenge.
        public let terminalChallenge: [UInt8]
        /// The session keys and initial counter both sides derived.
        public let session: Session
    }

    /// Rebuilds a session from a recorded EXTERNAL AUTHENTICATE exchange, for a verifier that holds
    /// the access keys (a server checking its own bundle, or an auditor).
    ///
    /// Both cryptograms are checked and opened: the terminal's gives RND.IFD, RND.IC and K.IFD, the
    /// card's gives K.IC and must repeat both challenges.
    ///
    /// - Parameters:
    ///   - accessKeys: K_ENC and K_MAC.
    ///   - command: The data field of EXTERNAL AUTHENTICATE: `E_IFD ‖ M_IFD`.
    ///   - response: The card's answer data: `E_IC ‖ M_IC`.
    /// - Returns: The challenges and the session.
    /// - Throws: ``SecureChannelError/Code/malformedResponse`` for wrong lengths,
    ///   ``SecureChannelError/Code/hostCryptogramMismatch`` when the terminal's cryptogram does not
    ///   verify under these keys, ``SecureChannelError/Code/cardCryptogramMismatch`` when the card's
    ///   does not, or either side's challenges disagree.
    public static func reconstruct(
        accessKeys: ISOSecureMessaging.Keys,
        command: [UInt8],
        response: [UInt8]
    ) throws(SecureChannelError) -> Reconstruction {
        guard command.count == authenticationDataLength, response.count == authenticationDataLength else {
            throw .malformedResponse(
                "a recorded authentication has \(authenticationDataLength) bytes each way, not \(command.count) and \(response.count)"
            )
        }
        let terminal: [UInt8]
        do throws(SecureChannelError) {
            terminal = try open(command, keys: accessKeys)
        } catch let error where error.code == .commandMACMismatch {
            throw .isoTerminalCryptogramMismatch("M_IFD does not verify under these access keys")
        }
        let card: [UInt8]
        do throws(SecureChannelError) {
            card = try open(response, keys: accessKeys)
        } catch let error where error.code == .commandMACMismatch {
            throw .cardCryptogramMismatch("M_IC does not verify under these access keys")
        }
        let terminalChallenge = Array(terminal[0..<8])
        let cardChallenge = Array(terminal[8..<16])
        guard constantTimeEquals(card[0..<8], cardChallenge), constantTimeEquals(card[8..<16], terminalChallenge)
        else {
            throw .cardCryptogramMismatch(
                "the card's answer does not repeat the challenges of the terminal's cryptogram"
            )
        }
        let session = try Self.session(
            terminalKeyMaterial: Array(terminal[16..<32]),
            cardKeyMaterial: Array(card[16..<32]),
            cardChallenge: cardChallenge,
            terminalChallenge: terminalChallenge,
            accessKeys: accessKeys
        )
        return Reconstruction(cardChallenge: cardChallenge, terminalChallenge: terminalChallenge, session: session)
    }
}
