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
        let unknown = try Self.seqc([
            "keys", "--keys", "Sequences/keys/test-keys.yaml", "--card", "Sequences/cards/iso-test-card.yaml",
        ])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no key set matches the card (IIN 420277, CIN 45081020304050607080)"))
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
