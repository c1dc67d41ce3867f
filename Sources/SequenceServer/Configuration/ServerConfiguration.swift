public import BundleFormat
import KeyStore
public import NIOSSL
import SequenceCompiler

/// Everything `seqd` starts from: where it listens, how (TLS or plain HTTP), and the files it reads.
///
/// The defaults are the embedded demo set-up, relative to the repository root: the catalogue
/// of `Sequences/`, the card-data files of `Sequences/cards`, the development key file and
/// signing key of `Sequences/keys`, and a registry file in the working directory.
public struct ServerConfiguration: Sendable {
    /// How the server talks to clients.
    public enum Transport: Sendable {
        /// HTTPS with a certificate chain and its private key, both PEM.
        case https(certificateChainPEM: String, privateKeyPEM: String)
        /// Plain HTTP: local benchmarks only (`--insecure-http`).
        case insecureHTTP
    }

    /// The address to listen on.
    public var host: String
    /// The port to listen on; `0` picks a free one.
    public var port: Int
    /// TLS or plain HTTP.
    public var transport: Transport
    /// The registry database file, or `:memory:`.
    public var databasePath: String
    /// The catalogue's entries.
    public var catalogue: [Catalogue.Specification]
    /// The development key file (YAML).
    public var keysPath: String
    /// The bundle signing key (PEM, Ed25519 or P-256 private key).
    public var signingKeyPath: String
    /// The directory of card-data files.
    public var cardsDirectory: String
    /// Session limits.
    public var settings: InstallService.Settings
    /// Time and randomness.
    public var environment: ServerEnvironment

    /// Creates a configuration; every argument has the demo's default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8443,
        transport: Transport = .insecureHTTP,
        databasePath: String = "seqd.sqlite",
        catalogue: [Catalogue.Specification] = Catalogue.defaultSpecifications(sequencesDirectory: "Sequences"),
        keysPath: String = "Sequences/keys/test-keys.yaml",
        signingKeyPath: String = "Sequences/keys/test-signing-key.pem",
        cardsDirectory: String = "Sequences/cards",
        settings: InstallService.Settings = InstallService.Settings(),
        environment: ServerEnvironment = .system
    ) {
        self.host = host
        self.port = port
        self.transport = transport
        self.databasePath = databasePath
        self.catalogue = catalogue
        self.keysPath = keysPath
        self.signingKeyPath = signingKeyPath
        self.cardsDirectory = cardsDirectory
        self.settings = settings
        self.environment = environment
    }

    /// Reads the files and makes the install service.
    ///
    /// - Throws: ``ServerSetupError`` naming the file that could not be used.
    public func makeService() throws(ServerSetupError) -> InstallService {
        let catalogue = try Catalogue.load(self.catalogue)
        let cards = try CardDataDirectory(directory: cardsDirectory)
        let keys: KeyFile
        do {
            let source = try FileResourceLoader.source(keysPath)
            keys = try KeyFile(text: source.text, path: keysPath)
        } catch {
            throw ServerSetupError(.keys, "\(error)")
        }
        let signer = try Self.signer(path: signingKeyPath)
        let registry = try Registry(path: databasePath)
        return InstallService(
            catalogue: catalogue,
            cardData: cards,
            keys: keys,
            signer: signer,
            registry: registry,
            environment: environment,
            settings: settings
        )
    }

    /// Reads a bundle signing key: the key's own encoding says which algorithm it is, Ed25519 first, then P-256.
    ///
    /// - Throws: ``ServerSetupError`` with code ``ServerSetupError/Code/signingKey``; the
    ///   message never quotes the key.
    public static func signer(path: String) throws(ServerSetupError) -> any BundleSigner {
        let text: String
        do {
            text = try FileResourceLoader.source(path).text
        } catch {
            throw ServerSetupError(.signingKey, "\(error)")
        }
        if let ed25519 = try? Ed25519BundleSigner(pemRepresentation: text) {
            return ed25519
        }
        do {
            return try P256BundleSigner(pemRepresentation: text)
        } catch {
            throw ServerSetupError(.signingKey, "'\(path)' holds neither an Ed25519 nor a P-256 private key in PEM")
        }
    }

    /// The TLS configuration of a certificate chain and key, both PEM.
    ///
    /// - Throws: ``ServerSetupError`` with code ``ServerSetupError/Code/certificate``.
    public static func tlsConfiguration(
        certificateChainPEM: String,
        privateKeyPEM: String
    ) throws(ServerSetupError)
        -> TLSConfiguration
    {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8))
            guard !chain.isEmpty else {
                throw ServerSetupError(.certificate, "the certificate file holds no certificate")
            }
            let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(key)
            )
        } catch let error as ServerSetupError {
            throw error
        } catch {
            throw ServerSetupError(.certificate, "cannot read the TLS certificate or key: \(error)")
        }
    }
}
