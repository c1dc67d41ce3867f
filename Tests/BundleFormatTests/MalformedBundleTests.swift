import APDUTypes
import BundleFormat
import Foundation
import Testing

/// Strict decoding: every departure from the format is an error with a code, never a crash.
struct MalformedBundleTests {
    static func exampleText() throws -> String {
        try TestFixtures.bundle().encoded().utf8Text
    }

    static func decodeError(_ text: String) -> BundleError? {
        decodeError(Array(text.utf8))
    }

    static func decodeError(_ bytes: [UInt8]) -> BundleError? {
        do {
            _ = try SignedBundle.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// Replaces exactly one occurrence of `target`, failing the test when it is not unique.
    static func replacingOnce(_ text: String, _ target: String, with replacement: String) throws -> String {
        let parts = text.components(separatedBy: target)
        try #require(parts.count == 2, "'\(target)' occurs \(parts.count - 1) times")
        return parts.joined(separator: replacement)
    }

    struct Edit: CustomTestStringConvertible, Sendable {
        var name: String
        var target: String
        var replacement: String
        var testDescription: String { name }
    }

    static let malformedEdits: [Edit] = [
        Edit(name: "unknown top-level key", target: "\"format\" :", replacement: "\"extra\" : 1,\n  \"format\" :"),
        Edit(
            name: "unknown card key",
            target: "\"profile\" : \"globalplatform\"",
            replacement: "\"profile\" : \"globalplatform\", \"pin\" : \"1234\""
        ),
        Edit(name: "unknown command key", target: "\"index\" : 3,", replacement: "\"index\" : 3, \"delay\" : 10,"),
        Edit(
            name: "unknown signature key",
            target: "\"algorithm\" : \"ed25519\"",
            replacement: "\"algorithm\" : \"ed25519\", \"x5c\" : []"
        ),
        Edit(
            name: "duplicate top-level key",
            target: "\"format\" :",
            replacement: "\"format\" : \"cardseq-bundle/1\",\n  \"format\" :"
        ),
        Edit(name: "duplicate command key", target: "\"index\" : 3,", replacement: "\"index\" : 3, \"index\" : 3,"),
        Edit(
            name: "lower-case card hex",
            target: "\"icSerialNumber\" : \"0042ACF3\"",
            replacement: "\"icSerialNumber\" : \"0042acf3\""
        ),
        Edit(
            name: "odd-length hex",
            target: "\"icSerialNumber\" : \"0042ACF3\"",
            replacement: "\"icSerialNumber\" : \"0042ACF\""
        ),
        Edit(
            name: "hex with spaces",
            target: "\"icSerialNumber\" : \"0042ACF3\"",
            replacement: "\"icSerialNumber\" : \"00 42 AC F3\""
        ),
        Edit(name: "upper-case digest", target: "f0f1f2f3", replacement: "F0F1F2F3"),
        Edit(name: "lower-case status word", target: "\"61XX\"", replacement: "\"61xx\""),
        Edit(name: "null member", target: "\"note\" : \"LOAD block 1/2\"", replacement: "\"note\" : null"),
        Edit(name: "float index", target: "\"index\" : 3,", replacement: "\"index\" : 3.0,"),
        Edit(name: "exponent index", target: "\"index\" : 3,", replacement: "\"index\" : 3e0,"),
        Edit(name: "string index", target: "\"index\" : 3,", replacement: "\"index\" : \"3\","),
        Edit(name: "negative step", target: "\"step\" : 2", replacement: "\"step\" : -2"),
        Edit(name: "boolean as number", target: "\"sensitive\" : true", replacement: "\"sensitive\" : 1"),
        Edit(name: "timestamp with offset", target: "2025-03-01T09:30:00Z", replacement: "2025-03-01T09:30:00+00:00"),
        Edit(name: "unknown protocol", target: "\"protocol\" : \"scp03\"", replacement: "\"protocol\" : \"scp04\""),
        Edit(name: "security level names disagree", target: "\"C-DECRYPTION\"", replacement: "\"R-MAC\""),
        Edit(name: "security level with unknown bit", target: "\"value\" : \"03\"", replacement: "\"value\" : \"83\""),
        Edit(name: "short key id", target: "\"keyId\" : \"", replacement: "\"keyId\" : \"00"),
        Edit(name: "empty sequence name", target: "\"name\" : \"brokerage\"", replacement: "\"name\" : \"\""),
        Edit(name: "trailing comma", target: "\"step\" : 5\n", replacement: "\"step\" : 5,\n"),
        Edit(name: "short APDU", target: "\"apdu\" : \"8482", replacement: "\"apdu\" : \"84\", \"x\" : \"8482"),
    ]

    @Test(arguments: malformedEdits)
    func rejectsMalformed(_ edit: Edit) throws {
        let text = try Self.replacingOnce(Self.exampleText(), edit.target, with: edit.replacement)
        let error = try #require(Self.decodeError(text))
        #expect(error.code == .malformedBundle, "\(error)")
        // The verifier reports the same error under `decode`, with no bundle.
        let result = try TestFixtures.verifier().verify(bytes: Array(text.utf8))
        #expect(result.bundle == nil)
        #expect(result.failures.map(\.check) == ["decode"])
        #expect(result.codes == [.malformedBundle])
    }

    @Test func lowerCaseHexAnywhereIsRejected() throws {
        let text = try Self.exampleText()
        // Every hex string member, lower-cased one at a time.
        let hexMembers = [
            "\"apdu\" : \"", "\"cin\" : \"", "\"kdd\" : \"", "\"id\" : \"", "\"value\" : \"",
            "\"keyId\" : \"", "\"hostChallenge\" : \"", "\"command\" : \"", "\"response\" : \"",
        ]
        for member in hexMembers {
            guard let range = text.range(of: member) else {
                Issue.record("no member \(member)")
                continue
            }
            let valueEnd = try #require(text[range.upperBound...].firstIndex(of: "\""))
            let value = text[range.upperBound..<valueEnd]
            guard value.contains(where: { "ABCDEF".contains($0) }) else { continue }
            let edited = text.replacingCharacters(in: range.upperBound..<valueEnd, with: value.lowercased())
            #expect(Self.decodeError(edited)?.code == .malformedBundle, "\(member)")
        }
    }

    @Test func missingMembersAreRejected() throws {
        let bundle = try TestFixtures.bundle()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bundle.encoded())) as? [String: Any])
        for key in object.keys {
            var smaller = object
            smaller.removeValue(forKey: key)
            let data = try JSONSerialization.data(withJSONObject: smaller)
            let error = try #require(Self.decodeError(Array(data)), "without \(key)")
            #expect(error.code == .malformedBundle, "without \(key): \(error)")
        }
        var commands = try #require(object["commands"] as? [[String: Any]])
        for key in ["index", "apdu", "expect", "sensitive"] {
            var edited = object
            commands[2].removeValue(forKey: key)
            edited["commands"] = commands
            let data = try JSONSerialization.data(withJSONObject: edited)
            let error = try #require(Self.decodeError(Array(data)))
            #expect(error.code == .malformedBundle)
            #expect(error.commandIndex == 2, "\(error)")
            commands = try #require(object["commands"] as? [[String: Any]])
        }
    }

    @Test func otherFormatsAndAlgorithmsHaveTheirOwnCodes() throws {
        let text = try Self.exampleText()
        let v2 = try Self.replacingOnce(text, "cardseq-bundle/1", with: "cardseq-bundle/2")
        #expect(Self.decodeError(v2)?.code == .unsupportedFormat)
        // A future version with new members is still "unsupported format", not "malformed".
        let v2Extra = try Self.replacingOnce(v2, "\"format\" :", with: "\"newThing\" : {},\n  \"format\" :")
        #expect(Self.decodeError(v2Extra)?.code == .unsupportedFormat)
        let rsa = try Self.replacingOnce(text, "\"ed25519\"", with: "\"rsa-pss\"")
        #expect(Self.decodeError(rsa)?.code == .unsupportedAlgorithm)
        let noFormat = try Self.replacingOnce(text, "\"format\" : \"cardseq-bundle/1\",", with: "")
        #expect(Self.decodeError(noFormat)?.code == .malformedBundle)
    }

    @Test func rejectsBrokenJSON() throws {
        let text = try Self.exampleText()
        let bytes = Array(text.utf8)
        var cases: [(String, [UInt8])] = [
            ("empty", []),
            ("array", Array("[]".utf8)),
            ("string", Array("\"bundle\"".utf8)),
            ("truncated", Array(bytes.prefix(bytes.count / 2))),
            ("trailing data", bytes + Array("{}".utf8)),
            ("byte-order mark", [0xEF, 0xBB, 0xBF] + bytes),
            ("deep nesting", Array((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8)),
            ("huge integer", Array("{\"index\": 123456789012345678901234567890}".utf8)),
            ("lone surrogate", Array("{\"a\": \"\\ud800\"}".utf8)),
            ("control character", Array("{\"a\": \"\u{01}\"}".utf8)),
            ("single quotes", Array("{'format': 1}".utf8)),
            ("too large", [UInt8](repeating: 0x20, count: SignedBundle.maximumEncodedLength + 1)),
        ]
        var invalidUTF8 = bytes
        let noteRange = try #require(text.range(of: "LOAD block 1/2"))
        invalidUTF8[text.utf8.distance(from: text.utf8.startIndex, to: noteRange.lowerBound)] = 0xFF
        cases.append(("invalid UTF-8", invalidUTF8))
        for (name, input) in cases {
            #expect(Self.decodeError(input)?.code == .malformedBundle, "\(name)")
        }
    }

    @Test func escapesAndUnicodeSurviveCanonicalization() throws {
        var payload = TestFixtures.payload()
        payload.commands[2].note = "quote \" backslash \\ slash / tab \t nul \u{0} é 🂡"
        let bundle = try BundleSealer(signer: try TestFixtures.signer()).seal(payload)
        let canonical = bundle.signedBytes.utf8Text
        #expect(canonical.contains(#"quote \" backslash \\ slash / tab \t nul \u0000 é 🂡"#))
        // The same string written with other escapes decodes to the same canonical bytes.
        let text = bundle.encoded().utf8Text.replacingOccurrences(of: "é 🂡", with: "\\u00e9 \\ud83c\\udca1")
            .replacingOccurrences(of: "slash /", with: "slash \\/")
        let decoded = try SignedBundle.decode(Array(text.utf8))
        #expect(decoded.signedBytes == bundle.signedBytes)
        #expect(try TestFixtures.verifier().verify(decoded).isValid)
    }
}
