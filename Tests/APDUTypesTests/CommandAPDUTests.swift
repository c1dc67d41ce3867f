import APDUTypes
import Testing

/// The four ISO/IEC 7816-4 command cases (section 5.1), short and extended.
struct CommandAPDUTests {
    @Test func encodesTheFourShortCases() {
        #expect(CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00).bytes == [0x00, 0xA4, 0x04, 0x00])
        #expect(CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0, p2: 0, le: 256).bytes == [0x00, 0xB0, 0x00, 0x00, 0x00])
        #expect(
            CommandAPDU(cla: 0x80, ins: 0xE2, p1: 0x80, p2: 0, data: [0xAA]).bytes == [
                0x80, 0xE2, 0x80, 0x00, 0x01, 0xAA,
            ]
        )
        #expect(
            CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: [1, 2, 3, 4, 5], le: 256).bytes
                == [0x00, 0xA4, 0x04, 0x00, 0x05, 1, 2, 3, 4, 5, 0x00]
        )
    }

    @Test func encodesExtendedLengths() {
        let data = [UInt8](repeating: 0x11, count: 300)
        let bytes = CommandAPDU(cla: 0x80, ins: 0xE8, p1: 0, p2: 0, data: data, le: 65536).bytes
        #expect(Array(bytes.prefix(7)) == [0x80, 0xE8, 0x00, 0x00, 0x00, 0x01, 0x2C])
        #expect(Array(bytes.suffix(2)) == [0x00, 0x00])
        #expect(bytes.count == 4 + 3 + 300 + 2)
        #expect(CommandAPDU(cla: 0, ins: 0xB0, p1: 0, p2: 0, le: 1000).bytes == [0, 0xB0, 0, 0, 0x00, 0x03, 0xE8])
    }

    @Test(arguments: [
        "00A40400", "00B0000000", "80E2800001AA", "00A4040005010203040500",
        "80E8000000012C" + String(repeating: "11", count: 300), "00B00000000000",
    ])
    func decodingReencodesTheSameBytes(_ hex: String) throws {
        let bytes = try #require(Hex.bytes(hex))
        let apdu = try CommandAPDU(bytes: bytes)
        #expect(apdu.bytes == bytes)
    }

    @Test func rejectsInconsistentLengths() {
        #expect(throws: CommandAPDU.ParseError.tooShort) { try CommandAPDU(bytes: [0x00, 0xA4, 0x04]) }
        #expect(throws: CommandAPDU.ParseError.inconsistentLength) {
            try CommandAPDU(bytes: [0x00, 0xA4, 0x04, 0x00, 0x05, 0x01])
        }
        #expect(throws: CommandAPDU.ParseError.inconsistentLength) {
            try CommandAPDU(bytes: [0x00, 0xA4, 0x04, 0x00, 0x00, 0x01])
        }
    }
}

/// BER-TLV lengths and tags as ISO/IEC 7816-4 section 5.2 and GlobalPlatform use them.
struct BERTLVTests {
    @Test(
        arguments: [
            (0, [0x00]), (127, [0x7F]), (128, [0x81, 0x80]), (255, [0x81, 0xFF]), (256, [0x82, 0x01, 0x00]),
            (65535, [0x82, 0xFF, 0xFF]), (65536, [0x83, 0x01, 0x00, 0x00]),
        ] as [(Int, [UInt8])]
    )
    func encodesDefiniteLengths(_ length: Int, _ expected: [UInt8]) {
        #expect(BERTLV.encodeLength(length) == expected)
    }

    @Test func validatesTags() {
        #expect(BERTLV.isValidTag([0x4F]))
        #expect(BERTLV.isValidTag([0x5F, 0x20]))
        #expect(BERTLV.isValidTag([0x9F, 0x7F]))
        #expect(BERTLV.isValidTag([0x5F, 0xC1, 0x02]))
        #expect(!BERTLV.isValidTag([]))
        #expect(!BERTLV.isValidTag([0x5F]))
        #expect(!BERTLV.isValidTag([0x4F, 0x01]))
        #expect(!BERTLV.isValidTag([0x5F, 0xC1]))
        #expect(!BERTLV.isValidTag([0x5F, 0x20, 0x01]))
    }

    @Test func encodesAndDecodes() throws {
        let value = [UInt8](repeating: 0xAB, count: 200)
        let encoded = try BERTLV.encode(tag: [0x5F, 0x20], value: value)
        #expect(Array(encoded.prefix(4)) == [0x5F, 0x20, 0x81, 0xC8])
        let decoded = try #require(BERTLV.decode(encoded + [0x4F, 0x00]))
        #expect(decoded == [.init(tag: [0x5F, 0x20], value: value), .init(tag: [0x4F], value: [])])
        #expect(throws: BERTLV.EncodingError.invalidTag([0x5F])) { try BERTLV.encode(tag: [0x5F], value: []) }
        #expect(BERTLV.decode([0x4F, 0x05, 0x01]) == nil)
        #expect(BERTLV.decode([0x4F, 0x80]) == nil)
    }
}

struct StatusWordTests {
    @Test func describesCommonStatusWords() {
        #expect(StatusWord(0x6A88).description == "6A88")
        #expect(StatusWord(0x6A88).meaning == "referenced data not found")
        #expect(StatusWord(sw1: 0x61, sw2: 0x10).meaning == "16 more bytes available (GET RESPONSE)")
        #expect(StatusWord(0x63C2).meaning == "verification failed, 2 tries left")
        #expect(StatusWord(0x1234).meaning == nil)
    }

    @Test func checksAIDLengths() {
        #expect(ApplicationIdentifier(hex: "A000000151") != nil)
        #expect(ApplicationIdentifier(hex: "A0000001") == nil)
        #expect(ApplicationIdentifier([UInt8](repeating: 0xA0, count: 17)) == nil)
        #expect(ApplicationIdentifier(hex: "A000000151000000")?.rid == [0xA0, 0x00, 0x00, 0x01, 0x51])
    }
}
