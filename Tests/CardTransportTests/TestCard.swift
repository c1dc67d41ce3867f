import APDUTypes
import CardTransportVPCD
import Synchronization

/// A small card for the link and PC/SC tests: it records what the reader did and answers a few
/// commands the way T=0 cards do.
///
/// - `xx A4 …` (SELECT): `9000`.
/// - `80 CA 00 00 Lc data [Le]` (echo): the data, then `9000`; short or extended.
/// - `80 CB 00 00 Lc data` (echo, T=0 style): `61xx`, and the data waits for GET RESPONSE.
/// - `00 C0 00 00 Le` (GET RESPONSE): up to Le waiting bytes, then `9000`, or `61xx` when more wait.
/// - `00 B0 00 00 Le` (READ BINARY of a 16-byte file): `6C10` unless Le is 16, then the file and `9000`.
/// - anything else: `6D00`; bytes that are not a command APDU: `6700`.
final class TestCard: VirtualCard, Sendable {
    /// Something the reader did to the card.
    enum Event: Equatable {
        case powerOn
        case powerOff
        case reset
        case command([UInt8])
    }

    /// The file that READ BINARY returns.
    static let file: [UInt8] = Array(0x10...0x1F)

    let answerToReset: [UInt8]
    private let state = Mutex(State())

    private struct State {
        var events: [Event] = []
        var pending: [UInt8] = []
    }

    init(answerToReset: [UInt8]) {
        self.answerToReset = answerToReset
    }

    /// Everything the reader did, in order.
    var events: [Event] {
        state.withLock { $0.events }
    }

    /// The command APDUs the card received, in order.
    var commands: [[UInt8]] {
        events.compactMap { event in
            if case .command(let bytes) = event {
                return bytes
            }
            return nil
        }
    }

    func powerOn() {
        state.withLock { $0.events.append(.powerOn) }
    }

    func powerOff() {
        state.withLock {
            $0.events.append(.powerOff)
            $0.pending = []
        }
    }

    func reset() {
        state.withLock {
            $0.events.append(.reset)
            $0.pending = []
        }
    }

    func process(_ apdu: [UInt8]) -> [UInt8] {
        state.withLock { state in
            state.events.append(.command(apdu))
            guard let command = try? CommandAPDU(bytes: apdu) else {
                return [0x67, 0x00]
            }
            switch (command.cla, command.ins) {
            case (_, 0xA4):
                return [0x90, 0x00]
            case (0x80, 0xCA):
                return command.data + [0x90, 0x00]
            case (0x80, 0xCB):
                state.pending = command.data
                return [0x61, UInt8(truncatingIfNeeded: min(command.data.count, 256))]
            case (0x00, 0xC0):
                let chunk = Array(state.pending.prefix(command.le ?? 256))
                state.pending.removeFirst(chunk.count)
                if state.pending.isEmpty {
                    return chunk + [0x90, 0x00]
                }
                return chunk + [0x61, UInt8(truncatingIfNeeded: min(state.pending.count, 256))]
            case (0x00, 0xB0):
                guard command.le == Self.file.count else {
                    return [0x6C, UInt8(Self.file.count)]
                }
                return Self.file + [0x90, 0x00]
            default:
                return [0x6D, 0x00]
            }
        }
    }
}

/// A card whose answers break the vpcd protocol, for the link's error paths.
final class BrokenCard: VirtualCard, Sendable {
    let answerToReset: [UInt8]
    let response: [UInt8]

    init(answerToReset: [UInt8] = [0x3B, 0x00], response: [UInt8]) {
        self.answerToReset = answerToReset
        self.response = response
    }

    func powerOn() {}
    func powerOff() {}
    func reset() {}
    func process(_ apdu: [UInt8]) -> [UInt8] { response }
}
