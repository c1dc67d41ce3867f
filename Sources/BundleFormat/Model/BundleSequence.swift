/// The install script a bundle was compiled from: its name, version and source digest.
///
/// In JSON: `{"name": "brokerage", "sourceDigest": "sha256:90bf…", "version": "2.1.0"}`. The
/// digest is written as `PlanRecord` and the `.apdu` listings write it (`sha256:` and 64
/// lower-case hex digits, the usual spelling of content digests), so the same string can be
/// searched for in all three.
public struct BundleSequence: Hashable, Sendable {
    /// The sequence's name, from the script.
    public var name: String
    /// The sequence's version, from the script.
    public var version: String
    /// SHA-256 over the script, its includes and its components: 32 bytes.
    public var sourceDigest: [UInt8]

    /// Creates the sequence description.
    public init(name: String, version: String, sourceDigest: [UInt8]) {
        self.name = name
        self.version = version
        self.sourceDigest = sourceDigest
    }

    /// The digest as written in the bundle: `sha256:` and 64 lower-case hex digits.
    public var sourceDigestText: String {
        "sha256:" + CanonicalHex.string(sourceDigest).lowercased()
    }
}

extension BundleSequence {
    init(json: JSONValue, path: String) throws(BundleError) {
        var reader = try JSONObjectReader(json, path: path)
        name = try reader.nonEmptyString("name")
        version = try reader.nonEmptyString("version")
        let digest = try reader.string("sourceDigest")
        guard digest.hasPrefix("sha256:"), digest.utf8.count == 71,
            digest.utf8.dropFirst(7).allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
            let bytes = CanonicalHex.bytes(String(digest.dropFirst(7)).uppercased())
        else {
            throw reader.error("sourceDigest", "must be 'sha256:' and 64 lower-case hex digits")
        }
        sourceDigest = bytes
        try reader.finish()
    }

    var json: JSONValue {
        .object(["name": .string(name), "version": .string(version), "sourceDigest": .string(sourceDigestText)])
    }
}

extension BundleSequence: Codable {
    /// Decodes the JSON form with the same rules as ``SignedBundle/decode(_:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), path: "sequence")
    }

    /// Encodes the JSON form.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
