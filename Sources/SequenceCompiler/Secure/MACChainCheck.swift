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
public struct MACChainCheck: BundleCheck {
    /// The card's static keys, already diversified for this card.
    public var cardKeys: StaticKeys

    /// Creates the check for one card's keys.
    public init(cardKeys: StaticKeys) {
        self.cardKeys = cardKeys
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
        guard case .globalPlatform(let channel) = bundle.payload.secureChannel else {
            return .failure(
                BundleError(code: .macChainInvalid, reason: "only GlobalPlatform channels are replayed offline so far")
            )
        }
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
        var plain: [PlainCommand] = []
        var first = true
        for command in bundle.payload.commands {
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
                } else {
                    plain.append(PlainCommand(index: command.index, command: try card.unwrap(apdu)))
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
}
