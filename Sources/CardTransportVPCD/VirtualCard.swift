/// A card that a ``VirtualCardLink`` plugs into pcscd: it powers up, resets and answers commands.
///
/// The link calls these methods on its own thread, one call at a time, in the order vpcd sends the
/// messages; a card needs no locking as long as only its link uses it. vpcd asks for the answer to
/// reset about every 0.44 s, powered or not, so ``answerToReset`` must be cheap and always available.
///
/// A card should start as if just powered on, and take a command APDU even when no ``powerOn()``
/// came first: when one card leaves and another connects within one of pcscd's polls, vpcd hands
/// the new card to pcscd as the old one, without a power-on, and the old session's commands reach it.
public protocol VirtualCard: AnyObject {
    /// The card's answer to reset: 2 to 33 bytes, as ISO 7816-3 defines it.
    ///
    /// The protocols it announces decide what pcscd negotiates: T=1 in `TD` selects T=1, no `TD`
    /// byte means T=0 only.
    var answerToReset: [UInt8] { get }

    /// The reader applied power: the card starts in its reset state.
    func powerOn()

    /// The reader removed power: the card forgets its volatile state (selected application, session).
    func powerOff()

    /// The reader reset the card (warm reset): the card forgets its volatile state and starts again.
    func reset()

    /// Processes one command APDU and returns the response APDU.
    ///
    /// - Parameter apdu: The command APDU as the reader sent it, short or extended.
    /// - Returns: The response APDU: response data followed by SW1 SW2 (at least 2 bytes).
    func process(_ apdu: [UInt8]) -> [UInt8]
}
