public import APDUTypes
public import BundleFormat
import CardCrypto
public import SecureChannel

/// The offline MAC-chain check: replays a bundle's commands on the card side of its channel.
///
/// With the card's keys it rebuilds the card's INITIALIZE UPDATE response (which must equal the
/// one recorded in the bundle), verifies EXTERNAL AUTHENTICATE, then unwraps every later command
/// exactly as the card would: C-MAC against the chain, decryption, padding. The first command that
/// does not verify is reported with its index; every command after it would be refused by the card.
/// SELECT commands are not part of the channel and are skipped.
///
/// For ISO 7816-4 secure messaging it opens the recorded EXTERNAL AUTHENTICATE exchange with the
/// access keys, rebuilds the session keys and counter, and checks every command's checksum with
/// the counter the card will use (each command and each response take one value).
public struct MACChainCheck: BundleCheck {
    private enum Keys: Sendable {
        case globalPlatform(StaticKeys)
        case secureMessaging(ISOSecureMessaging.Keys)
    }

    private let keys: Keys

    /// Creates the check for one GlobalPlatform card's static keys, already diversified for it.
    public init(cardKeys: StaticKeys) {
        self.keys = .globalPlatform(cardKeys)
    }

    /// Creates the check for a file-oriented card's secure messaging access keys.
    public init(accessKeys: ISOSecureMessaging.Keys) {
        self.keys = .secureMessaging(accessKeys)
    }

    /// `mac-chain`.
    public var name: String { "mac-chain" }

    /// Replays the bundle; returns the first failure, if any.
    public func check(_ bundle: SignedBundle) -> [BundleError] {
        switch replay(bundle) {
        case .success: []
        case .failure(let error): [error]
        }
    }

    /// One command as the card receives it after unwrapping.
    public struct PlainCommand: Sendable {
        /// The command's index in the bundle.
        public var index: Int
        /// The command as the card processes it: MAC removed, data decrypted (secrets under the
        /// DEK stay encrypted, as the card's application receives them).
        public var command: CommandAPDU
    }

    /// Replays the channel on the card side and returns every command as the card receives it.
    ///
    /// - Returns: The plain commands (channel-opening and SELECT commands as sent), or the first
    ///   command the card would refuse.
    public func replay(_ bundle: SignedBundle) -> Result<[PlainCommand], BundleError> {
        switch (keys, bundle.payload.secureChannel) {
        case (.globalPlatform(let cardKeys), .globalPlatform(let channel)):
            return Self.replay(bundle, channel: channel, cardKeys: cardKeys)
        case (.secureMessaging(let accessKeys), .secureMessaging(let channel)):
            return Self.replay(bundle, channel: channel, accessKeys: accessKeys)
        case (_, .none):
            return .failure(BundleError(code: .macChainInvalid, reason: "the bundle has no secure channel to replay"))
        case (.globalPlatform, .secureMessaging):
            return .failure(
                BundleError(
                    code: .macChainInvalid,
                    reason: "the bundle uses secure messaging; these are GlobalPlatform keys"
                )
            )
        case (.secureMessaging, .globalPlatform):
            return .failure(
                BundleError(
                    code: .macChainInvalid,
                    reason: "the bundle uses a GlobalPlatform channel; these are secure messaging keys"
                )
            )
        }
    }

    private static func replay(
        _ bundle: SignedBundle,
        channel: BundleSecureChannel.SecureMessagingSession,
        accessKeys: ISOSecureMessaging.Keys
    ) -> Result<[PlainCommand], BundleError> {
        let authentication = channel.authentication
        guard let command = try? CommandAPDU(bytes: authentication.command), command.ins == 0x82 else {
            return .failure(
                BundleError(code: .macChainInvalid, reason: "the recorded EXTERNAL AUTHENTICATE is not one")
            )
        }
        let reconstruction: ISOMutualAuthentication.Reconstruction
        do throws(SecureChannelError) {
            reconstruction = try ISOMutualAuthentication.reconstruct(
                accessKeys: accessKeys,
                command: command.data,
                response: authentication.response
            )
        } catch {
            return .failure(
                BundleError(
                    code: .macChainInvalid,
                    reason: "the recorded authentication does not verify with these access keys: \(error.code)"
                )
            )
        }
        guard reconstruction.cardChallenge == channel.cardChallenge,
            reconstruction.session.counter.bytes == channel.sequenceCounter
        else {
            return .failure(
                BundleError(
                    code: .macChainInvalid,
                    reason: "the card challenge or send sequence counter differs from the recorded authentication"
                )
            )
        }
        let messaging = ISOSecureMessaging(keys: reconstruction.session.keys)
        var counter = reconstruction.session.counter
        var plain: [PlainCommand] = []
        for command in bundle.payload.commands {
            guard let apdu = try? CommandAPDU(bytes: command.apdu) else {
                return .failure(
                    BundleError(code: .macChainInvalid, reason: "not a command APDU", commandIndex: command.index)
                )
            }
            counter.increment()
            do throws(SecureChannelError) {
                plain.append(
                    PlainCommand(
                        index: command.index,
                        command: try messaging.unprotect(command: apdu, counter: counter)
                    )
                )
            } catch {
                return .failure(
                    BundleError(
                        code: .macChainInvalid,
                        reason: "the card would refuse this command: \(error.code)",
                        commandIndex: command.index
                    )
                )
            }
            // The card protects its response with the next value.
            counter.increment()
        }
        return .success(plain)
    }

    private static func replay(
        _ bundle: SignedBundle,
        channel: BundleSecureChannel.GlobalPlatformSession,
        cardKeys: StaticKeys,
        responses: [CardResponse]? = nil
    ) -> Result<[PlainCommand], BundleError> {
        let scp: SecureChannelProtocol
        switch channel.scp {
        case .scp01: scp = .scp01(i: channel.iParameter)
        case .scp02: scp = .scp02(i: channel.iParameter)
        case .scp03: scp = .scp03
        }
        let identity = bundle.payload.card.identity
        let configuration = CardSecureChannelSession.Configuration(
            scp: scp,
            scp03Option: channel.iParameter,
            keyDiversificationData: identity.kdd ?? [],
            securityDomainAID: identity.isdAID
        )
        if channel.mode == .implicit {
            var card: CardSecureChannelSession
            guard let counter = channel.sequenceCounter, let aid = identity.isdAID else {
                return .failure(
                    BundleError(
                        code: .macChainInvalid,
                        reason: "an implicit session needs the sequence counter and the security domain AID"
                    )
                )
            }
            do throws(SecureChannelError) {
                card = try CardSecureChannelSession(
                    implicitInitiation: cardKeys,
                    configuration: configuration,
                    sequenceCounter: counter,
                    aid: aid
                )
            } catch {
                return .failure(
                    BundleError(code: .macChainInvalid, reason: "cannot rebuild the card's session: \(error)")
                )
            }
            return unwrapAll(bundle, card: &card, authenticateFirst: false, responses: responses, channel: channel)
        }
        guard let initializeUpdate = try? CommandAPDU(bytes: channel.initializeUpdate.command) else {
            return .failure(
                BundleError(code: .macChainInvalid, reason: "the recorded INITIALIZE UPDATE is not a command APDU")
            )
        }
        var card: CardSecureChannelSession
        do throws(SecureChannelError) {
            card = try CardSecureChannelSession(
                keys: cardKeys,
                configuration: configuration,
                sequenceCounter: channel.sequenceCounter,
                cardChallenge: channel.sequenceCounter == nil || channel.scp != .scp03 ? channel.cardChallenge : nil,
                initializeUpdate: initializeUpdate
            )
        } catch {
            return .failure(BundleError(code: .macChainInvalid, reason: "cannot rebuild the card's session: \(error)"))
        }
        guard let expected = card.initializeUpdateResponse?.data, expected == channel.initializeUpdate.response else {
            return .failure(
                BundleError(
                    code: .macChainInvalid,
                    reason:
                        "the card's INITIALIZE UPDATE response computed with these keys differs from the one the bundle was made for (wrong keys, key version or diversification)"
                )
            )
        }
        return unwrapAll(bundle, card: &card, authenticateFirst: true, responses: responses, channel: channel)
    }

    /// Unwraps every command on the card side; SELECT passes through.
    private static func unwrapAll(
        _ bundle: SignedBundle,
        card: inout CardSecureChannelSession,
        authenticateFirst: Bool,
        responses: [CardResponse]? = nil,
        channel: BundleSecureChannel.GlobalPlatformSession? = nil
    ) -> Result<[PlainCommand], BundleError> {
        var plain: [PlainCommand] = []
        var first = authenticateFirst
        for command in bundle.payload.commands {
            if let responses, command.index >= responses.count {
                break
            }
            guard let apdu = try? CommandAPDU(bytes: command.apdu) else {
                return .failure(
                    BundleError(code: .macChainInvalid, reason: "not a command APDU", commandIndex: command.index)
                )
            }
            // SELECT is not part of the channel; a precomputed bundle's INITIALIZE UPDATE opens it.
            if (apdu.ins == 0xA4 || apdu.ins == 0x50) && apdu.cla & 0x0C == 0 {
                plain.append(PlainCommand(index: command.index, command: apdu))
                continue
            }
            do throws(SecureChannelError) {
                if first {
                    try card.receiveExternalAuthenticate(apdu)
                    first = false
                    plain.append(PlainCommand(index: command.index, command: apdu))
                    if responses != nil {
                        // The card answers EXTERNAL AUTHENTICATE without an R-MAC.
                        _ = try card.wrap(response: [], statusWord: .success)
                    }
                } else {
                    plain.append(PlainCommand(index: command.index, command: try card.unwrap(apdu)))
                    if let responses, let channel,
                        let failure = try checkResponse(responses[command.index], channel: channel, card: &card)
                    {
                        return .failure(
                            BundleError(code: .macChainInvalid, reason: failure, commandIndex: command.index)
                        )
                    }
                }
            } catch {
                return .failure(
                    BundleError(
                        code: .macChainInvalid,
                        reason: "the card would refuse this command: \(error.code)",
                        commandIndex: command.index
                    )
                )
            }
        }
        return .success(plain)
    }

    /// Checks one response's R-MAC as the card computes it; `nil` when it verifies.
    ///
    /// SCP02 appends an 8-byte R-MAC to every response; SCP03 to `9000`, `62XX` and `63XX` only,
    /// 8 bytes or 16 in S16 mode. The card's session computes the MAC over the data without it.
    private static func checkResponse(
        _ response: CardResponse,
        channel: BundleSecureChannel.GlobalPlatformSession,
        card: inout CardSecureChannelSession
    ) throws(SecureChannelError) -> String? {
        guard let level = card.securityLevel, level.contains(.responseMAC) else {
            _ = try card.wrap(response: response.data, statusWord: response.statusWord)
            return nil
        }
        let sw = response.statusWord
        let macLength: Int
        switch channel.scp {
        case .scp02:
            macLength = 8
        case .scp03:
            let carries = sw.rawValue == 0x9000 || sw.sw1 == 0x62 || sw.sw1 == 0x63
            macLength = carries ? (channel.iParameter & 0x01 != 0 ? 16 : 8) : 0
        case .scp01:
            macLength = 0
        }
        guard response.data.count >= macLength else {
            return "the response is shorter than its R-MAC"
        }
        let body = Array(response.data.dropLast(macLength))
        let expected = try card.wrap(response: body, statusWord: sw)
        guard constantTimeEquals(expected.data, response.data) else {
            return "the response's R-MAC does not verify: the card did not send this response"
        }
        return nil
    }
}

extension MACChainCheck {
    /// Checks the R-MAC of every response a client reports, replaying the card's side of the
    /// session (the server's check of a receipt).
    ///
    /// Levels without R-MAC have nothing to check and return `nil`; R-ENCRYPTION is not checked
    /// (an error says so); secure messaging bundles are not handled here.
    ///
    /// - Parameters:
    ///   - bundle: The bundle the responses answer.
    ///   - responses: The card's responses, in command order from command 0; fewer than the
    ///     bundle's commands when the run stopped.
    /// - Returns: `nil` when every R-MAC verifies, else the first command whose response does not.
    public func checkResponseMACs(_ bundle: SignedBundle, responses: [CardResponse]) -> BundleError? {
        guard case .globalPlatform(let channel) = bundle.payload.secureChannel,
            case .globalPlatform(let cardKeys) = keys
        else {
            return BundleError(code: .macChainInvalid, reason: "R-MAC is checked for GlobalPlatform channels only")
        }
        let level = channel.securityLevel.rawValue
        guard level & 0x10 != 0 else { return nil }
        guard level & 0x20 == 0 else {
            return BundleError(code: .macChainInvalid, reason: "R-ENCRYPTION responses are not checked")
        }
        switch Self.replay(bundle, channel: channel, cardKeys: cardKeys, responses: responses) {
        case .success: return nil
        case .failure(let error): return error
        }
    }
}
