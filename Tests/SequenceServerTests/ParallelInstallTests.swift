import APDUTypes
import CardSimulator
import SequenceCompiler
import SequenceProtocol
import SequenceServer
import SimulatorSetup
import Testing

/// Many installs at once onto different cards: each gets its own bundle and its own record.
@Suite
struct ParallelInstallTests {
    /// The test card's record with another CIN and KDD.
    static func card(_ number: Int) throws -> CardData {
        var data = try TestCards.cardData("Sequences/cards/gp-test-card.yaml")
        let serial = [UInt8(number >> 8), UInt8(number & 0xFF)]
        data.identification[.cin] = .bytes([0x45, 0x08, 0, 0, 0, 0, 0, 0] + serial, nil)
        data.identification[.keyDiversificationData] = .bytes([0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66] + serial, nil)
        return data
    }

    @Test func twentyCardsInstallInParallel() async throws {
        let count = 20
        let cards = try (0..<count).map { try Self.card($0) }
        let harness = try ServerHarness.make(
            cards: CardDataDirectory(
                records: cards.enumerated().map { .init(path: "card-\($0.offset).yaml", data: $0.element) }
            )
        )
        let keys = harness.keys
        let channels = try cards.map { data in
            SimulatedCardChannel(card: try SimulatorSetup.image(cardData: data, keys: keys).makeCard())
        }
        let results = try await harness.withClient { client in
            try await withThrowingTaskGroup(of: String?.self) { group in
                for channel in channels {
                    group.addTask {
                        try await InstallRun.perform("brokerage", on: channel, client: client, service: harness.service)
                            .result?.status
                    }
                }
                var statuses: [String?] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
        }
        #expect(results == Array(repeating: "installed", count: count))
        let registry = harness.service.registry
        #expect(try await registry.cards().count == count)
        let installs = try await registry.installs()
        #expect(installs.count == count)
        #expect(Set(installs.map(\.bundleID)).count == count)
        #expect(installs.allSatisfy { $0.state == "installed" })
    }
}
