import BundleFormat
import Foundation
import Testing

/// The example bundles pinned byte for byte under `Golden/`, recorded with `SEQ_RECORD_GOLDEN=1`.
///
/// Ed25519 signing is deterministic with swift-crypto's BoringSSL backend, so the signature
/// bytes are pinned too. Where the backend randomizes (Apple's CryptoKit), the files are
/// compared with the signature value masked, and the stored signature is verified instead.
struct GoldenBundleTests {
    struct Example: CustomTestStringConvertible, Sendable {
        var file: String
        var mode: BundleSecureChannel.GlobalPlatformSession.Mode
        var testDescription: String { file }
    }

    static let examples = [
        Example(file: "scp03-online.bundle.json", mode: .online),
        Example(file: "scp03-precomputed.bundle.json", mode: .precomputed),
    ]

    static var signsDeterministically: Bool {
        #if canImport(CryptoKit)
        false
        #else
        true
        #endif
    }

    static func maskingSignature(_ text: String) -> String {
        text.replacingOccurrences(
            of: #""value" : "[0-9A-F]{128}""#,
            with: #""value" : "(signature)""#,
            options: .regularExpression
        )
    }

    @Test(arguments: examples)
    func bundleMatchesGolden(_ example: Example) throws {
        let bundle = try TestFixtures.bundle(mode: example.mode)
        let actual = bundle.encoded().utf8Text
        let url = TestFixtures.file("Golden/\(example.file)")
        if Self.signsDeterministically || GoldenFile.isRecording {
            if let failure = GoldenFile.compare(actual, with: url) {
                Issue.record(Comment(rawValue: failure))
            }
        } else {
            let golden = try String(contentsOf: url, encoding: .utf8)
            #expect(Self.maskingSignature(golden) == Self.maskingSignature(actual))
        }
    }

    @Test(arguments: examples)
    func goldenDecodesAndVerifies(_ example: Example) throws {
        let bytes = try Array(Data(contentsOf: TestFixtures.file("Golden/\(example.file)")))
        let result = try TestFixtures.verifier().verify(bytes: bytes)
        #expect(result.isValid, "\(result.failures)")
        #expect(result.bundle?.payload == TestFixtures.payload(mode: example.mode))
        #expect(result.bundle?.encoded() == bytes)
    }

    @Test func descriptionMatchesGolden() throws {
        let bundle = try TestFixtures.bundle(mode: .precomputed)
        let text = BundleDescription.render(bundle)
        #expect(!text.contains("E0E1E2E3"), "sensitive data must not be shown")
        if let failure = GoldenFile.compare(text, with: TestFixtures.file("Golden/scp03-precomputed.description.txt")) {
            Issue.record(Comment(rawValue: failure))
        }
    }
}
