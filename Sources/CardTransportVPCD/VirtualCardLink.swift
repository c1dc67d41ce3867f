import Foundation

/// The card side of vsmartcard's vpcd protocol: plugs a ``VirtualCard`` into pcscd over TCP.
///
/// vpcd, the pcscd driver from the `vsmartcard-vpcd` package, listens on port 35963 for reader
/// `Virtual PCD 00 00` and 35964 for `Virtual PCD 00 01`. A TCP connection is a card inserted into
/// that reader, and closing it removes the card. ``start()`` connects and serves vpcd on a thread of
/// its own until ``stop()`` or until vpcd closes the connection:
///
/// - a 1-byte message `00`, `01` or `02` powers the card off, on, or resets it, and is not answered;
/// - `04` asks for the answer to reset, which the link sends back;
/// - a longer message is a command APDU: the card processes it and the link sends the response.
///
/// A link is used once: to insert the card again, make a new link.
public final class VirtualCardLink: @unchecked Sendable {
    /// Why a link closed.
    public enum CloseReason: Sendable, Equatable, CustomStringConvertible {
        /// ``VirtualCardLink/stop()`` closed it: the card was removed on purpose.
        case stopped
        /// vpcd closed the connection between two messages, as it does when pcscd stops.
        case vpcdClosed
        /// The link failed and closed the connection, which removes the card.
        case failed(VirtualCardLinkError)

        /// A short description, such as `stopped` or the error's message.
        public var description: String {
            switch self {
            case .stopped: "stopped"
            case .vpcdClosed: "closed by vpcd"
            case .failed(let error): "failed: \(error)"
            }
        }
    }

    /// The port of vpcd's first reader, `Virtual PCD 00 00`; the second reader is on the next port.
    public static let defaultPort: UInt16 = 35963

    /// The host vpcd runs on.
    public let host: String
    /// The TCP port of vpcd's reader slot.
    public let port: UInt16
    /// The longest message from vpcd the link accepts; a longer one ends the link as a protocol violation.
    public let maximumMessageLength: Int

    private enum State {
        case idle
        case connecting
        case running(TCPConnection)
        case closed(CloseReason)
    }

    private let card: any VirtualCard
    /// Guards every property below and signals when the link closes.
    private let condition = NSCondition()
    private var state = State.idle
    private var stopRequested = false
    private var processedCommands = 0

    /// Creates a link for a card; nothing connects until ``start()``.
    ///
    /// - Parameters:
    ///   - card: The card to plug in. The link calls it from its own thread only.
    ///   - host: The host vpcd listens on; `127.0.0.1` by default.
    ///   - port: The reader slot's port; ``defaultPort`` (35963, `Virtual PCD 00 00`) by default.
    ///   - maximumMessageLength: The longest message accepted from vpcd, at most 65,535 (the
    ///     largest the 16-bit length field can announce, and the default).
    public init(
        card: any VirtualCard,
        host: String = "127.0.0.1",
        port: UInt16 = VirtualCardLink.defaultPort,
        maximumMessageLength: Int = 0xFFFF
    ) {
        self.card = card
        self.host = host
        self.port = port
        self.maximumMessageLength = min(max(maximumMessageLength, 2), VPCDMessage.maximumPayloadLength)
    }

    /// Connects to vpcd, which inserts the card, and serves vpcd's messages on a new thread.
    ///
    /// Returns once the connection is made. pcscd notices the new card at its next poll, within
    /// about half a second.
    ///
    /// - Throws: ``VirtualCardLinkError/Code/vpcdNotListening`` when nothing listens on the port
    ///   (pcscd not running, or running without the vpcd driver),
    ///   ``VirtualCardLinkError/Code/invalidAnswerToReset`` when the card's ATR is not 2 to 33 bytes,
    ///   ``VirtualCardLinkError/Code/invalidState`` when the link was started or stopped before, and
    ///   the other connection errors of ``VirtualCardLinkError``.
    public func start() throws(VirtualCardLinkError) {
        condition.lock()
        guard case .idle = state else {
            condition.unlock()
            throw .invalidState("a link starts once; make a new link to insert the card again")
        }
        state = .connecting
        condition.unlock()

        let connection: TCPConnection
        do {
            try Self.checkAnswerToReset(card.answerToReset)
            connection = try TCPConnection.connect(host: host, port: port)
        } catch {
            finish(.failed(error))
            throw error
        }

        condition.lock()
        if stopRequested {
            condition.unlock()
            connection.close()
            finish(.stopped)
            return
        }
        state = .running(connection)
        condition.unlock()

        let thread = Thread { [self] in
            serve(connection)
        }
        thread.name = "vpcd \(host):\(port)"
        thread.start()
    }

    /// Closes the connection, which removes the card from the reader.
    ///
    /// Returns at once; ``waitUntilClosed()`` waits until the link's thread has finished. Stopping a
    /// link that was never started closes it too, and stopping a closed link does nothing.
    public func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopRequested = true
        switch state {
        case .idle:
            state = .closed(.stopped)
            condition.broadcast()
        case .running(let connection):
            connection.shutdown()
        case .connecting, .closed:
            break
        }
    }

    /// Waits until the link has closed and its thread has stopped calling the card.
    ///
    /// Blocks the calling thread. Returns at once for a link that was never started and not stopped.
    ///
    /// - Returns: Why the link closed, or `nil` when it was never started.
    @discardableResult
    public func waitUntilClosed() -> CloseReason? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch state {
            case .idle: return nil
            case .closed(let reason): return reason
            case .connecting, .running: condition.wait()
            }
        }
    }

    /// Waits until the link has closed, at most for a given time.
    ///
    /// - Parameter timeout: How long to wait at most.
    /// - Returns: Why the link closed, or `nil` when it is still open after `timeout` or was never started.
    public func waitUntilClosed(timeout: Duration) -> CloseReason? {
        let (seconds, attoseconds) = timeout.components
        let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch state {
            case .idle: return nil
            case .closed(let reason): return reason
            case .connecting, .running:
                if !condition.wait(until: deadline) {
                    if case .closed(let reason) = state {
                        return reason
                    }
                    return nil
                }
            }
        }
    }

    /// Why the link closed, or `nil` while it is idle or running.
    public var closeReason: CloseReason? {
        condition.lock()
        defer { condition.unlock() }
        if case .closed(let reason) = state {
            return reason
        }
        return nil
    }

    /// Whether the link is connected to vpcd (the card is in the reader).
    public var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        if case .running = state {
            return true
        }
        return false
    }

    /// How many command APDUs the card has processed through this link; counted before the response is sent.
    public var commandCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return processedCommands
    }

    // MARK: - The link's thread

    private func serve(_ connection: TCPConnection) {
        var reason = CloseReason.vpcdClosed
        do {
            try messageLoop(connection)
        } catch {
            reason = .failed(error)
        }
        condition.lock()
        let stopped = stopRequested
        condition.unlock()
        connection.close()
        finish(stopped ? .stopped : reason)
    }

    /// Serves messages until vpcd closes the connection between two messages.
    private func messageLoop(_ connection: TCPConnection) throws(VirtualCardLinkError) {
        while let header = try connection.read(count: 2) {
            let length = Int(header[0]) << 8 | Int(header[1])
            guard length <= maximumMessageLength else {
                throw .protocolViolation(
                    "vpcd announced a message of \(length) bytes, more than the \(maximumMessageLength) allowed"
                )
            }
            let payload: [UInt8]
            if length == 0 {
                payload = []
            } else {
                guard let bytes = try connection.read(count: length) else {
                    throw .connectionLost("vpcd closed the connection after a length field of \(length)")
                }
                payload = bytes
            }
            switch try VPCDMessage(payload: payload) {
            case .powerOff:
                card.powerOff()
            case .powerOn:
                card.powerOn()
            case .reset:
                card.reset()
            case .unknownControl:
                break
            case .answerToResetRequest:
                let answer = card.answerToReset
                try Self.checkAnswerToReset(answer)
                try connection.write(try Self.frame(answer))
            case .command(let command):
                let response = card.process(command)
                guard response.count >= 2 else {
                    throw .invalidResponse("the card answered with \(response.count) bytes, fewer than a status word")
                }
                let framed = try Self.frame(response)
                condition.lock()
                processedCommands += 1
                condition.unlock()
                try connection.write(framed)
            }
        }
    }

    private func finish(_ reason: CloseReason) {
        condition.lock()
        state = .closed(reason)
        condition.broadcast()
        condition.unlock()
    }

    private static func frame(_ payload: [UInt8]) throws(VirtualCardLinkError) -> [UInt8] {
        guard let framed = VPCDMessage.frame(payload) else {
            throw .invalidResponse(
                "the card answered with \(payload.count) bytes, more than a vpcd message holds (65535)"
            )
        }
        return framed
    }

    private static func checkAnswerToReset(_ answer: [UInt8]) throws(VirtualCardLinkError) {
        guard (2...33).contains(answer.count) else {
            throw .invalidAnswerToReset("the card's answer to reset has \(answer.count) bytes, not 2 to 33")
        }
    }
}
