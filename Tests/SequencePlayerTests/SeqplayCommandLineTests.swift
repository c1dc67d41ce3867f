import BundleFormat
import Foundation
import SequenceTestSupport
import Testing

/// Runs the built `seqplay` as a user would: exit statuses and messages of the paths that need
/// no card.
struct SeqplayCommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func seqplay(_ arguments: [String]) throws -> Run {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("seqplay"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("seqplay"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "seqplay"
            ),
        ]
        let executable = try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "cannot find the built 'seqplay' near \(Bundle.main.bundleURL.path)"
        )
        let process = Process()
        process.executableURL = executable
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

    static let bundle = "Tests/SequenceCompilerReferenceTests/Golden/" + Fixtures.rotateKeys
    static let key = ["--trusted-key", "Sequences/keys/test-signing-key.pub.pem"]
    static let noon = ["--now", "2027-01-01T12:00:00Z"]

    /// The golden bundle with the last byte of command 2 flipped, in a temporary file.
    static func tamperedFile() throws -> URL {
        var bundle = try Fixtures.golden(Fixtures.rotateKeys)
        bundle.payload.commands[2].apdu[6] ^= 0x01
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("seqplay-tampered-\(UUID().uuidString).bundle.json")
        try Data(bundle.encoded()).write(to: url)
        return url
    }

    @Test func verifyAcceptsTheGoldenBundle() throws {
        let run = try Self.seqplay(["verify", Self.bundle] + Self.key + Self.noon)
        #expect(run.status == 0)
        #expect(
            run.stdout
                == "\(Self.bundle): OK: rotate-keys 1.0.0, 3 commands, scp03, signed by key 790901B82A89FE50, "
                + "valid until 2027-01-02T00:00:00Z\n"
        )
    }

    @Test func verifyRejectsATamperedBundle() throws {
        let file = try Self.tamperedFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try Self.seqplay(["verify", file.path] + Self.key + Self.noon)
        #expect(run.status == 2)
        #expect(
            run.stderr.contains("error: the signature does not verify")
                || run.stderr.contains("[bundle.signature-invalid]")
        )
        #expect(run.stdout.isEmpty)
    }

    @Test func verifyRejectsAnExpiredBundle() throws {
        let run = try Self.seqplay(["verify", Self.bundle, "--now", "2027-01-02T00:00:00Z"] + Self.key)
        #expect(run.status == 2)
        #expect(run.stderr.contains("[bundle.expired] (validity)"))
    }

    @Test func missingKeyIsAUsageError() throws {
        let run = try Self.seqplay(["verify", Self.bundle])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--trusted-key"))
    }

    @Test func unreadableKeyIsAUsageError() throws {
        let run = try Self.seqplay(["verify", Self.bundle, "--trusted-key", "no-such-key.pem"] + Self.noon)
        #expect(run.status == 64)
    }

    /// A rejected bundle ends `run` before any reader is touched.
    @Test func runRejectsATamperedBundleBeforeTheReader() throws {
        let file = try Self.tamperedFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try Self.seqplay(
            ["run", file.path, "--reader", "no such reader", "--json"] + Self.key + Self.noon
        )
        #expect(run.status == 2)
        #expect(run.stdout.contains("\"status\" : \"rejected\""))
        #expect(run.stdout.contains("\"code\" : \"bundle.signature-invalid\""))
        #expect(run.stderr.contains("bundle rejected, nothing was sent"))
    }

    /// A valid bundle and a reader that does not exist (or no PC/SC service): transport, exit 3.
    @Test func runWithoutTheReaderIsATransportFailure() throws {
        let run = try Self.seqplay(["run", Self.bundle, "--reader", "no such reader"] + Self.key + Self.noon)
        #expect(run.status == 3)
        #expect(run.stderr.contains("nothing was sent"))
    }
}
