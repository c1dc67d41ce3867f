import BundleFormat
import CardSimulator
import SequenceClient
import SequencePlayer
import SequenceProtocol
import Synchronization

/// An ``InstallTransport`` that counts the HTTP requests it passes on: a count of its own, to
/// check the one ``InstallOutcome/exchanges`` reports.
final class CountingTransport: InstallTransport {
    let inner: InstallClient
    let requests = Atomic<Int>(0)

    init(_ inner: InstallClient) {
        self.inner = inner
    }

    var count: Int { requests.load(ordering: .relaxed) }

    func start(
        application: String,
        mode: InstallMode,
        answerToReset: [UInt8]?
    ) async throws(InstallClientError) -> ProbeResponse {
        requests.add(1, ordering: .relaxed)
        return try await inner.start(application: application, mode: mode, answerToReset: answerToReset)
    }

    func answers(session: String, _ answers: ProbeAnswers) async throws(InstallClientError) -> InstallStep {
        requests.add(1, ordering: .relaxed)
        return try await inner.answers(session: session, answers)
    }

    func relay(session: String, response: [UInt8]?) async throws(InstallClientError) -> RelayCommand {
        requests.add(1, ordering: .relaxed)
        return try await inner.relay(session: session, response: response)
    }

    func receipt(session: String, _ receipt: Receipt) async throws(InstallClientError) -> InstallResult {
        requests.add(1, ordering: .relaxed)
        return try await inner.receipt(session: session, receipt)
    }
}

/// One install as `seqplay install` runs it: a new HTTPS client (so a new connection and TLS
/// handshake, as a new process would make), the whole exchange, and the time from the first byte
/// to the server's last answer.
struct InstallMeasurement: Sendable {
    var outcome: InstallOutcome
    /// HTTP requests counted by ``CountingTransport``.
    var requests: Int
    var seconds: Double
}

enum Installer {
    static func run(
        _ application: String,
        mode: InstallMode,
        on channel: SimulatedCardChannel,
        serverURL: String,
        certificatePEM: String,
        signingKey: BundlePublicKey
    ) async throws -> InstallMeasurement {
        let clock = ContinuousClock()
        let began = clock.now
        let configuration = InstallClient.Configuration(
            serverURL: serverURL,
            trust: .certificates(pem: certificatePEM),
            connectTimeout: .seconds(30),
            requestTimeout: .seconds(120)
        )
        let (outcome, requests) = try await InstallClient.withClient(configuration: configuration) { client in
            let transport = CountingTransport(client)
            let install = NetworkedInstall(
                transport: transport,
                trustedKeys: [signingKey],
                options: NetworkedInstall.Options(mode: mode)
            )
            let outcome = try await install.run(application: application, over: channel)
            return (outcome, transport.count)
        }
        guard outcome.status == .installed else {
            throw BenchmarkError("\(application) was not installed: \(outcome.status.rawValue)")
        }
        return InstallMeasurement(outcome: outcome, requests: requests, seconds: seconds(clock.now - began))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
