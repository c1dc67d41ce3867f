public import APDUTypes

/// A simulated card: the part of a card that answers commands.
///
/// Cards are reference types with mutable state (their file system, registry, keys and open
/// sessions); a ``SimulatedCardChannel`` serializes access to one. A card answers every command with
/// a status word, as silicon does: malformed or refused commands get ISO 7816-4 or GlobalPlatform
/// error status words, never a Swift error.
public protocol SimulatedCard: AnyObject {
    /// The answer to reset the card gives on power-up.
    var answerToReset: [UInt8] { get }

    /// Powers the card off and on: open sessions end and selections return to their defaults.
    /// Persistent state (loaded files, applications, keys, counters) stays.
    func reset()

    /// Processes one command on the basic logical channel.
    ///
    /// - Parameter command: The command APDU as the reader delivered it.
    /// - Returns: The response: data and status word.
    func process(_ command: CommandAPDU) -> CardResponse
}

extension SimulatedCard {
    /// Processes a command given as bytes: a command that does not parse gets `6700` (wrong length).
    ///
    /// - Parameter bytes: The command APDU's bytes.
    /// - Returns: The response APDU's bytes.
    public func process(bytes: [UInt8]) -> [UInt8] {
        guard let command = try? CommandAPDU(bytes: bytes) else {
            return CardResponse(statusWord: StatusWord(0x6700)).bytes
        }
        return process(command).bytes
    }
}
