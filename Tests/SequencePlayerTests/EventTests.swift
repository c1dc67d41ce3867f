import APDUTypes
import BundleFormat
import SequencePlayer
import Synchronization
import Testing

/// Progress events: steps, commands, LOAD blocks, bytes and time.
struct EventTests {
    @Test func stepsOfTheBrokerageBundle() throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        let steps = PlayerStep.steps(of: bundle.payload.commands)
        #expect(steps.map(\.number) == [nil, 2, 3, 4, 5])
        #expect(steps.map(\.position) == [1, 2, 3, 4, 5])
        #expect(steps.map(\.loadBlockCount) == [0, 0, 21, 0, 0])
        #expect(steps.map(\.commands.count).reduce(0, +) == bundle.payload.commands.count)
        #expect(steps[0].title == "secure channel")
        #expect(steps[2].title == "step 3 (\(bundle.payload.commands[2].origin ?? ""))")
    }

    @Test func eventsReportStepsLoadBlocksAndBytes() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokerageSCP03)
        let events = Mutex<[PlayerEvent]>([])
        _ = try await Fixtures.player().play(bundle, over: FakeCardChannel.alwaysSuccess()) { event in
            events.withLock { $0.append(event) }
        }
        let all = events.withLock { $0 }
        guard case .started(let first) = all.first, case .finished(let last) = all.last else {
            Issue.record("the events do not start with .started and end with .finished")
            return
        }
        #expect(first.commandsCompleted == 0)
        #expect(first.bytesSent == 0)
        #expect(first.stepCount == 5)
        let byteCount = bundle.payload.commands.reduce(0) { $0 + $1.apdu.count }
        #expect(first.byteCount == byteCount)
        #expect(last.commandsCompleted == bundle.payload.commands.count)
        #expect(last.bytesSent == byteCount)
        #expect(last.elapsed > .zero)

        var stepNumbers: [Int?] = []
        var loadBlocks: [Int] = []
        var answered: [Int] = []
        var sent: [Int] = []
        var exchanges = 0
        for event in all {
            switch event {
            case .stepStarted(let step, _): stepNumbers.append(step.number)
            case .commandSent(let index, let progress):
                sent.append(index)
                if let block = progress.loadBlock, PlayerStep.isLoadForTests(bundle.payload.commands[index].apdu) {
                    loadBlocks.append(block)
                }
            case .commandAnswered(let index, let statusWord, _, let progress):
                answered.append(index)
                #expect(statusWord == .success)
                #expect(progress.commandsCompleted == index + 1)
            case .exchange: exchanges += 1
            case .started, .finished: break
            }
        }
        #expect(stepNumbers == [nil, 2, 3, 4, 5])
        #expect(loadBlocks == Array(1...21))
        #expect(sent == Array(bundle.payload.commands.indices))
        #expect(answered == Array(bundle.payload.commands.indices))
        #expect(exchanges == bundle.payload.commands.count)
    }

    @Test func finishedIsReportedWhenTheRunStops() async throws {
        let bundle = try Fixtures.golden(Fixtures.rotateKeys)
        let events = Mutex<[PlayerEvent]>([])
        let card = FakeCardChannel { _, position in
            .success(CardResponse(statusWord: position == 1 ? StatusWord(0x6982) : .success))
        }
        _ = await #expect(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card) { event in events.withLock { $0.append(event) } }
        }
        guard case .finished(let last) = events.withLock({ $0.last }) else {
            Issue.record("no .finished event")
            return
        }
        #expect(last.commandsCompleted == 1)
    }
}

extension PlayerStep {
    /// LOAD, as the player counts it: a proprietary class and INS `E8`.
    static func isLoadForTests(_ apdu: [UInt8]) -> Bool {
        apdu[0] & 0x80 != 0 && apdu[1] == 0xE8
    }
}
