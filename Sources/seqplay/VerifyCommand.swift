import APDUTypes
import ArgumentParser
import BundleFormat
import SequencePlayer

/// `seqplay verify`: the checks `run` makes before sending anything, without a card.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle as 'run' would before sending anything: signature, validity, structure.",
        discussion: """
            Exit status 0 when the bundle would be played, 2 when it would be rejected (every \
            failure is printed), 64 for bad arguments.
            """
    )

    @OptionGroup var input: BundleInput

    func run() throws {
        let player = BundlePlayer(trustedKeys: try input.keys(), clock: input.clock)
        let result = player.verify(bytes: try input.bytes())
        guard result.isValid, let bundle = result.bundle else {
            input.report(result.failures)
            throw ExitStatus.bundleRejected
        }
        let payload = bundle.payload
        Output.out(
            "\(input.bundle): OK: \(payload.sequence.name) \(payload.sequence.version), "
                + "\(payload.commands.count) commands, \(payload.secureChannel.channelProtocol.rawValue)"
                + ", signed by key \(Hex.string(bundle.signature.keyID)), valid until \(payload.expiresAt)\n"
        )
    }
}
