import APDUTypes
import ArgumentParser
import CardSimulator
import CardTransportVPCD
import Foundation
import KeyStore
import SequenceCompiler
import SimulatorSetup

/// `seqsim`: a simulated card, made from an issuer's card data and keys, kept in an image file,
/// and plugged into pcscd through vsmartcard's vpcd driver.
@main
struct SeqsimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqsim",
        abstract: "A simulated smart card (GlobalPlatform or ISO 7816 files) behind the real pcscd.",
        subcommands: [InitCommand.self, ServeCommand.self, ShowCommand.self]
    )
}

/// `seqsim init`: a new card image.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a new card image from a card-data file and the issuer's key file.",
        discussion: """
            The card gets the identification data of the card-data file (ISD AID, CPLC, KDD, IIN, \
            CIN) and the keys the key file selects for it, diversified as the key set says. The \
            image holds those keys in the clear, as a card's memory does: keep it as secret as \
            the key file.
            """
    )

    @Argument(help: "The image file to write.")
    var image: String

    @Option(help: "The card-data file (Sequences/cards/*.yaml).")
    var card: String

    @Option(help: "The key file.")
    var keys: String

    @Option(help: "The sequence counter the card starts from.")
    var sequenceCounter: Int = 0

    @Option(help: "A fixed SCP02 card challenge (hex, 6 bytes), for repeatable runs; random by default.")
    var cardChallenge: String?

    @Flag(help: "Replace an existing image file.")
    var force = false

    func run() throws {
        guard force || !FileManager.default.fileExists(atPath: image) else {
            throw Failure("\(image) exists: a card image is a card; pass --force to replace it")
        }
        let cardSource = try Failure.reading(card) { try String(contentsOfFile: card, encoding: .utf8) }
        var problems = DiagnosticBag()
        guard let cardData = CardDataParser.parse(SourceFile(path: card, text: cardSource), diagnostics: &problems),
            !problems.hasErrors
        else {
            let messages = problems.diagnostics.map(\.message).joined(separator: "; ")
            throw Failure("\(card): not valid card data: \(messages)")
        }
        let keyText = try Failure.reading(keys) { try String(contentsOfFile: keys, encoding: .utf8) }
        let keyFile = try KeyFile(text: keyText, path: keys)
        var options = SimulatorSetup.Options(sequenceCounter: sequenceCounter)
        if let cardChallenge {
            guard let bytes = Hex.bytes(cardChallenge), bytes.count == 6 else {
                throw ValidationError("--card-challenge must be 6 bytes of hex")
            }
            options.fixedCardChallenge = bytes
        }
        let made = try SimulatorSetup.image(cardData: cardData, keys: keyFile, options: options)
        try ImageFile.write(made, to: image)
        print("\(image): \(ImageFile.summary(made))")
    }
}

/// `seqsim serve`: plug the card into pcscd.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Insert the card into pcscd through vpcd and answer commands until removed.",
        discussion: """
            The card connects to vpcd (the 'Virtual PCD 00 00' reader listens on port 35963, \
            'Virtual PCD 00 01' on 35964). Every command that changes the card is written to the \
            image at once, as a card writes its EEPROM, so the card keeps its applications and \
            files between runs. Stop with SIGINT or SIGTERM, or end when vpcd closes with --once.
            """
    )

    @Argument(help: "The card image file.")
    var image: String

    @Option(help: "vpcd's host.")
    var host = "127.0.0.1"

    @Option(help: "vpcd's port: 35963 for reader 'Virtual PCD 00 00', 35964 for 'Virtual PCD 00 01'.")
    var port: UInt16 = VirtualCardLink.defaultPort

    @Flag(help: "Reproducible challenges for ISO cards (a fixed seed instead of the system's random source).")
    var deterministic = false

    func run() throws {
        let stored = try ImageFile.read(image)
        let card = try stored.makeCard(randomChallenges: !deterministic)
        let adapter = PersistentCard(card: card, path: image, saved: try stored.encoded())
        let link = VirtualCardLink(card: adapter, host: host, port: port)
        try link.start()
        // SIGINT and SIGTERM remove the card cleanly: the link closes, the image is saved.
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { link.stop() }
            source.resume()
            sources.append(source)
        }
        defer {
            for source in sources { source.cancel() }
        }
        FileHandle.standardOutput.write(
            Data("\(image): card inserted into vpcd at \(host):\(port) (\(ImageFile.summary(stored)))\n".utf8)
        )
        let reason = link.waitUntilClosed()
        try adapter.save()
        if case .failed(let error)? = reason {
            throw Failure("the link to vpcd failed: \(error)")
        }
        FileHandle.standardOutput.write(Data("\(image): card removed after \(link.commandCount) commands\n".utf8))
    }
}

/// `seqsim show`: what a card holds.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show what a card image holds: applications and load files, or the file tree."
    )

    @Argument(help: "The card image file.")
    var image: String

    func run() throws {
        let stored = try ImageFile.read(image)
        print(ImageFile.describe(try stored.makeCard()), terminator: "")
    }
}

/// A simulated card that writes its image after each command that changed it.
final class PersistentCard: VirtualCard {
    private let card: any SimulatedCard
    private let path: String
    private var saved: [UInt8]

    init(card: any SimulatedCard, path: String, saved: [UInt8]) {
        self.card = card
        self.path = path
        self.saved = saved
    }

    var answerToReset: [UInt8] { card.answerToReset }
    func powerOn() { card.reset() }
    func powerOff() { card.reset() }
    func reset() { card.reset() }

    func process(_ apdu: [UInt8]) -> [UInt8] {
        let response = card.process(bytes: apdu)
        do {
            try save()
        } catch {
            FileHandle.standardError.write(Data("seqsim: error: cannot write the card image: \(error)\n".utf8))
        }
        return response
    }

    /// Writes the image when it differs from the last one written.
    func save() throws {
        let current = try SimulatedCardImage(card: card).encoded()
        guard current != saved else { return }
        try ImageFile.writeBytes(current, to: path)
        saved = current
    }
}

/// Reading, writing and describing image files.
enum ImageFile {
    static func read(_ path: String) throws -> SimulatedCardImage {
        let data = try Failure.reading(path) { try Data(contentsOf: URL(fileURLWithPath: path)) }
        return try SimulatedCardImage(decoding: Array(data))
    }

    static func write(_ image: SimulatedCardImage, to path: String) throws {
        try writeBytes(try image.encoded(), to: path)
    }

    /// Writes through a temporary file and a rename, so a killed process never leaves half an image.
    static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try Data(bytes).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            throw Failure("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }

    static func summary(_ image: SimulatedCardImage) -> String {
        switch image {
        case .globalPlatform: "GlobalPlatform card"
        case .iso7816: "ISO 7816 file card"
        }
    }

    static func describe(_ card: any SimulatedCard) -> String {
        var text = "answer to reset: \(Hex.string(card.answerToReset))\n"
        if let card = card as? GlobalPlatformCard {
            text += "issuer security domain: \(Hex.string(card.configuration.issuerSecurityDomainAID.bytes))\n"
            text += "load files:\n"
            for file in card.loadFiles {
                text += "  \(Hex.string(file.aid.bytes)) (\(file.size) bytes), modules "
                text += file.modules.map { Hex.string($0.bytes) }.joined(separator: ", ") + "\n"
            }
            text += "applications:\n"
            for application in card.applications {
                text += "  \(Hex.string(application.aid.bytes)) from \(Hex.string(application.module.bytes))"
                text += ", life cycle \(Hex.string([application.lifeCycle]))"
                text += ", privileges \(Hex.string(application.privileges))"
                text += ", \(application.storedData.count) STORE DATA blocks\n"
            }
        } else if let card = card as? ISOFileCard, let root = card.file(at: [0x3F00]) {
            text += "files:\n" + describe(root, depth: 1)
        }
        return text
    }

    private static func describe(_ file: ISOFileCard.File, depth: Int) -> String {
        var line = String(repeating: "  ", count: depth) + Hex.string([UInt8(file.fid >> 8), UInt8(file.fid & 0xFF)])
        line += " \(file.structure)"
        if let name = file.dfName { line += " \(Hex.string(name))" }
        if file.isDedicated {
            return line + "\n" + file.children.map { describe($0, depth: depth + 1) }.joined()
        }
        if file.structure.isRecordStructure {
            line += ", \(file.records.count) records"
        } else {
            line += ", \(file.contents.count) bytes"
        }
        return line + ", \(file.lifeCycle)\n"
    }
}

/// A command-line failure: the message, printed once.
struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    static func reading<Value>(_ path: String, _ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            throw Failure("\(path): cannot read: \(error.localizedDescription)")
        }
    }
}
