import Testing

@testable import SequenceCompiler

/// The static checker is sound for the evaluator: on generated expressions, when `check` reports
/// nothing for a scope of types, `evaluate` with values of those types reports only value problems
/// and returns a value of the expected type; and when `check` reports problems, `evaluate` reports
/// exactly the same ones unless a value problem stopped it first.
struct TemplateSoundnessTests {
    /// The scope's declared types.
    static let types: [String: TemplateType] = [
        "b": .bytes,
        "b2": .bytes,
        "i": .integer,
        "s": .string,
        "d": .string,
        "r": .record([
            "aid": .bytes,
            "n": .integer,
            "name": .string,
            "items": .list(.bytes),
            "sub": .record(["x": .integer]),
        ]),
        "l": .list(.integer),
        "e": .list(.bytes),
    ]

    /// Random values of the scope's types.
    static func values(_ random: inout TemplateRandom) -> [String: TemplateValue] {
        func bytes(_ maximum: Int) -> TemplateValue {
            .bytes((0..<random.within(0...maximum)).map { _ in UInt8(random.below(256)) })
        }
        func integer() -> TemplateValue {
            random.chance(10)
                ? .integer(random.pick([Int.max, Int.min, Int.max - 1, 1 << 40])) : .integer(random.within(-3...20))
        }
        let strings = ["", "AB", "héllo", "12345", "Jane Doe", "é", "x y"]
        let digits = String((0..<random.within(0...12)).map { _ in Character(String(random.below(10))) })
        return [
            "b": bytes(10),
            "b2": bytes(4),
            "i": integer(),
            "s": .string(random.pick(strings)),
            "d": .string(random.chance(10) ? digits + "a" : digits),
            "r": .record([
                "aid": bytes(16),
                "n": integer(),
                "name": .string(random.pick(strings)),
                "items": .list((0..<random.within(0...3)).map { _ in bytes(3) }),
                "sub": .record(["x": integer()]),
            ]),
            "l": .list((0..<random.within(0...4)).map { _ in integer() }),
            "e": .list(random.chance(50) ? [] : [bytes(2)]),
        ]
    }

    @Test func checkedTemplatesFailOnlyOnValues() {
        var random = TemplateRandom(seed: 0x5EED_7E4D_1A7E)
        var generator = TemplateExpressionGenerator(wrongPercent: 6)
        var accepted = 0
        var evaluated = 0
        var rejected = 0
        let count = 4_000
        for _ in 0..<count {
            // Mostly an expression of the type the place takes; now and then any type.
            let mode = random.below(3)
            var kind = random.pick([TemplateExpressionGenerator.Kind.bytes, .integer, .string])
            if random.chance(85) {
                kind = [.bytes, random.chance(70) ? .string : .integer, .integer][mode]
            }
            let expression = generator.expression(kind, depth: 0, random: &random).text
            let text: String
            let expected: TemplateType
            switch mode {
            case 0:
                text = (random.chance(50) ? "A0 00 " : "") + "{{ \(expression) }}" + (random.chance(50) ? " 9000" : "")
                expected = .bytes
            case 1:
                text = "name: {{ \(expression) }}!"
                expected = .string
            default:
                text = " {{ \(expression) }} "
                expected = .integer
            }
            let values = Self.values(&random)
            let outcome = TemplateFixture.run(text, as: expected, values: values, types: Self.types)
            #expect(outcome.parsing.isEmpty, "\(text)\n\(render(outcome.parsing))")
            if outcome.checking.isEmpty {
                accepted += 1
                let unexpected = outcome.evaluating.filter { $0.id != .templateValue }
                #expect(unexpected.isEmpty, "\(text)\n\(render(unexpected))")
                if let value = outcome.value {
                    evaluated += 1
                    #expect(value.conforms(to: expected), "\(text) gave \(value)")
                    #expect(outcome.evaluating.isEmpty, "\(text)\n\(render(outcome.evaluating))")
                } else {
                    #expect(!outcome.evaluating.isEmpty, "\(text) gave no value and no diagnostic")
                }
            } else {
                rejected += 1
                #expect(outcome.value == nil, "\(text) was rejected by check but evaluated")
                #expect(!outcome.evaluating.isEmpty, "\(text)")
                if !outcome.evaluating.contains(where: { $0.id == .templateValue }) {
                    #expect(
                        Set(outcome.evaluating) == Set(outcome.checking),
                        "\(text)\ncheck:\n\(render(outcome.checking))\nevaluate:\n\(render(outcome.evaluating))"
                    )
                }
            }
        }
        // The generator must exercise all three outcomes, or the property says little.
        #expect(accepted > count / 2, "only \(accepted) of \(count) expressions type-checked")
        #expect(evaluated > count / 5, "only \(evaluated) of \(count) expressions had a value")
        #expect(rejected > count / 20, "only \(rejected) of \(count) expressions were ill-typed")
    }

    @Test func checkerTypeIsTheTypeOfTheValue() {
        var random = TemplateRandom(seed: 42)
        var generator = TemplateExpressionGenerator(wrongPercent: 0)
        for _ in 0..<2_000 {
            let kind = random.pick([TemplateExpressionGenerator.Kind.bytes, .integer, .string])
            let expression = generator.expression(kind, depth: 0, random: &random).text
            var diagnostics = DiagnosticBag()
            let template = TemplateString.parse(
                "{{ \(expression) }}",
                at: TemplateFixture.location(1, 1),
                diagnostics: &diagnostics
            )
            guard let parsed = template.expressions.first else {
                Issue.record("no expression in \(expression)")
                continue
            }
            let type = TemplateChecker(scope: Self.types).type(of: parsed, diagnostics: &diagnostics)
            #expect(type == kind.type, "\(expression): \(render(diagnostics.diagnostics))")
            let value = TemplateEvaluator(scope: Self.values(&random)).value(of: parsed, diagnostics: &diagnostics)
            if let value, let type {
                #expect(value.conforms(to: type), "\(expression) gave \(value)")
            }
            #expect(
                diagnostics.diagnostics.allSatisfy { $0.id == .templateValue },
                "\(expression): \(render(diagnostics.diagnostics))"
            )
        }
    }
}

/// Writes random template expressions of a wanted type over ``TemplateSoundnessTests/types``,
/// now and then putting an expression of another type, a wrong argument count or an unknown name
/// where it does not belong, so that both well-typed and ill-typed expressions come out.
struct TemplateExpressionGenerator {
    /// The types the generator aims at.
    enum Kind: CaseIterable {
        case bytes, integer, string

        var type: TemplateType {
            switch self {
            case .bytes:
                return .bytes
            case .integer:
                return .integer
            case .string:
                return .string
            }
        }
    }

    /// The chance, in percent, that a node gets a deliberate mistake.
    var wrongPercent: Int

    /// The deepest nesting generated.
    let maximumDepth = 4

    /// Generated text, and whether it binds tighter than any operator (so postfix can follow it).
    struct Generated {
        var text: String
        var isAtom: Bool
    }

    private func atom(_ generated: Generated) -> String {
        generated.isAtom ? generated.text : "(\(generated.text))"
    }

    /// An expression of `kind`.
    mutating func expression(_ kind: Kind, depth: Int, random: inout TemplateRandom) -> Generated {
        if wrongPercent > 0 && random.chance(wrongPercent) {
            return mistake(depth: depth, random: &random)
        }
        let leaf = depth >= maximumDepth || random.chance(30)
        switch kind {
        case .bytes:
            return leaf ? bytesLeaf(&random) : bytesNode(depth + 1, &random)
        case .integer:
            return leaf ? integerLeaf(&random) : integerNode(depth + 1, &random)
        case .string:
            return leaf ? stringLeaf(&random) : stringNode(depth + 1, &random)
        }
    }

    private mutating func mistake(depth: Int, random: inout TemplateRandom) -> Generated {
        switch random.below(6) {
        case 0:
            return Generated(text: random.pick(["r", "l", "e", "r.sub", "r.items"]), isAtom: true)
        case 1:
            return Generated(text: random.pick(["zz", "r.nope", "seral", "tvl(0x01)"]), isAtom: true)
        case 2:
            return Generated(text: random.pick(["len()", "xor(0x01)", "u8(1, 2)", "pad(0x01)"]), isAtom: true)
        default:
            let other = random.pick(Kind.allCases)
            var calm = self
            calm.wrongPercent = 0
            return calm.expression(other, depth: max(depth, maximumDepth - 1), random: &random)
        }
    }

    private func bytesLiteral(_ random: inout TemplateRandom) -> String {
        "0x"
            + (0..<random.within(1...4)).map { _ in
                let byte = random.below(256)
                return String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }.joined()
    }

    private func bytesLeaf(_ random: inout TemplateRandom) -> Generated {
        switch random.below(6) {
        case 0, 1:
            return Generated(text: bytesLiteral(&random), isAtom: true)
        case 2:
            return Generated(text: random.pick(["b", "b2", "r.aid"]), isAtom: true)
        case 3:
            return Generated(text: "r.items[\(random.within(-2...3))]", isAtom: true)
        case 4:
            return Generated(text: "e[\(random.within(-1...1))]", isAtom: true)
        default:
            return Generated(text: "b[\(random.within(-3...3)):]", isAtom: true)
        }
    }

    private mutating func bytesNode(_ depth: Int, _ random: inout TemplateRandom) -> Generated {
        func b() -> String { expression(.bytes, depth: depth, random: &random).text }
        func i() -> String { expression(.integer, depth: depth, random: &random).text }
        func s() -> String { expression(.string, depth: depth, random: &random).text }
        func small() -> String { String(random.within(-1...20)) }
        switch random.below(27) {
        case 0:
            let tag = random.pick(["0x5F20", "0x70", "0x9F7F", "0xDF8101", "0x5F", "0x01DF", b()])
            let values = (0..<random.within(0...3)).map { _ in b() }
            return Generated(text: "tlv(" + ([tag] + values).joined(separator: ", ") + ")", isAtom: true)
        case 1:
            return Generated(text: "dgi(\(random.chance(80) ? "0x0101" : b()), \(b()))", isAtom: true)
        case 2:
            return Generated(text: "pad(\(b()), \(random.chance(70) ? small() : i()))", isAtom: true)
        case 3:
            return Generated(text: "lpad(\(b()), \(small()), \(random.chance(80) ? "0xFF" : b()))", isAtom: true)
        case 4:
            return Generated(text: "pad80(\(b()), \(random.pick(["8", "16", "1", "0", i()])))", isAtom: true)
        case 5:
            return Generated(text: "slice(\(b()), \(small()))", isAtom: true)
        case 6:
            return Generated(text: "slice(\(b()), \(small()), \(small()))", isAtom: true)
        case 7:
            let base = expression(.bytes, depth: depth, random: &random)
            let lower = random.chance(70) ? String(random.within(-4...4)) : ""
            let upper = random.chance(70) ? String(random.within(-4...6)) : ""
            return Generated(text: "\(atom(base))[\(lower):\(upper)]", isAtom: true)
        case 8:
            return Generated(text: "bytes(\(i()), \(random.within(0...9)))", isAtom: true)
        case 9:
            return Generated(text: "\(random.pick(["u8", "u16", "u32"]))(\(i()))", isAtom: true)
        case 10:
            return Generated(text: "bcd(\(random.chance(50) ? i() : "d"))", isAtom: true)
        case 11:
            return Generated(text: "bcd(\(random.chance(50) ? i() : s()), \(random.within(1...8)))", isAtom: true)
        case 12:
            return Generated(text: "bcdf(\(random.chance(70) ? "d" : s()), \(random.within(1...10)))", isAtom: true)
        case 13:
            return Generated(text: "ascii(\(s()))", isAtom: true)
        case 14:
            return Generated(text: "utf8(\(s()))", isAtom: true)
        case 15:
            return Generated(text: "hex(\(random.pick(["'A0 01'", "'a0:0B'", "'GG'", "'ABC'", s()])))", isAtom: true)
        case 16:
            return Generated(text: "aid(\(b()))", isAtom: true)
        case 17:
            return Generated(text: "berlen(\(random.chance(70) ? String(random.within(-1...300)) : i()))", isAtom: true)
        case 18:
            return Generated(text: "xor(\(b()), \(b()))", isAtom: true)
        case 19, 20:
            let operands = (0..<random.within(2...4)).map { _ in b() }
            return Generated(text: operands.joined(separator: " || "), isAtom: false)
        case 21:
            let operands = (0..<random.within(1...3)).map { _ in b() }
            return Generated(text: "concat(" + operands.joined(separator: ", ") + ")", isAtom: true)
        case 22:
            return Generated(text: "(\(b()))", isAtom: true)
        case 23:
            return Generated(text: "r.items[\(i())]", isAtom: true)
        case 24:
            return Generated(text: "dgi(0x0202)", isAtom: true)
        case 25:
            return Generated(text: "pad(\(b()), \(small()), \(b()))", isAtom: true)
        default:
            return Generated(text: "slice(\(b()), \(i()))", isAtom: true)
        }
    }

    private func integerLeaf(_ random: inout TemplateRandom) -> Generated {
        switch random.below(7) {
        case 0, 1:
            let value = random.within(-3...300)
            return Generated(text: String(value), isAtom: value >= 0)
        case 2:
            return Generated(text: random.pick(["i", "r.n", "r.sub.x"]), isAtom: true)
        case 3:
            return Generated(text: "l[\(random.within(-2...3))]", isAtom: true)
        case 4:
            return Generated(text: random.pick(["9223372036854775807", "-9223372036854775808"]), isAtom: false)
        case 5:
            return Generated(text: "b[\(random.within(-2...5))]", isAtom: true)
        default:
            return Generated(text: "len(b)", isAtom: true)
        }
    }

    private mutating func integerNode(_ depth: Int, _ random: inout TemplateRandom) -> Generated {
        switch random.below(8) {
        case 0:
            let operand =
                random.chance(50)
                ? expression(.bytes, depth: depth, random: &random) : expression(.string, depth: depth, random: &random)
            return Generated(text: "len(\(operand.text))", isAtom: true)
        case 1:
            return Generated(text: "int(\(expression(.bytes, depth: depth, random: &random).text))", isAtom: true)
        case 2, 3:
            var text = expression(.integer, depth: depth, random: &random).text
            for _ in 0..<random.within(1...3) {
                text += random.pick([" + ", " - "]) + expression(.integer, depth: depth, random: &random).text
            }
            return Generated(text: text, isAtom: false)
        case 4:
            return Generated(text: "-" + atom(expression(.integer, depth: depth, random: &random)), isAtom: false)
        case 5:
            let base = expression(.bytes, depth: depth, random: &random)
            return Generated(
                text: "\(atom(base))[\(expression(.integer, depth: depth, random: &random).text)]",
                isAtom: true
            )
        case 6:
            return Generated(text: "l[\(expression(.integer, depth: depth, random: &random).text)]", isAtom: true)
        default:
            return Generated(text: "(\(expression(.integer, depth: depth, random: &random).text))", isAtom: true)
        }
    }

    private func stringLeaf(_ random: inout TemplateRandom) -> Generated {
        switch random.below(3) {
        case 0:
            return Generated(text: random.pick(["s", "d", "r.name"]), isAtom: true)
        default:
            return Generated(
                text: random.pick(["'AB'", "\"x\"", "'é'", "'12'", "'it\\'s'", "''", "'a\\nb'", "'0042'"]),
                isAtom: true
            )
        }
    }

    private mutating func stringNode(_ depth: Int, _ random: inout TemplateRandom) -> Generated {
        func s() -> String { expression(.string, depth: depth, random: &random).text }
        switch random.below(8) {
        case 0:
            return Generated(text: "str(\(expression(.integer, depth: depth, random: &random).text))", isAtom: true)
        case 1:
            return Generated(text: "\(random.pick(["upper", "lower"]))(\(s()))", isAtom: true)
        case 2, 3:
            let operands = (0..<random.within(2...3)).map { _ in s() }
            return Generated(text: operands.joined(separator: " || "), isAtom: false)
        case 4:
            return Generated(text: "concat(\(s()), \(s()))", isAtom: true)
        case 5:
            return Generated(text: "slice(\(s()), \(random.within(-3...3)))", isAtom: true)
        case 6:
            let base = expression(.string, depth: depth, random: &random)
            return Generated(text: "\(atom(base))[\(random.within(-2...2)):]", isAtom: true)
        default:
            return Generated(text: "(\(s()))", isAtom: true)
        }
    }
}
