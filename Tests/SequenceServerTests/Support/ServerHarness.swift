import APDUTypes
import BundleFormat
import Foundation
import Hummingbird
import HummingbirdTesting
import KeyStore
import SequenceCompiler
import SequenceProtocol
import SequenceServer
import SequenceTestSupport
import Synchronization

/// A clock the test moves by hand, starting at the real time so bundles verify on the player.
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>

    init() {
        seconds = Mutex(Int64(Date.now.timeIntervalSince1970))
    }

    var now: BundleTimestamp { BundleTimestamp(secondsSince1970: seconds.withLock { $0 }) }

    func advance(by delta: Int64) {
        seconds.withLock { $0 += delta }
    }
}

/// Random bytes from a counter: every call gives new, repeatable bytes.
final class CountingRandom: Sendable {
    private let counter = Mutex<UInt8>(0)

    func bytes(_ count: Int) -> [UInt8] {
        let start = counter.withLock { value in
            value &+= 1
            return value
        }
        return (0..<count).map { start &+ UInt8(truncatingIfNeeded: $0 &* 7) }
    }
}

/// A server over the repository's scripts, card data and development keys, with an in-memory
/// registry and a clock the test controls.
struct ServerHarness {
    let service: InstallService
    let clock: TestClock
    let keys: KeyFile

    static func repositoryKeys() throws -> KeyFile {
        try KeyFile(text: RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "test-keys.yaml")
    }

    static func repositoryCatalogue(reinstall: Set<String> = []) throws -> Catalogue {
        let entries = try ["brokerage", "piv", "loyalty"].map { name in
            try Catalogue.Entry(
                name: name,
                reinstall: reinstall.contains(name),
                prepared: Compiler.prepare(
                    RepositoryLoader.source("Sequences/\(name).yaml"),
                    loader: RepositoryLoader()
                )
            )
        }
        return try Catalogue(entries: entries)
    }

    static func repositoryCards() throws -> CardDataDirectory {
        try CardDataDirectory(directory: RepositoryPaths.sequences.appendingPathComponent("cards").path)
    }

    /// A server; by default with the repository's catalogue and card data.
    static func make(
        catalogue: Catalogue? = nil,
        cards: (any CardDataSource)? = nil,
        sessionLifetime: Int64 = 300,
        random: (@Sendable (Int) -> [UInt8])? = nil,
        databasePath: String = ":memory:",
        keys keyFile: KeyFile? = nil
    ) throws -> ServerHarness {
        let clock = TestClock()
        let keys = try keyFile ?? repositoryKeys()
        let signer = try Ed25519BundleSigner(
            pemRepresentation: RepositoryLoader.source("Sequences/keys/test-signing-key.pem").text
        )
        let system = ServerEnvironment.system
        let service = InstallService(
            catalogue: try catalogue ?? repositoryCatalogue(),
            cardData: try cards ?? repositoryCards(),
            keys: keys,
            signer: signer,
            registry: try Registry(path: databasePath),
            environment: ServerEnvironment(now: { clock.now }, randomBytes: random ?? system.randomBytes),
            settings: InstallService.Settings(sessionLifetime: sessionLifetime)
        )
        return ServerHarness(service: service, clock: clock, keys: keys)
    }

    /// Runs `body` with a client that talks to the router directly (no sockets).
    func withClient<Value: Sendable>(_ body: @Sendable (ProtocolClient) async throws -> Value) async throws -> Value {
        let application = try buildApplication(service: service, configuration: ServerConfiguration(port: 0))
        return try await application.test(.router) { client in
            try await body(ProtocolClient(client: client))
        }
    }
}

/// The protocol's requests over a HummingbirdTesting client, counting every HTTP request.
final class ProtocolClient: Sendable {
    let client: any TestClientProtocol
    private let count = Mutex(0)

    init(client: any TestClientProtocol) {
        self.client = client
    }

    /// How many HTTP requests were made.
    var requests: Int { count.withLock { $0 } }

    /// One answer: the status and the body.
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(type, from: Data(body))
        }

        /// The error code of an error body, or `nil`.
        var errorCode: String? { (try? decode(ErrorBody.self))?.error.code }
    }

    /// Posts raw bytes.
    func post(_ path: String, bytes: [UInt8]) async throws -> Answer {
        count.withLock { $0 += 1 }
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        let response = try await client.execute(uri: path, method: .post, body: buffer)
        return Answer(status: Int(response.status.code), body: Array(response.body.readableBytesView))
    }

    /// Posts a message as JSON.
    func post(_ path: String, _ message: some Encodable) async throws -> Answer {
        try await post(path, bytes: Array(JSONEncoder().encode(message)))
    }

    /// Starts an install and decodes the probe, requiring `201`.
    func start(_ application: String, mode: InstallMode = .bundle) async throws -> ProbeResponse {
        let answer = try await post("/v1/installs", InstallRequest(application: application, mode: mode))
        guard answer.status == 201 else {
            throw UnexpectedAnswer(status: answer.status, body: String(decoding: answer.body, as: UTF8.self))
        }
        return try answer.decode(ProbeResponse.self)
    }
}

/// An answer a helper did not expect.
struct UnexpectedAnswer: Error, CustomStringConvertible {
    var status: Int
    var body: String
    var description: String { "HTTP \(status): \(body)" }
}
