import APDUTypes
import BundleFormat
import SequencePlayer
import SequenceProtocol

/// Checks that a receipt is about a session's bundle and does not contradict it.
///
/// A receipt is the client's word: without R-MAC nothing proves what the card answered, so the
/// check is for consistency, not authenticity. It must name the bundle exactly (id, digest,
/// sequence, version, command count), list the answered commands from index 0 in order, and its
/// outcome must follow from the status words: `completed` means every command answered with a
/// status word the bundle accepts; `stopped` means the commands before ``Receipt/Outcome/commandsRun``
/// were accepted and the one after them, when answered, was not.
enum ReceiptCheck {
    /// What the receipt says happened.
    enum Verdict: Equatable {
        /// Every command was accepted.
        case installed(commandsRun: Int)
        /// The card (or the link) stopped the sequence.
        case failed(commandsRun: Int, reason: String)
    }

    /// Checks a receipt against the bundle it must be about.
    ///
    /// - Throws: ``ServerError`` with ``SequenceProtocol/ErrorCode/receiptMismatch``.
    static func check(_ receipt: Receipt, bundle: SignedBundle, digest: String) throws(ServerError) -> Verdict {
        func mismatch(_ message: String) -> ServerError { ServerError(.receiptMismatch, message) }
        let payload = bundle.payload
        guard receipt.format == Receipt.currentFormat else {
            throw mismatch("the receipt's format is '\(receipt.format.prefix(40))', not '\(Receipt.currentFormat)'")
        }
        let reference = receipt.bundle
        guard reference.digest == digest, reference.id.uppercased() == Hex.string(payload.id) else {
            throw mismatch("the receipt is about another bundle than this session's")
        }
        guard reference.sequence == payload.sequence.name, reference.version == payload.sequence.version,
            reference.commandCount == payload.commands.count
        else {
            throw mismatch("the receipt's sequence, version or command count differs from the bundle's")
        }
        let commands = payload.commands
        guard receipt.commands.count <= commands.count else {
            throw mismatch("the receipt lists \(receipt.commands.count) commands; the bundle has \(commands.count)")
        }
        var statusWords: [StatusWord] = []
        for (position, answered) in receipt.commands.enumerated() {
            guard answered.index == position else {
                throw mismatch("receipt entry \(position) is for command \(answered.index)")
            }
            guard let bytes = Hex.bytes(answered.statusWord), bytes.count == 2 else {
                throw mismatch(
                    "command \(position)'s status word '\(answered.statusWord.prefix(8))' is not 2 bytes of hex"
                )
            }
            statusWords.append(StatusWord(sw1: bytes[0], sw2: bytes[1]))
        }
        let outcome = receipt.outcome
        let run = outcome.commandsRun
        guard run >= 0, run <= statusWords.count else {
            throw mismatch("the outcome says \(run) commands ran, but the receipt lists \(statusWords.count)")
        }
        for index in 0..<run where !commands[index].accepts(statusWords[index]) {
            throw mismatch(
                "command \(index) is counted as run, but its status word \(statusWords[index]) is not one it accepts"
            )
        }
        switch outcome.status {
        case .completed:
            guard run == commands.count, statusWords.count == commands.count, outcome.stoppedAt == nil else {
                throw mismatch("the receipt says completed, but only \(run) of \(commands.count) commands ran")
            }
            return .installed(commandsRun: run)
        case .stopped:
            guard run < commands.count else {
                throw mismatch("the receipt says stopped, but every command ran")
            }
            guard statusWords.count <= run + 1 else {
                throw mismatch("the receipt lists commands after the one the run stopped at")
            }
            if statusWords.count == run + 1 {
                let refused = statusWords[run]
                guard !commands[run].accepts(refused) else {
                    throw mismatch("the run stopped at command \(run), but the card's \(refused) is one it accepts")
                }
                guard outcome.stoppedAt == run else {
                    throw mismatch("the run stopped at command \(run), but the outcome names another")
                }
                let meaning = refused.meaning.map { " (\($0))" } ?? ""
                let step = commands[run].step.map { ", step \($0)" } ?? ""
                return .failed(
                    commandsRun: run,
                    reason: "the card answered \(refused)\(meaning) to command \(run)\(step)"
                )
            }
            let code = outcome.code.map { " [\($0.prefix(40))]" } ?? ""
            return .failed(
                commandsRun: run,
                reason: "the run stopped after \(run) commands without an answer from the card\(code)"
            )
        }
    }
}
