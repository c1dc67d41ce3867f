import BundleFormat
import Foundation
import Testing

/// `Grammar/bundle.schema.json` is kept equal to the code, as the DSL's schema is: the same
/// member names, the same enumerations, and examples that decode and verify.
struct SchemaTests {
    static func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: TestFixtures.repositoryFile("Grammar/bundle.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func definition(_ name: String) throws -> [String: Any] {
        let definitions = try #require(try schema()["$defs"] as? [String: Any])
        return try #require(definitions[name] as? [String: Any])
    }

    static func propertyNames(_ object: [String: Any]) throws -> Set<String> {
        Set(try #require(object["properties"] as? [String: Any]).keys)
    }

    static func enumeration(_ object: [String: Any], _ property: String) throws -> [String] {
        let properties = try #require(object["properties"] as? [String: Any])
        let member = try #require(properties[property] as? [String: Any])
        return try #require(member["enum"] as? [String])
    }

    /// The member names the encoder writes for an object at a path of the example bundle.
    static func encodedKeys(_ bundle: SignedBundle, _ path: [String]) throws -> Set<String> {
        var value: Any = try JSONSerialization.jsonObject(with: Data(bundle.encoded()))
        for key in path {
            if let index = Int(key) {
                value = try #require((value as? [Any])?[index])
            } else {
                value = try #require((value as? [String: Any])?[key])
            }
        }
        return Set(try #require(value as? [String: Any]).keys)
    }

    @Test func memberNamesMatchTheEncoder() throws {
        let bundle = try TestFixtures.bundle(mode: .precomputed)
        #expect(try Self.propertyNames(Self.schema()) == Self.encodedKeys(bundle, []))
        #expect(try Self.propertyNames(Self.definition("sequence")) == Self.encodedKeys(bundle, ["sequence"]))
        #expect(try Self.propertyNames(Self.definition("card")) == Self.encodedKeys(bundle, ["card"]))
        #expect(try Self.propertyNames(Self.definition("command")) == Self.encodedKeys(bundle, ["commands", "2"]))
        #expect(try Self.propertyNames(Self.definition("signature")) == Self.encodedKeys(bundle, ["signature"]))
        #expect(
            try Self.propertyNames(Self.definition("securityLevel"))
                == Self.encodedKeys(bundle, ["secureChannel", "securityLevel"])
        )
        // The GlobalPlatform members and the secure messaging ones, together.
        var secureMessaging = TestFixtures.payload()
        secureMessaging.secureChannel = .secureMessaging(TestFixtures.secureMessagingSession)
        let smBundle = try BundleSealer(signer: try TestFixtures.signer()).seal(secureMessaging)
        #expect(
            try Self.propertyNames(Self.definition("secureChannel"))
                == Self.encodedKeys(bundle, ["secureChannel"]).union(Self.encodedKeys(smBundle, ["secureChannel"]))
        )
        #expect(try Self.enumeration(Self.definition("secureChannel"), "cipher") == ["3des", "aes"])
    }

    @Test func enumerationsMatchTheCode() throws {
        #expect(try Self.enumeration(Self.definition("card"), "profile") == BundleCardProfile.allCases.map(\.rawValue))
        #expect(
            try Self.enumeration(Self.definition("secureChannel"), "protocol")
                == BundleChannelProtocol.allCases.map(\.rawValue)
        )
        #expect(
            try Self.enumeration(Self.definition("secureChannel"), "mode")
                == BundleSecureChannel.GlobalPlatformSession.Mode.allCases.map(\.rawValue)
        )
        #expect(
            try Self.enumeration(Self.definition("signature"), "algorithm")
                == BundleSignatureAlgorithm.allCases.map(\.rawValue)
        )
        let levels = (0...255).compactMap { BundleSecurityLevel(rawValue: UInt8($0)) }
        #expect(
            try Self.enumeration(Self.definition("securityLevel"), "value")
                == levels.map { String($0.description.prefix(2)) }
        )
        let format = try #require(try Self.schema()["properties"] as? [String: Any])["format"] as? [String: Any]
        #expect(format?["const"] as? String == BundlePayload.currentFormat)
    }

    /// The schema's example was canonicalized and signed by Python (`json.dumps(sort_keys=True,
    /// separators=(",", ":"))` and the `cryptography` package) with the test key: it must verify here.
    @Test func examplesDecodeAndVerify() throws {
        let examples = try #require(try Self.schema()["examples"] as? [Any])
        #expect(!examples.isEmpty)
        let verifier = BundleVerifier.standard(
            trustedKeys: [try TestFixtures.signer().publicKey],
            now: TestFixtures.now
        )
        for example in examples {
            let data = try JSONSerialization.data(withJSONObject: example)
            let result = verifier.verify(bytes: Array(data))
            #expect(result.isValid, "\(result.failures)")
        }
    }
}
