import APDUTypes
import BundleFormat
import Foundation
import SequencePlayer
import Testing

/// The receipt the server reads: every response, status word and timing, with sorted keys.
struct ReceiptTests {
    /// SHA-256 of a file by `sha256sum`, independent of the code under test.
    static func sha256sum(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: output, as: UTF8.self).prefix(64))
    }

    /// A card that answers PUT KEY with the key version and three key check values.
    static let rotateKeysCard = FakeCardChannel(answerToReset: [0x3B, 0x8A, 0x80, 0x01]) { bytes, _ in
        guard bytes[1] == 0xD8 else { return .success(CardResponse(statusWord: .success)) }
        return .success(CardResponse(data: Hex.bytes("31010203040506070809") ?? [], statusWord: .success))
    }

    @Test func completedReceiptIsExact() async throws {
        let receipt = try await Fixtures.player()
            .play(bytes: try Fixtures.goldenBytes(Fixtures.rotateKeys), over: Self.rotateKeysCard)
        let digest = try Self.sha256sum(Fixtures.goldenDirectory.appendingPathComponent(Fixtures.rotateKeys))
        // The stepping clock advances 1 ms per reading, so durations count readings: four per
        // command (start, sent, answered, end: 3 ms from first to last), and 24 over the run,
        // which also reads the clock for every progress event.
        let expected = """
            {
              "answerToReset" : "3B8A8001",
              "bundle" : {
                "commandCount" : 3,
                "digest" : "sha256:\(digest)",
                "id" : "B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0",
                "sequence" : "rotate-keys",
                "version" : "1.0.0"
              },
              "commands" : [
                {
                  "durationMicroseconds" : 3000,
                  "exchanges" : 1,
                  "index" : 0,
                  "response" : "",
                  "sensitive" : false,
                  "statusWord" : "9000"
                },
                {
                  "durationMicroseconds" : 3000,
                  "exchanges" : 1,
                  "index" : 1,
                  "response" : "31010203040506070809",
                  "sensitive" : true,
                  "statusWord" : "9000"
                },
                {
                  "durationMicroseconds" : 3000,
                  "exchanges" : 1,
                  "index" : 2,
                  "response" : "",
                  "sensitive" : false,
                  "statusWord" : "9000"
                }
              ],
              "durationMicroseconds" : 24000,
              "format" : "cardseq-receipt/1",
              "opening" : [

              ],
              "outcome" : {
                "commandsRun" : 3,
                "status" : "completed"
              },
              "startedAt" : "2027-01-01T12:00:00Z"
            }

            """
        #expect(String(decoding: receipt.encoded(), as: UTF8.self) == expected)
    }

    @Test func receiptRoundTrips() async throws {
        let receipt = try await Fixtures.player()
            .play(bytes: try Fixtures.goldenBytes(Fixtures.rotateKeys), over: Self.rotateKeysCard)
        #expect(try Receipt.decode(receipt.encoded()) == receipt)
        #expect(receipt.commands[1].responseBytes == Hex.bytes("31010203040506070809"))
    }

    @Test func stoppedReceiptNamesTheCommandAndReason() async throws {
        let bundle = try Fixtures.golden(Fixtures.brokeragePrecomputed)
        let card = FakeCardChannel { bytes, position in
            if bytes[1] == 0x50, case .globalPlatform(let session) = bundle.payload.secureChannel {
                return .success(CardResponse(data: session.initializeUpdate.response, statusWord: .success))
            }
            return .success(CardResponse(statusWord: position == 3 ? StatusWord(0x6A80) : .success))
        }
        let failure = try await #require(throws: PlayerFailure.self) {
            try await Fixtures.player().play(bundle, over: card)
        }
        let receipt = try #require(failure.receipt)
        // SELECT, then commands 0, 1 and 2 (refused).
        #expect(receipt.opening.map(\.purpose) == ["select-security-domain"])
        #expect(receipt.opening.first?.command == "00A4040008A00000015100000000")
        #expect(receipt.commands.map(\.index) == [0, 1, 2])
        #expect(
            receipt.commands[0].response
                == {
                    if case .globalPlatform(let session) = bundle.payload.secureChannel {
                        return Hex.string(session.initializeUpdate.response)
                    }
                    return ""
                }()
        )
        #expect(receipt.outcome.status == .stopped)
        #expect(receipt.outcome.commandsRun == 2)
        #expect(receipt.outcome.stoppedAt == 2)
        #expect(receipt.outcome.code == "unexpectedStatusWord")
        #expect(receipt.outcome.statusWord == "6A80")
        #expect(receipt.outcome.reason == failure.message)
        let text = String(decoding: receipt.encoded(), as: UTF8.self)
        #expect(!text.contains("null"))
    }

    /// The digest does not depend on the spacing of the received file.
    @Test func digestIgnoresTheFilesSpacing() async throws {
        let bytes = try Fixtures.goldenBytes(Fixtures.rotateKeys)
        let compact = Array(String(decoding: bytes, as: UTF8.self).split(separator: "\n").joined().utf8)
        let first = try await Fixtures.player().play(bytes: bytes, over: FakeCardChannel.alwaysSuccess())
        let second = try await Fixtures.player().play(bytes: compact, over: FakeCardChannel.alwaysSuccess())
        #expect(first.bundle.digest == second.bundle.digest)
    }
}
