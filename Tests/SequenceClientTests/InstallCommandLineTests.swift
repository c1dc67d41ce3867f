import Foundation
import SequenceTestSupport
import Testing

/// Runs the built `seqplay install` as a user would, for the paths that need no reader or server.
struct InstallCommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func seqplay(_ arguments: [String]) throws -> Run {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("seqplay"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("seqplay"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("seqplay"),
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

    static let key = ["--trusted-key", "Sequences/keys/test-signing-key.pub.pem"]

    @Test func helpNamesTheExitStatuses() throws {
        let run = try Self.seqplay(["install", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("4 the server refused"))
        #expect(run.stdout.contains("--server-certificate"))
    }

    @Test func withoutAPinnedKeyNothingStarts() throws {
        let run = try Self.seqplay(["install", "brokerage", "--server", "https://localhost:8443"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--trusted-key"))
    }

    @Test func plainHTTPIsRefused() throws {
        let run = try Self.seqplay(["install", "brokerage", "--server", "http://localhost:8443"] + Self.key)
        #expect(run.status == 64)
        #expect(run.stderr.contains("HTTPS only"))
    }

    @Test func unknownModeIsRefused() throws {
        let run = try Self.seqplay(
            ["install", "brokerage", "--server", "https://localhost:8443", "--mode", "fast"] + Self.key
        )
        #expect(run.status == 64)
        #expect(run.stderr.contains("--mode must be bundle or relay"))
    }

    @Test func serverCertificateThatIsNotPEMIsRefused() throws {
        let run = try Self.seqplay(
            ["install", "brokerage", "--server", "https://localhost:8443", "--server-certificate", "README.md"]
                + Self.key
        )
        #expect(run.status == 64)
        #expect(run.stderr.contains("not PEM") || run.stderr.contains("no certificate"))
    }
}
