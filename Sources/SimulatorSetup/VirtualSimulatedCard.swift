public import CardSimulator
public import CardTransportVPCD

/// A simulated card as vpcd sees it: power and reset end its sessions, commands go to the card.
///
/// The link calls it from one thread at a time; `afterCommand` runs after each command (a place to
/// persist the card's image, as a card writes its EEPROM).
public final class VirtualSimulatedCard: VirtualCard {
    /// The card.
    public let card: any SimulatedCard
    private let afterCommand: (@Sendable (any SimulatedCard) -> Void)?

    /// Wraps a card.
    ///
    /// - Parameters:
    ///   - card: The card.
    ///   - afterCommand: Runs after each command with the card.
    public init(card: any SimulatedCard, afterCommand: (@Sendable (any SimulatedCard) -> Void)? = nil) {
        self.card = card
        self.afterCommand = afterCommand
    }

    /// The card's answer to reset.
    public var answerToReset: [UInt8] { card.answerToReset }
    /// Power on: the card starts in its reset state.
    public func powerOn() { card.reset() }
    /// Power off: sessions and selections end.
    public func powerOff() { card.reset() }
    /// Warm reset.
    public func reset() { card.reset() }

    /// Processes one command.
    public func process(_ apdu: [UInt8]) -> [UInt8] {
        let response = card.process(bytes: apdu)
        afterCommand?(card)
        return response
    }
}
