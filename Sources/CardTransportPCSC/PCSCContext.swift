import CPCSCLite
public import CardTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection to the PC/SC service (pcscd): lists readers, watches them, and connects to cards.
///
/// Not `Sendable`: use a context from one task or thread. The channels it opens have contexts of
/// their own, so they can be used from anywhere and outlive it.
public final class PCSCContext {
    private let handle: SCARDCONTEXT

    /// Establishes a context with the system's PC/SC service.
    ///
    /// - Throws: ``CardTransportError/Code/serviceUnavailable`` when pcscd is not running or not
    ///   reachable.
    public init() throws(CardTransportError) {
        handle = try Self.establish()
    }

    deinit {
        SCardReleaseContext(handle)
    }

    /// The names of the readers pcscd knows, in pcscd's order; empty when there are none.
    ///
    /// - Throws: ``CardTransportError/Code/serviceUnavailable`` when pcscd stopped.
    public func readers() throws(CardTransportError) -> [String] {
        while true {
            var length: DWORD = 0
            var status = SCardListReaders(handle, nil, nil, &length)
            if status == LONG(SCARD_E_NO_READERS_AVAILABLE) {
                return []
            }
            guard PCSCStatus.isSuccess(status) else {
                throw PCSCStatus.error(status, function: "SCardListReaders", operation: .readers)
            }
            var buffer = [CChar](repeating: 0, count: Int(length))
            status = SCardListReaders(handle, nil, &buffer, &length)
            switch status {
            case LONG(SCARD_S_SUCCESS):
                return Self.splitMultiString(buffer.prefix(Int(length)))
            case LONG(SCARD_E_NO_READERS_AVAILABLE):
                return []
            case LONG(SCARD_E_INSUFFICIENT_BUFFER):
                continue  // A reader appeared between the two calls.
            default:
                throw PCSCStatus.error(status, function: "SCardListReaders", operation: .readers)
            }
        }
    }

    /// The state of every reader, read without waiting.
    ///
    /// - Throws: ``CardTransportError/Code/serviceUnavailable`` when pcscd stopped.
    public func readerStates() throws(CardTransportError) -> [PCSCReaderState] {
        // A reader that goes away between listing and asking fails the call: list again.
        for _ in 0..<3 {
            let names = try readers()
            guard !names.isEmpty else {
                return []
            }
            let unaware = [DWORD](repeating: DWORD(SCARD_STATE_UNAWARE), count: names.count)
            if let states = try statusChange(names: names, known: unaware, timeoutMilliseconds: 0) {
                return states
            }
        }
        return []
    }

    /// The names of the readers that hold a card that answers, in pcscd's order.
    ///
    /// - Throws: ``CardTransportError/Code/serviceUnavailable`` when pcscd stopped.
    public func readersWithCard() throws(CardTransportError) -> [String] {
        try readerStates().filter(\.hasCard).map(\.name)
    }

    /// Waits until a card that answers is in a reader.
    ///
    /// pcsc-lite reports changes as pcscd notices them; pcscd polls vpcd's readers about every
    /// 0.44 s, so a virtual card shows up within about half a second.
    ///
    /// - Parameters:
    ///   - reader: The reader to watch, or `nil` for any reader (including readers that appear
    ///     while waiting).
    ///   - timeout: How long to wait at most.
    /// - Returns: The state of the reader that has the card.
    /// - Throws: ``CardTransportError/Code/noCard`` when no card came in time,
    ///   ``CardTransportError/Code/noReader`` when the named reader did not exist by then, and
    ///   ``CardTransportError/Code/serviceUnavailable`` when pcscd stopped.
    public func waitForCard(reader: String? = nil, timeout: Duration) throws(CardTransportError) -> PCSCReaderState {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var known: [String: DWORD] = [:]
        while true {
            let all = try readers()
            let names = reader.map { all.contains($0) ? [$0] : [] } ?? all
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero {
                if let reader, names.isEmpty {
                    throw Self.unknownReader(reader, readers: all)
                }
                let which = reader.map { "reader '\($0)'" } ?? "any reader (\(Self.list(all)))"
                throw CardTransportError(code: .noCard, reason: "no card in \(which) after \(timeout)")
            }
            // Wake at least twice a second to pick up readers that appear or disappear.
            let slice = min(remaining, .milliseconds(500))
            let milliseconds = slice.wholeMilliseconds
            if names.isEmpty {
                sleepMilliseconds(milliseconds)
                continue
            }
            let current = names.map { known[$0] ?? DWORD(SCARD_STATE_UNAWARE) }
            guard let states = try statusChange(names: names, known: current, timeoutMilliseconds: milliseconds) else {
                continue  // Timed out without a change.
            }
            if let found = states.first(where: \.hasCard) {
                return found
            }
            for state in states {
                known[state.name] = DWORD(state.flags) & ~DWORD(SCARD_STATE_CHANGED)
            }
        }
    }

    /// Connects to the card in a reader, in shared mode, with T=0 or T=1 as the card and reader agree.
    ///
    /// - Parameter reader: The reader's exact name, or `nil` for the first reader that has a card
    ///   that answers.
    /// - Returns: A channel to the card.
    /// - Throws: ``CardTransportError/Code/noReader`` when no reader has that name (the message lists
    ///   the readers) or there is no reader at all, ``CardTransportError/Code/noCard`` when the reader
    ///   is empty or, for `nil`, no reader has a card, and ``CardTransportError/Code/serviceUnavailable``
    ///   when pcscd stopped.
    public func connect(reader: String?) throws(CardTransportError) -> PCSCCardChannel {
        let names = try readers()
        guard !names.isEmpty else {
            throw CardTransportError(
                code: .noReader,
                reason: "no reader is connected",
                serviceStatus: Int(SCARD_E_NO_READERS_AVAILABLE)
            )
        }
        let target: String
        if let reader {
            guard names.contains(reader) else {
                throw Self.unknownReader(reader, readers: names)
            }
            target = reader
        } else {
            guard let first = try readersWithCard().first else {
                throw CardTransportError(
                    code: .noCard,
                    reason: "no reader has a card; readers: \(Self.list(names))",
                    serviceStatus: Int(SCARD_E_NO_SMARTCARD)
                )
            }
            target = first
        }
        return try PCSCCardChannel(reader: target)
    }

    // MARK: - Support

    static func establish() throws(CardTransportError) -> SCARDCONTEXT {
        var context: SCARDCONTEXT = 0
        let status = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
        guard PCSCStatus.isSuccess(status) else {
            throw PCSCStatus.error(status, function: "SCardEstablishContext", operation: .establish)
        }
        return context
    }

    /// Calls `SCardGetStatusChange` for the named readers.
    ///
    /// - Returns: The readers' new states, or `nil` when the timeout passed without a change or one
    ///   of the readers went away.
    private func statusChange(
        names: [String],
        known: [DWORD],
        timeoutMilliseconds: DWORD
    ) throws(CardTransportError) -> [PCSCReaderState]? {
        var states = zip(names, known).map { name, current in
            var state = SCARD_READERSTATE()
            state.szReader = UnsafePointer(strdup(name))
            state.dwCurrentState = current
            return state
        }
        defer {
            for state in states {
                free(UnsafeMutablePointer(mutating: state.szReader))
            }
        }
        let status = SCardGetStatusChange(handle, timeoutMilliseconds, &states, DWORD(states.count))
        switch status {
        case LONG(SCARD_S_SUCCESS):
            return zip(names, states).map { name, state in
                let length = min(Int(state.cbAtr), Int(cardseq_max_atr_size))
                let answer = withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(length)) }
                return PCSCReaderState(
                    name: name,
                    flags: UInt32(truncatingIfNeeded: state.dwEventState),
                    answerToReset: answer
                )
            }
        case LONG(SCARD_E_TIMEOUT):
            return nil
        case LONG(SCARD_E_UNKNOWN_READER), LONG(SCARD_E_READER_UNAVAILABLE):
            return nil  // A reader went away while waiting: the caller lists the readers again.
        default:
            throw PCSCStatus.error(status, function: "SCardGetStatusChange", operation: .readers)
        }
    }

    private func sleepMilliseconds(_ milliseconds: DWORD) {
        _ = usleep(UInt32(milliseconds) * 1000)
    }

    static func unknownReader(_ reader: String, readers: [String]) -> CardTransportError {
        CardTransportError(
            code: .noReader,
            reason: "no reader named '\(reader)'; readers: \(list(readers))",
            serviceStatus: Int(SCARD_E_UNKNOWN_READER)
        )
    }

    static func list(_ readers: [String]) -> String {
        readers.isEmpty ? "none" : readers.map { "'\($0)'" }.joined(separator: ", ")
    }

    private static func splitMultiString(_ characters: ArraySlice<CChar>) -> [String] {
        characters.split(separator: 0).map { part in
            String(decoding: part.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds, as PC/SC timeouts take it: 0 for negative durations, and
    /// at most one less than `INFINITE`.
    var wholeMilliseconds: DWORD {
        let (seconds, attoseconds) = components
        let largest = Int64(cardseq_infinite) - 1
        guard seconds >= 0 else {
            return 0
        }
        guard seconds <= largest / 1000 else {
            return DWORD(largest)
        }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return DWORD(min(milliseconds, largest))
    }
}
