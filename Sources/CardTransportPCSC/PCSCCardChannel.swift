public import APDUTypes
import CPCSCLite
public import CardTransport
import Dispatch

/// A card channel over PC/SC: one shared-mode connection to the card in one reader.
///
/// The channel carries bytes and nothing more: no GET RESPONSE after `61xx`, no resend after `6Cxx`
/// (the player does that). Commands go out one at a time, in order, on a serial queue of the
/// channel's own, so that a slow card never blocks Swift's cooperative threads. The channel has a
/// PC/SC context of its own.
public final class PCSCCardChannel: CardChannel, @unchecked Sendable {
    /// The reader the card is in.
    public let readerName: String
    /// The protocol pcscd agreed with the card when connecting.
    public let activeProtocol: PCSCProtocol

    private let atr: [UInt8]
    private let queue: DispatchQueue
    /// Touched only on `queue`, or in `init` and `deinit`.
    private var context: SCARDCONTEXT
    private var card: SCARDHANDLE?
    private var receiveBuffer: [UInt8]
    /// pcsc-lite's count of card events in the reader when the channel connected (the upper 16
    /// bits of `dwEventState`); another count later means the card was removed, maybe replaced.
    private let cardEvents: DWORD?

    /// Connects to the card in a reader, in shared mode, with T=0 or T=1.
    ///
    /// - Parameter reader: The reader's exact name, as ``PCSCContext/readers()`` lists it.
    /// - Throws: ``CardTransportError/Code/noCard`` when the reader is empty or its card does not
    ///   answer, ``CardTransportError/Code/noReader`` when there is no such reader, and
    ///   ``CardTransportError/Code/serviceUnavailable`` when pcscd is not running.
    public init(reader: String) throws(CardTransportError) {
        let context = try PCSCContext.establish()
        var card: SCARDHANDLE = 0
        var agreed: DWORD = 0
        var status = SCardConnect(
            context,
            reader,
            DWORD(SCARD_SHARE_SHARED),
            DWORD(SCARD_PROTOCOL_ANY),
            &card,
            &agreed
        )
        guard PCSCStatus.isSuccess(status) else {
            SCardReleaseContext(context)
            throw PCSCStatus.error(status, function: "SCardConnect", operation: .connect, reader: reader)
        }
        var atr = [UInt8](repeating: 0, count: Int(cardseq_max_atr_size))
        var atrLength = DWORD(atr.count)
        var nameLength: DWORD = 0
        var state: DWORD = 0
        var statusProtocol: DWORD = 0
        status = SCardStatus(card, nil, &nameLength, &state, &statusProtocol, &atr, &atrLength)
        guard PCSCStatus.isSuccess(status) else {
            SCardDisconnect(card, DWORD(SCARD_LEAVE_CARD))
            SCardReleaseContext(context)
            throw PCSCStatus.error(status, function: "SCardStatus", operation: .connect, reader: reader)
        }
        switch agreed {
        case DWORD(SCARD_PROTOCOL_T0): activeProtocol = .t0
        case DWORD(SCARD_PROTOCOL_T1): activeProtocol = .t1
        default: activeProtocol = .raw
        }
        self.cardEvents = Self.readerState(
            context: context,
            reader: reader,
            known: DWORD(SCARD_STATE_UNAWARE),
            timeoutMilliseconds: 0
        ).map { $0 >> 16 }
        self.readerName = reader
        self.atr = Array(atr.prefix(Int(atrLength)))
        self.context = context
        self.card = card
        self.queue = DispatchQueue(label: "PCSCCardChannel \(reader)")
        self.receiveBuffer = [UInt8](repeating: 0, count: Int(cardseq_max_buffer_size_extended))
    }

    deinit {
        if let card {
            SCardDisconnect(card, DWORD(SCARD_LEAVE_CARD))
        }
        SCardReleaseContext(context)
    }

    /// The card's answer to reset, read when the channel connected.
    public var answerToReset: [UInt8] { atr }

    /// Sends one command, short or extended, and waits for the card's response.
    ///
    /// The exchange runs on the channel's queue. An extended command needs a reader, protocol and
    /// card that take extended lengths; T=0 carries them only inside ENVELOPE, which is up to the
    /// caller.
    ///
    /// - Parameter command: The command APDU.
    /// - Returns: The response: data and status word, whatever the status word is.
    /// - Throws: ``CardTransportError/Code/cardRemoved`` when the card was removed or reset,
    ///   ``CardTransportError/Code/readerRemoved`` when the reader went away,
    ///   ``CardTransportError/Code/closed`` after ``disconnect(resetCard:)``,
    ///   ``CardTransportError/Code/serviceUnavailable`` when pcscd stopped, and
    ///   ``CardTransportError/Code/transmitFailed`` or ``CardTransportError/Code/invalidCommand``
    ///   for other failures.
    public func transmit(_ command: CommandAPDU) async throws(CardTransportError) -> CardResponse {
        // SCardTransmit blocks for the card's answer, a few milliseconds on real cards; running it
        // on the calling thread costs less than a hop to the queue and back (measured: 20 µs a
        // command through vpcd, which was most of the player's overhead). The queue still
        // serializes every use of the handle.
        let bytes = command.bytes
        let result = queue.sync {
            Result { () throws(CardTransportError) in try self.exchange(bytes) }
        }
        return try Self.response(result.get())
    }

    /// Sends one command APDU given as bytes and waits for the response, blocking the calling thread.
    ///
    /// - Parameter command: The encoded command APDU.
    /// - Returns: The response APDU: data followed by SW1 SW2.
    /// - Throws: The errors of ``transmit(_:)``.
    public func transmit(bytes command: [UInt8]) throws(CardTransportError) -> [UInt8] {
        let result = queue.sync {
            Result { () throws(CardTransportError) in try exchange(command) }
        }
        return try result.get()
    }

    /// Ends the connection; later transmits throw ``CardTransportError/Code/closed``.
    ///
    /// Waits for a command in flight to finish. Disconnecting twice does nothing.
    ///
    /// - Parameter resetCard: Whether pcscd resets the card (ends its sessions and selections) or
    ///   leaves it as it is, which is the default.
    public func disconnect(resetCard: Bool = false) {
        queue.sync {
            guard let card else {
                return
            }
            SCardDisconnect(card, DWORD(resetCard ? SCARD_RESET_CARD : SCARD_LEAVE_CARD))
            self.card = nil
        }
    }

    /// Whether the channel is still connected (``disconnect(resetCard:)`` not called).
    public var isConnected: Bool {
        queue.sync { card != nil }
    }

    // MARK: - On the queue

    private func exchange(_ command: [UInt8]) throws(CardTransportError) -> [UInt8] {
        guard let card else {
            throw CardTransportError(code: .closed, reason: "the channel to '\(readerName)' was disconnected")
        }
        guard command.count >= 4 else {
            throw CardTransportError(
                code: .invalidCommand,
                reason: "a command APDU has at least 4 bytes, this one \(command.count)"
            )
        }
        let sendPCI =
            switch activeProtocol {
            case .t0: cardseq_pci_t0()
            case .t1: cardseq_pci_t1()
            case .raw: cardseq_pci_raw()
            }
        var received = DWORD(receiveBuffer.count)
        let status = receiveBuffer.withUnsafeMutableBufferPointer { buffer in
            SCardTransmit(card, sendPCI, command, DWORD(command.count), nil, buffer.baseAddress, &received)
        }
        guard PCSCStatus.isSuccess(status) else {
            let error = PCSCStatus.error(status, function: "SCardTransmit", operation: .transmit, reader: readerName)
            guard error.code == .transmitFailed, cardWasRemoved(withinMilliseconds: 1500) else {
                throw error
            }
            throw CardTransportError(
                code: .cardRemoved,
                reason: error.reason + "; the card is no longer in the reader",
                serviceStatus: error.serviceStatus
            )
        }
        return Array(receiveBuffer.prefix(Int(received)))
    }

    /// Whether the card left the reader, asking pcscd for at most the given time.
    ///
    /// A card that goes away in the middle of a command makes the reader fail the exchange
    /// (`SCARD_E_NOT_TRANSACTED`) before pcscd has noticed the removal: pcscd polls some readers,
    /// vpcd's about every 0.44 s. So after an unexplained failure the channel waits for pcscd's
    /// verdict. When the failure has another cause, that costs up to the timeout on a path that
    /// ends the session anyway.
    private func cardWasRemoved(withinMilliseconds timeout: Int) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(timeout))
        var known = DWORD(SCARD_STATE_UNAWARE)
        while true {
            let remaining = clock.now.duration(to: deadline)
            // The first call reads the current state; the next ones wait for a change.
            let milliseconds = known == DWORD(SCARD_STATE_UNAWARE) ? 0 : remaining.wholeMilliseconds
            guard
                let state = Self.readerState(
                    context: context,
                    reader: readerName,
                    known: known,
                    timeoutMilliseconds: DWORD(milliseconds)
                )
            else {
                return false
            }
            if state & DWORD(SCARD_STATE_EMPTY) != 0 || state & DWORD(SCARD_STATE_UNAVAILABLE) != 0 {
                return true
            }
            if let cardEvents, state >> 16 != cardEvents {
                return true
            }
            if remaining <= .zero {
                return false
            }
            known = state & ~DWORD(SCARD_STATE_CHANGED)
        }
    }

    /// The reader's `dwEventState`, or `nil` when the timeout passed without a change or the call failed.
    private static func readerState(
        context: SCARDCONTEXT,
        reader: String,
        known: DWORD,
        timeoutMilliseconds: DWORD
    ) -> DWORD? {
        reader.withCString { name in
            var state = SCARD_READERSTATE()
            state.szReader = name
            state.dwCurrentState = known
            let status = SCardGetStatusChange(context, timeoutMilliseconds, &state, 1)
            return PCSCStatus.isSuccess(status) ? state.dwEventState : nil
        }
    }

    private static func response(_ bytes: [UInt8]) throws(CardTransportError) -> CardResponse {
        guard let response = CardResponse.parse(bytes) else {
            throw CardTransportError(
                code: .transmitFailed,
                reason: "the card answered with \(bytes.count) bytes, fewer than a status word"
            )
        }
        return response
    }
}
