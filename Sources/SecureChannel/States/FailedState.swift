/// The session failed for good: the INITIALIZE UPDATE response was unusable or a response MAC did not verify.
struct FailedState: Sendable {
    /// The error that ended the session.
    let error: SecureChannelError
}
