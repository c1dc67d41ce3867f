import CPCSCLite
import CardTransport
import Testing

@testable import CardTransportPCSC

@Suite("PC/SC status codes as CardTransportError codes")
struct PCSCStatusTests {
    typealias Code = CardTransportError.Code

    @Test(
        "the same status means different things while connecting and while transmitting",
        arguments: [
            (LONG(SCARD_E_NO_SERVICE), Code.serviceUnavailable, Code.serviceUnavailable),
            (LONG(SCARD_E_SERVICE_STOPPED), .serviceUnavailable, .serviceUnavailable),
            (LONG(SCARD_F_COMM_ERROR), .serviceUnavailable, .serviceUnavailable),
            (LONG(SCARD_E_NO_READERS_AVAILABLE), .noReader, .readerRemoved),
            (LONG(SCARD_E_UNKNOWN_READER), .noReader, .readerRemoved),
            (LONG(SCARD_E_READER_UNAVAILABLE), .noReader, .readerRemoved),
            (LONG(SCARD_E_NO_SMARTCARD), .noCard, .cardRemoved),
            (LONG(SCARD_W_REMOVED_CARD), .noCard, .cardRemoved),
            (LONG(SCARD_W_RESET_CARD), .cardRemoved, .cardRemoved),
            (LONG(SCARD_W_UNRESPONSIVE_CARD), .noCard, .transmitFailed),
            (LONG(SCARD_E_SHARING_VIOLATION), .noCard, .transmitFailed),
            (LONG(SCARD_E_INSUFFICIENT_BUFFER), .transmitFailed, .invalidCommand),
            (LONG(SCARD_E_INVALID_PARAMETER), .transmitFailed, .invalidCommand),
            (LONG(SCARD_E_NOT_TRANSACTED), .transmitFailed, .transmitFailed),
        ]
    )
    func mapping(status: LONG, connecting: Code, transmitting: Code) {
        #expect(PCSCStatus.code(for: status, operation: .connect) == connecting)
        #expect(PCSCStatus.code(for: status, operation: .transmit) == transmitting)
    }

    @Test("an unknown failure while establishing a context means no service")
    func establishFailure() {
        #expect(PCSCStatus.code(for: LONG(SCARD_F_INTERNAL_ERROR), operation: .establish) == .serviceUnavailable)
    }

    @Test("the error keeps the PC/SC status, the function, the reader and the constant's name")
    func errorContents() {
        let error = PCSCStatus.error(
            LONG(SCARD_W_REMOVED_CARD),
            function: "SCardTransmit",
            operation: .transmit,
            reader: "Virtual PCD 00 00"
        )
        #expect(error.code == .cardRemoved)
        #expect(error.serviceStatus == Int(LONG(SCARD_W_REMOVED_CARD)))
        #expect(error.reason.hasPrefix("SCardTransmit on 'Virtual PCD 00 00': "))
        #expect(error.reason.contains("SCARD_W_REMOVED_CARD"))
        #expect(error.description.hasSuffix("(PC/SC 0x80100069)"))
    }

    @Test("a missing service asks whether pcscd runs")
    func noServiceMessage() {
        let error = PCSCStatus.error(LONG(SCARD_E_NO_SERVICE), function: "SCardEstablishContext", operation: .establish)
        #expect(error.code == .serviceUnavailable)
        #expect(error.reason.hasSuffix("is pcscd running?"))
    }
}
