import APDUTypes
import Testing

@testable import SequenceCompiler

/// Known answers for every function and operator of the template language.
struct TemplateFunctionTests {
    private static func hex(_ text: String) -> TemplateValue {
        .bytes(TemplateFixture.bytes(text))
    }

    /// Expressions whose value is bytes, with the value in hex.
    static let bytesCases: [(String, String)] = [
        // tlv
        ("tlv(0x5F20, ascii('AB'))", "5F20024142"),
        ("tlv(0x9F7F)", "9F7F00"),
        ("tlv(0x70, 0x01, 0x0203)", "7003010203"),
        ("tlv(0xBF0C, tlv(0x9F4D, 0x0B0A))", "BF0C059F4D020B0A"),
        ("tlv(0xDF8101, 0xAA)", "DF810101AA"),
        // dgi
        ("dgi(0x9102, 0xAABB)", "910202AABB"),
        ("dgi(0x0101)", "010100"),
        ("dgi(0x0202, 0x01, 0x02)", "0202020102"),
        // concat and ||
        ("concat(0x01, 0x02, 0x0304)", "01020304"),
        ("concat(0x01)", "01"),
        ("0x01 || 0x02 || serial[0:2]", "01020102"),
        // pad, lpad, pad80
        ("pad(0x0102, 4)", "01020000"),
        ("pad(0x0102, 4, 0xFF)", "0102FFFF"),
        ("pad(0x0102, 2)", "0102"),
        ("lpad(0x0102, 4)", "00000102"),
        ("lpad(0x0102, 3, 0x20)", "200102"),
        ("pad80(0x0102, 8)", "0102800000000000"),
        ("pad80(0x01020304050607, 8)", "0102030405060780"),
        ("pad80(0x0102030405060708, 8)", "01020304050607088000000000000000"),
        ("pad80(0x01, 1)", "0180"),
        // slice
        ("slice(0x01020304, 1, 2)", "0203"),
        ("slice(0x01020304, 1)", "020304"),
        ("slice(0x01020304, -2)", "0304"),
        ("slice(0x01020304, 4)", ""),
        ("slice(0x01020304, 0, 0)", ""),
        // bytes, u8, u16, u32
        ("bytes(258, 2)", "0102"),
        ("bytes(1, 4)", "00000001"),
        ("bytes(0, 0)", ""),
        ("bytes(9223372036854775807, 9)", "007FFFFFFFFFFFFFFF"),
        ("u8(255)", "FF"),
        ("u8(0)", "00"),
        ("u16(4660)", "1234"),
        ("u32(1)", "00000001"),
        ("u32(4294967295)", "FFFFFFFF"),
        // bcd, bcdf
        ("bcd(1234, 3)", "001234"),
        ("bcd(1234)", "1234"),
        ("bcd(123)", "0123"),
        ("bcd(0)", "00"),
        ("bcd('0042')", "0042"),
        ("bcd('0042', 3)", "000042"),
        ("bcd(customer_id, 4)", "00004711"),
        ("bcdf('4761739001010010', 10)", "4761739001010010FFFF"),
        ("bcdf(pan, 8)", "4761739001010010"),
        ("bcdf('123', 2)", "123F"),
        ("bcdf('', 1)", "FF"),
        // ascii, utf8, hex
        ("ascii('AB')", "4142"),
        ("ascii(customer_name)", "4A616E6520446F65"),
        ("utf8('é')", "C3A9"),
        ("utf8('')", ""),
        ("hex('A0 00 00 01 51')", "A000000151"),
        ("hex('a0:0b')", "A00B"),
        // aid
        ("aid(0xA000000151)", "A000000151"),
        ("aid(cap.package.aid || 0x01)", "A00000015100" + "01"),
        ("aid(0xA0000001510000000000000000000000)", "A0000001510000000000000000000000"),
        // berlen
        ("berlen(5)", "05"),
        ("berlen(127)", "7F"),
        ("berlen(128)", "8180"),
        ("berlen(200)", "81C8"),
        ("berlen(300)", "82012C"),
        ("berlen(70000)", "83011170"),
        // xor
        ("xor(0x0F0F, 0xFF00)", "F00F"),
        ("xor(serial, serial)", "0000000000000000"),
        // postfix on names
        ("serial", "0102030405060708"),
        ("serial[0:4]", "01020304"),
        ("serial[2:]", "030405060708"),
        ("serial[:2]", "0102"),
        ("serial[-2:]", "0708"),
        ("serial[:-6]", "0102"),
        ("serial[3:3]", ""),
        ("serial[:]", "0102030405060708"),
        ("cap.package.aid", "A00000015100"),
        ("cap.applets[0].aid", "A0000001510001"),
        ("cap.applets[-1].aid", "A0000001510001"),
        ("u8(1 + 2) || 0x04", "0304"),
        ("(0x01 || 0x02)[0:1]", "01"),
    ]

    @Test(arguments: bytesCases)
    func bytesKnownAnswers(_ expression: String, _ expected: String) {
        #expect(TemplateFixture.value(of: expression) == Self.hex(expected), "\(expression)")
    }

    /// Expressions whose value is an integer.
    static let integerCases: [(String, Int)] = [
        ("len(0x0102)", 2),
        ("len('')", 0),
        ("len('é')", 2),
        ("len(customer_name)", 8),
        ("int(0x0102)", 258),
        ("int(0x00)", 0),
        ("int(0xFFFFFFFFFFFFFF)", 72_057_594_037_927_935),
        ("int(slice(0x0102, 2))", 0),
        ("1 + 2 - 4", -1),
        ("-5", -5),
        ("--5", 5),
        ("-(2 + 3)", -5),
        ("2 - -3", 5),
        ("-9223372036854775808", Int.min),
        ("9223372036854775807", Int.max),
        ("serial[0]", 1),
        ("serial[-1]", 8),
        ("serial[7]", 8),
        ("customer_id + 1", 4712),
        ("cap.size", 1234),
        ("len(serial) + len(customer_name)", 16),
        ("007", 7),
    ]

    @Test(arguments: integerCases)
    func integerKnownAnswers(_ expression: String, _ expected: Int) {
        #expect(TemplateFixture.value(of: expression) == .integer(expected), "\(expression)")
    }

    /// Expressions whose value is a string.
    static let stringCases: [(String, String)] = [
        ("'AB'", "AB"),
        ("\"it's\"", "it's"),
        ("'it\\'s'", "it's"),
        ("'a\\\\b'", "a\\b"),
        ("'say \\\"hi\\\"'", "say \"hi\""),
        ("'line\\none'", "line\none"),
        ("'}}'", "}}"),
        ("concat('a', 'b')", "ab"),
        ("'a' || 'b' || customer_name", "abJane Doe"),
        ("str(42)", "42"),
        ("str(-7)", "-7"),
        ("upper('abc')", "ABC"),
        ("upper(customer_name)", "JANE DOE"),
        ("lower('ABC')", "abc"),
        ("slice('HELLO', 1, 3)", "ELL"),
        ("slice('HELLO', -2)", "LO"),
        ("customer_name[0:4]", "Jane"),
        ("customer_name[-3:]", "Doe"),
        ("'héllo'[1:3]", "é"),
        ("pan[0:6]", "476173"),
        ("cap.package.version", "1.0"),
    ]

    @Test(arguments: stringCases)
    func stringKnownAnswers(_ expression: String, _ expected: String) {
        #expect(TemplateFixture.value(of: expression) == .string(expected), "\(expression)")
    }

    @Test func tlvUsesLongLengthForms() throws {
        let value200 = try #require(TemplateFixture.value(of: "tlv(0x04, pad(0x00, 200))"))
        #expect(value200 == Self.hex("0481C8" + String(repeating: "00", count: 200)))
        let value127 = try #require(TemplateFixture.value(of: "tlv(0x04, pad(0x00, 127))"))
        #expect(value127 == Self.hex("047F" + String(repeating: "00", count: 127)))
        let value128 = try #require(TemplateFixture.value(of: "tlv(0x04, pad(0x00, 128))"))
        #expect(value128 == Self.hex("048180" + String(repeating: "00", count: 128)))
        let value300 = try #require(TemplateFixture.value(of: "tlv(0x04, pad(0x00, 300))"))
        #expect(value300 == Self.hex("0482012C" + String(repeating: "00", count: 300)))
        let split = try #require(TemplateFixture.value(of: "tlv(0x04, pad(0x00, 100), pad(0x11, 100, 0x11))"))
        #expect(split == Self.hex("0481C8" + String(repeating: "00", count: 100) + String(repeating: "11", count: 100)))
    }

    @Test func dgiSwitchesToThreeByteLengthAt255() throws {
        let short = try #require(TemplateFixture.value(of: "dgi(0x0101, pad(0x00, 254))"))
        #expect(short == Self.hex("0101FE" + String(repeating: "00", count: 254)))
        let long = try #require(TemplateFixture.value(of: "dgi(0x0101, pad(0x00, 255))"))
        #expect(long == Self.hex("0101FF00FF" + String(repeating: "00", count: 255)))
        let longer = try #require(TemplateFixture.value(of: "dgi(0x8000, pad(0x00, 300))"))
        #expect(longer == Self.hex("8000FF012C" + String(repeating: "00", count: 300)))
    }

    @Test func largestResultIsAccepted() throws {
        let value = try #require(TemplateFixture.value(of: "len(pad(0x00, 16777215))"))
        #expect(value == .integer(0xFF_FFFF))
    }

    /// Expressions whose value is impossible, the exact text the diagnostic points at, and a word
    /// of its message.
    static let invalidCases: [(expression: String, place: String, message: String)] = [
        ("tlv(0x5F, 0x01)", "0x5F", "not one BER-TLV tag"),
        ("tlv(0x01DF, 0x01)", "0x01DF", "not one BER-TLV tag"),
        ("tlv(0x04, pad(0x00, 16777215))", "tlv(0x04, pad(0x00, 16777215))", "limit"),
        ("dgi(0x01, 0x02)", "0x01", "DGI tag is 2 bytes"),
        ("dgi(0x0101, pad(0x00, 65536))", "dgi(0x0101, pad(0x00, 65536))", "65535"),
        ("pad(0x010203, 2)", "0x010203", "longer than 2"),
        ("pad(0x01, 4, 0x0000)", "0x0000", "one byte"),
        ("pad(0x01, -1)", "-1", "outside"),
        ("pad(0x00, 16777216)", "16777216", "outside"),
        ("lpad(0x010203, 1)", "0x010203", "longer than 1"),
        ("pad80(0x01, 0)", "0", "block size"),
        ("pad80(0x01, 256)", "256", "block size"),
        ("slice(0x0102, 3)", "3", "out of range"),
        ("slice(0x0102, -3)", "-3", "out of range"),
        ("slice(0x0102, 1, 2)", "1", "out of range"),
        ("slice(0x0102, 0, -1)", "0", "out of range"),
        ("slice('é', 1)", "slice('é', 1)", "cuts a character"),
        ("bytes(256, 1)", "256", "does not fit in 1 byte"),
        ("bytes(-1, 2)", "-1", "does not fit"),
        ("bytes(1, -1)", "-1", "outside"),
        ("bytes(1, 0)", "1", "does not fit in 0 bytes"),
        ("u8(-1)", "-1", "0...255"),
        ("u16(65536)", "65536", "0...65535"),
        ("u32(4294967296)", "4294967296", "0...4294967295"),
        ("int(0x0102030405060708)", "0x0102030405060708", "at most 7"),
        ("bcd(-1)", "-1", "negative"),
        ("bcd('12a')", "'12a'", "'a' is not a decimal digit"),
        ("bcd(12345, 2)", "12345", "5 digits do not fit in 2 bytes"),
        ("bcd(1, 0)", "0", "outside"),
        ("bcdf('12345', 2)", "'12345'", "do not fit"),
        ("bcdf('1 2', 2)", "'1 2'", "not a decimal digit"),
        ("ascii('café')", "'café'", "not an ASCII character"),
        ("hex('GG')", "'GG'", "'G' at offset 0"),
        ("hex('ABC')", "'ABC'", "odd number"),
        ("aid(0x01020304)", "0x01020304", "5 to 16 bytes"),
        ("aid(0x0102030405060708090A0B0C0D0E0F1011)", "0x0102030405060708090A0B0C0D0E0F1011", "found 17"),
        ("berlen(-1)", "-1", "outside"),
        ("berlen(16777216)", "16777216", "outside"),
        ("xor(0x01, 0x0102)", "0x0102", "must be equal"),
        ("serial[8]", "8", "index 8 is out of range"),
        ("serial[-9]", "-9", "index -9"),
        ("lib.applets[0]", "0", "0 elements"),
        ("serial[9:]", "9", "slice bound 9"),
        ("serial[:-9]", "-9", "slice bound -9"),
        ("serial[5:2]", "serial[5:2]", "starts at 5"),
        ("'é'[0:1]", "'é'[0:1]", "cuts a character"),
        ("9223372036854775807 + 1", "9223372036854775807 + 1", "overflows"),
        ("9223372036854775806 + 1 + 1 - 5", "9223372036854775806 + 1 + 1", "overflows"),
        ("0 - 9223372036854775807 - 2", "0 - 9223372036854775807 - 2", "overflows"),
        ("-(-9223372036854775808)", "-(-9223372036854775808)", "overflows"),
    ]

    @Test(arguments: invalidCases)
    func invalidValuesPointAtTheCulprit(_ expression: String, _ place: String, _ message: String) throws {
        let text = "{{ \(expression) }}"
        let outcome = TemplateFixture.run(text, as: inferredType(expression))
        #expect(outcome.staticDiagnostics.isEmpty, "\(render(outcome.staticDiagnostics))")
        #expect(outcome.value == nil)
        let column = try #require(lastColumn(of: place, in: text))
        expectOnly(
            outcome.evaluating,
            .templateValue,
            line: 1,
            column: column,
            endColumn: column + place.unicodeScalars.count,
            containing: message
        )
    }

    /// The static type of an expression in the fixture scope.
    private func inferredType(_ expression: String) -> TemplateType {
        var diagnostics = DiagnosticBag()
        let template = TemplateString.parse(
            "{{ \(expression) }}",
            at: TemplateFixture.location(1, 1),
            diagnostics: &diagnostics
        )
        guard let parsed = template.expressions.first else {
            return .bytes
        }
        return TemplateChecker(scope: TemplateFixture.types).type(of: parsed, diagnostics: &diagnostics) ?? .bytes
    }

    @Test func integerLiteralBeyond64BitsIsAnInvalidValue() {
        let outcome = TemplateFixture.run("{{ u8(99999999999999999999) }}")
        expectOnly(outcome.parsing, .templateValue, line: 1, column: 7, endColumn: 27, containing: "64-bit")
        #expect(outcome.checking.isEmpty)
        #expect(outcome.evaluating.isEmpty)
        #expect(outcome.value == nil)
    }

    @Test func upperAndLowerAreUnicodeAware() {
        #expect(TemplateFixture.value(of: "upper('straße')") == .string("STRASSE"))
        #expect(TemplateFixture.value(of: "lower('ÉCOLE')") == .string("école"))
    }

    @Test func everyFunctionHasAKnownAnswerCase() {
        let covered = (Self.bytesCases.map(\.0) + Self.integerCases.map(\.0) + Self.stringCases.map(\.0)).joined(
            separator: " "
        )
        for function in TemplateFunctionLibrary.all {
            #expect(covered.contains(function.name + "("), "no known answer for '\(function.name)'")
        }
    }
}

/// The 1-based column of the last occurrence of `needle` in the one-line `text`, counted in scalars.
func lastColumn(of needle: String, in text: String) -> Int? {
    let haystack = Array(text.unicodeScalars)
    let pattern = Array(needle.unicodeScalars)
    guard !pattern.isEmpty, pattern.count <= haystack.count else {
        return nil
    }
    for start in stride(from: haystack.count - pattern.count, through: 0, by: -1)
    where Array(haystack[start..<(start + pattern.count)]) == pattern {
        return start + 1
    }
    return nil
}

/// The 1-based column of the first occurrence of `needle` in the one-line `text`, counted in scalars.
func firstColumn(of needle: String, in text: String) -> Int? {
    let haystack = Array(text.unicodeScalars)
    let pattern = Array(needle.unicodeScalars)
    guard !pattern.isEmpty, pattern.count <= haystack.count else {
        return nil
    }
    for start in 0...(haystack.count - pattern.count) where Array(haystack[start..<(start + pattern.count)]) == pattern
    {
        return start + 1
    }
    return nil
}
