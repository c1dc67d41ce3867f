import APDUTypes
import CardSimulator
import CardTransport
import Synchronization

/// A connection to a simulated card that records every command and can be pulled out.
///
/// The card is used only through the inner channel's lock, or by the test after a run: hence the
/// unchecked `Sendable`.
final class TestChannel: CardChannel, @unchecked Sendable {
    let inner: SimulatedCardChannel
    let card: GlobalPlatformCard
    private let log = Mutex<[[UInt8]]>([])
    private let pullAfter = Mutex<Int?>(nil)

    init(card: GlobalPlatformCard) {
        self.card = card
        inner = SimulatedCardChannel(card: card)
    }

    var answerToReset: [UInt8] {
        inner.answerToReset
    }

    func transmit(_ command: CommandAPDU) async throws(CardTransportError) -> CardResponse {
        let pull = pullAfter.withLock { remaining -> Bool in
            guard let count = remaining else { return false }
            remaining = count - 1
            return count <= 0
        }
        if pull { inner.close() }
        let response = try await inner.transmit(command)
        log.withLock { $0.append(command.bytes) }
        return response
    }

    /// Every command the card answered, in order.
    var commands: [[UInt8]] { log.withLock { $0 } }

    /// Pulls the card out just before the given number of further commands have been sent.
    func pull(afterMoreCommands count: Int) {
        pullAfter.withLock { $0 = count }
    }

    /// Pulls the card out now.
    func pullNow() {
        inner.close()
    }

    /// The card's state, read under the channel's lock.
    func withCard<Result>(_ body: (GlobalPlatformCard) -> Result) -> Result {
        inner.withCard { _ in body(card) }
    }
}

/// A channel that answers from a script: each command must be the next expected one.
final class ScriptedChannel: CardChannel {
    struct Step: Sendable {
        var command: [UInt8]
        var response: [UInt8]
    }

    private let steps: Mutex<[Step]>
    private let log = Mutex<[[UInt8]]>([])
    private let failAt: Int?

    /// - Parameters:
    ///   - steps: The expected commands and the answers, in order.
    ///   - failAt: The number of the transmit (0-based) that fails as a removed card.
    init(_ steps: [Step], failAt: Int? = nil) {
        self.steps = Mutex(steps)
        self.failAt = failAt
    }

    var answerToReset: [UInt8] { [0x3B, 0x00] }

    func transmit(_ command: CommandAPDU) async throws(CardTransportError) -> CardResponse {
        let count = log.withLock { log -> Int in
            log.append(command.bytes)
            return log.count - 1
        }
        if count == failAt {
            throw CardTransportError(code: .cardRemoved, reason: "the card was removed")
        }
        let step = steps.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let step, step.command == command.bytes else {
            return CardResponse(statusWord: StatusWord(0x6F00))
        }
        return CardResponse.parse(step.response) ?? CardResponse(statusWord: StatusWord(0x6F00))
    }

    /// Every command sent, in order.
    var commands: [[UInt8]] { log.withLock { $0 } }

    /// Whether every scripted step was used.
    var isFinished: Bool { steps.withLock { $0.isEmpty } }
}

extension ScriptedChannel.Step {
    init(_ command: String, _ response: String) {
        self.init(command: Hex.bytes(command) ?? [], response: Hex.bytes(response) ?? [])
    }
}
