import ArgumentParser
import SequencePlayer

/// The exit statuses of `seqplay`, one per kind of outcome.
enum ExitStatus {
    /// The bundle ran to the end, or verified.
    static let success = ExitCode(0)
    /// The card refused a command: an unexpected status word, or another session than the bundle's.
    static let cardRefused = ExitCode(1)
    /// The bundle did not verify (signature, validity, structure), or could not be read.
    static let bundleRejected = ExitCode(2)
    /// The card, the reader or the PC/SC service failed, or the run was cancelled.
    static let transport = ExitCode(3)
    /// Bad arguments or an unreadable key file (as `ValidationError` gives).
    static let usage = ExitCode(64)

    /// The status for a player failure.
    static func forFailure(_ failure: PlayerFailure) -> ExitCode {
        switch failure.code {
        case .bundleRejected: bundleRejected
        case .unexpectedStatusWord, .sessionMismatch, .unsupportedOpening: cardRefused
        default: transport
        }
    }
}
