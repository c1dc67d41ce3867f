import Foundation

/// PEM armour (RFC 7468) and the fixed DER shapes of Ed25519 keys (RFC 8410).
enum PEM {
    /// The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow.
    static let ed25519PublicKeyPrefix: [UInt8] = [
        0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00,
    ]
    /// The DER prefix of an Ed25519 PKCS#8 (version 1) private key; the 32 seed bytes follow.
    static let ed25519PrivateKeyPrefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// The DER bytes inside `-----BEGIN label-----` … `-----END label-----`, or `nil`.
    static func decode(_ text: String, label: String) -> [UInt8]? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = lines.firstIndex(of: begin), let last = lines.lastIndex(of: end), first < last else {
            return nil
        }
        let body = lines[(first + 1)..<last].joined()
        guard let data = Data(base64Encoded: body) else {
            return nil
        }
        return Array(data)
    }

    /// PEM text with 64-character lines and a final newline.
    static func encode(_ der: [UInt8], label: String) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    /// The label of the first PEM block, such as `PUBLIC KEY`, or `nil`.
    static func firstLabel(_ text: String) -> String? {
        guard let range = text.range(of: "-----BEGIN ") else {
            return nil
        }
        let rest = text[range.upperBound...]
        guard let close = rest.range(of: "-----") else {
            return nil
        }
        return String(rest[..<close.lowerBound])
    }
}
