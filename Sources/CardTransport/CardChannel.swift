public import APDUTypes

/// A connection to one card: sends a command APDU, returns the card's response.
///
/// Implemented over PC/SC (`CardTransportPCSC`), by the simulated card in-process
/// (`CardSimulator`), and by test doubles. A channel does no secure messaging and no T=0 recovery
/// (61xx GET RESPONSE, 6Cxx): it carries bytes, and the player above it decides.
public protocol CardChannel: Sendable {
    /// The card's answer to reset, as the reader reported it.
    var answerToReset: [UInt8] { get async }

    /// Sends one command and waits for the card's response.
    ///
    /// - Parameter command: The command APDU.
    /// - Returns: The response: data and status word.
    /// - Throws: ``CardTransportError`` when the card or reader is gone, or the transport failed;
    ///   a status word, even an error one, is a response and not an error.
    func transmit(_ command: CommandAPDU) async throws(CardTransportError) -> CardResponse
}
