import ArgumentParser
import BundleFormat
import Foundation
import SequencePlayer

/// The options every bundle-reading subcommand shares: the bundle, the pinned keys, the time.
struct BundleInput: ParsableArguments {
    @Argument(help: "The signed bundle file (cardseq-bundle/1 JSON).")
    var bundle: String

    @Option(
        name: .customLong("trusted-key"),
        help: "A pinned bundle-signing public key (PEM). Repeat to pin several."
    )
    var trustedKeys: [String] = []

    @Option(help: "Check the validity period at this time (ISO 8601 UTC) instead of now; for recorded test bundles.")
    var now: String?

    func validate() throws {
        guard !trustedKeys.isEmpty else {
            throw ValidationError("give the pinned public key with --trusted-key")
        }
        if let now, BundleTimestamp(iso8601: now) == nil {
            throw ValidationError("--now must be like 2027-01-01T00:00:00Z")
        }
    }

    /// The pinned keys, read from their PEM files.
    func keys() throws -> [BundlePublicKey] {
        var keys: [BundlePublicKey] = []
        for path in trustedKeys {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                Output.err("seqplay: cannot read the trusted key \(path): \(error.localizedDescription)\n")
                throw ExitStatus.usage
            }
            do {
                keys.append(try BundlePublicKey(pemRepresentation: text))
            } catch {
                Output.err("seqplay: \(path) is not a bundle-signing public key: \(error.message)\n")
                throw ExitStatus.usage
            }
        }
        return keys
    }

    /// The bundle file's bytes; a file that cannot be read is a rejected bundle.
    func bytes() throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: bundle)))
        } catch {
            Output.err("seqplay: cannot read the bundle \(bundle): \(error.localizedDescription)\n")
            throw ExitStatus.bundleRejected
        }
    }

    /// The system clock, or one whose wall time is `--now`.
    var clock: PlayerClock {
        var clock = PlayerClock.system
        if let now, let fixed = BundleTimestamp(iso8601: now) {
            clock.now = { fixed }
        }
        return clock
    }

    /// Prints every verification failure as `bundle: command N: error: message [code] (check)`.
    func report(_ failures: [BundleVerificationFailure]) {
        for failure in failures {
            let place = failure.commandIndex.map { " command \($0):" } ?? ""
            Output.err(
                "\(bundle):\(place) error: \(failure.error.message) [\(failure.error.code)] (\(failure.check))\n"
            )
        }
    }
}
