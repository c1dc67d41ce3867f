public import APDUTypes
public import BundleFormat
import CardCrypto
public import SecureChannel

extension BundleCompiler {
    /// What a bundle for a file-oriented card depends on, besides the script and the card data.
    ///
    /// Secure messaging keys come from both sides' key material (ICAO Doc 9303 Part 11, section
    /// 9.7), so the card must have answered EXTERNAL AUTHENTICATE before the server can secure a
    /// single command: the probe runs GET CHALLENGE, the server answers with
    /// ``secureMessagingAuthentication(_:)``, the client sends it and returns the card's answer,
    /// and this request carries all of it.
    public struct SecureMessagingRequest: Sendable {
        /// K_ENC and K_MAC of the card.
        public var accessKeys: ISOSecureMessaging.Keys
        /// The key reference EXTERNAL AUTHENTICATE names (its P2).
        public var keyReference: UInt8
        /// RND.IC: the card's answer to GET CHALLENGE, 8 bytes.
        public var cardChallenge: [UInt8]
        /// RND.IFD: the server's challenge, 8 fresh random bytes.
        public var terminalChallenge: [UInt8]
        /// K.IFD: the server's key material, 16 fresh random bytes; secret, kept by the server only.
        public var terminalKeyMaterial: [UInt8]
        /// The card's answer to EXTERNAL AUTHENTICATE: `E_IC ‖ M_IC`, with or without `9000`.
        public var authenticationResponse: [UInt8]
        /// Signs the bundle.
        public var signer: any BundleSigner
        /// When the bundle is issued.
        public var issuedAt: BundleTimestamp
        /// How long the bundle stays valid, in seconds.
        public var lifetime: Int64
        /// The bundle's id (16 bytes, random in production).
        public var bundleID: [UInt8]

        /// Creates a request.
        public init(
            accessKeys: ISOSecureMessaging.Keys,
            keyReference: UInt8 = 0x00,
            cardChallenge: [UInt8],
            terminalChallenge: [UInt8],
            terminalKeyMaterial: [UInt8],
            authenticationResponse: [UInt8],
            signer: any BundleSigner,
            issuedAt: BundleTimestamp,
            lifetime: Int64 = 86_400,
            bundleID: [UInt8]
        ) {
            self.accessKeys = accessKeys
            self.keyReference = keyReference
            self.cardChallenge = cardChallenge
            self.terminalChallenge = terminalChallenge
            self.terminalKeyMaterial = terminalKeyMaterial
            self.authenticationResponse = authenticationResponse
            self.signer = signer
            self.issuedAt = issuedAt
            self.lifetime = lifetime
            self.bundleID = bundleID
        }
    }

    /// The EXTERNAL AUTHENTICATE command the client sends to the card before the bundle is compiled.
    ///
    /// Only the access keys, the challenges, the key material and the key reference of the request
    /// are used; the card's answer is not needed yet.
    ///
    /// - Throws: ``Failure`` for challenges or key material of the wrong length.
    public static func secureMessagingAuthentication(_ request: SecureMessagingRequest) throws(Failure) -> CommandAPDU {
        do throws(SecureChannelError) {
            var command = try terminal(request).command()
            command.p2 = request.keyReference
            return command
        } catch {
            throw Failure(underlying: error)
        }
    }

    /// Opens the secure messaging session from the recorded authentication, compiles a prepared
    /// script for it, protects every command and signs the bundle.
    ///
    /// - Returns: The bundle, or the author's diagnostics when the script does not compile.
    /// - Throws: ``Failure`` when the card's answer does not verify (wrong access keys: never retry,
    ///   cards block after a few failed authentications), a command cannot be protected, or signing fails.
    public static func compile(
        _ prepared: Compiler.PreparedSequence,
        cardData: CardData,
        secureMessaging request: SecureMessagingRequest
    ) throws(Failure) -> Result {
        let payload: BundlePayload
        let plan: CommandPlan
        let compiled: Compiler.CompileResult
        do throws(SecureChannelError) {
            let terminal = try terminal(request)
            var authenticate = try terminal.command()
            authenticate.p2 = request.keyReference
            var answer = request.authenticationResponse
            if answer.count == ISOMutualAuthenticationLength.withStatusWord,
                answer.suffix(2).elementsEqual([0x90, 0x00])
            {
                answer.removeLast(2)
            }
            let session = try terminal.establish(response: CardResponse(data: answer, statusWord: .success))
            var host = try ISOSecureMessagingHost(
                messaging: ISOSecureMessaging(keys: session.keys),
                counter: session.counter
            )
            let options = CompileOptions(secureChannel: .sm, securityLevel: .macEncrypt)
            compiled = Compiler.compile(prepared, cardData: cardData, options: options)
            guard let compiledPlan = compiled.plan, !compiled.hasErrors else {
                return Result(bundle: nil, plan: nil, diagnostics: compiled.diagnostics, sources: compiled.sources)
            }
            plan = compiledPlan
            let secured = try SecureStage.protect(plan, host: &host)
            let cipher: BundleSecureChannel.SecureMessagingSession.Cipher =
                request.accessKeys.cipher == .aes ? .aes : .tripleDES
            let channel = BundleSecureChannel.SecureMessagingSession(
                securityLevel: .all,
                cipher: cipher,
                keyReference: request.keyReference,
                cardChallenge: request.cardChallenge,
                sequenceCounter: session.counter.bytes,
                authentication: .init(command: authenticate.bytes, response: answer)
            )
            payload = Self.payload(
                plan: plan,
                cardData: cardData,
                channel: .secureMessaging(channel),
                identity: Self.identity(cardData, kdd: nil),
                commands: secured.enumerated().map { index, command in command.bundleCommand(index: index) },
                id: request.bundleID,
                issuedAt: request.issuedAt,
                lifetime: request.lifetime
            )
        } catch {
            throw Failure(underlying: error)
        }
        return try seal(payload, signer: request.signer, plan: plan, compiled: compiled)
    }

    private static func terminal(
        _ request: SecureMessagingRequest
    ) throws(SecureChannelError)
        -> ISOMutualAuthentication.Terminal
    {
        try ISOMutualAuthentication.Terminal(
            accessKeys: request.accessKeys,
            cardChallenge: request.cardChallenge,
            terminalChallenge: request.terminalChallenge,
            terminalKeyMaterial: request.terminalKeyMaterial
        )
    }

    /// The identification a bundle is bound to, from the card data (and the KDD the card reported).
    static func identity(_ cardData: CardData, kdd: [UInt8]?) -> BundleCardIdentity {
        BundleCardIdentity(
            isdAID: cardData.bytes(for: .issuerSecurityDomain).flatMap { ApplicationIdentifier($0) },
            iin: cardData.bytes(for: .iin),
            cin: cardData.bytes(for: .cin),
            kdd: kdd,
            icFabricator: cardData.bytes(for: .cplc(.icFabricator)),
            icSerialNumber: cardData.bytes(for: .cplc(.icSerialNumber))
        )
    }

    /// The payload around secured commands.
    static func payload(
        plan: CommandPlan,
        cardData: CardData,
        channel: BundleSecureChannel,
        identity: BundleCardIdentity,
        commands: [BundleCommand],
        id: [UInt8],
        issuedAt: BundleTimestamp,
        lifetime: Int64
    ) -> BundlePayload {
        BundlePayload(
            id: id,
            issuedAt: issuedAt,
            expiresAt: BundleTimestamp(secondsSince1970: issuedAt.secondsSince1970 + lifetime),
            sequence: BundleSequence(name: plan.sequence, version: plan.version, sourceDigest: plan.sourceDigest),
            card: BundleCard(profile: plan.profile == .iso7816 ? .iso7816 : .globalplatform, identity: identity),
            secureChannel: channel,
            commands: commands
        )
    }
}

/// The length of an EXTERNAL AUTHENTICATE answer with its status word.
private enum ISOMutualAuthenticationLength {
    static let withStatusWord = 42
}

extension SecureStage {
    /// Protects every command of a plan with ISO 7816-4 secure messaging, in order.
    ///
    /// Every command is protected, SELECT included: a plain command would end the card's session.
    /// Secrets travel encrypted like all command data; key blocks under a DEK do not exist here.
    ///
    /// - Throws: ``SecureChannelError`` when a command cannot be protected (too long for a short
    ///   protected command, or a GlobalPlatform key block); the error names the step.
    public static func protect(
        _ plan: CommandPlan,
        host: inout ISOSecureMessagingHost
    ) throws(SecureChannelError) -> [SecuredCommand] {
        var secured: [SecuredCommand] = []
        for step in plan.steps {
            for command in step.commands {
                do throws(SecureChannelError) {
                    guard command.protection == .none || command.protection == .encryptSecrets else {
                        throw SecureChannelError(
                            code: .invalidArgument,
                            reason: "key blocks under a DEK need a GlobalPlatform secure channel"
                        )
                    }
                    let plain = CommandAPDU(
                        cla: command.cla,
                        ins: command.ins,
                        p1: command.p1,
                        p2: command.p2,
                        data: command.clearDataForSecureStage,
                        le: command.le
                    )
                    let protected = try host.protect(plain)
                    secured.append(
                        SecuredCommand(
                            apdu: protected,
                            expect: command.expect,
                            step: step.index,
                            origin: step.origin.start.description,
                            note: command.note,
                            isSensitive: command.isSensitive
                        )
                    )
                } catch {
                    throw SecureChannelError(
                        code: error.code,
                        reason: "step \(step.index) (\(step.origin.start)): \(error)"
                    )
                }
            }
        }
        return secured
    }
}
