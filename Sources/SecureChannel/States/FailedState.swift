/// The session failed for good, on either side: a cryptogram or MAC did not verify, or a message was unusable.
struct FailedState: Sendable {
    /// The error that ended the session.
    let error: SecureChannelError
}
