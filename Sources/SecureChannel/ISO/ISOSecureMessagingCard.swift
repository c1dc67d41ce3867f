public import APDUTypes

/// The card (IC) side of an ISO/IEC 7816-4 secure messaging session, for simulated cards and tests.
///
/// It unprotects each command and protects its response, incrementing the send sequence counter
/// before each:
///
/// ```swift
/// var card = try ISOSecureMessagingCard(messaging: ISOSecureMessaging(keys: sessionKeys), counter: ssc)
/// let plainCommand = try card.unprotect(command: received)
/// let wire = try card.protect(response: CardResponse(data: result, statusWord: .success))
/// ```
///
/// When a command fails its checks, the session is failed for good, as ICAO Doc 9303 Part 11
/// requires of the chip: answer it in plain with ``ISOSecureMessaging/incorrectDataObjectsStatusWord``
/// (or ``ISOSecureMessaging/missingDataObjectsStatusWord``); every later call throws
/// ``SecureChannelError/Code/invalidState``. The type is non-copyable, as the host side is.
public struct ISOSecureMessagingCard: ~Copyable, Sendable {
    private enum State: Sendable {
        /// The next message is a command; the counter holds the value of the last response.
        case awaitingCommand(counter: ISOSecureMessaging.SendSequenceCounter)
        /// A command with instruction `instruction` was accepted with `counter`; its response is next.
        case processingCommand(counter: ISOSecureMessaging.SendSequenceCounter, instruction: UInt8)
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
    ///   - counter: The initial send sequence counter.
    /// - Throws: ``SecureChannelError/Code/invalidArgument`` when the counter's length does not fit the cipher.
    public init(
        messaging: ISOSecureMessaging,
        counter: ISOSecureMessaging.SendSequenceCounter
    ) throws(SecureChannelError) {
        try counter.check(for: messaging.cipher)
        self.messaging = messaging
        self.state = .awaitingCommand(counter: counter)
    }

    /// The counter value of the last command or response, or `nil` once the session failed.
    public var counter: ISOSecureMessaging.SendSequenceCounter? {
        switch state {
        case .awaitingCommand(let counter), .processingCommand(let counter, _):
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

    /// Verifies and decrypts the next command.
    ///
    /// - Parameter command: The protected command as received.
    /// - Returns: The plain command.
    /// - Throws: What ``ISOSecureMessaging/unprotect(command:counter:)`` throws, which fails the
    ///   session; ``SecureChannelError/Code/invalidState`` when the last response was not protected
    ///   yet or after a failure.
    public mutating func unprotect(command: CommandAPDU) throws(SecureChannelError) -> CommandAPDU {
        let counter: ISOSecureMessaging.SendSequenceCounter
        switch state {
        case .awaitingCommand(let last):
            counter = last.incremented()
        case .processingCommand:
            throw .invalidState("the response to the previous command has not been protected yet")
        case .failed(let error):
            throw Self.failedError(error)
        }
        do throws(SecureChannelError) {
            let plain = try messaging.unprotect(command: command, counter: counter)
            state = .processingCommand(counter: counter, instruction: command.ins)
            return plain
        } catch {
            state = .failed(error: error)
            throw error
        }
    }

    /// Protects the response to the last command.
    ///
    /// - Parameter response: The plain response: data and status word, errors included.
    /// - Returns: The protected response.
    /// - Throws: What ``ISOSecureMessaging/protect(response:counter:instruction:)`` throws, which
    ///   leaves the session as it was; ``SecureChannelError/Code/invalidState`` when no command was
    ///   accepted or after a failure.
    public mutating func protect(response: CardResponse) throws(SecureChannelError) -> CardResponse {
        let counter: ISOSecureMessaging.SendSequenceCounter
        let instruction: UInt8
        switch state {
        case .processingCommand(let commandCounter, let commandInstruction):
            counter = commandCounter.incremented()
            instruction = commandInstruction
        case .awaitingCommand:
            throw .invalidState("no command has been accepted; unprotect a command first")
        case .failed(let error):
            throw Self.failedError(error)
        }
        let protected = try messaging.protect(response: response, counter: counter, instruction: instruction)
        state = .awaitingCommand(counter: counter)
        return protected
    }

    private static func failedError(_ error: SecureChannelError) -> SecureChannelError {
        .invalidState("the card ended secure messaging earlier (\(error.code)); start a new session")
    }
}
