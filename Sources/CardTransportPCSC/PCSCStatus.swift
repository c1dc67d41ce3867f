import CPCSCLite
import CardTransport

/// Turns pcsc-lite status codes into ``CardTransportError``s.
///
/// The same status means different things at different moments: `SCARD_W_REMOVED_CARD` while
/// connecting means there is no card to connect to, while transmitting it means the card went away
/// in the middle of a session.
enum PCSCStatus {
    /// What the code was doing when pcsc-lite answered.
    enum Operation {
        /// Establishing a context with pcscd.
        case establish
        /// Listing readers or reading their state.
        case readers
        /// Waiting for a card.
        case wait
        /// Connecting to the card in a reader.
        case connect
        /// Exchanging an APDU, or reading the card's status, over an open connection.
        case transmit
    }

    /// Whether a status is success.
    static func isSuccess(_ status: LONG) -> Bool {
        status == LONG(SCARD_S_SUCCESS)
    }

    /// The error for a failed pcsc-lite call.
    ///
    /// - Parameters:
    ///   - status: The status the call returned.
    ///   - function: The pcsc-lite function, such as `SCardTransmit`.
    ///   - operation: What the code was doing.
    ///   - reader: The reader concerned, when there is one.
    /// - Returns: The error, with pcsc-lite's text and the constant's name in the reason.
    static func error(
        _ status: LONG,
        function: String,
        operation: Operation,
        reader: String? = nil
    ) -> CardTransportError {
        let code = code(for: status, operation: operation)
        var reason = function
        if let reader {
            reason += " on '\(reader)'"
        }
        reason += ": " + text(status)
        if code == .serviceUnavailable {
            reason += "; is pcscd running?"
        }
        return CardTransportError(code: code, reason: reason, serviceStatus: Int(status))
    }

    /// The code for a status at a given moment.
    static func code(for status: LONG, operation: Operation) -> CardTransportError.Code {
        switch status {
        case LONG(SCARD_E_NO_SERVICE), LONG(SCARD_E_SERVICE_STOPPED), LONG(SCARD_F_COMM_ERROR),
            LONG(SCARD_E_NO_ACCESS), LONG(SCARD_E_SERVER_TOO_BUSY):
            return .serviceUnavailable
        case LONG(SCARD_E_NO_READERS_AVAILABLE), LONG(SCARD_E_UNKNOWN_READER), LONG(SCARD_E_READER_UNAVAILABLE):
            return operation == .transmit ? .readerRemoved : .noReader
        case LONG(SCARD_W_REMOVED_CARD):
            return operation == .transmit ? .cardRemoved : .noCard
        case LONG(SCARD_W_RESET_CARD):
            return .cardRemoved
        case LONG(SCARD_E_NO_SMARTCARD):
            return operation == .transmit ? .cardRemoved : .noCard
        case LONG(SCARD_W_UNRESPONSIVE_CARD), LONG(SCARD_W_UNPOWERED_CARD), LONG(SCARD_W_UNSUPPORTED_CARD),
            LONG(SCARD_E_CARD_UNSUPPORTED), LONG(SCARD_E_SHARING_VIOLATION), LONG(SCARD_E_PROTO_MISMATCH),
            LONG(SCARD_E_TIMEOUT):
            return operation == .transmit ? .transmitFailed : .noCard
        case LONG(SCARD_E_INSUFFICIENT_BUFFER), LONG(SCARD_E_INVALID_PARAMETER), LONG(SCARD_E_INVALID_VALUE):
            return operation == .transmit ? .invalidCommand : .transmitFailed
        default:
            return operation == .establish ? .serviceUnavailable : .transmitFailed
        }
    }

    /// pcsc-lite's text for a status, such as `Card was removed.`, and the constant's name.
    static func text(_ status: LONG) -> String {
        let message = pcsc_stringify_error(status).map { String(cString: $0) } ?? "unknown status"
        if let name = names[status] {
            return "\(message) (\(name))"
        }
        return message
    }

    private static let names: [LONG: String] = [
        LONG(SCARD_F_INTERNAL_ERROR): "SCARD_F_INTERNAL_ERROR",
        LONG(SCARD_E_CANCELLED): "SCARD_E_CANCELLED",
        LONG(SCARD_E_INVALID_HANDLE): "SCARD_E_INVALID_HANDLE",
        LONG(SCARD_E_INVALID_PARAMETER): "SCARD_E_INVALID_PARAMETER",
        LONG(SCARD_E_NO_MEMORY): "SCARD_E_NO_MEMORY",
        LONG(SCARD_E_INSUFFICIENT_BUFFER): "SCARD_E_INSUFFICIENT_BUFFER",
        LONG(SCARD_E_UNKNOWN_READER): "SCARD_E_UNKNOWN_READER",
        LONG(SCARD_E_TIMEOUT): "SCARD_E_TIMEOUT",
        LONG(SCARD_E_SHARING_VIOLATION): "SCARD_E_SHARING_VIOLATION",
        LONG(SCARD_E_NO_SMARTCARD): "SCARD_E_NO_SMARTCARD",
        LONG(SCARD_E_PROTO_MISMATCH): "SCARD_E_PROTO_MISMATCH",
        LONG(SCARD_E_NOT_READY): "SCARD_E_NOT_READY",
        LONG(SCARD_E_INVALID_VALUE): "SCARD_E_INVALID_VALUE",
        LONG(SCARD_F_COMM_ERROR): "SCARD_F_COMM_ERROR",
        LONG(SCARD_E_NOT_TRANSACTED): "SCARD_E_NOT_TRANSACTED",
        LONG(SCARD_E_READER_UNAVAILABLE): "SCARD_E_READER_UNAVAILABLE",
        LONG(SCARD_E_CARD_UNSUPPORTED): "SCARD_E_CARD_UNSUPPORTED",
        LONG(SCARD_E_NO_SERVICE): "SCARD_E_NO_SERVICE",
        LONG(SCARD_E_SERVICE_STOPPED): "SCARD_E_SERVICE_STOPPED",
        LONG(SCARD_E_NO_ACCESS): "SCARD_E_NO_ACCESS",
        LONG(SCARD_E_NO_READERS_AVAILABLE): "SCARD_E_NO_READERS_AVAILABLE",
        LONG(SCARD_E_COMM_DATA_LOST): "SCARD_E_COMM_DATA_LOST",
        LONG(SCARD_E_SERVER_TOO_BUSY): "SCARD_E_SERVER_TOO_BUSY",
        LONG(SCARD_W_UNSUPPORTED_CARD): "SCARD_W_UNSUPPORTED_CARD",
        LONG(SCARD_W_UNRESPONSIVE_CARD): "SCARD_W_UNRESPONSIVE_CARD",
        LONG(SCARD_W_UNPOWERED_CARD): "SCARD_W_UNPOWERED_CARD",
        LONG(SCARD_W_RESET_CARD): "SCARD_W_RESET_CARD",
        LONG(SCARD_W_REMOVED_CARD): "SCARD_W_REMOVED_CARD",
    ]
}
