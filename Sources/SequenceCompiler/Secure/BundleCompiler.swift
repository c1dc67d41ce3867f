import APDUTypes
public import BundleFormat
import CardCrypto
public import SecureChannel

/// Compiles a script for one card into a signed bundle: the plan, secured by the card's channel, signed.
///
/// Like ``Compiler``, a pure function of its inputs: the host challenge, the card's INITIALIZE
/// UPDATE response, the clock and the bundle id come in as values, so the same inputs give the
/// same bytes.
public enum BundleCompiler {
    /// Everything besides the script and the card data that a bundle depends on.
    public struct Request: Sendable {
        /// The keys as stored: master keys when the configuration diversifies, else the card's static keys.
        public var keys: StaticKeys
        /// The protocol, security level and diversification.
        public var configuration: SecureChannelSession.Configuration
        /// The host challenge the INITIALIZE UPDATE was sent with.
        public var hostChallenge: [UInt8]
        /// The card's INITIALIZE UPDATE response (data and status word), or empty to precompute it.
        ///
        /// Empty means a precomputed bundle: the card's SCP03 challenge is pseudo-random, so with
        /// ``sequenceCounter`` (the counter the card will use: the one GET DATA reads, plus one) the
        /// server computes the card's response itself and the bundle starts with INITIALIZE UPDATE.
        public var initializeUpdateResponse: [UInt8]
        /// The SCP03 sequence counter the card will use, for a precomputed bundle.
        public var sequenceCounter: [UInt8]?
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
            keys: StaticKeys,
            configuration: SecureChannelSession.Configuration,
            hostChallenge: [UInt8],
            initializeUpdateResponse: [UInt8],
            signer: any BundleSigner,
            issuedAt: BundleTimestamp,
            lifetime: Int64 = 86_400,
            bundleID: [UInt8],
            sequenceCounter: [UInt8]? = nil
        ) {
            self.sequenceCounter = sequenceCounter
            self.keys = keys
            self.configuration = configuration
            self.hostChallenge = hostChallenge
            self.initializeUpdateResponse = initializeUpdateResponse
            self.signer = signer
            self.issuedAt = issuedAt
            self.lifetime = lifetime
            self.bundleID = bundleID
        }
    }

    /// What a bundle compile produced.
    public struct Result: Sendable {
        /// The signed bundle, when there were no errors.
        public var bundle: SignedBundle?
        /// The plain plan the bundle secures.
        public var plan: CommandPlan?
        /// The author's mistakes, as from ``Compiler/compile(_:cardData:loader:options:)``.
        public var diagnostics: [Diagnostic]
        /// Every source read.
        public var sources: [SourceFile]
    }

    /// Why a bundle could not be made although the script compiled (or before compiling it).
    public struct Failure: Error, CustomStringConvertible {
        /// What failed: the secure channel (wrong keys, a command too long once secured) or signing.
        public var underlying: any Error
        /// The message.
        public var description: String { "\(underlying)" }
    }

    /// Opens the channel, compiles the plan for the channel's block sizes, secures and signs it.
    ///
    /// - Returns: The bundle, or the author's diagnostics when the script does not compile.
    /// - Throws: ``Failure`` when the card cryptogram does not verify (wrong keys: never retry,
    ///   cards lock), a command cannot be secured, or signing fails.
    public static func compile(
        _ source: SourceFile,
        cardData: CardData,
        loader: any ResourceLoader,
        request: Request
    ) throws(Failure) -> Result {
        try compile(Compiler.prepare(source, loader: loader), cardData: cardData, request: request)
    }

    /// Opens the channel, compiles a prepared script for the channel's block sizes, secures and signs it.
    ///
    /// - Returns: The bundle, or the author's diagnostics when the script does not compile.
    /// - Throws: ``Failure`` as ``compile(_:cardData:loader:request:)`` does.
    public static func compile(
        _ prepared: Compiler.PreparedSequence,
        cardData: CardData,
        request: Request
    ) throws(Failure) -> Result {
        if case .scp02(let i) = request.configuration.scp, i & 0x02 != 0 {
            return try compileImplicit(prepared, cardData: cardData, request: request, option: i)
        }
        let payload: BundlePayload
        let plan: CommandPlan
        let compiled: Compiler.CompileResult
        do throws(SecureChannelError) {
            var session = try SecureChannelSession(
                keys: request.keys,
                configuration: request.configuration,
                hostChallenge: request.hostChallenge
            )
            let precomputed = request.initializeUpdateResponse.isEmpty
            let cardResponse =
                precomputed
                ? try Self.predictedResponse(request, cardData: cardData, command: session.initializeUpdateCommand)
                : request.initializeUpdateResponse
            try session.receiveInitializeUpdateResponse(cardResponse)
            let externalAuthenticate = try session.externalAuthenticateCommand()
            guard let response = session.initializeUpdateResponse else {
                throw SecureChannelError(
                    code: .invalidState,
                    reason: "no INITIALIZE UPDATE response after authentication"
                )
            }
            let options = Self.options(request.configuration, response: response)
            compiled = Compiler.compile(prepared, cardData: cardData, options: options)
            guard let compiledPlan = compiled.plan, !compiled.hasErrors else {
                return Result(bundle: nil, plan: nil, diagnostics: compiled.diagnostics, sources: compiled.sources)
            }
            plan = compiledPlan
            let securityDomain =
                request.configuration.securityDomainAID?.bytes ?? cardData.bytes(for: .issuerSecurityDomain)
            let secured = try SecureStage.secure(plan, session: &session, securityDomain: securityDomain)
            payload = Self.payload(
                plan: plan,
                cardData: cardData,
                request: request,
                cardResponse: cardResponse,
                precomputed: precomputed,
                response: response,
                externalAuthenticate: externalAuthenticate,
                secured: secured
            )
        } catch {
            throw Failure(underlying: error)
        }
        return try seal(payload, signer: request.signer, plan: plan, compiled: compiled)
    }

    /// SCP02 implicit initiation: the session keys from the sequence counter, no INITIALIZE UPDATE
    /// and no EXTERNAL AUTHENTICATE; the first secured command's C-MAC opens the session.
    private static func compileImplicit(
        _ prepared: Compiler.PreparedSequence,
        cardData: CardData,
        request: Request,
        option: UInt8
    ) throws(Failure) -> Result {
        let payload: BundlePayload
        let plan: CommandPlan
        let compiled: Compiler.CompileResult
        do throws(SecureChannelError) {
            guard let counter = request.sequenceCounter, counter.count == 2,
                let aid = request.configuration.securityDomainAID
                    ?? cardData.bytes(for: .issuerSecurityDomain).flatMap({ ApplicationIdentifier($0) })
            else {
                throw SecureChannelError(
                    code: .invalidArgument,
                    reason:
                        "SCP02 implicit initiation needs the card's 2-byte sequence counter and the security domain AID"
                )
            }
            let kdd = cardData.bytes(for: .keyDiversificationData)
            var session = try SecureChannelSession(
                implicitInitiation: request.keys,
                configuration: request.configuration,
                sequenceCounter: counter,
                aid: aid,
                keyDiversificationData: kdd
            )
            let options = CompileOptions(secureChannel: .scp02, securityLevel: .mac)
            compiled = Compiler.compile(prepared, cardData: cardData, options: options)
            guard let compiledPlan = compiled.plan, !compiled.hasErrors else {
                return Result(bundle: nil, plan: nil, diagnostics: compiled.diagnostics, sources: compiled.sources)
            }
            plan = compiledPlan
            let secured = try SecureStage.secure(plan, session: &session, securityDomain: aid.bytes)
            let channel = BundleSecureChannel.GlobalPlatformSession(
                scp: .scp02,
                iParameter: option,
                keyVersion: request.keys.keyVersion,
                securityLevel: .cMAC,
                mode: .implicit,
                hostChallenge: [],
                cardChallenge: [],
                sequenceCounter: counter,
                initializeUpdate: .init(command: [], response: [])
            )
            payload = Self.payload(
                plan: plan,
                cardData: cardData,
                channel: .globalPlatform(channel),
                identity: Self.identity(cardData, kdd: kdd),
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

    /// Signs a payload into the result.
    static func seal(
        _ payload: BundlePayload,
        signer: any BundleSigner,
        plan: CommandPlan,
        compiled: Compiler.CompileResult
    ) throws(Failure) -> Result {
        do throws(BundleError) {
            let bundle = try BundleSealer(signer: signer).seal(payload)
            return Result(bundle: bundle, plan: plan, diagnostics: compiled.diagnostics, sources: compiled.sources)
        } catch {
            throw Failure(underlying: error)
        }
    }

    /// The plan's block sizes follow the channel: its protocol, whether it encrypts, its MAC length.
    static func options(
        _ configuration: SecureChannelSession.Configuration,
        response: InitializeUpdate.Response
    ) -> CompileOptions {
        let channel: CompileOptions.Channel
        var macLength = 8
        switch configuration.scp {
        case .scp01: channel = .scp01
        case .scp02: channel = .scp02
        case .scp03:
            channel = .scp03
            if let option = response.implementationOption, option & 0x01 != 0 {
                macLength = 16
            }
        }
        let level: CompileOptions.SecurityLevel =
            configuration.securityLevel.contains(.commandEncryption)
            ? .macEncrypt : configuration.securityLevel.contains(.commandMAC) ? .mac : .none
        return CompileOptions(secureChannel: channel, securityLevel: level, macLength: macLength)
    }

    /// The card's INITIALIZE UPDATE response, computed as the card will compute it (SCP03 with
    /// pseudo-random challenges only): from its static keys, the next sequence counter and its AID.
    static func predictedResponse(
        _ request: Request,
        cardData: CardData,
        command: CommandAPDU?
    ) throws(SecureChannelError) -> [UInt8] {
        guard case .scp03 = request.configuration.scp, let counter = request.sequenceCounter,
            let command, let kdd = cardData.bytes(for: .keyDiversificationData),
            let aid = request.configuration.securityDomainAID
                ?? cardData.bytes(for: .issuerSecurityDomain).flatMap({ ApplicationIdentifier($0) })
        else {
            throw SecureChannelError(
                code: .invalidArgument,
                reason:
                    "a precomputed bundle needs SCP03 with pseudo-random challenges, the sequence counter, the card's KDD and the security domain AID"
            )
        }
        let cardKeys = try request.configuration.diversification.diversify(request.keys, keyDiversificationData: kdd)
        let card = try CardSecureChannelSession(
            keys: cardKeys,
            configuration: CardSecureChannelSession.Configuration(
                scp: .scp03,
                scp03Option: 0x70,
                keyDiversificationData: kdd,
                securityDomainAID: aid
            ),
            sequenceCounter: counter,
            initializeUpdate: command
        )
        guard let response = card.initializeUpdateResponse else {
            throw SecureChannelError(code: .invalidState, reason: "no INITIALIZE UPDATE response to predict")
        }
        return response.bytes
    }

    private static func payload(
        plan: CommandPlan,
        cardData: CardData,
        request: Request,
        cardResponse: [UInt8],
        precomputed: Bool,
        response: InitializeUpdate.Response,
        externalAuthenticate: CommandAPDU,
        secured: [SecuredCommand]
    ) -> BundlePayload {
        let identity = Self.identity(cardData, kdd: response.keyDiversificationData)
        let scp: BundleSecureChannel.GlobalPlatformSession.SCP
        let iParameter: UInt8
        switch request.configuration.scp {
        case .scp01(let i):
            scp = .scp01
            iParameter = i
        case .scp02(let i):
            scp = .scp02
            iParameter = i
        case .scp03:
            scp = .scp03
            iParameter = response.implementationOption ?? 0
        }
        let level = BundleSecurityLevel(rawValue: request.configuration.securityLevel.rawValue) ?? .cMAC
        let responseData = Array(cardResponse.dropLast(2))
        let session = BundleSecureChannel.GlobalPlatformSession(
            scp: scp,
            iParameter: iParameter,
            keyVersion: response.keyVersion,
            securityLevel: level,
            mode: precomputed ? .precomputed : .online,
            hostChallenge: request.hostChallenge,
            cardChallenge: response.cardChallenge,
            sequenceCounter: response.sequenceCounter,
            initializeUpdate: .init(
                command: InitializeUpdate.commandBytes(
                    keyVersion: request.keys.keyVersion,
                    hostChallenge: request.hostChallenge
                ),
                response: responseData
            )
        )
        var commands: [BundleCommand] = []
        if precomputed {
            let command = InitializeUpdate.commandBytes(
                keyVersion: request.keys.keyVersion,
                hostChallenge: request.hostChallenge
            )
            commands.append(BundleCommand(index: 0, apdu: command, note: "INITIALIZE UPDATE"))
        }
        commands.append(
            BundleCommand(index: commands.count, command: externalAuthenticate, note: "EXTERNAL AUTHENTICATE")
        )
        for command in secured {
            commands.append(command.bundleCommand(index: commands.count))
        }
        return Self.payload(
            plan: plan,
            cardData: cardData,
            channel: .globalPlatform(session),
            identity: identity,
            commands: commands,
            id: request.bundleID,
            issuedAt: request.issuedAt,
            lifetime: request.lifetime
        )
    }
}

extension InitializeUpdate {
    /// The INITIALIZE UPDATE command bytes, or empty when the arguments cannot make one.
    static func commandBytes(keyVersion: UInt8, hostChallenge: [UInt8]) -> [UInt8] {
        (try? command(keyVersion: keyVersion, hostChallenge: hostChallenge).bytes) ?? []
    }
}
