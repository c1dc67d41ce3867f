import BundleFormat
import SequencePlayer
import SequenceProtocol
import Testing

@testable import SequenceServer

/// The receipt check on its own: every way a receipt can contradict its bundle.
@Suite
struct ReceiptCheckTests {
    static func bundle() throws -> SignedBundle {
        let commands = (0..<3).map { BundleCommand(index: $0, apdu: [0x80, 0xCA, 0x00, 0x66, 0x00], note: "GET DATA") }
        let payload = BundlePayload(
            id: Array(repeating: 0xB0, count: 16),
            issuedAt: BundleTimestamp(secondsSince1970: 1_800_000_000),
            expiresAt: BundleTimestamp(secondsSince1970: 1_800_000_300),
            sequence: BundleSequence(name: "reads", version: "1.0.0", sourceDigest: Array(repeating: 0, count: 32)),
            card: BundleCard(
                profile: .globalplatform,
                identity: BundleCardIdentity(kdd: Array(repeating: 0x11, count: 10))
            ),
            secureChannel: .none,
            commands: commands
        )
        return try BundleSealer(signer: Ed25519BundleSigner.generate()).seal(payload)
    }

    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    static func receipt(_ words: [String], status: Receipt.Outcome.Status, run: Int, stoppedAt: Int? = nil) -> Receipt {
        Receipt(
            bundle: Receipt.BundleReference(
                id: String(repeating: "B0", count: 16),
                digest: digest,
                sequence: "reads",
                version: "1.0.0",
                commandCount: 3
            ),
            answerToReset: "",
            startedAt: "2027-01-01T00:00:00Z",
            durationMicroseconds: 1,
            opening: [],
            commands: words.enumerated().map {
                Receipt.Command(
                    index: $0.offset,
                    statusWord: $0.element,
                    response: "",
                    sensitive: false,
                    durationMicroseconds: 1,
                    exchanges: 1
                )
            },
            outcome: Receipt.Outcome(status: status, commandsRun: run, stoppedAt: stoppedAt)
        )
    }

    @Test func completedReceiptIsAnInstall() throws {
        let verdict = try ReceiptCheck.check(
            Self.receipt(["9000", "9000", "9000"], status: .completed, run: 3),
            bundle: Self.bundle(),
            digest: Self.digest
        )
        #expect(verdict == .installed(commandsRun: 3))
    }

    @Test func stoppedReceiptIsAFailureAtThatCommand() throws {
        let verdict = try ReceiptCheck.check(
            Self.receipt(["9000", "6A80"], status: .stopped, run: 1, stoppedAt: 1),
            bundle: Self.bundle(),
            digest: Self.digest
        )
        guard case .failed(let run, let reason) = verdict else {
            Issue.record("expected a failure, got \(verdict)")
            return
        }
        #expect(run == 1)
        #expect(reason.contains("6A80"))
        #expect(reason.contains("command 1"))
    }

    static let contradictions: [(String, Receipt)] = [
        ("completed with a refused status", receipt(["9000", "6982", "9000"], status: .completed, run: 3)),
        ("completed short", receipt(["9000", "9000"], status: .completed, run: 2)),
        ("stopped at an accepted status", receipt(["9000", "9000"], status: .stopped, run: 1, stoppedAt: 1)),
        ("run counts a refused command", receipt(["6982", "9000"], status: .stopped, run: 2)),
        ("commands after the stop", receipt(["9000", "6A80", "9000"], status: .stopped, run: 1, stoppedAt: 1)),
        ("stopped names another command", receipt(["9000", "6A80"], status: .stopped, run: 1, stoppedAt: 0)),
        ("status word not hex", receipt(["90", "9000", "9000"], status: .completed, run: 3)),
        ("more commands than the bundle", receipt(["9000", "9000", "9000", "9000"], status: .completed, run: 4)),
        ("stopped with every command run", receipt(["9000", "9000", "9000"], status: .stopped, run: 3)),
    ]

    @Test(arguments: contradictions.indices)
    func contradictingReceiptIsAMismatch(case index: Int) throws {
        let (name, receipt) = Self.contradictions[index]
        #expect(throws: ServerError(.receiptMismatch, ""), "\(name)") {
            try ReceiptCheck.check(receipt, bundle: Self.bundle(), digest: Self.digest)
        }
    }

    @Test func receiptAboutAnotherBundleIsAMismatch() throws {
        let bundle = try Self.bundle()
        var wrongID = Self.receipt(["9000", "9000", "9000"], status: .completed, run: 3)
        wrongID.bundle.id = String(repeating: "B1", count: 16)
        var wrongVersion = Self.receipt(["9000", "9000", "9000"], status: .completed, run: 3)
        wrongVersion.bundle.version = "1.0.1"
        var wrongFormat = Self.receipt(["9000", "9000", "9000"], status: .completed, run: 3)
        wrongFormat.format = "cardseq-receipt/2"
        for receipt in [wrongID, wrongVersion, wrongFormat] {
            #expect(throws: ServerError(.receiptMismatch, "")) {
                try ReceiptCheck.check(receipt, bundle: bundle, digest: Self.digest)
            }
        }
        #expect(throws: ServerError(.receiptMismatch, "")) {
            try ReceiptCheck.check(
                Self.receipt(["9000", "9000", "9000"], status: .completed, run: 3),
                bundle: bundle,
                digest: "sha256:" + String(repeating: "cd", count: 32)
            )
        }
    }
}
