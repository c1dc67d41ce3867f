import APDUTypes
import CardCrypto
import Testing

@testable import SecureChannel

/// Host and card sides against each other: every ISO case and data length, tampering, counter
/// desynchronisation, state misuse and the size limits.
struct ISOSecureMessagingRoundTripTests {
    /// A session configuration to run the same checks with.
    struct Setup: Sendable, CustomTestStringConvertible {
        var name: String
        var cipher: ISOSecureMessaging.Cipher
        var keyLength: Int

        var testDescription: String { name }

        func messaging(padding: ISOSecureMessaging.CommandMACPadding = .always) throws -> ISOSecureMessaging {
            let algorithm: CardKey.Algorithm = cipher == .aes ? .aes : .tripleDES
            let keys = try ISOSecureMessaging.Keys(
                encryption: CardKey(algorithm, bytes: (0..<keyLength).map { UInt8(truncatingIfNeeded: 0x40 + $0) }),
                mac: CardKey(algorithm, bytes: (0..<keyLength).map { UInt8(truncatingIfNeeded: 0x90 + 3 * $0) })
            )
            return ISOSecureMessaging(keys: keys, commandMACPadding: padding)
        }

        /// BAC-like for triple DES, zero for AES, as the protocols start them.
        var initialCounter: ISOSecureMessaging.SendSequenceCounter {
            get throws {
                cipher == .aes
                    ? .zero(for: .aes)
                    : try ISOSecureMessaging.SendSequenceCounter(bytes: try bytes("887022120C06C226"))
            }
        }
    }

    static let setups = [
        Setup(name: "3DES", cipher: .tripleDES, keyLength: 16),
        Setup(name: "AES-128", cipher: .aes, keyLength: 16),
        Setup(name: "AES-192", cipher: .aes, keyLength: 24),
        Setup(name: "AES-256", cipher: .aes, keyLength: 32),
    ]

    /// Cases 1 to 4 with data lengths 0 to 240, even and odd INS: host protect → card unprotect → card
    /// protect(response) → host unprotect gives back both plain messages; lengths that do not fit are
    /// refused with `commandTooLong` and leave the session usable.
    @Test(arguments: setups)
    func roundTripsEveryCaseAndLength(_ setup: Setup) throws {
        let messaging = try setup.messaging()
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
        var card = try ISOSecureMessagingCard(messaging: messaging, counter: try setup.initialCounter)
        let maximumResponse = ISOSecureMessaging.maximumResponseDataLength(cipher: setup.cipher, instruction: 0xB0)
        var exchanges = 0
        var refused = 0

        func exchange(_ plain: CommandAPDU, responseLength: Int, statusWord: StatusWord) throws {
            let expectedLength = ISOSecureMessaging.protectedCommandDataLength(
                plainDataLength: plain.data.count,
                cipher: setup.cipher,
                instruction: plain.ins,
                expectsResponseData: plain.le != nil
            )
            let maximum = ISOSecureMessaging.maximumCommandDataLength(
                cipher: setup.cipher,
                instruction: plain.ins,
                expectsResponseData: plain.le != nil
            )
            guard plain.data.count <= maximum else {
                #expect(expectedLength > 255)
                let before = host.counter
                expectISOError(.commandTooLong, "\(plain.data.count) bytes") { try host.protect(plain) }
                let after = host.counter
                #expect(after == before)
                refused += 1
                return
            }
            let wire = try host.protect(plain)
            #expect(wire.data.count == expectedLength)
            #expect(wire.data.count <= 255 && wire.le == 256 && !wire.isExtended)
            let received = try card.unprotect(command: try CommandAPDU(bytes: wire.bytes))
            #expect(received == plain, "\(plain)")
            let data = (0..<responseLength).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let answer = try card.protect(response: CardResponse(data: data, statusWord: statusWord))
            #expect(answer.bytes.count <= 258)
            let result = try host.unprotect(response: try CardResponse(bytes: answer.bytes))
            #expect(result == CardResponse(data: data, statusWord: statusWord))
            let (hostCounter, cardCounter) = (host.counter, card.counter)
            #expect(hostCounter == cardCounter)
            exchanges += 1
        }

        // Case 1.
        try exchange(CommandAPDU(cla: 0x00, ins: 0x44, p1: 0x00, p2: 0x00), responseLength: 0, statusWord: .success)
        for length in 0...240 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ length) }
            let odd = length % 2 == 1
            // Case 2: Le from 1 to 256, the response as long as Le allows.
            let le = length + 16
            try exchange(
                CommandAPDU(cla: 0x00, ins: odd ? 0xB1 : 0xB0, p1: 0x00, p2: UInt8(length & 0xFF), le: le),
                responseLength: min(le, maximumResponse),
                statusWord: length % 5 == 0 ? StatusWord(0x6282) : .success
            )
            guard length > 0 else {
                continue
            }
            // Case 3: UPDATE BINARY (D6, or D7 with an odd INS).
            try exchange(
                CommandAPDU(cla: 0x00, ins: odd ? 0xD7 : 0xD6, p1: 0x00, p2: 0x00, data: data),
                responseLength: 0,
                statusWord: length % 7 == 0 ? StatusWord.fileNotFound : .success
            )
            // Case 4: Le 00.
            try exchange(
                CommandAPDU(cla: 0x00, ins: odd ? 0xCB : 0xA4, p1: 0x04, p2: 0x00, data: data, le: 256),
                responseLength: length % (maximumResponse + 1),
                statusWord: .success
            )
        }
        #expect(exchanges > 600)
        #expect(refused > 0)
        let failed = host.hasFailed || card.hasFailed
        #expect(!failed)
    }

    /// Changing any single byte of a protected command makes the card reject it and end the session.
    @Test(arguments: setups)
    func tamperedCommandsAreRejected(_ setup: Setup) throws {
        let messaging = try setup.messaging()
        let plainCommands = [
            CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0x00, p2: 0x10, data: Array(0..<20), le: 256),
            CommandAPDU(cla: 0x00, ins: 0x44, p1: 0x00, p2: 0x00),
            CommandAPDU(cla: 0x00, ins: 0xB1, p1: 0x00, p2: 0x00, data: [0x54, 0x02, 0x01, 0x00], le: 0x20),
        ]
        for plain in plainCommands {
            var host = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
            let wire = try host.protect(plain).bytes
            for index in wire.indices {
                for flip: UInt8 in [0x01, 0x80] {
                    var tampered = wire
                    tampered[index] ^= flip
                    var card = try ISOSecureMessagingCard(messaging: messaging, counter: try setup.initialCounter)
                    guard let command = try? CommandAPDU(bytes: tampered) else {
                        continue  // no longer an APDU at all: the card's transport layer refuses it
                    }
                    do throws(SecureChannelError) {
                        _ = try card.unprotect(command: command)
                        Issue.record("byte \(index) ^ \(flip) of \(Hex.string(wire)) was accepted")
                    } catch {
                        #expect(
                            [.commandMACMismatch, .malformedCommand].contains(error.code),
                            "byte \(index): \(error.debugDescription)"
                        )
                    }
                    let failed = card.hasFailed
                    #expect(failed)
                    expectISOError(.invalidState, "after a rejected command") {
                        try card.unprotect(command: try CommandAPDU(bytes: wire))
                    }
                }
            }
            // The untouched command is accepted.
            var card = try ISOSecureMessagingCard(messaging: messaging, counter: try setup.initialCounter)
            #expect(try card.unprotect(command: try CommandAPDU(bytes: wire)) == plain)
        }
    }

    /// Changing any single byte of a protected response makes the host reject it and end the session.
    @Test(arguments: setups)
    func tamperedResponsesAreRejected(_ setup: Setup) throws {
        let messaging = try setup.messaging()
        let plain = CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0x00, p2: 0x00, le: 40)
        var card = try ISOSecureMessagingCard(messaging: messaging, counter: try setup.initialCounter)
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
        let wire = try host.protect(plain)
        _ = try card.unprotect(command: wire)
        let answer = try card.protect(response: CardResponse(data: Array(100..<140), statusWord: .success)).bytes
        for index in answer.indices {
            var tampered = answer
            tampered[index] ^= 0x04
            var freshHost = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
            _ = try freshHost.protect(plain)
            do throws(SecureChannelError) {
                _ = try freshHost.unprotect(response: try CardResponse(bytes: tampered))
                Issue.record("byte \(index) of the response was accepted")
            } catch {
                #expect([.responseMACMismatch, .malformedResponse].contains(error.code), "byte \(index): \(error)")
            }
            let failed = freshHost.hasFailed && freshHost.counter == nil
            #expect(failed)
            expectISOError(.invalidState) { try freshHost.protect(plain) }
        }
        #expect(try host.unprotect(response: try CardResponse(bytes: answer)).data == Array(100..<140))
    }

    /// A command lost on the way (the host moved on, the card did not) makes the next command fail.
    @Test(arguments: setups)
    func skippedCommandDesynchronisesTheCounter(_ setup: Setup) throws {
        let messaging = try setup.messaging()
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
        var card = try ISOSecureMessagingCard(messaging: messaging, counter: try setup.initialCounter)
        let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x02, p2: 0x0C, data: [0x2F, 0x01])
        let update = CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0x00, p2: 0x00, data: [1, 2, 3])

        _ = try card.unprotect(command: try host.protect(select))
        _ = try host.unprotect(response: try card.protect(response: CardResponse(data: [], statusWord: .success)))

        let lost = try host.protect(update)
        let hostCounter = host.counter
        _ = try host.unprotect(
            response: try messaging.protect(
                response: CardResponse(data: [], statusWord: .success),
                counter: try #require(hostCounter).incremented(),
                instruction: update.ins
            )
        )
        let next = try host.protect(update)
        expectISOError(.commandMACMismatch, "the card never saw the previous command") {
            try card.unprotect(command: next)
        }
        let cardFailed = card.hasFailed
        #expect(cardFailed)
        expectISOError(.invalidState) { try card.unprotect(command: lost) }
    }

    /// A replayed command or response is rejected: the counter has moved on.
    @Test(arguments: setups)
    func replaysAreRejected(_ setup: Setup) throws {
        let messaging = try setup.messaging()
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
        var card = try ISOSecureMessagingCard(messaging: messaging, counter: try setup.initialCounter)
        let read = CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0x00, p2: 0x00, le: 4)
        let first = try host.protect(read)
        _ = try card.unprotect(command: first)
        let firstAnswer = try card.protect(response: CardResponse(data: [1, 2, 3, 4], statusWord: .success))
        _ = try host.unprotect(response: firstAnswer)

        // The same response to the next command.
        let second = try host.protect(read)
        expectISOError(.responseMACMismatch) { try host.unprotect(response: firstAnswer) }
        let hostFailed = host.hasFailed
        #expect(hostFailed)
        expectISOError(.invalidState) { try host.protect(read) }
        expectISOError(.invalidState) { try host.unprotect(response: firstAnswer) }

        // The first command again instead of the second.
        expectISOError(.commandMACMismatch) { try card.unprotect(command: first) }
        let cardFailed = card.hasFailed
        #expect(cardFailed)
        expectISOError(.invalidState) { try card.unprotect(command: second) }
        expectISOError(.invalidState) { try card.protect(response: CardResponse(data: [], statusWord: .success)) }
    }

    /// A bundle protects every command before any response: the host skips the unread responses'
    /// counter values, so the card, which protects each response, stays in step.
    @Test(arguments: setups)
    func commandsProtectedAheadOfTimeStayInStep(_ setup: Setup) throws {
        let messaging = try setup.messaging()
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
        var card = try ISOSecureMessagingCard(messaging: messaging, counter: try setup.initialCounter)
        let plain = (0..<5).map {
            CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0x00, p2: UInt8($0 * 8), data: Array(repeating: UInt8($0), count: 8))
        }
        let wire = try plain.map { command throws(SecureChannelError) in try host.protect(command) }
        var lastAnswer: CardResponse?
        for (sent, expected) in zip(wire, plain) {
            #expect(try card.unprotect(command: sent) == expected)
            lastAnswer = try card.protect(response: CardResponse(data: [], statusWord: .success))
        }
        #expect(try host.unprotect(response: try #require(lastAnswer)).statusWord == .success)
        let (hostCounter, cardCounter) = (host.counter, card.counter)
        #expect(hostCounter == cardCounter)
    }

    /// Calls out of order are refused without changing the state.
    @Test func callsOutOfOrderAreRefused() throws {
        let messaging = try Self.setups[1].messaging()
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: .zero(for: .aes))
        var card = try ISOSecureMessagingCard(messaging: messaging, counter: .zero(for: .aes))
        expectISOError(.invalidState) { try host.unprotect(response: CardResponse(data: [], statusWord: .success)) }
        expectISOError(.invalidState) { try card.protect(response: CardResponse(data: [], statusWord: .success)) }
        let command = try host.protect(CommandAPDU(cla: 0x00, ins: 0x44, p1: 0x00, p2: 0x00))
        _ = try card.unprotect(command: command)
        expectISOError(.invalidState) { try card.unprotect(command: command) }
        let failed = host.hasFailed || card.hasFailed
        #expect(!failed)
        expectISOError(.invalidArgument) {
            _ = try ISOSecureMessagingHost(
                messaging: messaging,
                counter: try ISOSecureMessaging.SendSequenceCounter(bytes: Array(repeating: 0, count: 8))
            )
        }
        expectISOError(.invalidArgument) { try ISOSecureMessaging.SendSequenceCounter(bytes: [0, 1, 2]) }
    }

    /// A bare status word (the card ended secure messaging with 6987 or 6988) ends the host's session too.
    @Test func unprotectedStatusWordEndsTheSession() throws {
        let messaging = try Self.setups[0].messaging()
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: try Self.setups[0].initialCounter)
        _ = try host.protect(CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0x00, p2: 0x00, le: 4))
        expectISOError(.unexpectedStatusWord) {
            try host.unprotect(
                response: CardResponse(data: [], statusWord: ISOSecureMessaging.incorrectDataObjectsStatusWord)
            )
        }
        let failed = host.hasFailed
        #expect(failed)
    }

    /// The largest plain data fields that still fit a short APDU, and the boundary itself.
    @Test func chunkSizeLimits() throws {
        for (cipher, withLe, response) in [(ISOSecureMessaging.Cipher.tripleDES, 231, 231), (.aes, 223, 223)] {
            for ins: UInt8 in [0xD6, 0xD7] {
                #expect(
                    ISOSecureMessaging.maximumCommandDataLength(
                        cipher: cipher,
                        instruction: ins,
                        expectsResponseData: false
                    ) == 239
                )
                #expect(
                    ISOSecureMessaging.maximumCommandDataLength(
                        cipher: cipher,
                        instruction: ins,
                        expectsResponseData: true
                    ) == withLe
                )
                #expect(ISOSecureMessaging.maximumResponseDataLength(cipher: cipher, instruction: ins) == response)
            }
        }
        for setup in Self.setups {
            let messaging = try setup.messaging()
            var host = try ISOSecureMessagingHost(messaging: messaging, counter: try setup.initialCounter)
            let fits = try host.protect(
                CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0, p2: 0, data: Array(repeating: 0xAA, count: 239))
            )
            #expect(fits.data.count == 254, "\(setup.name)")
            let counter = host.counter
            expectISOError(.commandTooLong) {
                try host.protect(
                    CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0, p2: 0, data: Array(repeating: 0xAA, count: 240))
                )
            }
            let after = host.counter
            #expect(after == counter)
        }
    }

    /// Commands that cannot be protected: extended lengths, invalid, reserved or already protected classes.
    @Test func refusesCommandsItCannotProtect() throws {
        let messaging = try Self.setups[1].messaging()
        let counter = ISOSecureMessaging.SendSequenceCounter.zero(for: .aes).incremented()
        for command in [
            CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0, p2: 0, data: Array(repeating: 0, count: 256)),
            CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0, p2: 0, le: 257),
            CommandAPDU(cla: 0xFF, ins: 0xB0, p1: 0, p2: 0, le: 1),
            CommandAPDU(cla: 0x0C, ins: 0xB0, p1: 0, p2: 0, le: 1),
            CommandAPDU(cla: 0x25, ins: 0xB0, p1: 0, p2: 0, le: 1),
            CommandAPDU(cla: 0x60, ins: 0xB0, p1: 0, p2: 0, le: 1),
        ] {
            expectISOError(.invalidCommand, "\(command)") { try messaging.protect(command, counter: counter) }
        }
        expectISOError(.invalidArgument, "a 3DES counter for an AES session") {
            try messaging.protect(
                CommandAPDU(cla: 0x00, ins: 0x44, p1: 0, p2: 0),
                counter: .zero(for: .tripleDES)
            )
        }
        #expect(try messaging.protect(CommandAPDU(cla: 0x45, ins: 0x44, p1: 0, p2: 0), counter: counter).cla == 0x65)
        #expect(try messaging.protect(CommandAPDU(cla: 0x83, ins: 0x44, p1: 0, p2: 0), counter: counter).cla == 0x8F)
    }

    /// The card names what is wrong with a command: no secure messaging class, missing DO'8E', wrong
    /// data object, bad padding, missing padding indicator, a protected Le other than 00.
    @Test func cardNamesWhatIsWrong() throws {
        let messaging = try Self.setups[0].messaging()
        let counter = try Self.setups[0].initialCounter.incremented()
        let keys = messaging.keys

        func signed(_ header: [UInt8], _ objects: [UInt8], le: Int? = 256) throws -> CommandAPDU {
            let mac = try messaging.checksum(
                of: Padding.iso9797Method2(header, blockSize: 8) + objects,
                counter: counter,
                isBareHeader: objects.isEmpty
            )
            return CommandAPDU(
                cla: header[0],
                ins: header[1],
                p1: header[2],
                p2: header[3],
                data: objects + [0x8E, 0x08] + mac,
                le: le
            )
        }
        func expectReason(_ command: CommandAPDU, _ code: SecureChannelError.Code, _ words: String) {
            do throws(SecureChannelError) {
                _ = try messaging.unprotect(command: command, counter: counter)
                Issue.record("accepted: \(command)")
            } catch {
                #expect(error.code == code, "\(error.debugDescription)")
                #expect("\(error)".contains(words), "\(error)")
            }
        }

        let unpadded = try keys.encryption.encrypt(
            Array(repeating: 0x41, count: 8),
            mode: .cbc(iv: Array(repeating: 0, count: 8))
        )
        expectReason(try signed([0x0C, 0xD6, 0, 0], [0x87, 0x09, 0x01] + unpadded), .malformedCommand, "bad padding")
        let padded = try keys.encryption.encrypt(
            Padding.iso9797Method2([1, 2, 3], blockSize: 8),
            mode: .cbc(iv: Array(repeating: 0, count: 8))
        )
        expectReason(
            try signed([0x0C, 0xD6, 0, 0], [0x87, 0x09, 0x02] + padded),
            .malformedCommand,
            "padding-content indicator"
        )
        expectReason(try signed([0x0C, 0xD7, 0, 0], [0x87, 0x09, 0x01] + padded), .malformedCommand, "DO'85'")
        expectReason(try signed([0x0C, 0xD6, 0, 0], [0x87, 0x09, 0x01] + padded, le: 0x10), .malformedCommand, "Le")
        expectReason(try signed([0x00, 0xD6, 0, 0], [0x87, 0x09, 0x01] + padded), .malformedCommand, "CLA 00")
        expectReason(
            CommandAPDU(cla: 0x0C, ins: 0xD6, p1: 0, p2: 0, data: [0x87, 0x09, 0x01] + padded, le: 256),
            .malformedCommand,
            "missing DO'8E'"
        )
        expectReason(
            CommandAPDU(cla: 0x0C, ins: 0xD6, p1: 0, p2: 0, data: [0x87, 0x20, 0x01] + padded, le: 256),
            .malformedCommand,
            "claims"
        )
        var good = try signed([0x0C, 0xD6, 0, 0], [0x87, 0x09, 0x01] + padded)
        #expect(try messaging.unprotect(command: good, counter: counter).data == [1, 2, 3])
        good.data[good.data.count - 1] ^= 1
        expectReason(good, .commandMACMismatch, "DO'8E'")
    }

    /// The two readings of the case 1 checksum differ only without data objects; each side must use the card's.
    @Test func caseOneChecksumReadings() throws {
        let icao = try Self.setups[1].messaging(padding: .always)
        let egk = try Self.setups[1].messaging(padding: .omittedAfterBareHeader)
        let counter = ISOSecureMessaging.SendSequenceCounter.zero(for: .aes).incremented()
        let caseOne = CommandAPDU(cla: 0x00, ins: 0x44, p1: 0x00, p2: 0x00)
        let caseThree = CommandAPDU(cla: 0x00, ins: 0xD6, p1: 0x00, p2: 0x00, data: [1])
        #expect(try icao.protect(caseOne, counter: counter) != egk.protect(caseOne, counter: counter))
        #expect(try icao.protect(caseThree, counter: counter) == egk.protect(caseThree, counter: counter))
        expectISOError(.commandMACMismatch) {
            try egk.unprotect(command: try icao.protect(caseOne, counter: counter), counter: counter)
        }
        #expect(try egk.unprotect(command: try egk.protect(caseOne, counter: counter), counter: counter) == caseOne)
    }

    /// The counter is big-endian and wraps to zero.
    @Test func sendSequenceCounterArithmetic() throws {
        let counter = try ISOSecureMessaging.SendSequenceCounter(bytes: try bytes("887022120C06C2FF"))
        #expect(counter.incremented().description == "887022120C06C300")
        let top = try ISOSecureMessaging.SendSequenceCounter(bytes: Array(repeating: 0xFF, count: 16))
        #expect(top.incremented() == .zero(for: .aes))
        #expect(ISOSecureMessaging.SendSequenceCounter.zero(for: .tripleDES).bytes.count == 8)
    }
}
