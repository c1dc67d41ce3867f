import APDUTypes
import BundleFormat
import Foundation
import Testing

/// Seal, encode, decode, verify; and the canonical bytes' independence from the file's layout.
struct RoundTripTests {
    @Test(arguments: [BundleSecureChannel.GlobalPlatformSession.Mode.online, .precomputed])
    func sealEncodeDecodeVerify(mode: BundleSecureChannel.GlobalPlatformSession.Mode) throws {
        let bundle = try TestFixtures.bundle(mode: mode)
        let decoded = try SignedBundle.decode(bundle.encoded())
        #expect(decoded == bundle)
        let result = try TestFixtures.verifier().verify(bytes: bundle.encoded())
        #expect(result.isValid, "\(result.failures)")
    }

    @Test func encodedFileIsTheCanonicalFormPrettyPrinted() throws {
        let bundle = try TestFixtures.bundle()
        let text = bundle.encoded().utf8Text
        #expect(text.hasPrefix("{\n  \"card\" : {\n"))
        #expect(text.hasSuffix("\n}\n"))
        #expect(!text.contains("\\/"))
        let canonical = bundle.payload.canonicalBytes().utf8Text
        #expect(canonical.hasPrefix("{\"card\":{\"cin\":\"45080000000000000123\""))
        #expect(!canonical.contains(" : ") && !canonical.contains("\n"))
        #expect(!canonical.contains("\"signature\""))
        #expect(bundle.signedBytes == bundle.payload.canonicalBytes())
    }

    @Test func canonicalBytesIgnoreLayoutAndKeyOrder() throws {
        let bundle = try TestFixtures.bundle()
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(bundle.encoded())) as? [String: Any]
        )
        // Compact, and pretty with Foundation's own (unsorted) key order.
        for options: JSONSerialization.WritingOptions in [[], [.prettyPrinted], [.withoutEscapingSlashes]] {
            let data = try JSONSerialization.data(withJSONObject: object, options: options)
            let decoded = try SignedBundle.decode(Array(data))
            #expect(decoded.payload.canonicalBytes() == bundle.payload.canonicalBytes())
            #expect(try TestFixtures.verifier().verify(decoded).isValid)
        }
        // Keys reversed by hand, with extra whitespace and escaped slashes.
        let reversed = Self.reversedKeys(bundle.encoded().utf8Text)
        let decoded = try SignedBundle.decode(Array(reversed.utf8))
        #expect(decoded == bundle)
        let escaped = bundle.encoded().utf8Text.replacingOccurrences(of: "/", with: "\\/")
        #expect(try SignedBundle.decode(Array(escaped.utf8)) == bundle)
        let tabbed = bundle.encoded().utf8Text.replacingOccurrences(of: "  ", with: "\t \r\n")
        #expect(try SignedBundle.decode(Array(tabbed.utf8)) == bundle)
    }

    /// Rewrites top-level members in reverse order (a crude re-layout that keeps the values).
    static func reversedKeys(_ text: String) -> String {
        let lines = text.split(separator: "\n").map(String.init)
        var members: [[String]] = []
        for line in lines.dropFirst().dropLast() {
            if line.hasPrefix("  \"") {
                members.append([line])
            } else {
                members[members.count - 1].append(line)
            }
        }
        let rendered = members.reversed().map { member -> String in
            var member = member
            if let last = member.last, last.hasSuffix(",") {
                member[member.count - 1] = String(last.dropLast())
            }
            return member.joined(separator: "\n")
        }
        return "{\n" + rendered.joined(separator: ",\n") + "\n}\n"
    }

    @Test func codableGoesThroughTheSameForm() throws {
        let bundle = try TestFixtures.bundle()
        let data = try JSONEncoder().encode(bundle)
        let decoded = try JSONDecoder().decode(SignedBundle.self, from: data)
        #expect(decoded == bundle)
        #expect(try SignedBundle.decode(Array(data)) == bundle)
    }

    @Test func timestampsUseOneSpelling() throws {
        #expect(TestFixtures.issuedAt.iso8601 == "2025-03-01T09:30:00Z")
        #expect(BundleTimestamp(iso8601: "2025-03-01T09:30:00Z") == TestFixtures.issuedAt)
        #expect(BundleTimestamp(iso8601: "1970-01-01T00:00:00Z")?.secondsSince1970 == 0)
        #expect(BundleTimestamp(iso8601: "2024-02-29T23:59:59Z") != nil)
        #expect(BundleTimestamp.latest.iso8601 == "9999-12-31T23:59:59Z")
        for text in [
            "2025-02-29T00:00:00Z", "2025-03-01T09:30:00+00:00", "2025-03-01T09:30:00.000Z",
            "2025-03-01 09:30:00Z", "2025-3-01T09:30:00Z", "1969-12-31T23:59:59Z", "2025-03-01T24:00:00Z",
            "2025-03-01t09:30:00z",
        ] {
            #expect(BundleTimestamp(iso8601: text) == nil, "\(text)")
        }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let seconds = Int64.random(in: 0...BundleTimestamp.latest.secondsSince1970, using: &generator)
            let timestamp = BundleTimestamp(secondsSince1970: seconds)
            #expect(BundleTimestamp(iso8601: timestamp.iso8601) == timestamp)
        }
    }

    @Test func statusWordPatterns() {
        #expect(StatusWordPattern(text: "61XX")?.matches(StatusWord(0x6110)) == true)
        #expect(StatusWordPattern(text: "63CX")?.matches(StatusWord(0x63C2)) == true)
        #expect(StatusWordPattern(text: "9000")?.matches(StatusWord(0x9001)) == false)
        #expect(StatusWordPattern(text: "61XX")?.description == "61XX")
        for text in ["61xx", "6a88", "XXXX", "X000", "1234", "900", "90000", "9O00"] {
            #expect(StatusWordPattern(text: text) == nil, "\(text)")
        }
    }
}
