import ArgumentParser
import Foundation
import SequenceServer

/// `seqd registry`: show the cards and installs the registry recorded.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Show the cards seen and the installs recorded.",
        discussion: "Reads the registry database that seqd serve writes."
    )

    @Option(help: "The registry database (SQLite).")
    var database = "seqd.sqlite"

    @Flag(help: "Also list every session and the audit trail.")
    var all = false

    func run() async throws {
        guard FileManager.default.fileExists(atPath: database) else {
            FileHandle.standardError.write(Data("seqd: error: no registry at '\(database)'\n".utf8))
            throw ExitCode.failure
        }
        let registry: Registry
        do {
            registry = try Registry(path: database, recoversSessions: false)
        } catch {
            FileHandle.standardError.write(Data("seqd: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let cards = try await registry.cards()
        print("cards: \(cards.count)")
        for card in cards {
            print("  \(card.id)  first seen \(card.firstSeen), last seen \(card.lastSeen)")
            for install in try await registry.installs(card: card.id) {
                var line = "    \(install.application) \(install.version)  \(install.state)  \(install.mode)"
                line += "  \(install.commandsRun.map(String.init) ?? "?")/\(install.commandCount) commands"
                line += "  bundle \(install.bundleID)  \(install.bundleDigest)"
                if let reason = install.failureReason { line += "  (\(reason))" }
                print(line)
            }
        }
        guard all else { return }
        let sessions = try await registry.sessions()
        print("sessions: \(sessions.count)")
        for session in sessions {
            let reason = session.reason.map { "  (\($0))" } ?? ""
            print(
                "  \(session.id)  \(session.application) \(session.version)  \(session.mode)  \(session.state)\(reason)"
            )
        }
        let events = try await registry.auditEvents()
        print("audit: \(events.count)")
        for event in events {
            let code = event.code.map { " \($0)" } ?? ""
            print("  \(event.at)  \(event.action)  \(event.status)\(code)  \(event.session ?? "-")  \(event.detail)")
        }
    }
}
