import BundleFormat
import Foundation
import SequenceProtocol
import SequenceServer
import SequenceTestSupport
import Testing

/// What `seqd serve` starts from: the self-signed certificate, the registry file, the files it reads.
@Suite
struct SetupTests {
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "seqd-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func selfSignedCertificateIsMadeOnceAndReused() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SelfSignedCertificate.loadOrCreate(directory: directory)
        let second = try SelfSignedCertificate.loadOrCreate(directory: directory)
        #expect(first.fingerprint == second.fingerprint)
        #expect(first.privateKeyPEM == second.privateKeyPEM)
        let der = try #require(SelfSignedCertificate.derBytes(pem: first.certificatePEM))
        #expect(SelfSignedCertificate.fingerprint(der: der) == first.fingerprint)
        #expect(first.fingerprint.split(separator: ":").count == 32)
        let keyPath = directory + "/" + SelfSignedCertificate.privateKeyFileName
        let permissions = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        // NIOSSL reads the pair: the server can serve TLS with it.
        _ = try ServerConfiguration.tlsConfiguration(
            certificateChainPEM: first.certificatePEM,
            privateKeyPEM: first.privateKeyPEM
        )
    }

    @Test func aNewCertificateHasAnotherFingerprint() throws {
        let first = try SelfSignedCertificate.make()
        let second = try SelfSignedCertificate.make()
        #expect(first.fingerprint != second.fingerprint)
    }

    @Test func brokenCertificateIsASetupError() throws {
        #expect(throws: ServerSetupError(.certificate, "")) {
            try ServerConfiguration.tlsConfiguration(
                certificateChainPEM: "not a certificate",
                privateKeyPEM: "nor a key"
            )
        }
    }

    @Test func registryMarksSessionsOfAPreviousRunExpired() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/registry.sqlite"
        let harness = try ServerHarness.make(databasePath: path)
        let channel = try TestCards.channel()
        try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            #expect(try await client.post("/v1/installs/\(probe.session)/answers", answers).status == 200)
        }
        #expect(try await harness.service.registry.installs().map(\.state) == ["issued"])
        let reader = try Registry(path: path, recoversSessions: false)
        #expect(try await reader.installs().map(\.state) == ["issued"])
        let restarted = try Registry(path: path)
        #expect(try await restarted.installs().map(\.state) == ["expired"])
        #expect(try await restarted.sessions().map(\.state) == ["expired"])
    }

    @Test func defaultConfigurationReadsTheRepository() throws {
        let root = RepositoryPaths.root.path
        let configuration = ServerConfiguration(
            databasePath: ":memory:",
            catalogue: Catalogue.defaultSpecifications(sequencesDirectory: root + "/Sequences"),
            keysPath: root + "/Sequences/keys/test-keys.yaml",
            signingKeyPath: root + "/Sequences/keys/test-signing-key.pem",
            cardsDirectory: root + "/Sequences/cards"
        )
        let service = try configuration.makeService()
        #expect(service.catalogue.entries.keys.sorted() == ["brokerage", "loyalty", "piv"])
        #expect(service.catalogue["brokerage"]?.components == ["applet"])
        #expect(service.catalogue["brokerage"]?.reinstall == false)
        let publicKey = try String(contentsOfFile: root + "/Sequences/keys/test-signing-key.pub.pem", encoding: .utf8)
        #expect(
            service.signingKey.pemRepresentation.trimmingCharacters(in: .whitespacesAndNewlines)
                == publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    @Test func catalogueFileNamesScriptsRelativeToItself() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/catalogue.json"
        try Data(#"{"applications": [{"name": "bank", "script": "../x/brokerage.yaml", "reinstall": true}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let specifications = try Catalogue.specifications(catalogueFile: path)
        #expect(specifications.count == 1)
        #expect(specifications.first?.name == "bank")
        #expect(specifications.first?.reinstall == true)
        #expect(specifications.first?.script == InMemoryPath.parent(of: directory) + "/x/brokerage.yaml")
    }

    @Test func scriptWithErrorsStopsTheCatalogue() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/broken.yaml"
        try Data("name: broken\nversion: 1.0.0\nsteps: [ { instal: {} } ]\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ServerSetupError(.catalogue, "")) {
            try Catalogue.load([Catalogue.Specification(script: path)])
        }
        #expect(throws: ServerSetupError(.catalogue, "")) {
            try Catalogue.load([Catalogue.Specification(script: directory + "/missing.yaml")])
        }
    }
}

/// Path arithmetic for the expectations.
enum InMemoryPath {
    static func parent(of path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }
}
