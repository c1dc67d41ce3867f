import APDUTypes
import CardCrypto
import Testing

@testable import SecureChannel

/// Protected commands and responses against published and generated vectors, in both directions.
struct ISOSecureMessagingVectorTests {
    /// ICAO Doc 9303 Part 11 appendix D.4: SELECT EF.COM and two READ BINARY, byte for byte, host and card.
    @Test func icaoWorkedExampleSession() throws {
        let file = try VectorFile<ISOSessionVector>.load("iso-sm-icao9303-bac-session")
        try replay(file.tests[0])
    }

    /// Sessions generated with Python `cryptography`: 3DES and AES-128/192/256, ISO cases 1 to 4, odd INS
    /// (DO'85'), proprietary and further interindustry classes, the largest chunks, protected errors.
    @Test func generatedSessions() throws {
        let file = try VectorFile<ISOSessionVector>.load("iso-sm-generated-sessions")
        #expect(file.tests.count == 5)
        for session in file.tests {
            try replay(session)
        }
    }

    /// AES commands published by the BSI EAC worked example, gematik's eGK tests and gmrtd, with their counters.
    @Test func publishedAESCommands() throws {
        let file = try VectorFile<ISOMessageVector>.load("iso-sm-aes-published")
        let commands = try #require(file.testGroups.first { $0.type == "Command" }).tests
        #expect(commands.count == 7)
        for test in commands {
            let messaging = try messaging(test)
            let counter = try ISOVectorSupport.counter(test.counter)
            let plain = try command(try #require(test.plainCommand))
            let protected = try messaging.protect(plain, counter: counter)
            if let expected = test.protectedCommand {
                #expect(protected.description == expected, "tcId \(test.tcId): \(test.comment)")
                let card = try messaging.unprotect(command: try command(expected), counter: counter)
                #expect(card == plain, "tcId \(test.tcId) card side")
            } else {
                let expectedData = try #require(test.protectedCommandData)
                #expect(protected.data.hexString == expectedData, "tcId \(test.tcId): \(test.comment)")
                #expect(protected.le == 256)
            }
        }
    }

    /// AES responses: BSI worked example, gematik (valid and invalid), and gmrtd's 223-byte response.
    @Test func publishedAESResponses() throws {
        let file = try VectorFile<ISOMessageVector>.load("iso-sm-aes-published")
        let responses = try #require(file.testGroups.first { $0.type == "Response" }).tests
        #expect(responses.count == 9)
        for test in responses {
            let messaging = try messaging(test)
            let counter = try ISOVectorSupport.counter(test.counter)
            let protected = try ISOVectorSupport.response(try #require(test.protectedResponse))
            if test.result == "valid" {
                let plain = try messaging.unprotect(response: protected, counter: counter)
                #expect(plain.description == test.plainResponse, "tcId \(test.tcId): \(test.comment)")
                let again = try messaging.protect(response: plain, counter: counter, instruction: 0xB0)
                #expect(again == protected, "tcId \(test.tcId): the card side makes the same bytes")
            } else {
                let code = try ISOVectorSupport.code(test.error)
                expectISOError(code, "tcId \(test.tcId): \(test.comment)") {
                    try messaging.unprotect(response: protected, counter: counter)
                }
            }
        }
    }

    /// gmrtd's AES-256 DO'87' value decrypts with IV = E(KS_ENC, SSC).
    @Test func publishedAES256Decryption() throws {
        let file = try VectorFile<ISOMessageVector>.load("iso-sm-aes-published")
        let tests = try #require(file.testGroups.first { $0.type == "Decrypt" }).tests
        for test in tests {
            let messaging = try messaging(test)
            #expect(messaging.keys.encryption.byteCount == 32)
            let value = try bytes(try #require(test.cryptogramObjectValue))
            #expect(value.first == 0x01)
            let plain = try messaging.decrypt(
                Array(value.dropFirst()),
                counter: try ISOVectorSupport.counter(test.counter),
                direction: .response
            )
            #expect(plain.hexString == test.plaintext)
        }
    }

    /// Replays a session through the stateful host and card, and each message through the pure functions.
    private func replay(_ vector: ISOSessionVector) throws {
        let messaging = try ISOVectorSupport.messaging(vector)
        let initial = try ISOVectorSupport.counter(vector.initialCounter)
        var host = try ISOSecureMessagingHost(messaging: messaging, counter: initial)
        var card = try ISOSecureMessagingCard(messaging: messaging, counter: initial)
        for (index, exchange) in vector.exchanges.enumerated() {
            let label = "tcId \(vector.tcId) exchange \(index + 1): \(exchange.comment)"
            let plainCommand = try command(exchange.plainCommand)
            let protectedCommand = try command(exchange.protectedCommand)
            let plainResponse = try ISOVectorSupport.response(exchange.plainResponse)
            let protectedResponse = try ISOVectorSupport.response(exchange.protectedResponse)

            // Host: protect the command.
            let wire = try host.protect(plainCommand)
            #expect(wire.description == exchange.protectedCommand, "\(label): protected command")
            #expect(host.counter?.description == exchange.commandCounter, "\(label): command counter")
            // Card: verify and decrypt it, protect the response.
            let received = try card.unprotect(command: protectedCommand)
            #expect(received == plainCommand, "\(label): command recovered by the card")
            #expect(card.counter?.description == exchange.commandCounter)
            let answer = try card.protect(response: plainResponse)
            #expect(answer == protectedResponse, "\(label): protected response")
            #expect(card.counter?.description == exchange.responseCounter, "\(label): response counter")
            // Host: verify and decrypt the response.
            let result = try host.unprotect(response: protectedResponse)
            #expect(result == plainResponse, "\(label): response recovered by the host")
            #expect(host.counter?.description == exchange.responseCounter)

            // The same through the pure functions with explicit counters.
            let commandCounter = try ISOVectorSupport.counter(exchange.commandCounter)
            let responseCounter = try ISOVectorSupport.counter(exchange.responseCounter)
            #expect(try messaging.protect(plainCommand, counter: commandCounter) == protectedCommand)
            #expect(try messaging.unprotect(command: protectedCommand, counter: commandCounter) == plainCommand)
            #expect(
                try messaging.protect(response: plainResponse, counter: responseCounter, instruction: plainCommand.ins)
                    == protectedResponse
            )
            #expect(try messaging.unprotect(response: protectedResponse, counter: responseCounter) == plainResponse)
        }
    }

    private func messaging(_ test: ISOMessageVector) throws -> ISOSecureMessaging {
        ISOSecureMessaging(
            keys: try ISOVectorSupport.keys(cipher: "AES", encryption: test.ksEnc, mac: test.ksMac),
            commandMACPadding: try ISOVectorSupport.padding(test.commandMACPadding)
        )
    }
}
