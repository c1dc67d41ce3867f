public import APDUTypes

/// The host (terminal, IFD) side of an ISO/IEC 7816-4 secure messaging session: cardseq's server.
///
/// It protects commands and unprotects responses in order, incrementing the send sequence counter
/// before each:
///
/// ```swift
/// var host = try ISOSecureMessagingHost(messaging: ISOSecureMessaging(keys: sessionKeys), counter: ssc)
/// let wire = try host.protect(plainCommand)
/// let plain = try host.unprotect(response: cardResponse)
/// ```
///
/// A bundle compiled ahead of time protects every command without seeing the card's responses:
/// ``protect(_:)`` may follow ``protect(_:)``, and the counter value of the response not checked
/// here is skipped, as the card used it to protect that response.
///
/// The protocol state is an enum of states (ready, awaiting a response, failed). After a response
/// whose checksum does not verify, a malformed response or a bare status word the session is
/// failed for good and every later call throws ``SecureChannelError/Code/invalidState``. The type is
/// non-copyable: two copies would protect two commands with one counter value.
public struct ISOSecureMessagingHost: ~Copyable, Sendable {
    private enum State: Sendable {
        /// No exchange is open; the counter holds the value of the last message.
        case ready(counter: ISOSecureMessaging.SendSequenceCounter)
        /// A command was protected with `counter`; its response is next.
        case awaitingResponse(counter: ISOSecureMessaging.SendSequenceCounter)
        /// The session ended with `error`.
        case failed(error: SecureChannelError)
    }

    /// The keys and rules of the session.
    public let messaging: ISOSecureMessaging

    private var state: State

    /// Starts a session whose counter is at `counter` before the first command.
    ///
    /// - Parameters:
    ///   - messaging: The session keys and rules.
    ///   - counter: The initial send sequence counter; the first command uses the next value.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` when the counter's length does not fit the cipher.
    public init(
        messaging: ISOSecureMessaging,
        counter: ISOSecureMessaging.SendSequenceCounter
    ) throws(SecureChannelError) {
        try counter.check(for: messaging.cipher)
        self.messaging = messaging
        self.state = .ready(counter: counter)
    }

    /// The counter value of the last command or response, or `nil` once the session failed.
    public var counter: ISOSecureMessaging.SendSequenceCounter? {
        switch state {
        case .ready(let counter), .awaitingResponse(let counter):
            counter
        case .failed:
            nil
        }
    }

    /// Whether the session ended after a failed check.
    public var hasFailed: Bool {
        if case .failed = state {
            return true
        }
        return false
    }

    /// Protects the next command.
    ///
    /// - Parameter command: A short plain command (see ``ISOSecureMessaging/protect(_:counter:)``).
    /// - Returns: The protected command.
    /// - Throws: What ``ISOSecureMessaging/protect(_:counter:)`` throws, which leaves the session as
    ///   it was; ``SecureChannelError/Code/invalidState`` after a failure.
    public mutating func protect(_ command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        var next: ISOSecureMessaging.SendSequenceCounter
        switch state {
        case .ready(let counter):
            next = counter
        case .awaitingResponse(let counter):
            // The card protected the unread response with the next value.
            next = counter.incremented()
        case .failed(let error):
            throw Self.failedError(error)
        }
        next.increment()
        let protected = try messaging.protect(command, counter: next)
        state = .awaitingResponse(counter: next)
        return protected
    }

    /// Verifies and decrypts the response to the last protected command.
    ///
    /// - Parameter response: The protected response as received.
    /// - Returns: The plain response data and the authenticated status word.
    /// - Throws: What ``ISOSecureMessaging/unprotect(response:counter:)`` throws, which fails the
    ///   session; ``SecureChannelError/Code/invalidState`` when no command awaits a response or after
    ///   a failure.
    public mutating func unprotect(response: CardResponse) throws(SecureChannelError) -> CardResponse {
        let counter: ISOSecureMessaging.SendSequenceCounter
        switch state {
        case .awaitingResponse(let commandCounter):
            counter = commandCounter.incremented()
        case .ready:
            throw .invalidState("no protected command awaits a response; protect a command first")
        case .failed(let error):
            throw Self.failedError(error)
        }
        do throws(SecureChannelError) {
            let plain = try messaging.unprotect(response: response, counter: counter)
            state = .ready(counter: counter)
            return plain
        } catch {
            state = .failed(error: error)
            throw error
        }
    }

    private static func failedError(_ error: SecureChannelError) -> SecureChannelError {
        .invalidState("the secure messaging session failed earlier (\(error.code)); start a new session")
    }
}
