import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `seqd serve` child process.
///
/// It serves a ``Workspace`` over TLS with a self-signed certificate, on a free loopback port. Its memory is read from `/proc/PID/status`.
final class SeqdProcess {
    let port: UInt16
    let certificatePEM: String
    let process: Process
    let logPath: String

    var url: String { "https://127.0.0.1:\(port)" }
    var pid: Int32 { process.processIdentifier }

    /// Starts seqd and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - executable: The seqd binary.
    ///   - workspace: What it serves.
    ///   - name: Names its registry, certificate directory and log within the workspace.
    /// - Throws: ``BenchmarkError`` when seqd exits or does not listen within a minute, or what
    ///   starting the process and reading its certificate throw.
    init(executable: String, workspace: Workspace, name: String) async throws {
        port = try Socket.freePort()
        let tlsDirectory = workspace.directory + "/tls-\(name)"
        logPath = workspace.directory + "/seqd-\(name).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "serve", "--host", "127.0.0.1", "--port", "\(port)",
            "--self-signed", tlsDirectory,
            "--database", workspace.directory + "/registry-\(name).sqlite",
            "--catalogue", workspace.cataloguePath,
            "--keys", workspace.keysPath,
            "--signing-key", workspace.signingKeyPath,
            "--cards", workspace.cardsDirectory,
            "--session-lifetime", "600",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: workspace.directory)
        process.standardOutput = log
        process.standardError = log
        try process.run()

        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while true {
            guard process.isRunning else {
                let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw BenchmarkError("seqd exited at start:\n\(text)")
            }
            if let descriptor = try? Socket.connect(port: port) {
                close(descriptor)
                break
            }
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw BenchmarkError("seqd did not listen on port \(port) within 60 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        certificatePEM = try String(contentsOfFile: tlsDirectory + "/seqd-certificate.pem", encoding: .utf8)
    }

    /// A field of `/proc/PID/status` in kB (`VmRSS`, `VmHWM`), or `nil`.
    func memory(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }

    /// CPU time seqd has used so far (user and system), from `/proc/PID/stat`, in seconds.
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Stops seqd (SIGTERM) and waits for it.
    func stop() {
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
    }
}
