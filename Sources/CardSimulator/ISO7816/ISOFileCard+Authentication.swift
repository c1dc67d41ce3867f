import APDUTypes
import SecureChannel

extension ISOFileCard {
    /// GET CHALLENGE (ISO/IEC 7816-4 section 11.5.6): 8 fresh bytes RND.IC.
    ///
    /// The challenge is kept for the next EXTERNAL AUTHENTICATE. Le must be 8, as ICAO Doc 9303
    /// Part 11 sends it.
    func getChallenge(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        guard command.p1 == 0x00, command.p2 == 0x00 else { throw .incorrectParameters }
        guard command.data.isEmpty, command.le == ISOMutualAuthentication.challengeLength else {
            throw .wrongLength
        }
        let challenge = randomSource.bytes(ISOMutualAuthentication.challengeLength)
        pendingChallenge = challenge
        return CardResponse(data: challenge, statusWord: .success)
    }

    /// EXTERNAL AUTHENTICATE (ISO/IEC 7816-4 section 11.5.4) of mutual authentication
    /// (``ISOMutualAuthentication/Card``): checks `E_IFD ‖ M_IFD` against the last challenge and
    /// answers `E_IC ‖ M_IC`, opening a secure messaging session.
    ///
    /// P2 is the configured key reference or `00` (`6A88` otherwise). Without a challenge the card
    /// answers `6985`; every attempt uses up the challenge. A wrong cryptogram answers `6300` and
    /// counts against the retry limit; once it is reached the card answers `6983` for good. A success
    /// sets the count back to zero.
    func externalAuthenticate(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        guard command.p1 == 0x00 else { throw .incorrectParameters }
        guard command.p2 == 0x00 || command.p2 == configuration.keyReference else { throw .referencedDataNotFound }
        guard !isAuthenticationBlocked else { throw .authenticationMethodBlocked }
        guard let challenge = pendingChallenge else { throw .conditionsOfUseNotSatisfied }
        pendingChallenge = nil
        let authenticationLength = 2 * ISOMutualAuthentication.keyMaterialLength + 8
        guard command.data.count == authenticationLength else { throw .wrongLength }
        let answer: (response: CardResponse, session: ISOMutualAuthentication.Session)
        do throws(SecureChannelError) {
            let card = try ISOMutualAuthentication.Card(
                accessKeys: configuration.accessKeys,
                cardChallenge: challenge,
                cardKeyMaterial: randomSource.bytes(ISOMutualAuthentication.keyMaterialLength)
            )
            answer = try card.respond(to: command)
        } catch  where error.code == .hostCryptogramMismatch {
            failedAuthentications += 1
            throw .authenticationFailed
        } catch {
            throw Refusal(0x6F00)
        }
        do throws(SecureChannelError) {
            secureMessaging = try ISOSecureMessagingCard(
                messaging: ISOSecureMessaging(
                    keys: answer.session.keys,
                    commandMACPadding: configuration.commandMACPadding
                ),
                counter: answer.session.counter
            )
        } catch {
            throw Refusal(0x6F00)
        }
        failedAuthentications = 0
        isExternallyAuthenticated = true
        return answer.response
    }
}
