/// A bundle: the payload and the signature over its canonical bytes.
///
/// The file form (``encoded()``) is one JSON object holding the payload's members and a
/// `signature` member, pretty-printed with sorted keys. Reading it (``decode(_:)``) is strict:
/// a duplicate, unknown or missing key, a wrong type, non-canonical hex or a wrong `format` is
/// an error before any signature is looked at. Decoding does not verify: pass the bundle to a
/// ``BundleVerifier``.
public struct SignedBundle: Hashable, Sendable {
    /// What the bundle says.
    public var payload: BundlePayload
    /// The signature over `payload.canonicalBytes()`.
    public var signature: BundleSignature

    /// Creates a bundle from a payload and its signature; ``BundleSealer`` makes the signature.
    public init(payload: BundlePayload, signature: BundleSignature) {
        self.payload = payload
        self.signature = signature
    }

    /// The largest bundle file read: 16 MiB.
    public static let maximumEncodedLength = 16 << 20

    /// The file form: pretty-printed JSON with sorted keys and a final newline.
    ///
    /// This is what golden `.bundle.json` files pin and what the server ships. Any spacing or
    /// key order decodes to the same bundle; only the canonical payload bytes are signed.
    public func encoded() -> [UInt8] {
        JSONWriter.pretty(json)
    }

    /// The bytes the signature covers: `payload.canonicalBytes()`.
    public var signedBytes: [UInt8] {
        payload.canonicalBytes()
    }

    /// Reads a bundle file strictly.
    ///
    /// - Parameter bytes: The file's bytes: UTF-8 JSON, in any spacing and key order.
    /// - Returns: The bundle, not yet verified.
    /// - Throws: ``BundleError`` with code ``BundleError/Code/malformedBundle`` for bytes that are
    ///   not a well-formed bundle, ``BundleError/Code/unsupportedFormat`` for another `format`,
    ///   and ``BundleError/Code/unsupportedAlgorithm`` for an unknown signature algorithm.
    public static func decode(_ bytes: [UInt8]) throws(BundleError) -> SignedBundle {
        guard bytes.count <= maximumEncodedLength else {
            throw .malformed("the file is larger than \(maximumEncodedLength) bytes")
        }
        let value: JSONValue
        do throws(JSONParser.Failure) {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .malformed("invalid JSON at byte \(error.offset): \(error.message)")
        }
        return try SignedBundle(json: value)
    }
}

extension SignedBundle {
    init(json: JSONValue) throws(BundleError) {
        guard case .object(var members) = json else {
            throw .malformed("the top level must be an object, not \(json.kindName)")
        }
        // The format decides how to read everything else, so it is checked first.
        if case .string(let format)? = members["format"], format != BundlePayload.currentFormat {
            throw BundleError(
                code: .unsupportedFormat,
                reason: "format '\(format)' is not '\(BundlePayload.currentFormat)'"
            )
        }
        guard let signatureValue = members.removeValue(forKey: "signature") else {
            throw .malformed("'signature' is missing")
        }
        let payload = try BundlePayload(json: .object(members))
        let signature = try BundleSignature(json: signatureValue, path: "signature")
        self.init(payload: payload, signature: signature)
    }

    var json: JSONValue {
        guard case .object(var members) = payload.json else {
            return payload.json
        }
        members["signature"] = signature.json
        return .object(members)
    }
}

extension SignedBundle: Codable {
    /// Decodes the JSON form with the same member rules as ``decode(_:)``.
    ///
    /// A `Decoder` may already have dropped duplicate keys; use ``decode(_:)`` on the raw bytes
    /// where strictness matters. Verification is unaffected either way: the signature covers
    /// the canonical bytes re-encoded from the decoded values.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    /// Encodes the JSON form.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
