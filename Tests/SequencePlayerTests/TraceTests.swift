import APDUTypes
import BundleFormat
import SequencePlayer
import Synchronization
import Testing

/// The GlobalPlatformPro-style trace, with sensitive data redacted.
struct TraceTests {
    /// Plays a bundle and returns the trace lines of every exchange.
    static func trace(_ bundle: SignedBundle, card: FakeCardChannel, player: BundlePlayer) async throws -> [String] {
        let exchanges = Mutex<[APDUExchange]>([])
        _ = try await player.play(bundle, over: card) { event in
            if case .exchange(let exchange) = event {
                exchanges.withLock { $0.append(exchange) }
            }
        }
        let trace = APDUTrace(protocolName: "T=1")
        return exchanges.withLock { $0 }.flatMap(trace.lines(for:))
    }

    @Test func sensitiveCommandAndResponseAreRedacted() async throws {
        let bundle = try Fixtures.golden(Fixtures.rotateKeys)
        let putKey = bundle.payload.commands[1]
        #expect(putKey.sensitive)
        let lines = try await Self.trace(bundle, card: ReceiptTests.rotateKeysCard, player: try Fixtures.player())
        let apdu = try putKey.commandAPDU()
        #expect(lines.count == 6)
        #expect(lines[0] == "A>> T=1 (4+0016) 84820300 10 " + Hex.string(Array(bundle.payload.commands[0].apdu[5...])))
        #expect(lines[1] == "A<< (0000+2) (1ms) 9000")
        #expect(
            lines[2]
                == "A>> T=1 (4+\(String(apdu.data.count).leftPadded(4))) 84D83081 "
                + Hex.string([UInt8(apdu.data.count)]) + " ** \(apdu.data.count) bytes redacted ** 00"
        )
        #expect(lines[3] == "A<< (0010+2) (1ms) ** 10 bytes redacted ** 9000")
        let text = lines.joined(separator: "\n")
        #expect(!text.contains(Hex.string(apdu.data)))
        #expect(!text.contains(Hex.string(Array(apdu.data.prefix(8)))))
        #expect(!text.contains("31010203040506070809"))
        // Command 2 is not sensitive: shown in full.
        #expect(
            lines[4] == "A>> T=1 (4+0008) 84CA00E0 08 " + Hex.string(Array(bundle.payload.commands[2].apdu[5..<13]))
                + " 00"
        )
    }

    @Test func getResponseIsTracedAndRedactedForSensitiveCommands() async throws {
        let bundle = try Fixtures.plainBundle([
            Fixtures.command(0, "80CA9F7F00"),
            Fixtures.command(1, "80E2800003AABBCC00", sensitive: true),
        ])
        let card = FakeCardChannel { bytes, _ in
            switch bytes[1] {
            case 0xC0: .success(CardResponse(data: [0x01, 0x02, 0x03], statusWord: .success))
            default: .success(CardResponse(statusWord: StatusWord(0x6103)))
            }
        }
        let lines = try await Self.trace(
            bundle,
            card: card,
            player: try Fixtures.testPlayer(options: .init(selectsSecurityDomain: false))
        )
        #expect(
            lines == [
                "A>> T=1 (4+0000) 80CA9F7F 00",
                "A<< (0000+2) (1ms) 6103",
                "A>> T=1 (4+0000) 00C00000 03",
                "A<< (0003+2) (1ms) 010203 9000",
                "A>> T=1 (4+0003) 80E28000 03 ** 3 bytes redacted ** 00",
                "A<< (0000+2) (1ms) 6103",
                "A>> T=1 (4+0000) 00C00000 03",
                "A<< (0003+2) (1ms) ** 3 bytes redacted ** 9000",
            ]
        )
    }

    @Test func unknownProtocolIsLeftOut() {
        let exchange = APDUExchange(
            purpose: .selectSecurityDomain,
            kind: .original,
            command: Hex.bytes("00A4040008A00000015100000000") ?? [],
            response: CardResponse(data: [0x6F, 0x00], statusWord: .success),
            duration: .milliseconds(12),
            sensitive: false
        )
        #expect(
            APDUTrace().lines(for: exchange) == [
                "A>> (4+0008) 00A40400 08 A000000151000000 00",
                "A<< (0002+2) (12ms) 6F00 9000",
            ]
        )
    }

    @Test func extendedLengthIsSplitWhereItIsEncoded() {
        let data = [UInt8](repeating: 0x5A, count: 300)
        let command = CommandAPDU(cla: 0x80, ins: 0xE8, p1: 0x00, p2: 0x00, data: data, le: nil)
        let exchange = APDUExchange(
            purpose: .command(3),
            kind: .original,
            command: command.bytes,
            response: CardResponse(statusWord: .success),
            duration: .microseconds(900),
            sensitive: true
        )
        #expect(
            APDUTrace(protocolName: "T=1").lines(for: exchange)[0]
                == "A>> T=1 (4+0300) 80E80000 00012C ** 300 bytes redacted **"
        )
    }
}

extension String {
    /// Zero-padded on the left to a width.
    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
