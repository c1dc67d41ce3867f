import APDUTypes
import BundleFormat
import CardSimulator
import Foundation
import KeyStore
import SequenceCompiler
import SequenceTestSupport
import SimulatorSetup

/// A failure of the benchmark's own set-up or a result it cannot accept.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// The temporary directory seqd serves from: a catalogue, the generated scripts, one card-data
/// file per simulated card, the registry and the self-signed certificate.
///
/// The catalogue holds `brokerage` (the repository's script and CAP file) and `reads-10` and
/// `reads-500`: scripts of 10 and 500 GET DATA commands, each secured like any install command,
/// as `ExchangeCountTests` makes them. Every card-data file is the repository's GlobalPlatform test
/// card with its own CIN and KDD, so every install is onto a card the server has not seen.
struct Workspace {
    /// The commands of the generated scripts.
    static let scriptSizes = [10, 500]

    let directory: String
    let root: URL
    let keys: KeyFile
    let signingKey: BundlePublicKey
    let cardCount: Int
    private let template: String

    var cardsDirectory: String { directory + "/cards" }
    var cataloguePath: String { directory + "/catalogue.json" }
    var keysPath: String { root.appendingPathComponent("Sequences/keys/test-keys.yaml").path }
    var signingKeyPath: String { root.appendingPathComponent("Sequences/keys/test-signing-key.pem").path }

    /// Writes the catalogue, the scripts and `cardCount` card-data files into a new temporary directory.
    init(cardCount: Int) throws {
        root = RepositoryPaths.root
        directory = NSTemporaryDirectory() + "netbench-" + UUID().uuidString
        self.cardCount = cardCount
        try FileManager.default.createDirectory(atPath: directory + "/cards", withIntermediateDirectories: true)
        keys = try KeyFile(text: RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "test-keys.yaml")
        signingKey = try BundlePublicKey(
            pemRepresentation: RepositoryLoader.source("Sequences/keys/test-signing-key.pub.pem").text
        )
        template = try RepositoryLoader.source("Sequences/cards/gp-test-card.yaml").text

        var applications = [
            ["name": "brokerage", "script": root.appendingPathComponent("Sequences/brokerage.yaml").path]
        ]
        for size in Self.scriptSizes {
            try Self.readsScript(commands: size).write(
                toFile: directory + "/reads-\(size).yaml",
                atomically: true,
                encoding: .utf8
            )
            applications.append(["name": "reads-\(size)", "script": "reads-\(size).yaml"])
        }
        let catalogue = try JSONSerialization.data(
            withJSONObject: ["applications": applications],
            options: [.prettyPrinted, .sortedKeys]
        )
        try catalogue.write(to: URL(fileURLWithPath: cataloguePath))
        for number in 0..<cardCount {
            try cardText(number).write(
                toFile: cardsDirectory + String(format: "/card-%04d.yaml", number),
                atomically: true,
                encoding: .utf8
            )
        }
    }

    /// A script of `count` GET DATA commands.
    static func readsScript(commands count: Int) -> String {
        var text = """
            name: reads-\(count)
            version: 1.0.0
            profiles: [globalplatform]
            steps:

            """
        for index in 0..<count {
            text += "  - name: read \(index)\n    apdu: 80 CA 00 66 00\n"
        }
        return text
    }

    /// The test card's file with the card's own CIN and KDD (the last two bytes are its number).
    func cardText(_ number: Int) -> String {
        let serial = String(format: "%02X %02X", (number >> 8) & 0xFF, number & 0xFF)
        return template.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("  cin:") { return "  cin: 45 08 00 00 00 00 00 0B \(serial)" }
            if line.hasPrefix("  kdd:") { return "  kdd: 00 00 11 22 33 44 0B 0B \(serial)" }
            return String(line)
        }
        .joined(separator: "\n")
    }

    /// A new simulated card for card-data file `number`, as it leaves the factory.
    func card(_ number: Int) throws -> SimulatedCardChannel {
        precondition(number < cardCount, "card \(number) has no card-data file")
        var diagnostics = DiagnosticBag()
        let source = SourceFile(path: "card-\(number).yaml", text: cardText(number))
        guard let data = CardDataParser.parse(source, diagnostics: &diagnostics), !diagnostics.hasErrors else {
            throw BenchmarkError("the generated card data \(number) does not parse")
        }
        return SimulatedCardChannel(card: try SimulatorSetup.image(cardData: data, keys: keys).makeCard())
    }

    /// Removes the directory.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
