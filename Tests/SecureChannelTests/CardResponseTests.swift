import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Responses secured by the card (R-MAC, R-ENCRYPTION) and checked by the host.
struct CardResponseTests {
    /// Traces with R-MAC: SCP02 i=75 levels 11 and 13, SCP03 levels 11 and 33, S8 and S16.
    static let responseMACTraces = [
        "trace-scp02-jcexpress-spec-i75-level11",
        "trace-scp02-jcexpress-spec-i75-level13",
        "trace-scp03-pysim-aes128-11",
        "trace-scp03-pysim-aes256-33",
        "trace-scp03-kaoh-send-apdu-rmac-rencryption",
        "trace-scp03-samsung-aes128-s16",
    ]

    /// A host session and the card session it talks to.
    struct SessionPair: ~Copyable {
        var host: SecureChannelSession
        var card: CardSecureChannelSession
    }

    /// A host session and the card session it authenticated, and the response to EXTERNAL AUTHENTICATE checked.
    static func openPair(_ trace: TraceVector) throws -> SessionPair {
        var host = try trace.makeSession()
        var card = try CardTraceReplay.open(trace)
        let initializeUpdateResponseValue = card.initializeUpdateResponse
        let cardResponse = try #require(initializeUpdateResponseValue)
        try host.receiveInitializeUpdateResponse(cardResponse.bytes)
        try card.receiveExternalAuthenticate(try host.externalAuthenticateCommand())
        let response = try card.wrap(response: [], statusWord: .success)
        #expect(response == CardResponse(data: [], statusWord: .success), "no R-MAC on EXTERNAL AUTHENTICATE")
        #expect(try host.unwrap(response: response.bytes) == response)
        return SessionPair(host: host, card: card)
    }

    /// One command from the host through the card, and its response from the card through the host.
    static func exchange(
        _ pair: inout SessionPair,
        command plain: CommandAPDU,
        response: CardResponse
    ) throws -> CardResponse {
        #expect(try pair.card.unwrap(try pair.host.wrap(plain)) == plain)
        return try pair.card.wrap(response: response.data, statusWord: response.statusWord)
    }

    /// Responses of many lengths and status words go from the card to the host and come out as they went in.
    @Test(arguments: responseMACTraces)
    func responsesRoundTrip(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        var pair = try Self.openPair(trace)
        let plain = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0xFE, data: [0x01, 0x02, 0x03], le: 256)
        for length in [0, 1, 7, 8, 15, 16, 17, 100, 223] {
            for statusWord: UInt16 in [0x9000, 0x6310, 0x6200, 0x6A88, 0x6982] {
                let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
                let response = CardResponse(data: data, statusWord: StatusWord(statusWord))
                let secured = try Self.exchange(&pair, command: plain, response: response)
                #expect(
                    try pair.host.unwrap(response: secured.bytes) == response,
                    "\(length) bytes, SW \(response.statusWord)"
                )
            }
        }
        #expect(pair.card.acceptedCommandCount == 45)
    }

    /// Changing any byte of a secured response (data, R-MAC, status word) makes the host reject it for good.
    ///
    /// SCP03 responses with status words other than `9000`, `62xx` and `63xx` carry no R-MAC, so the
    /// SCP03 case answers `6310` and changes the status word only within `62xx` and `63xx`.
    @Test(arguments: responseMACTraces)
    func changedResponseFailsOnTheHost(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        let plain = CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x40, p2: 0x02, data: [0x4F, 0x00], le: 256)
        let response = CardResponse(data: Array(0..<21), statusWord: StatusWord(0x6310))
        let secured = try {
            var pair = try Self.openPair(trace)
            return try Self.exchange(&pair, command: plain, response: response)
        }()
        for position in secured.bytes.indices {
            var pair = try Self.openPair(trace)
            _ = try Self.exchange(&pair, command: plain, response: response)
            var tampered = secured.bytes
            tampered[position] ^= 0x01
            #expect(throws: SecureChannelError(code: .responseMACMismatch, reason: ""), "byte \(position)") {
                try pair.host.unwrap(response: tampered)
            }
            let failure = pair.host.failure
            #expect(failure?.code == .responseMACMismatch)
            #expect(throws: SecureChannelError(code: .invalidState, reason: "")) { try pair.host.wrap(plain) }
        }
    }

    /// An SCP03 response with an error status word goes out as it is: no R-MAC, no R-ENCRYPTION.
    @Test func scp03ErrorStatusWordsAreNotSecured() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-33").vector
        var pair = try Self.openPair(trace)
        let response = CardResponse(data: [0x01, 0x02], statusWord: .referencedDataNotFound)
        let plain = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256)
        let secured = try Self.exchange(&pair, command: plain, response: response)
        #expect(secured == response)
        #expect(try pair.host.unwrap(response: secured.bytes) == response)
    }

    /// Each command's response is secured once; a second call is refused and leaves the channel open.
    @Test(arguments: ["trace-scp02-jcexpress-spec-i75-level11", "trace-scp03-pysim-aes128-33"])
    func securesEachResponseOnce(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        var pair = try Self.openPair(trace)
        let plain = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256)
        let response = CardResponse(data: [0x66, 0x00], statusWord: .success)
        let secured = try Self.exchange(&pair, command: plain, response: response)
        #expect(throws: SecureChannelError(code: .invalidState, reason: "")) {
            try pair.card.wrap(response: response.data, statusWord: response.statusWord)
        }
        #expect(pair.card.isAuthenticated == true)
        #expect(try pair.host.unwrap(response: secured.bytes) == response)
        let next = try Self.exchange(&pair, command: plain, response: response)
        #expect(try pair.host.unwrap(response: next.bytes) == response)
    }

    /// Without R-MAC (SCP01, or C-MAC levels) responses go out as they are.
    @Test(arguments: [
        "trace-scp01-kaoh-install", "trace-scp02-kaoh-install-mac-enc", "trace-scp03-kaoh-delete-application",
    ])
    func responsesWithoutResponseMACPassThrough(_ name: String) throws {
        let trace = try TraceCase.named(name).vector
        var pair = try Self.openPair(trace)
        let response = CardResponse(data: [0x01, 0x02, 0x03], statusWord: .success)
        let plain = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256)
        #expect(try Self.exchange(&pair, command: plain, response: response) == response)
    }

    /// A response that would not fit a short APDU once secured is refused, and the channel stays usable.
    @Test func refusesResponsesThatGrowTooLong() throws {
        let trace = try TraceCase.named("trace-scp03-pysim-aes128-33").vector
        var pair = try Self.openPair(trace)
        let plain = CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0x66, le: 256)
        #expect(try pair.card.unwrap(try pair.host.wrap(plain)) == plain)
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            try pair.card.wrap(response: [UInt8](repeating: 0xAB, count: 240), statusWord: .success)
        }
        let response = CardResponse(data: [UInt8](repeating: 0xAB, count: 200), statusWord: .success)
        let secured = try pair.card.wrap(response: response.data, statusWord: response.statusWord)
        #expect(try pair.host.unwrap(response: secured.bytes) == response)
    }
}
