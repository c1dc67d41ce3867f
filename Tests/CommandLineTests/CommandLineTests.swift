import Foundation
import SequenceTestSupport
import Testing

/// Runs the built `seqc` as a user would: help texts and diagnostics are golden files, and exit
/// codes say what happened.
struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func executable(_ name: String) throws -> URL {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent(name),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name),
        ]
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "cannot find the built '\(name)' near \(Bundle.main.bundleURL.path)")
    }

    static func seqc(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try executable("seqc")
        process.arguments = arguments
        process.currentDirectoryURL = RepositoryPaths.root
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    static let golden = RepositoryPaths.root.appendingPathComponent("Tests/CommandLineTests/Golden")

    static func expectGolden(_ text: String, _ name: String) {
        if let failure = Golden.compare(text, with: golden.appendingPathComponent(name)) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test(arguments: [["--help"], ["check", "--help"], ["compile", "--help"], ["cap", "--help"]])
    func helpMatchesGolden(_ arguments: [String]) throws {
        let run = try Self.seqc(arguments)
        #expect(run.status == 0)
        Self.expectGolden(
            run.stdout,
            "seqc-" + arguments.joined(separator: "-").replacingOccurrences(of: "--", with: "") + ".txt"
        )
    }

    @Test func compilePrintsTheListing() throws {
        let run = try Self.seqc(["compile", "Sequences/brokerage.yaml", "--card", "Sequences/cards/gp-test-card.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        let reference = try String(
            contentsOf: RepositoryPaths.root.appendingPathComponent(
                "Tests/SequenceCompilerReferenceTests/Golden/brokerage.gp-test-card.apdu"
            ),
            encoding: .utf8
        )
        #expect(run.stdout == reference)
    }

    @Test func failingCompilePrintsDiagnosticsAndExitsOne() throws {
        let run = try Self.seqc([
            "compile", "Tests/SequenceCompilerReferenceTests/Inputs/invalid/unknown-key.yaml",
            "--card", "Sequences/cards/gp-test-card.yaml",
        ])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        Self.expectGolden(run.stderr, "seqc-compile-unknown-key.txt")
    }

    @Test func checkReportsJSON() throws {
        let run = try Self.seqc([
            "check", "--format", "json", "Tests/SequenceCompilerReferenceTests/Inputs/invalid/unknown-key.yaml",
        ])
        #expect(run.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let diagnostics = try #require(object?["diagnostics"] as? [[String: Any]])
        #expect(object?["errors"] as? Int == diagnostics.count)
        let first = try #require(diagnostics.first)
        #expect(first["id"] as? String == "parse.unknown-key")
        #expect(first["line"] as? Int == 6)
        #expect(first["column"] as? Int == 5)
        #expect((first["message"] as? String)?.contains("did you mean 'install'") == true)
    }

    @Test func checkPassesEverySequence() throws {
        let scripts = RepositoryLoader.files(in: "Sequences", withExtension: "yaml")
        let run = try Self.seqc(["check"] + scripts)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
    }

    @Test func keysShowsCheckValuesAndNeverKeys() throws {
        let run = try Self.seqc([
            "keys", "--keys", "Sequences/keys/test-keys.yaml", "--card", "Sequences/cards/gp-second-card.yaml",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        Self.expectGolden(run.stdout, "seqc-keys-gp-second-card.txt")
        #expect(!run.stdout.contains("404142"))
        let unknownCard = FileManager.default.temporaryDirectory.appendingPathComponent("seqc-unknown-card.yaml")
        try "card:\n  profile: globalplatform\n  isd-aid: A000000003999999\n".write(
            to: unknownCard,
            atomically: true,
            encoding: .utf8
        )
        defer { try? FileManager.default.removeItem(at: unknownCard) }
        let unknown = try Self.seqc(["keys", "--keys", "Sequences/keys/test-keys.yaml", "--card", unknownCard.path])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no key set matches the card (ISD AID A000000003999999)"), "\(unknown.stderr)")
        // A file-oriented card: its secure messaging access keys, by check value only.
        let access = try Self.seqc([
            "keys", "--keys", "Sequences/keys/test-keys.yaml", "--card", "Sequences/cards/iso-test-card.yaml",
        ])
        #expect(access.status == 0, "\(access.stderr)")
        Self.expectGolden(access.stdout, "seqc-keys-iso-test-card.txt")
        #expect(!access.stdout.contains("404142") && !access.stdout.contains("505152"))
    }

    /// The CLI compiles the same bundle as the library for the same inputs, byte for byte.
    @Test func compileWithKeysPrintsTheGoldenBundleAndVerifyAcceptsIt() throws {
        let goldenPath = "Tests/SequenceCompilerReferenceTests/Golden/bundle.brokerage.gp-test-card.scp03.bundle.json"
        let golden = try String(contentsOf: RepositoryPaths.root.appendingPathComponent(goldenPath), encoding: .utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(golden.utf8)) as? [String: Any])
        let channel = try #require(object["secureChannel"] as? [String: Any])
        let exchange = try #require(channel["initializeUpdate"] as? [String: Any])
        let response = try #require(exchange["response"] as? String)
        let run = try Self.seqc([
            "compile", "Sequences/brokerage.yaml", "--card", "Sequences/cards/gp-test-card.yaml",
            "--keys", "Sequences/keys/test-keys.yaml", "--signing-key", "Sequences/keys/test-signing-key.pem",
            "--host-challenge", "1122334455667788", "--initialize-update-response", response,
            "--issued-at", "2027-01-01T00:00:00Z", "--bundle-id", "B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == golden)

        let verify = try Self.seqc([
            "verify", goldenPath, "--public-key", "Sequences/keys/test-signing-key.pub.pem", "--now",
            "2027-01-01T12:00:00Z",
        ])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("OK: brokerage 2.1.0, 29 commands"))

        let expired = try Self.seqc([
            "verify", goldenPath, "--public-key", "Sequences/keys/test-signing-key.pub.pem", "--now",
            "2027-02-01T00:00:00Z",
        ])
        #expect(expired.status == 1)
        #expect(expired.stderr.contains("expired"))

        let chain = try Self.seqc([
            "verify", goldenPath, "--public-key", "Sequences/keys/test-signing-key.pub.pem", "--now",
            "2027-01-01T12:00:00Z",
            "--keys", "Sequences/keys/test-keys.yaml",
        ])
        #expect(chain.status == 0, "\(chain.stderr)")
        #expect(chain.stdout.contains("(MAC chain verified)"))

        let inspect = try Self.seqc(["inspect", goldenPath])
        #expect(inspect.status == 0)
        Self.expectGolden(inspect.stdout, "seqc-inspect-brokerage-scp03.txt")

        // With keys: every command as the card receives it; the plain DELETE of the old version
        // is the plan's DELETE, and the order-signing key stays hidden.
        let plain = try Self.seqc(["inspect", goldenPath, "--keys", "Sequences/keys/test-keys.yaml"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("as the card receives them (MAC chain verified)"))
        #expect(plain.stdout.contains("[1] 80E40080 4F07F0435351014252"))
        #expect(!plain.stdout.contains("00112233445566778899AABBCCDDEEFF"))
    }

    /// Secure messaging in two calls: first the EXTERNAL AUTHENTICATE to send, then, with the
    /// card's answer, the golden bundle byte for byte, which verifies with the keys.
    @Test func secureMessagingCompilesInTwoStepsToTheGoldenBundle() throws {
        let goldenPath = "Tests/SequenceCompilerReferenceTests/Golden/bundle.loyalty.iso-test-card.sm.bundle.json"
        let golden = try String(contentsOf: RepositoryPaths.root.appendingPathComponent(goldenPath), encoding: .utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(golden.utf8)) as? [String: Any])
        let channel = try #require(object["secureChannel"] as? [String: Any])
        let exchange = try #require(channel["authentication"] as? [String: Any])
        let arguments = [
            "compile", "Sequences/loyalty.yaml", "--card", "Sequences/cards/iso-test-card.yaml",
            "--keys", "Sequences/keys/test-keys.yaml", "--signing-key", "Sequences/keys/test-signing-key.pem",
            "--host-challenge", "1122334455667788", "--card-challenge", "C1C2C3C4C5C6C7C8",
            "--key-material", String(repeating: "1F", count: 16),
            "--issued-at", "2027-01-01T00:00:00Z", "--bundle-id", "B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0",
        ]
        let first = try Self.seqc(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == (try #require(exchange["command"] as? String)) + "\n")
        #expect(first.stderr.contains("--authentication-response"))

        let answer = try #require(exchange["response"] as? String) + "9000"
        let second = try Self.seqc(arguments + ["--authentication-response", answer])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == golden)

        let chain = try Self.seqc([
            "verify", goldenPath, "--public-key", "Sequences/keys/test-signing-key.pub.pem", "--now",
            "2027-01-01T12:00:00Z", "--keys", "Sequences/keys/test-keys.yaml",
        ])
        #expect(chain.status == 0, "\(chain.stderr)")
        #expect(chain.stdout.contains("OK: loyalty 1.2.0, 16 commands (MAC chain verified)"))

        // A forged answer (one byte of M_IC flipped) makes no bundle.
        var forged = Array(answer)
        forged[70] = forged[70] == "0" ? "1" : "0"
        let refused = try Self.seqc(arguments + ["--authentication-response", String(forged)])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("M_IC does not verify"), "\(refused.stderr)")
    }

    @Test func aPrecomputedBundleNeedsOnlyTheSequenceCounter() throws {
        let goldenPath =
            "Tests/SequenceCompilerReferenceTests/Golden/bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json"
        let golden = try String(contentsOf: RepositoryPaths.root.appendingPathComponent(goldenPath), encoding: .utf8)
        let run = try Self.seqc([
            "compile", "Sequences/brokerage.yaml", "--card", "Sequences/cards/gp-test-card.yaml",
            "--keys", "Sequences/keys/test-keys.yaml", "--signing-key", "Sequences/keys/test-signing-key.pem",
            "--host-challenge", "1122334455667788", "--sequence-counter", "00002B",
            "--issued-at", "2027-01-01T00:00:00Z", "--bundle-id", "B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == golden)
    }

    /// SCP02 implicit initiation: the sequence counter alone makes the whole bundle.
    @Test func anImplicitSCP02BundleNeedsOnlyTheSequenceCounter() throws {
        let goldenPath =
            "Tests/SequenceCompilerReferenceTests/Golden/bundle.brokerage.gp-second-card.scp02-implicit.bundle.json"
        let golden = try String(contentsOf: RepositoryPaths.root.appendingPathComponent(goldenPath), encoding: .utf8)
        let arguments = [
            "compile", "Sequences/brokerage.yaml", "--card", "Sequences/cards/gp-second-card.yaml",
            "--keys", "Sequences/keys/test-keys.yaml", "--signing-key", "Sequences/keys/test-signing-key.pem",
            "--scp-option", "1A", "--sequence-counter", "0043",
            "--issued-at", "2027-01-01T00:00:00Z", "--bundle-id", "B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0",
        ]
        let run = try Self.seqc(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == golden)
        let chain = try Self.seqc([
            "verify", goldenPath, "--public-key", "Sequences/keys/test-signing-key.pub.pem", "--now",
            "2027-01-01T12:00:00Z", "--keys", "Sequences/keys/test-keys.yaml",
        ])
        #expect(chain.status == 0, "\(chain.stderr)")
        #expect(chain.stdout.contains("(MAC chain verified)"))
        let confused = try Self.seqc(arguments + ["--host-challenge", "1122334455667788"])
        #expect(confused.status == 64)
        #expect(confused.stderr.contains("implicit initiation has no INITIALIZE UPDATE"))
    }

    @Test func aWrongCardCryptogramMakesNoBundle() throws {
        let run = try Self.seqc([
            "compile", "Sequences/brokerage.yaml", "--card", "Sequences/cards/gp-test-card.yaml",
            "--keys", "Sequences/keys/test-keys.yaml", "--signing-key", "Sequences/keys/test-signing-key.pem",
            "--host-challenge", "1122334455667788",
            "--initialize-update-response", "00001122334455667788300370B459D14E29E4DD1798418FEDA1D53BAC00002A",
        ])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("card cryptogram"))
        #expect(!run.stderr.contains("404142"))
    }

    @Test func unreadableFileIsAClearError() throws {
        let run = try Self.seqc(["check", "Sequences/no-such-file.yaml"])
        #expect(run.status == 1)
        #expect(run.stderr == "Sequences/no-such-file.yaml: error: no such file 'Sequences/no-such-file.yaml'\n")
    }

    @Test func badOptionIsAUsageError() throws {
        let run = try Self.seqc(["compile", "Sequences/brokerage.yaml", "--card", "x.yaml", "--mac-length", "12"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--mac-length must be 8 or 16"))
    }
}
