import APDUTypes
import CardTransportVPCD
import Testing

/// The vpcd protocol, with a loopback listener playing vpcd.
@Suite("VirtualCardLink with a loopback vpcd")
struct VirtualCardLinkTests {
    static let atr: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01]

    /// A started link to a loopback vpcd, and vpcd's end of the connection.
    struct Connected {
        let card: TestCard
        let link: VirtualCardLink
        let vpcd: LoopbackPeer
        let listener: LoopbackListener
    }

    func connect(maximumMessageLength: Int = 0xFFFF) throws -> Connected {
        let listener = try LoopbackListener()
        let card = TestCard(answerToReset: Self.atr)
        let link = VirtualCardLink(
            card: card,
            host: "127.0.0.1",
            port: listener.port,
            maximumMessageLength: maximumMessageLength
        )
        try link.start()
        let vpcd = try listener.accept()
        return Connected(card: card, link: link, vpcd: vpcd, listener: listener)
    }

    @Test("an ATR request (04) is answered with the ATR, framed with its length")
    func answersATRRequest() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        try connected.vpcd.sendMessage([0x04])
        #expect(try connected.vpcd.receive(count: 7) == [0x00, 0x05] + Self.atr)
        try connected.vpcd.sendMessage([0x04])
        #expect(try connected.vpcd.receiveMessage() == Self.atr)
    }

    @Test("power off, power on and reset reach the card and are never answered")
    func controlBytesAreNotAnswered() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        for control: UInt8 in [0x01, 0x00, 0x01, 0x02] {
            try connected.vpcd.sendMessage([control])
        }
        #expect(try connected.vpcd.isSilent(for: .milliseconds(200)))
        // The next thing the link sends is the answer to this request: nothing came in between.
        try connected.vpcd.sendMessage([0x04])
        #expect(try connected.vpcd.receive(count: 7) == [0x00, 0x05] + Self.atr)
        #expect(connected.card.events == [.powerOn, .powerOff, .powerOn, .reset])
    }

    @Test("an unknown control byte is ignored: not answered, not passed to the card")
    func unknownControlIsIgnored() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        try connected.vpcd.sendMessage([0x03])
        try connected.vpcd.sendMessage([0xFF])
        #expect(try connected.vpcd.isSilent(for: .milliseconds(100)))
        try connected.vpcd.sendMessage([0x04])
        #expect(try connected.vpcd.receiveMessage() == Self.atr)
        #expect(connected.card.events.isEmpty)
        #expect(connected.link.isRunning)
    }

    @Test("an APDU goes to the card unchanged and its response comes back framed")
    func apduRoundTrip() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00]
        try connected.vpcd.sendMessage(select)
        #expect(try connected.vpcd.receive(count: 4) == [0x00, 0x02, 0x90, 0x00])

        let echo: [UInt8] = [0x80, 0xCA, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00]
        try connected.vpcd.sendMessage(echo)
        #expect(try connected.vpcd.receiveMessage() == [0xAA, 0xBB, 0xCC, 0x90, 0x00])
        // A two-byte message is an APDU too, not a control message.
        try connected.vpcd.sendMessage([0x00, 0xA4])
        #expect(try connected.vpcd.receiveMessage() == [0x67, 0x00])

        #expect(connected.card.commands == [select, echo, [0x00, 0xA4]])
        #expect(connected.link.commandCount == 3)
    }

    @Test("an extended APDU with 4,000 data bytes and its 4,002-byte response")
    func extendedAPDU() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        let data = (0..<4000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let command = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0, p2: 0, data: data, le: 65536)
        try connected.vpcd.sendMessage(command.bytes)
        #expect(try connected.vpcd.receiveMessage() == data + [0x90, 0x00])
        #expect(connected.card.commands == [command.bytes])
    }

    @Test("a message that arrives one byte at a time is put back together")
    func partialReads() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        let echo: [UInt8] = [0x80, 0xCA, 0x00, 0x00, 0x02, 0x12, 0x34]
        connected.vpcd.setNoDelay(true)
        let message = [0x00, UInt8(echo.count)] + echo
        for byte in message.dropLast() {
            try connected.vpcd.send([byte])
            // Nothing reaches the card, and nothing comes back, until the message is complete.
            #expect(try connected.vpcd.isSilent(for: .milliseconds(5)))
        }
        #expect(connected.card.commands.isEmpty)
        try connected.vpcd.send([echo[echo.count - 1]])
        #expect(try connected.vpcd.receiveMessage() == [0x12, 0x34, 0x90, 0x00])
        #expect(connected.card.commands == [echo])
    }

    @Test("several messages in one segment are served one after the other")
    func coalescedMessages() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        try connected.vpcd.send([0x00, 0x01, 0x01, 0x00, 0x01, 0x04, 0x00, 0x04, 0x00, 0xA4, 0x00, 0x00])
        #expect(try connected.vpcd.receiveMessage() == Self.atr)
        #expect(try connected.vpcd.receiveMessage() == [0x90, 0x00])
        #expect(connected.card.events == [.powerOn, .command([0x00, 0xA4, 0x00, 0x00])])
    }

    @Test("a length above the maximum ends the link before the card sees anything")
    func oversizedLength() throws {
        let connected = try connect(maximumMessageLength: 300)
        try connected.vpcd.send([0x01, 0x2D])  // 301
        #expect(try connected.vpcd.seesEndOfStream())
        let reason = connected.link.waitUntilClosed(timeout: .seconds(5))
        #expect(reason == .failed(VirtualCardLinkError(code: .protocolViolation, reason: "")))
        #expect("\(String(describing: reason))".contains("301 bytes"))
        #expect(connected.card.events.isEmpty)
    }

    @Test("a message of exactly the maximum length is accepted")
    func maximumLengthAccepted() throws {
        let connected = try connect(maximumMessageLength: 300)
        defer { connected.link.stop() }
        let command = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0, p2: 0, data: [UInt8](repeating: 0x5A, count: 293))
        #expect(command.bytes.count == 300)
        try connected.vpcd.sendMessage(command.bytes)
        #expect(try connected.vpcd.receiveMessage() == [UInt8](repeating: 0x5A, count: 293) + [0x90, 0x00])
    }

    @Test("an empty message is a protocol violation")
    func emptyMessage() throws {
        let connected = try connect()
        try connected.vpcd.send([0x00, 0x00])
        #expect(try connected.vpcd.seesEndOfStream())
        #expect(
            connected.link.waitUntilClosed(timeout: .seconds(5))
                == .failed(VirtualCardLinkError(code: .protocolViolation, reason: ""))
        )
    }

    @Test("vpcd closing between messages ends the link without an error")
    func peerCloseBetweenMessages() throws {
        let connected = try connect()
        try connected.vpcd.sendMessage([0x00, 0xA4, 0x04, 0x00])
        #expect(try connected.vpcd.receiveMessage() == [0x90, 0x00])
        connected.vpcd.close()
        #expect(connected.link.waitUntilClosed(timeout: .seconds(5)) == .vpcdClosed)
        #expect(!connected.link.isRunning)
        #expect(connected.link.closeReason == .vpcdClosed)
    }

    @Test("vpcd closing inside a message is a lost connection", arguments: [[0x00], [0x00, 0x0A, 0x80, 0xCA, 0x00]])
    func peerCloseInsideMessage(bytes: [UInt8]) throws {
        let connected = try connect()
        connected.vpcd.setNoDelay(true)
        try connected.vpcd.send(bytes)
        #expect(try connected.vpcd.isSilent(for: .milliseconds(50)))
        connected.vpcd.close()
        let reason = connected.link.waitUntilClosed(timeout: .seconds(5))
        #expect(reason == .failed(VirtualCardLinkError(code: .connectionLost, reason: "")))
        #expect(connected.card.events.isEmpty)
    }

    @Test("stop closes the connection (the card is removed) and waitUntilClosed reports it")
    func stopRemovesTheCard() throws {
        let connected = try connect()
        #expect(connected.link.isRunning)
        connected.link.stop()
        #expect(try connected.vpcd.seesEndOfStream())
        #expect(connected.link.waitUntilClosed() == .stopped)
        #expect(!connected.link.isRunning)
        connected.link.stop()  // A second stop does nothing.
        #expect(connected.link.closeReason == .stopped)
    }

    @Test("a link starts once")
    func startsOnce() throws {
        let connected = try connect()
        #expect(throws: VirtualCardLinkError(code: .invalidState, reason: "")) {
            try connected.link.start()
        }
        connected.link.stop()
        connected.link.waitUntilClosed()
        #expect(throws: VirtualCardLinkError(code: .invalidState, reason: "")) {
            try connected.link.start()
        }
    }

    @Test("a link stopped before it started does not connect")
    func stopBeforeStart() throws {
        let listener = try LoopbackListener()
        let link = VirtualCardLink(card: TestCard(answerToReset: Self.atr), port: listener.port)
        #expect(link.waitUntilClosed() == nil)
        link.stop()
        #expect(link.waitUntilClosed() == .stopped)
        #expect(throws: VirtualCardLinkError(code: .invalidState, reason: "")) {
            try link.start()
        }
        #expect(throws: LoopbackError.self) {
            try listener.accept(timeout: .milliseconds(100))
        }
    }

    @Test("a refused connection says that vpcd is not listening and how to fix it")
    func connectionRefused() throws {
        let port = try LoopbackListener.closedPort()
        let link = VirtualCardLink(card: TestCard(answerToReset: Self.atr), host: "127.0.0.1", port: port)
        let error = try #require(throws: VirtualCardLinkError.self) {
            try link.start()
        }
        #expect(error.code == .vpcdNotListening)
        #expect(error.description.contains("127.0.0.1:\(port)"))
        #expect(error.description.contains("is pcscd running with the vpcd driver?"))
        #expect(link.closeReason == .failed(error))
    }

    @Test("a host name that does not resolve is an invalid address")
    func unresolvableHost() throws {
        let link = VirtualCardLink(card: TestCard(answerToReset: Self.atr), host: "no-such-host.invalid", port: 1)
        #expect(throws: VirtualCardLinkError(code: .invalidAddress, reason: "")) {
            try link.start()
        }
    }

    @Test("an ATR that is empty or longer than 33 bytes is refused before connecting", arguments: [0, 1, 34])
    func invalidATR(length: Int) throws {
        let listener = try LoopbackListener()
        let card = BrokenCard(answerToReset: [UInt8](repeating: 0x3B, count: length), response: [0x90, 0x00])
        let link = VirtualCardLink(card: card, port: listener.port)
        #expect(throws: VirtualCardLinkError(code: .invalidAnswerToReset, reason: "")) {
            try link.start()
        }
        #expect(throws: LoopbackError.self) {
            try listener.accept(timeout: .milliseconds(100))
        }
    }

    @Test("a response without a status word ends the link instead of reaching vpcd", arguments: [0, 1])
    func responseWithoutStatusWord(length: Int) throws {
        let listener = try LoopbackListener()
        let link = VirtualCardLink(
            card: BrokenCard(response: [UInt8](repeating: 0x90, count: length)),
            port: listener.port
        )
        try link.start()
        let vpcd = try listener.accept()
        try vpcd.sendMessage([0x00, 0xA4, 0x04, 0x00])
        #expect(try vpcd.seesEndOfStream())
        #expect(link.waitUntilClosed() == .failed(VirtualCardLinkError(code: .invalidResponse, reason: "")))
        #expect(link.commandCount == 0)
    }

    @Test("a response longer than a vpcd message holds ends the link")
    func responseTooLong() throws {
        let listener = try LoopbackListener()
        let link = VirtualCardLink(card: BrokenCard(response: [UInt8](repeating: 0, count: 65536)), port: listener.port)
        try link.start()
        let vpcd = try listener.accept()
        try vpcd.sendMessage([0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(try vpcd.seesEndOfStream())
        #expect(link.waitUntilClosed() == .failed(VirtualCardLinkError(code: .invalidResponse, reason: "")))
    }

    @Test("the largest response a vpcd message holds, 65,535 bytes, goes through")
    func largestResponse() throws {
        let listener = try LoopbackListener()
        let response = [UInt8](repeating: 0xA5, count: 65533) + [0x90, 0x00]
        let link = VirtualCardLink(card: BrokenCard(response: response), port: listener.port)
        defer { link.stop() }
        try link.start()
        let vpcd = try listener.accept()
        try vpcd.sendMessage([0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(try vpcd.receive(count: 2) == [0xFF, 0xFF])
        #expect(try vpcd.receive(count: 65535) == response)
    }

    /// The delayed-ACK trap: each message would wait about 40 ms without TCP_QUICKACK.
    ///
    /// Debian's vpcd sends each message in two `send`s. With Nagle's algorithm on the vpcd side and a
    /// delayed ACK on the card side, each message would wait about 40 ms for the ACK; the link
    /// re-arms TCP_QUICKACK before every receive, so 100 exchanges take milliseconds, not 4 s.
    @Test("messages sent in two parts are not held back by delayed ACKs")
    func noDelayedAcknowledgementStall() throws {
        let connected = try connect()
        defer { connected.link.stop() }
        connected.vpcd.setNoDelay(false)
        let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<100 {
            try connected.vpcd.sendMessageInTwoParts(select)
            #expect(try connected.vpcd.receive(count: 4) == [0x00, 0x02, 0x90, 0x00])
        }
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(1), "100 exchanges took \(elapsed)")
    }
}
