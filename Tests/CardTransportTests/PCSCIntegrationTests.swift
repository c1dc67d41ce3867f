import APDUTypes
import CardTransport
import CardTransportPCSC
import CardTransportVPCD
import Testing

/// The whole stack: PCSCCardChannel → libpcsclite → the real pcscd → vpcd → VirtualCardLink → TestCard.
///
/// Needs pcscd with the vpcd driver: run `.ci/pcscd start` before `swift test`. Without it these
/// tests fail (they do not skip). Serialized, because vpcd's first reader holds one card at a time.
@Suite("PC/SC through pcscd and vpcd", .serialized)
struct PCSCIntegrationTests {
    /// vpcd's first reader, which these tests fill and empty.
    static let reader = "Virtual PCD 00 00"
    /// vpcd's second reader; other tests may use it, so these tests only expect it in the list.
    static let secondReader = "Virtual PCD 00 01"

    /// An ATR announcing T=1 (TD1 = 80: T=0 and TD2 follows; TD2 = 01: T=1), with historical bytes
    /// that name the test, so a test never mistakes the previous test's card for its own.
    static func t1AnswerToReset(_ tag: UInt8) -> [UInt8] {
        let body: [UInt8] = [0x83, 0x80, 0x01, 0xC5, 0x51, tag]
        return [0x3B] + body + [body.reduce(0, ^)]
    }

    /// An ATR announcing T=0 only (no interface bytes, so no TCK).
    static func t0AnswerToReset(_ tag: UInt8) -> [UInt8] {
        [0x3B, 0x03, 0xC5, 0x50, tag]
    }

    @Test("the vpcd readers are listed, and the card shows up with its ATR")
    func listsReaderAndCard() async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(1)) { context, card, _ in
            let readers = try context.readers()
            #expect(readers.contains(Self.reader))
            #expect(readers.contains(Self.secondReader))
            let state = try #require(try context.readerStates().first { $0.name == Self.reader })
            #expect(state.hasCard)
            #expect(state.answerToReset == card.answerToReset)
            #expect(try context.readersWithCard().contains(Self.reader))
        }
    }

    @Test("connect with no reader name takes the reader with a card; commands go through unchanged")
    func roundTrips() async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(2)) { context, card, _ in
            let channel = try context.connect(reader: nil)
            defer { channel.disconnect() }
            #expect(channel.readerName == Self.reader)
            #expect(channel.answerToReset == card.answerToReset)
            #expect(channel.activeProtocol == .t1)

            let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: [0xA0, 0x00, 0x00, 0x01, 0x51])
            #expect(try await channel.transmit(select) == CardResponse(statusWord: .success))

            let echo = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0, p2: 0, data: [1, 2, 3, 4, 5], le: 256)
            #expect(try await channel.transmit(echo) == CardResponse(data: [1, 2, 3, 4, 5], statusWord: .success))

            // 61xx comes back as it is: the channel does no GET RESPONSE of its own.
            let data = (0..<40).map { UInt8($0) }
            let deferred = CommandAPDU(cla: 0x80, ins: 0xCB, p1: 0, p2: 0, data: data)
            #expect(try await channel.transmit(deferred) == CardResponse(statusWord: StatusWord(0x6128)))
            let getResponse = CommandAPDU(cla: 0x00, ins: 0xC0, p1: 0, p2: 0, le: 0x28)
            #expect(try await channel.transmit(getResponse) == CardResponse(data: data, statusWord: .success))

            // 6Cxx comes back as it is too, and the caller resends with the right Le.
            let wrongLength = CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0, p2: 0, le: 256)
            #expect(try await channel.transmit(wrongLength) == CardResponse(statusWord: StatusWord(0x6C10)))
            let rightLength = CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0, p2: 0, le: 16)
            #expect(try await channel.transmit(rightLength) == CardResponse(data: TestCard.file, statusWord: .success))

            // The card received exactly the bytes sent, in order.
            #expect(card.commands == [select, echo, deferred, getResponse, wrongLength, rightLength].map(\.bytes))
            #expect(try channel.transmit(bytes: [0x00, 0xA4, 0x00, 0x00]) == [0x90, 0x00])
        }
    }

    @Test("a card whose ATR offers only T=0 is connected with T=0")
    func protocolT0() async throws {
        try await withVirtualCard(answerToReset: Self.t0AnswerToReset(3)) { context, _, _ in
            let channel = try context.connect(reader: Self.reader)
            defer { channel.disconnect() }
            #expect(channel.activeProtocol == .t0)
            let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: [0xA0, 0x00, 0x00, 0x01, 0x51])
            #expect(try await channel.transmit(select) == CardResponse(statusWord: .success))
        }
    }

    @Test("extended-length commands and responses", arguments: [300, 4096, 65000])
    func extendedLength(count: Int) async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(4)) { context, card, _ in
            let channel = try context.connect(reader: Self.reader)
            defer { channel.disconnect() }
            let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let command = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0, p2: 0, data: data, le: 65536)
            #expect(command.isExtended)
            let response = try await channel.transmit(command)
            #expect(response.statusWord == .success)
            #expect(response.data == data)
            #expect(card.commands == [command.bytes])
        }
    }

    @Test("a card removed in the middle of a session: transmit says so")
    func cardRemovedMidSession() async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(5)) { context, _, link in
            let channel = try context.connect(reader: Self.reader)
            defer { channel.disconnect() }
            let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: [0xA0, 0x00, 0x00, 0x01, 0x51])
            #expect(try await channel.transmit(select) == CardResponse(statusWord: .success))

            link.stop()
            #expect(link.waitUntilClosed(timeout: .seconds(5)) == .stopped)
            let error = try await #require(throws: CardTransportError.self) {
                try await channel.transmit(select)
            }
            #expect([CardTransportError.Code.cardRemoved, .noCard].contains(error.code), "\(error)")
            #expect(error.serviceStatus != nil)
            #expect(error.reason.contains(Self.reader))
            // Later commands keep failing the same way; none reaches a card.
            let again = try await #require(throws: CardTransportError.self) {
                try await channel.transmit(select)
            }
            #expect([CardTransportError.Code.cardRemoved, .noCard].contains(again.code), "\(again)")
        }
    }

    /// pcscd must have seen the first card leave: vpcd takes a second card that connects within one
    /// poll (about 0.44 s) for the first one still being there, and sends it the old session's commands.
    @Test("a card replaced by another: the old channel says cardRemoved, and the new card sees nothing")
    func cardReplaced() async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(9)) { context, first, link in
            let channel = try context.connect(reader: Self.reader)
            defer { channel.disconnect() }
            let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: [0xA0, 0x00, 0x00, 0x01, 0x51])
            #expect(try await channel.transmit(select) == CardResponse(statusWord: .success))

            link.stop()
            link.waitUntilClosed()
            try await withVirtualCard(answerToReset: Self.t1AnswerToReset(10)) { _, second, _ in
                let error = try await #require(throws: CardTransportError.self) {
                    try await channel.transmit(select)
                }
                #expect(error.code == .cardRemoved, "\(error)")
                #expect(error.serviceStatus == Int(0x8010_0069), "SCARD_W_REMOVED_CARD")
                #expect(second.commands.isEmpty)
            }
            #expect(first.commands == [select.bytes])
        }
    }

    @Test("a reader name that does not exist: noReader, and the message lists the readers")
    func unknownReader() async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(6)) { context, _, _ in
            let error = try #require(throws: CardTransportError.self) {
                try context.connect(reader: "No Such Reader 00 00")
            }
            #expect(error.code == .noReader)
            #expect(error.reason.contains("'No Such Reader 00 00'"))
            #expect(error.reason.contains("'\(Self.reader)'"))
            #expect(error.reason.contains("'\(Self.secondReader)'"))
        }
    }

    @Test("connecting to an empty reader: noCard")
    func emptyReader() async throws {
        let context = try requirePCSCD()
        try await waitUntilEmpty(context, reader: Self.reader, timeout: .seconds(5))
        let error = try #require(throws: CardTransportError.self) {
            try context.connect(reader: Self.reader)
        }
        #expect(error.code == .noCard, "\(error)")
        #expect(error.reason.contains(Self.reader))
    }

    @Test("waiting for a card in an empty reader times out with noCard")
    func waitTimesOut() async throws {
        let context = try requirePCSCD()
        try await waitUntilEmpty(context, reader: Self.reader, timeout: .seconds(5))
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(throws: CardTransportError.self) {
            try context.waitForCard(reader: Self.reader, timeout: .milliseconds(600))
        }
        #expect(error.code == .noCard)
        #expect(error.reason.contains(Self.reader))
        #expect(clock.now - start >= .milliseconds(600))
        #expect(clock.now - start < .seconds(3))
        #expect(throws: CardTransportError(code: .noReader, reason: "")) {
            try context.waitForCard(reader: "No Such Reader 00 00", timeout: .milliseconds(100))
        }
    }

    @Test("waiting for a card returns as soon as pcscd sees one")
    func waitSeesCard() async throws {
        let context = try requirePCSCD()
        try await waitUntilEmpty(context, reader: Self.reader, timeout: .seconds(5))
        let card = TestCard(answerToReset: Self.t1AnswerToReset(11))
        let link = VirtualCardLink(card: card)
        try link.start()
        defer {
            link.stop()
            link.waitUntilClosed()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let state = try context.waitForCard(reader: Self.reader, timeout: .seconds(5))
        #expect(state.name == Self.reader)
        #expect(state.answerToReset == card.answerToReset)
        // pcscd polls vpcd about every 0.44 s: the card shows up within one or two polls.
        #expect(clock.now - start < .seconds(2))
    }

    @Test("after disconnect, transmit throws closed; with resetCard the card is reset or powered down")
    func disconnect() async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(7)) { context, card, _ in
            let channel = try context.connect(reader: Self.reader)
            #expect(channel.isConnected)
            #expect(try channel.transmit(bytes: [0x00, 0xA4, 0x00, 0x00]) == [0x90, 0x00])
            let eventsBefore = card.events.count
            channel.disconnect(resetCard: true)
            channel.disconnect()  // A second disconnect does nothing.
            #expect(!channel.isConnected)
            #expect(throws: CardTransportError(code: .closed, reason: "")) {
                try channel.transmit(bytes: [0x00, 0xA4, 0x00, 0x00])
            }
            let after = card.events.dropFirst(eventsBefore)
            #expect(after.contains(.reset) || after.contains(.powerOff), "\(Array(after))")
            #expect(card.commands.count == 1)
        }
    }

    @Test("connect reports the card now in the reader, not an earlier one")
    func freshCardPerTest() async throws {
        try await withVirtualCard(answerToReset: Self.t1AnswerToReset(8)) { context, card, _ in
            let channel = try context.connect(reader: nil)
            defer { channel.disconnect() }
            #expect(channel.answerToReset == Self.t1AnswerToReset(8))
            #expect(card.commands.isEmpty)
        }
    }
}

// MARK: - Support

/// pcscd or its vpcd reader is missing: the tests cannot run, and say how to fix it.
struct PCSCDNotRunning: Error, CustomStringConvertible {
    let detail: String

    var description: String {
        "pcscd with the vpcd driver is not running: run `.ci/pcscd start` before `swift test` (\(detail))"
    }
}

/// A PC/SC context, or a failure that says to run `.ci/pcscd start`.
func requirePCSCD() throws -> PCSCContext {
    let context: PCSCContext
    do {
        context = try PCSCContext()
    } catch {
        throw PCSCDNotRunning(detail: "\(error)")
    }
    let readers = try context.readers()
    guard readers.contains(PCSCIntegrationTests.reader) else {
        throw PCSCDNotRunning(detail: "no reader '\(PCSCIntegrationTests.reader)'; readers: \(readers)")
    }
    return context
}

/// Inserts a fresh ``TestCard`` into `Virtual PCD 00 00`, waits until pcscd sees it, runs `body`,
/// then removes the card.
///
/// Waits first until the reader is empty, so that the previous test's card (which pcscd notices
/// gone only at its next poll) is never taken for this one; the ATR check makes sure of it.
func withVirtualCard(
    answerToReset: [UInt8],
    _ body: (PCSCContext, TestCard, VirtualCardLink) async throws -> Void
) async throws {
    let context = try requirePCSCD()
    try await waitUntilEmpty(context, reader: PCSCIntegrationTests.reader, timeout: .seconds(5))

    let card = TestCard(answerToReset: answerToReset)
    let link = VirtualCardLink(card: card, port: VirtualCardLink.defaultPort)
    do {
        try link.start()
    } catch {
        throw PCSCDNotRunning(detail: "\(error)")
    }
    defer {
        link.stop()
        link.waitUntilClosed()
    }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(5))
    while true {
        let state = try context.waitForCard(
            reader: PCSCIntegrationTests.reader,
            timeout: clock.now.duration(to: deadline)
        )
        if state.answerToReset == answerToReset {
            break
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    try await body(context, card, link)
}

/// Waits until pcscd reports no card in a reader.
func waitUntilEmpty(_ context: PCSCContext, reader: String, timeout: Duration) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while try context.readerStates().first(where: { $0.name == reader })?.isCardPresent == true {
        guard clock.now < deadline else {
            throw PCSCDNotRunning(
                detail: "'\(reader)' still holds a card after \(timeout): is another card plugged in?"
            )
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}
