import APDUTypes
import CardTransport
import Synchronization

/// A card channel for tests: records every command it is sent and answers from a closure.
///
/// The closure sees the command's bytes and its position among everything sent so far, and
/// returns a response or a transport error.
final class FakeCardChannel: CardChannel {
    typealias Responder = @Sendable (_ command: [UInt8], _ position: Int) -> Result<CardResponse, CardTransportError>

    let answerToReset: [UInt8]
    private let responder: Responder
    private let log = Mutex<[[UInt8]]>([])

    init(answerToReset: [UInt8] = [0x3B, 0x8A, 0x80, 0x01], responder: @escaping Responder) {
        self.answerToReset = answerToReset
        self.responder = responder
    }

    /// Every command sent, in order, as bytes.
    var sent: [[UInt8]] { log.withLock { $0 } }

    func transmit(_ command: CommandAPDU) async throws(CardTransportError) -> CardResponse {
        let bytes = command.bytes
        let position = log.withLock { sent in
            sent.append(bytes)
            return sent.count - 1
        }
        return try responder(bytes, position).get()
    }

    /// A channel that answers every command with `9000` and no data.
    static func alwaysSuccess() -> FakeCardChannel {
        FakeCardChannel { _, _ in .success(CardResponse(statusWord: .success)) }
    }
}

/// A card channel that expects exactly the scripted commands, in order, and gives the scripted
/// answers; any other command is recorded as a mismatch and answered `6F00`.
final class ScriptedCardChannel: CardChannel {
    struct Entry {
        var command: [UInt8]
        var answer: Result<CardResponse, CardTransportError>
    }

    let answerToReset: [UInt8] = [0x3B, 0x00]
    private let fake: FakeCardChannel
    private let mismatchLog: Locked<[String]>

    init(_ script: [Entry]) {
        let mismatches = Locked<[String]>([])
        self.mismatchLog = mismatches
        self.fake = FakeCardChannel { bytes, position in
            guard position < script.count else {
                mismatches.withLock { $0.append("unexpected command \(position): \(Hex.string(bytes))") }
                return .success(CardResponse(statusWord: StatusWord(0x6F00)))
            }
            guard script[position].command == bytes else {
                mismatches.withLock {
                    $0.append(
                        "command \(position): expected \(Hex.string(script[position].command)), got \(Hex.string(bytes))"
                    )
                }
                return .success(CardResponse(statusWord: StatusWord(0x6F00)))
            }
            return script[position].answer
        }
    }

    /// Every command sent, in order.
    var sent: [[UInt8]] { fake.sent }
    /// Commands that differed from the script.
    var mismatches: [String] { mismatchLog.withLock { $0 } }

    func transmit(_ command: CommandAPDU) async throws(CardTransportError) -> CardResponse {
        try await fake.transmit(command)
    }
}

/// A value behind a mutex, shareable between closures.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
