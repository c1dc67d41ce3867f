import ArgumentParser
import Foundation
import Hummingbird
import SequenceServer

/// `seqd serve`: run the server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the install protocol over HTTPS.",
        discussion: """
            Without --tls-certificate or --insecure-http, seqd makes a P-256 self-signed certificate \
            for 127.0.0.1 and localhost in the --self-signed directory (.seqd by default) at first \
            start, reuses it later, and prints its SHA-256 fingerprint for clients to pin.

            Examples:
              seqd serve                                   # the demo: Sequences/, test keys, self-signed TLS
              seqd serve --tls-certificate cert.pem --tls-key key.pem --database /var/lib/seqd/registry.sqlite \\
                --keys keys.yaml --signing-key signing.pem --cards cards/ --catalogue catalogue.json
              seqd serve --insecure-http --port 8080       # local benchmarks only
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port = 8443

    @Option(help: "The TLS certificate chain (PEM).")
    var tlsCertificate: String?

    @Option(help: "The TLS certificate's private key (PEM).")
    var tlsKey: String?

    @Option(help: "A directory for a self-signed certificate, made at first start and reused (the default: .seqd).")
    var selfSigned: String?

    @Flag(help: "Serve plain HTTP instead of HTTPS: for local benchmarks only.")
    var insecureHTTP = false

    @Option(help: "The registry database (SQLite).")
    var database = "seqd.sqlite"

    @Option(help: "A catalogue file (JSON: {\"applications\": [{\"name\", \"script\", \"reinstall\"}]}).")
    var catalogue: String?

    @Option(help: "Without --catalogue: the directory whose brokerage, piv and loyalty scripts make the catalogue.")
    var sequences = "Sequences"

    @Option(help: "The key file (YAML).")
    var keys = "Sequences/keys/test-keys.yaml"

    @Option(help: "The bundle signing key (PEM, Ed25519 or P-256 private key).")
    var signingKey = "Sequences/keys/test-signing-key.pem"

    @Option(help: "The directory of card-data files.")
    var cards = "Sequences/cards"

    @Option(help: "How long a session lives, in seconds.")
    var sessionLifetime: Int64 = 300

    func validate() throws {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
        let choices = [tlsCertificate != nil, selfSigned != nil, insecureHTTP].filter { $0 }.count
        guard choices <= 1 else {
            throw ValidationError("choose one of --tls-certificate/--tls-key, --self-signed and --insecure-http")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard sessionLifetime > 0 else { throw ValidationError("--session-lifetime must be positive") }
    }

    func run() async throws {
        var configuration = ServerConfiguration(
            host: host,
            port: port,
            databasePath: database,
            keysPath: keys,
            signingKeyPath: signingKey,
            cardsDirectory: cards,
            settings: InstallService.Settings(sessionLifetime: sessionLifetime)
        )
        var lines: [String] = []
        do {
            configuration.catalogue =
                try catalogue.map { try Catalogue.specifications(catalogueFile: $0) }
                ?? Catalogue.defaultSpecifications(sequencesDirectory: sequences)
            if let tlsCertificate, let tlsKey {
                configuration.transport = .https(
                    certificateChainPEM: try String(contentsOfFile: tlsCertificate, encoding: .utf8),
                    privateKeyPEM: try String(contentsOfFile: tlsKey, encoding: .utf8)
                )
                lines.append("TLS certificate: \(tlsCertificate)")
            } else if !insecureHTTP {
                let directory = selfSigned ?? ".seqd"
                let certificate = try SelfSignedCertificate.loadOrCreate(directory: directory)
                configuration.transport = .https(
                    certificateChainPEM: certificate.certificatePEM,
                    privateKeyPEM: certificate.privateKeyPEM
                )
                lines.append(
                    "TLS certificate: \(directory)/\(SelfSignedCertificate.certificateFileName) (self-signed)"
                )
                lines.append("TLS certificate SHA-256 fingerprint: \(certificate.fingerprint)")
            }
            let service = try configuration.makeService()
            let application = try buildApplication(service: service, configuration: configuration)
            let scheme = insecureHTTP ? "http" : "https"
            lines.insert("seqd: listening on \(scheme)://\(host):\(port)", at: 0)
            lines.append("bundle signing key: \(service.signingKey)")
            let names = service.catalogue.entries.values.sorted { $0.name < $1.name }
                .map { "\($0.name) \($0.version)\($0.reinstall ? " (reinstalls)" : "")" }
            lines.append("catalogue: \(names.joined(separator: ", "))")
            lines.append("registry: \(database)")
            if insecureHTTP {
                lines.append("warning: plain HTTP; use it only for local benchmarks")
            }
            // Written at once and unbuffered, so a supervisor reading a pipe sees it before the first request.
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            try await application.runService()
        } catch let error as ServerSetupError {
            FileHandle.standardError.write(Data("seqd: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
