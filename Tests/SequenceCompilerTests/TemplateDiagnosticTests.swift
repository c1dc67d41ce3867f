import Testing

@testable import SequenceCompiler

/// Every diagnostic the template language reports, with its exact place.
struct TemplateDiagnosticTests {
    // MARK: - template.unterminated

    @Test func unterminatedSegmentPointsAtItsOpeningBraces() {
        let outcome = TemplateFixture.run("A0 {{ serial")
        expectOnly(outcome.parsing, .templateUnterminated, line: 1, column: 4, endColumn: 6)
        #expect(outcome.checking.isEmpty)
        #expect(outcome.evaluating.isEmpty)
        #expect(outcome.value == nil)
        #expect(!outcome.template.isLiteral)
    }

    @Test func unterminatedSegmentOnALaterLineOfABlockScalar() {
        let outcome = TemplateFixture.run("A0 00\n  {{ u8(1) }}\n  {{ serial", at: TemplateFixture.location(5, 12))
        expectOnly(outcome.parsing, .templateUnterminated, line: 7, column: 3, endColumn: 5)
    }

    @Test func unterminatedStringWithNoClosingBracesIsOneUnterminatedSegment() {
        let outcome = TemplateFixture.run("{{ ascii('abc) ")
        expectOnly(outcome.parsing, .templateUnterminated, line: 1, column: 1, endColumn: 3)
    }

    // MARK: - template.syntax

    /// Segments with one syntax error, the text it points at and a word of its message.
    static let syntaxCases: [(text: String, place: String, message: String)] = [
        ("{{ serial @ }}", "@", "unexpected character '@'"),
        ("{{ 0x01 | 0x02 }}", "|", "did you mean '||'"),
        ("{{ 0x01 } }}", "}", "unexpected character '}'"),
        ("{{ 0x123 }}", "0x123", "odd number of hex digits"),
        ("{{ 0x1G }}", "G", "invalid hex digit 'G'"),
        ("{{ 0x }}", "0x", "expected hex digits"),
        ("{{ 12ab }}", "12ab", "invalid number"),
        ("{{ 'a\\q' }}", "\\q", "unknown escape sequence"),
        ("{{ ascii('abc }}", "'", "unterminated string literal"),
        ("{{ }}", "{{ }}", "expected an expression"),
        ("{{ tlv(0x01,) }}", ")", "expected an expression, found ')'"),
        ("{{ serial serial }}", "serial }}", "expected an operator or '}}', found 'serial'"),
        ("{{ (serial }}", "}}", "expected ')'"),
        ("{{ serial[0 }}", "}}", "expected ']'"),
        ("{{ tlv(0x01 0x02) }}", "0x02", "expected ',' or ')'"),
        ("{{ cap.1 }}", "1", "expected a member name"),
        ("{{ cap. }}", "}}", "expected a member name"),
        ("{{ 1 + }}", "}}", "expected an expression, found '}}'"),
        ("{{ || 0x01 }}", "||", "expected an expression, found '||'"),
        ("{{ serial[] }}", "]", "expected an expression, found ']'"),
        ("{{ é }}", "é", "unexpected character 'é'"),
        ("{{ 'x' 'y' }}", "'y'", "found a string literal"),
    ]

    @Test(arguments: syntaxCases)
    func syntaxErrorsPointAtTheToken(_ text: String, _ place: String, _ message: String) throws {
        let outcome = TemplateFixture.run(text)
        // Search after the opening braces, unless the place is the whole segment.
        let column = try #require(
            place.hasPrefix("{{")
                ? firstColumn(of: place, in: text)
                : firstColumn(of: place, in: String(text.dropFirst(2))).map { $0 + 2 }
        )
        let width = place == "serial }}" ? 6 : place.unicodeScalars.count
        expectOnly(
            outcome.parsing,
            .templateSyntax,
            line: 1,
            column: column,
            endColumn: column + width,
            containing: message
        )
        #expect(outcome.checking.isEmpty, "\(render(outcome.checking))")
        #expect(outcome.evaluating.isEmpty, "\(render(outcome.evaluating))")
        #expect(outcome.value == nil)
    }

    @Test func aRunOfBadCharactersIsOneProblem() {
        let outcome = TemplateFixture.run("{{ serial @#$ || 0x01 ~ }}")
        #expect(
            render(outcome.parsing) == """
                1:11-1:14 template.syntax: unexpected character '@' (and 2 more that start no token)
                1:23-1:24 template.syntax: unexpected character '~'
                """
        )
    }

    @Test func lexicalProblemsInOneSegmentAreCapped() {
        let outcome = TemplateFixture.run("{{ " + String(repeating: "@ ", count: 50) + "}}")
        #expect(outcome.parsing.count == TemplateLexer.maximumProblems)
    }

    @Test func missingClosingParenthesisHasANoteAtTheOpeningOne() throws {
        let outcome = TemplateFixture.run("{{ u8(1 }}")
        let diagnostic = try #require(outcome.parsing.first)
        expectDiagnostic(diagnostic, .templateSyntax, line: 1, column: 9)
        #expect(diagnostic.notes.first?.range?.start.column == 6)
    }

    @Test func nestingDeeperThanTheLimitIsOneSyntaxError() {
        let depth = 10_000
        let text = "{{ " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth) + " }}"
        let outcome = TemplateFixture.run(text, as: .integer)
        // The outermost expression is level 1; the 64th parenthesis would be level 65.
        expectOnly(outcome.parsing, .templateSyntax, line: 1, column: 3 + 64, containing: "nested too deeply")
        #expect(outcome.checking.isEmpty)
        #expect(outcome.value == nil)
    }

    @Test func nestingUpToTheLimitIsAccepted() {
        let text = "{{ " + String(repeating: "(", count: 63) + "1" + String(repeating: ")", count: 63) + " }}"
        let outcome = TemplateFixture.run(text, as: .integer)
        #expect(outcome.allDiagnostics.isEmpty, "\(render(outcome.allDiagnostics))")
        #expect(outcome.value == .integer(1))
    }

    @Test func independentSyntaxErrorsInOneSegmentAreAllReported() {
        let outcome = TemplateFixture.run("{{ tlv(0x01 0x02, 0x03 0x04, u8(1 2)) }}")
        #expect(outcome.parsing.count == 3, "\(render(outcome.parsing))")
        #expect(outcome.parsing.map(\.range?.start.column) == [13, 24, 35])
        #expect(outcome.checking.isEmpty)
    }

    @Test func everySegmentReportsItsOwnProblems() {
        let outcome = TemplateFixture.run("{{ 0x1 }} {{ seral }} {{ tlv(0x01,) }} {{ ascii(customer_id) }} GG")
        #expect(
            render(outcome.parsing) == """
                1:4-1:7 template.syntax: bytes literal '0x1' has an odd number of hex digits (1); write two digits per byte
                1:35-1:36 template.syntax: expected an expression, found ')'
                """
        )
        #expect(
            render(outcome.checking) == """
                1:14-1:19 template.unknown-name: unknown name 'seral'; did you mean 'serial'?
                1:49-1:60 template.type-mismatch: 'text' of 'ascii' must be a string, found an integer; \
                use str() to turn an integer into a string
                1:65-1:66 parse.invalid-hex: 'G' is not a hex digit; text outside '{{ }}' must be hex bytes here
                """
        )
    }

    // MARK: - template.unknown-name

    @Test func unknownNameSuggestsTheClosestField() {
        let outcome = TemplateFixture.run("A0 {{ seral[0:4] }}")
        expectOnly(
            outcome.checking,
            .templateUnknownName,
            line: 1,
            column: 7,
            endColumn: 12,
            containing: "did you mean 'serial'?"
        )
        #expect(outcome.evaluating == outcome.checking)
    }

    @Test func unknownNameWithNothingCloseHasNoSuggestion() throws {
        let outcome = TemplateFixture.run("{{ zzz }}")
        expectOnly(outcome.checking, .templateUnknownName, line: 1, column: 4, endColumn: 7)
        #expect(outcome.checking.first?.message == "unknown name 'zzz'")
    }

    @Test func functionNameWithoutCallIsExplained() {
        let outcome = TemplateFixture.run("{{ tlv }}")
        expectOnly(
            outcome.checking,
            .templateUnknownName,
            line: 1,
            column: 4,
            endColumn: 7,
            containing: "call it as 'tlv(…)'"
        )
    }

    @Test func unknownMemberListsTheMembers() throws {
        let outcome = TemplateFixture.run("{{ cap.pakage.aid }}")
        expectOnly(
            outcome.checking,
            .templateUnknownName,
            line: 1,
            column: 8,
            endColumn: 14,
            containing: "did you mean 'package'?"
        )
        let note = try #require(outcome.checking.first?.notes.first)
        #expect(note.message == "its members are 'applets', 'package', 'size'")
        #expect(note.range?.start.column == 4)
        #expect(outcome.evaluating == outcome.checking)
    }

    @Test func unknownNameIsReportedOnceNotAgainUpTheTree() {
        let outcome = TemplateFixture.run("{{ tlv(0x5F20, ascii(seral)) || len(seral) + 1 }}")
        #expect(outcome.checking.count == 2, "\(render(outcome.checking))")
        #expect(outcome.checking.allSatisfy { $0.id == .templateUnknownName })
        #expect(outcome.evaluating == outcome.checking)
    }

    // MARK: - template.unknown-function

    @Test func unknownFunctionSuggestsTheClosestFunction() {
        let outcome = TemplateFixture.run("{{ tvl(0x5F20, 0x01) }}")
        expectOnly(
            outcome.checking,
            .templateUnknownFunction,
            line: 1,
            column: 4,
            endColumn: 7,
            containing: "did you mean 'tlv'?"
        )
        #expect(outcome.evaluating == outcome.checking)
    }

    @Test func callingAFieldIsExplained() {
        let outcome = TemplateFixture.run("{{ serial(1) }}")
        expectOnly(
            outcome.checking,
            .templateUnknownFunction,
            line: 1,
            column: 4,
            endColumn: 10,
            containing: "is a field"
        )
    }

    @Test func argumentsOfAnUnknownFunctionAreStillChecked() {
        let outcome = TemplateFixture.run("{{ frob(seral) }}")
        #expect(outcome.checking.map(\.id) == [.templateUnknownName, .templateUnknownFunction])
    }

    // MARK: - template.argument-count

    @Test func tooFewArgumentsPointAtTheCall() throws {
        let outcome = TemplateFixture.run("{{ len() }}")
        expectOnly(
            outcome.checking,
            .templateArgumentCount,
            line: 1,
            column: 4,
            endColumn: 9,
            containing: "'len' takes 1 argument, found 0"
        )
        #expect(outcome.checking.first?.notes.first?.message == "declared as len(value: bytes | string) -> integer")
        #expect(outcome.evaluating == outcome.checking)
    }

    @Test func tooManyArgumentsPointAtTheExtraOnes() {
        let outcome = TemplateFixture.run("{{ xor(0x01, 0x02, 0x03, 0x04) }}")
        expectOnly(
            outcome.checking,
            .templateArgumentCount,
            line: 1,
            column: 20,
            endColumn: 30,
            containing: "takes 2 arguments, found 4"
        )
    }

    @Test func argumentCountMessagesDescribeTheRange() {
        let optional = TemplateFixture.run("{{ pad(0x01) }}")
        expectOnly(
            optional.checking,
            .templateArgumentCount,
            line: 1,
            column: 4,
            containing: "'pad' takes 2 to 3 arguments, found 1"
        )
        let variadic = TemplateFixture.run("{{ tlv() }}")
        expectOnly(
            variadic.checking,
            .templateArgumentCount,
            line: 1,
            column: 4,
            containing: "'tlv' takes at least 1 argument, found 0"
        )
    }

    // MARK: - template.type-mismatch

    /// Ill-typed templates, the expected type, the text the diagnostic points at and a word of its message.
    static let typeCases: [(text: String, expected: TemplateType, place: String, message: String)] = [
        ("{{ tlv(0x5F20, 'AB') }}", .bytes, "'AB'", "use ascii(), utf8() or hex()"),
        ("{{ tlv(0x5F20, customer_id) }}", .bytes, "customer_id", "use u8(), u16(), u32() or bytes()"),
        ("{{ 0x01 || 'a' }}", .bytes, "'a'", "cannot join a string to bytes; use ascii()"),
        ("{{ 'a' || 0x01 }}", .string, "0x01", "cannot join bytes to a string"),
        ("{{ 1 || 2 }}", .bytes, "1", "'||' joins bytes or strings, found an integer"),
        ("{{ concat('a', 0x01) }}", .string, "0x01", "must be a string"),
        ("{{ 0x01 + 1 }}", .integer, "0x01", "use '||' to join bytes"),
        ("{{ 1 - serial }}", .integer, "serial", "'-' needs integers"),
        ("{{ -'a' }}", .integer, "'a'", "'-' needs integers, found a string"),
        ("{{ serial['a'] }}", .integer, "'a'", "an index must be an integer"),
        ("{{ serial[0:'a'] }}", .bytes, "'a'", "an index must be an integer"),
        ("{{ customer_name[0] }}", .integer, "customer_name", "take a slice such as [0:1]"),
        ("{{ customer_id[0] }}", .integer, "customer_id", "only bytes and lists have elements"),
        ("{{ cap.applets[0:1] }}", .bytes, "cap.applets", "cannot slice a list"),
        ("{{ serial.aid }}", .bytes, "aid", "only records have members"),
        ("{{ len(customer_id) }}", .integer, "customer_id", "must be bytes or a string"),
        ("{{ bcd(serial) }}", .bytes, "serial", "must be an integer or a string, found bytes"),
        ("{{ customer_name }}", .bytes, "customer_name", "expected bytes here, found a string; use ascii()"),
        ("{{ customer_id }}", .bytes, "customer_id", "use u8(), u16(), u32() or bytes()"),
        ("{{ cap }}", .bytes, "cap", "found a record; pick a member, such as '.applets'"),
        ("{{ cap.applets }}", .bytes, "cap.applets", "found a list; pick an element"),
        ("Dear {{ serial }}", .string, "serial", "expected a string or an integer here, found bytes"),
        ("{{ serial }}", .integer, "serial", "expected an integer here, found bytes; use int()"),
        ("{{ customer_name }}", .integer, "customer_name", "expected an integer here, found a string"),
        ("{{ cap.package }}", .list(.bytes), "cap.package", "expected a list here, found a record"),
    ]

    @Test(arguments: typeCases)
    func typeMismatchesPointAtTheOperand(
        _ text: String,
        _ expected: TemplateType,
        _ place: String,
        _ message: String
    ) throws {
        let outcome = TemplateFixture.run(text, as: expected)
        #expect(outcome.parsing.isEmpty)
        let column = try #require(lastColumn(of: place, in: text))
        expectOnly(
            outcome.checking,
            .templateType,
            line: 1,
            column: column,
            endColumn: column + place.unicodeScalars.count,
            containing: message
        )
        #expect(outcome.evaluating == outcome.checking, "\(render(outcome.evaluating))")
        #expect(outcome.value == nil)
    }

    @Test func aMistypedArgumentIsReportedOnce() {
        let outcome = TemplateFixture.run("{{ tlv(0x5F20, 'AB') || 0x01 }}")
        expectOnly(outcome.checking, .templateType, line: 1, column: 16, endColumn: 20)
    }

    // MARK: - template.invalid-value

    @Test func invalidValueInOneSegmentDoesNotHideAnother() {
        let outcome = TemplateFixture.run("{{ serial[9:] }} {{ aid(0x01) }}")
        #expect(outcome.checking.isEmpty)
        #expect(outcome.evaluating.map(\.id) == [.templateValue, .templateValue])
        #expect(outcome.evaluating.map(\.range?.start.column) == [11, 25])
        #expect(outcome.value == nil)
    }

    // MARK: - parse.invalid-hex

    @Test func badHexInLiteralTextPointsAtTheCharacter() {
        let outcome = TemplateFixture.run("A0 0G {{ serial }}")
        expectOnly(
            outcome.checking,
            .invalidHex,
            line: 1,
            column: 5,
            endColumn: 6,
            containing: "'G' is not a hex digit"
        )
        #expect(outcome.evaluating == outcome.checking)
    }

    @Test func oddHexDigitsPointAtTheUnpairedDigit() {
        let outcome = TemplateFixture.run("A0 0 {{ serial }}")
        expectOnly(
            outcome.checking,
            .invalidHex,
            line: 1,
            column: 4,
            endColumn: 5,
            containing: "odd number of hex digits (3)"
        )
    }

    @Test func badHexOnALaterLineOfABlockScalar() {
        let outcome = TemplateFixture.run("A0 00\n  {{ serial }}\n  GG", at: TemplateFixture.location(10, 5))
        expectOnly(outcome.checking, .invalidHex, line: 12, column: 3, endColumn: 4)
    }

    @Test func columnsCountUnicodeScalars() {
        let precomposed = TemplateFixture.run("é{{ seral }}", as: .string)
        expectOnly(precomposed.checking, .templateUnknownName, line: 1, column: 5)
        let combining = TemplateFixture.run("e\u{301}{{ seral }}", as: .string)
        expectOnly(combining.checking, .templateUnknownName, line: 1, column: 6)
        let hex = TemplateFixture.run("A0 e\u{301}")
        expectOnly(hex.checking, .invalidHex, line: 1, column: 4, endColumn: 6)
    }

    @Test func aStartLocationShiftsTheFirstLineOnly() {
        let outcome = TemplateFixture.run("{{ seral }}\n{{ seral }}", as: .string, at: TemplateFixture.location(4, 20))
        #expect(
            outcome.checking.map(\.range?.start) == [TemplateFixture.location(4, 23), TemplateFixture.location(5, 4)]
        )
    }

    // MARK: - Evaluation after syntax errors

    @Test func evaluationAfterASyntaxErrorAddsNothing() {
        let outcome = TemplateFixture.run("{{ serial[0:4 }} GG {{ seral }}")
        #expect(outcome.parsing.count == 1)
        #expect(outcome.evaluating.isEmpty)
        #expect(outcome.value == nil)
    }
}
