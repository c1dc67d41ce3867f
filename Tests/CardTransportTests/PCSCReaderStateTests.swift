import CPCSCLite
import Testing

@testable import CardTransportPCSC

@Suite("PCSCReaderState flags")
struct PCSCReaderStateTests {
    @Test("a present card that answers")
    func presentCard() {
        let state = PCSCReaderState(
            name: "Reader 00 00",
            flags: UInt32(SCARD_STATE_PRESENT | SCARD_STATE_INUSE | SCARD_STATE_CHANGED) | 0x002D_0000,
            answerToReset: [0x3B, 0x02, 0x14, 0x50]
        )
        #expect(state.isCardPresent)
        #expect(state.hasCard)
        #expect(state.isInUse)
        #expect(!state.isExclusive)
        #expect(!state.isMute)
        #expect(state.description == "Reader 00 00: card 3B021450")
    }

    @Test("a mute card is present but is not a card to talk to")
    func muteCard() {
        let state = PCSCReaderState(
            name: "Reader 00 00",
            flags: UInt32(SCARD_STATE_PRESENT | SCARD_STATE_MUTE),
            answerToReset: []
        )
        #expect(state.isCardPresent)
        #expect(state.isMute)
        #expect(!state.hasCard)
        #expect(state.description == "Reader 00 00: mute card")
    }

    @Test("an empty reader")
    func emptyReader() {
        let state = PCSCReaderState(name: "Reader 00 01", flags: UInt32(SCARD_STATE_EMPTY), answerToReset: [])
        #expect(!state.isCardPresent)
        #expect(!state.hasCard)
        #expect(!state.isUnavailable)
        #expect(state.description == "Reader 00 01: empty")
    }

    @Test(
        "durations become PC/SC timeouts in whole milliseconds, never negative and never INFINITE",
        arguments: [
            (Duration.milliseconds(1500), DWORD(1500)), (.microseconds(999), 0), (.seconds(-3), 0), (.zero, 0),
            (.seconds(Int64.max / 2), DWORD(cardseq_infinite) - 1),
        ]
    )
    func timeouts(duration: Duration, milliseconds: DWORD) {
        #expect(duration.wholeMilliseconds == milliseconds)
    }
}
