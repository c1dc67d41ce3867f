import Testing

@testable import CardTransportVPCD

@Suite("vpcd message framing")
struct VPCDMessageTests {
    @Test(
        "one-byte payloads are control messages",
        arguments: [
            (UInt8(0x00), VPCDMessage.powerOff), (0x01, .powerOn), (0x02, .reset), (0x04, .answerToResetRequest),
            (0x03, .unknownControl(0x03)), (0xFF, .unknownControl(0xFF)),
        ]
    )
    func controlMessages(byte: UInt8, expected: VPCDMessage) throws {
        #expect(try VPCDMessage(payload: [byte]) == expected)
    }

    @Test("two or more bytes are a command APDU, whatever the first byte")
    func commands() throws {
        #expect(try VPCDMessage(payload: [0x00, 0x01]) == .command([0x00, 0x01]))
        #expect(try VPCDMessage(payload: [0x04, 0x00, 0x00, 0x00]) == .command([0x04, 0x00, 0x00, 0x00]))
    }

    @Test("an empty payload is a protocol violation")
    func emptyPayload() {
        #expect(throws: VirtualCardLinkError(code: .protocolViolation, reason: "")) {
            try VPCDMessage(payload: [])
        }
    }

    @Test("framing puts a 16-bit big-endian length in front")
    func framing() {
        #expect(VPCDMessage.frame([0x90, 0x00]) == [0x00, 0x02, 0x90, 0x00])
        let long = [UInt8](repeating: 7, count: 0x1234)
        #expect(VPCDMessage.frame(long) == [0x12, 0x34] + long)
        #expect(VPCDMessage.frame([UInt8](repeating: 0, count: 0xFFFF))?.prefix(2) == [0xFF, 0xFF])
    }

    @Test("framing refuses what the length field cannot carry", arguments: [0, 0x10000])
    func framingLimits(count: Int) {
        #expect(VPCDMessage.frame([UInt8](repeating: 0, count: count)) == nil)
    }
}
