public import APDUTypes
public import CardTransport
import Synchronization

/// A card channel to a simulated card in the same process, for tests and the offline player.
///
/// Commands are processed one at a time, in the order they arrive: every use of the card goes
/// through one lock, which is what makes the unchecked `Sendable` conformance sound.
public final class SimulatedCardChannel: CardChannel, @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private let card: any SimulatedCard
    private let isClosed = Atomic<Bool>(false)

    /// Connects to a card: the card is reset, as a reader powers it up.
    ///
    /// - Parameter card: The card; the channel takes it over.
    public init(card: any SimulatedCard) {
        card.reset()
        self.card = card
    }

    /// The card's answer to reset.
    public var answerToReset: [UInt8] {
        lock.withLock { _ in card.answerToReset }
    }

    /// Processes the command on the card.
    ///
    /// - Throws: ``CardTransportError/Code/closed`` after ``close()``.
    public func transmit(_ command: CommandAPDU) async throws(CardTransportError) -> CardResponse {
        guard !isClosed.load(ordering: .acquiring) else {
            throw CardTransportError(code: .closed, reason: "the channel to the simulated card was closed")
        }
        return lock.withLock { _ in card.process(command) }
    }

    /// Closes the channel, as pulling the card out does: every later command fails.
    public func close() {
        isClosed.store(true, ordering: .releasing)
    }

    /// Runs `body` with the card, such as to read its state in a test.
    public func withCard<Result>(_ body: (any SimulatedCard) throws -> Result) rethrows -> Result {
        try lock.withLock { _ in try body(card) }
    }
}
