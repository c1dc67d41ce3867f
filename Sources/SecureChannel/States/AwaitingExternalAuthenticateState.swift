import APDUTypes

/// The card is authenticated and the session keys are derived; EXTERNAL AUTHENTICATE is next.
struct AwaitingExternalAuthenticateState: Sendable {
    let response: InitializeUpdate.Response
    let cardKeys: StaticKeys
    let sessionKeys: SessionKeys
    let hostCryptogram: [UInt8]
    let channel: ProtocolChannel

    /// Builds EXTERNAL AUTHENTICATE, which starts the MAC chain, and the authenticated state.
    func externalAuthenticate() throws(SecureChannelError) -> (CommandAPDU, AuthenticatedState) {
        var channel = self.channel
        let command = try channel.externalAuthenticate(hostCryptogram: hostCryptogram)
        return (
            command,
            AuthenticatedState(
                response: response,
                cardKeys: cardKeys,
                sessionKeys: sessionKeys,
                channel: channel
            )
        )
    }
}
