import Testing

@testable import SequenceCompiler

/// Random and mutated template strings through parse, check and evaluate: nothing may crash or
/// hang, and every diagnostic must point inside the text.
struct TemplateFuzzTests {
    /// Valid and invalid templates to mutate.
    static let seeds: [String] = [
        "A0 00 00 01 51 {{ serial[0:4] }}",
        "{{ tlv(0x5F20, ascii(customer_name)) }}",
        "{{ dgi(0x0101, tlv(0x5A, bcdf(pan, 8)) || tlv(0x5F24, 0x291231)) }}",
        "Hello {{ customer_name }}, #{{ customer_id + 1 }}",
        "{{ cap.applets[0].aid }}",
        "{{ lib.applets[-1].aid || cap.package.aid[1:] }}",
        "{{ pad80(serial || 0x80, 8) }}",
        "{{ slice('héllo', 1, 2) || upper(\"x\\\"y\") }}",
        "{{ -(-9223372036854775808) }}",
        "{{ len(serial) - -3 + int(0x0102) }}",
        "{{ concat(0x01, u16(customer_id), bytes(7, 3), berlen(300)) }}",
        "{{ xor(serial[:2], 0xFFFF) }} 9000",
        "{{ aid(hex('A0 00 00 01 51')) }}",
        "  42  ",
        "0x1F",
        "{{ 'it\\'s' || '\\n' }}",
        "{{ tlv(0x01 0x02, ) }}",
        "{{ seral || tvl(1) }} GG",
        "{{ ((((1)))) }}",
        "{{ cap.package.name[0:3] }}",
    ]

    /// Characters mutations insert: the language's own, some that it rejects, and non-ASCII.
    static let alphabet: [String] = [
        "{", "}", "{{", "}}", "(", ")", "[", "]", ":", ",", ".", "+", "-", "|", "||", "'", "\"", "\\",
        "0x", "0", "9", "F", "G", "a", "z", "_", " ", "\n", "\t", "é", "\u{301}", "😀", "serial", "cap",
        "tlv(", "len(", "pad(", "-9223372036854775808", "99999999999999999999", "@", "#", "\r",
    ]

    /// Mutates `text` once: insert, delete, duplicate, swap or cut.
    static func mutate(_ text: String, _ random: inout TemplateRandom) -> String {
        var scalars = Array(text.unicodeScalars)
        let position = scalars.isEmpty ? 0 : random.below(scalars.count + 1)
        switch random.below(6) {
        case 0, 1:
            scalars.insert(contentsOf: random.pick(alphabet).unicodeScalars, at: position)
        case 2:
            if position < scalars.count {
                scalars.removeSubrange(position..<min(scalars.count, position + random.within(1...3)))
            }
        case 3:
            if position < scalars.count {
                let end = min(scalars.count, position + random.within(1...8))
                scalars.insert(contentsOf: scalars[position..<end], at: position)
            }
        case 4:
            if scalars.count >= 2 {
                let other = random.below(scalars.count)
                scalars.swapAt(min(position, scalars.count - 1), other)
            }
        default:
            scalars = Array(scalars.prefix(position))
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    /// The location just after the text, when it starts at `start`.
    static func end(of text: String, from start: SequenceCompiler.SourceLocation) -> SequenceCompiler.SourceLocation {
        var location = start
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                location = SequenceCompiler.SourceLocation(path: location.path, line: location.line + 1, column: 1)
            } else {
                location.column += 1
            }
        }
        return location
    }

    /// Runs `text` through every stage in every mode and checks the diagnostics' places.
    static func exercise(_ text: String, at start: SequenceCompiler.SourceLocation) {
        let textEnd = end(of: text, from: start)
        let modes: [TemplateType] = [.bytes, .string, .integer, TemplateFixture.types["cap"] ?? .bytes]
        for mode in modes {
            let outcome = TemplateFixture.run(text, as: mode, at: start)
            for diagnostic in outcome.parsing + outcome.checking + outcome.evaluating {
                guard let range = diagnostic.range else {
                    Issue.record("no range: \(diagnostic.message) for \(text.debugDescription)")
                    continue
                }
                #expect(range.start.path == start.path)
                #expect(range.start >= start, "\(render([diagnostic])) for \(text.debugDescription)")
                #expect(range.end >= range.start, "\(render([diagnostic])) for \(text.debugDescription)")
                // One column past the end is allowed: an empty text still gets a one-column caret.
                #expect(
                    range.end <= textEnd.advanced(by: 1),
                    "\(render([diagnostic])) ends after \(textEnd) for \(text.debugDescription)"
                )
                #expect(diagnostic.severity == .error)
                #expect(!diagnostic.message.isEmpty)
            }
            if !outcome.checking.isEmpty || !outcome.parsing.isEmpty {
                #expect(outcome.value == nil, "\(text.debugDescription) has problems but a value")
            }
            if outcome.value == nil && outcome.parsing.isEmpty {
                #expect(!outcome.evaluating.isEmpty, "\(text.debugDescription) has no value and no reason")
            }
            if let value = outcome.value {
                #expect(value.conforms(to: mode))
            }
        }
    }

    @Test func randomAndMutatedTemplatesNeverCrash() {
        var random = TemplateRandom(seed: 0xF022_7E57)
        let count = 6_000
        for iteration in 0..<count {
            var text: String
            if iteration % 4 == 0 {
                text = (0..<random.within(0...30)).map { _ in random.pick(Self.alphabet) }.joined()
            } else {
                text = random.pick(Self.seeds)
                for _ in 0..<random.within(1...4) {
                    text = Self.mutate(text, &random)
                }
            }
            let start = TemplateFixture.location(random.within(1...50), random.within(1...30))
            Self.exercise(text, at: start)
        }
    }

    @Test func everySeedParsesTheSameTwice() {
        for seed in Self.seeds {
            var first = DiagnosticBag()
            var second = DiagnosticBag()
            let one = TemplateString.parse(seed, at: TemplateFixture.location(1, 1), diagnostics: &first)
            let two = TemplateString.parse(seed, at: TemplateFixture.location(1, 1), diagnostics: &second)
            #expect(one == two)
            #expect(first.diagnostics == second.diagnostics)
        }
    }

    /// Deeply nested or very long inputs, each of which must finish without exhausting the stack.
    static let deepInputs: [(name: String, text: String)] = {
        let n = 10_000
        return [
            ("parentheses", "{{ " + String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n) + " }}"),
            ("open parentheses", "{{ " + String(repeating: "(", count: n) + " }}"),
            ("unterminated parentheses", "{{ " + String(repeating: "(", count: n)),
            ("minus signs", "{{ " + String(repeating: "-", count: n) + "1 }}"),
            ("members", "{{ cap" + String(repeating: ".package", count: n) + " }}"),
            ("indexes", "{{ serial" + String(repeating: "[0]", count: n) + " }}"),
            ("brackets", "{{ serial" + String(repeating: "[", count: n) + " }}"),
            ("calls", "{{ " + String(repeating: "u8(", count: n) + "1" + String(repeating: ")", count: n) + " }}"),
            ("braces", String(repeating: "{", count: n)),
            ("closing braces", String(repeating: "}", count: n)),
            ("quotes", "{{ " + String(repeating: "'", count: n + 1) + " }}"),
            ("bad characters", "{{ " + String(repeating: "@ ", count: n) + " }}"),
        ]
    }()

    @Test(arguments: deepInputs)
    func deepNestingIsRejectedNotOverflowed(_ name: String, _ text: String) {
        let outcome = TemplateFixture.run(text, as: .bytes)
        #expect(!outcome.parsing.isEmpty || !outcome.checking.isEmpty, "\(name)")
        #expect(outcome.parsing.count <= 11, "\(name): \(outcome.parsing.count) diagnostics")
        #expect(outcome.value == nil, "\(name)")
    }

    @Test func longFlatExpressionsEvaluate() {
        let terms = 100_000
        let sum = TemplateFixture.run("{{ 0" + String(repeating: " + 1", count: terms) + " }}", as: .integer)
        #expect(sum.allDiagnostics.isEmpty)
        #expect(sum.value == .integer(terms))
        let joined = TemplateFixture.run("{{ 0x01" + String(repeating: " || 0x01", count: terms) + " }}")
        #expect(joined.allDiagnostics.isEmpty)
        #expect(joined.value == .bytes([UInt8](repeating: 1, count: terms + 1)))
        let segments = TemplateFixture.run(String(repeating: "{{ 0x01 }} ", count: 2_000))
        #expect(segments.value == .bytes([UInt8](repeating: 1, count: 2_000)))
    }

    @Test func oversizedResultsAreInvalidValuesNotAllocations() {
        let cases = [
            "{{ pad(0x00, 9223372036854775807) }}",
            "{{ lpad(0x00, 16777216) }}",
            "{{ bytes(1, 9223372036854775807) }}",
            "{{ bcd(1, 9223372036854775807) }}",
            "{{ bcdf('1', 9223372036854775807) }}",
            "{{ pad80(0x00, 9223372036854775807) }}",
            "{{ pad(0x00, 16777215) || pad(0x00, 16777215) }}",
            "{{ concat(pad(0x00, 16777215), 0x00) }}",
            "{{ tlv(0x04, pad(0x00, 16777215), 0x00) }}",
            "{{ berlen(9223372036854775807) }}",
            "{{ slice(serial, 9223372036854775807, 9223372036854775807) }}",
            "{{ slice(serial, -9223372036854775808) }}",
            "{{ serial[-9223372036854775808:9223372036854775807] }}",
            "{{ u8(serial[-9223372036854775808]) }}",
        ]
        for text in cases {
            let outcome = TemplateFixture.run(text)
            #expect(outcome.staticDiagnostics.isEmpty, "\(text)")
            #expect(outcome.evaluating.map(\.id) == [.templateValue], "\(text): \(render(outcome.evaluating))")
            #expect(outcome.value == nil)
        }
    }
}
