import APDUTypes
import ArgumentParser
import CardTransport

/// `seqplay readers`: the readers PC/SC knows and whether each holds a card.
struct ReadersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers",
        abstract: "List the PC/SC readers and whether each holds a card.",
        discussion: "Exit status 3 when the PC/SC service is not running."
    )

    func run() throws {
        let readers: [ReaderSelection.Reader]
        do {
            readers = try ReaderSelection.readers()
        } catch {
            Output.err("seqplay: \(error)\n")
            throw ExitStatus.transport
        }
        guard !readers.isEmpty else {
            Output.out("no readers\n")
            return
        }
        for reader in readers {
            let state = reader.hasCard ? "card, ATR \(Hex.string(reader.answerToReset))" : "no card"
            Output.out("\(reader.name): \(state)\n")
        }
    }
}
