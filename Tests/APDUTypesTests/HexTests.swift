import APDUTypes
import Testing

struct HexTests {
    @Test func parsesSeparatedUpperAndLowerCase() throws {
        #expect(Hex.bytes("A0 00 00 01 51") == [0xA0, 0x00, 0x00, 0x01, 0x51])
        #expect(Hex.bytes("a0:00\n00\t0151") == [0xA0, 0x00, 0x00, 0x01, 0x51])
        #expect(Hex.bytes("") == [])
    }

    @Test func rejectsOddLengthAndBadCharacters() {
        #expect(Hex.parse("ABC") == .failure(.oddLength(digits: 3)))
        #expect(Hex.parse("A0 G1") == .failure(.invalidCharacter("G", offset: 3)))
        #expect(Hex.parse("0x12") == .failure(.invalidCharacter("x", offset: 1)))
    }

    @Test func formatsUpperCase() {
        #expect(Hex.string([0x00, 0xAB, 0xFF]) == "00ABFF")
        #expect(Hex.string([0x01, 0x02], separator: " ") == "01 02")
    }
}
