/// Which response ``SecureChannelSession/unwrap(response:)`` expects next when responses carry R-MACs.
///
/// The response to EXTERNAL AUTHENTICATE carries no R-MAC; every wrapped command's response carries
/// one that covers that command; a second unwrap for the same command is a caller error.
enum PendingResponse: Hashable, Sendable {
    /// EXTERNAL AUTHENTICATE was the last command: its response passes through unchecked.
    case externalAuthenticate
    /// A wrapped command awaits its response; SCP02 keeps the plain `CLA INS P1 P2 Lc data` its R-MAC covers.
    case command(plainCommand: [UInt8])
    /// The last command's response was unwrapped already.
    case none
}
