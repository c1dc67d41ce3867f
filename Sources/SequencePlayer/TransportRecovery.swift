import APDUTypes
import CardTransport

/// The T=0 transport rules a player applies on top of a channel that only carries bytes.
///
/// ISO/IEC 7816-4 section 5.3.3: `61xx` says `xx` more response bytes wait (GET RESPONSE
/// `00 C0 00 00 xx` fetches them, and may answer `61xx` again); `6Cxx` says the command's Le
/// was wrong and the card has `xx` bytes (send the same command again with Le = `xx`). The data
/// of every part is concatenated; the status word the player checks is the last one.
struct TransportRecovery {
    /// The most GET RESPONSE commands sent for one command: 256 of up to 256 bytes each covers
    /// the largest extended response.
    static let maximumGetResponses = 256

    /// The result of one command after recovery.
    struct Outcome {
        /// The concatenated data and the final status word.
        var response: CardResponse
        /// How many APDUs went to the card.
        var exchanges: Int
        /// The time from sending the command to the final answer.
        var duration: Duration
    }

    let channel: any CardChannel
    let clock: PlayerClock

    /// Sends a command and follows `61xx` and `6Cxx` to the final status word.
    ///
    /// - Parameters:
    ///   - command: The command.
    ///   - purpose: Why it is sent, for the exchange records.
    ///   - sensitive: Whether the exchange records must hide the data.
    ///   - record: Called with every APDU exchange, in order.
    /// - Returns: The concatenated response, the number of exchanges and the duration.
    /// - Throws: The channel's ``CardTransportError``.
    func send(
        _ command: CommandAPDU,
        purpose: APDUExchange.Purpose,
        sensitive: Bool,
        record: (APDUExchange) -> Void
    ) async throws(CardTransportError) -> Outcome {
        let start = clock.elapsed()
        var current = command
        var kind = APDUExchange.Kind.original
        var resentCurrent = false
        var getResponses = 0
        var exchanges = 0
        var data: [UInt8] = []
        while true {
            let sentAt = clock.elapsed()
            let response = try await channel.transmit(current)
            exchanges += 1
            record(
                APDUExchange(
                    purpose: purpose,
                    kind: kind,
                    command: current.bytes,
                    response: response,
                    duration: clock.elapsed() - sentAt,
                    sensitive: sensitive
                )
            )
            let statusWord = response.statusWord
            if statusWord.sw1 == 0x6C, !resentCurrent {
                // The card did not process the command; its data, if any, is not part of the answer.
                resentCurrent = true
                current.le = statusWord.sw2 == 0 ? 256 : Int(statusWord.sw2)
                kind = .resend
                continue
            }
            data += response.data
            if statusWord.sw1 == 0x61, getResponses < Self.maximumGetResponses {
                getResponses += 1
                current = CommandAPDU(
                    cla: 0x00,
                    ins: 0xC0,
                    p1: 0x00,
                    p2: 0x00,
                    le: statusWord.sw2 == 0 ? 256 : Int(statusWord.sw2)
                )
                kind = .getResponse
                resentCurrent = false
                continue
            }
            return Outcome(
                response: CardResponse(data: data, statusWord: statusWord),
                exchanges: exchanges,
                duration: clock.elapsed() - start
            )
        }
    }
}
