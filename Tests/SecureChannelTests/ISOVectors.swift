import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// `iso-sm-*-kdf.json`: one key derived with ICAO Doc 9303 Part 11 KDF(K, c).
struct ISOKDFVector: Decodable, Sendable {
    var tcId: Int
    var comment: String
    var seed: String
    var counter: UInt32
    var cipher: String
    var keyLength: Int
    var key: String
}

/// `iso-sm-icao9303-mrz.json`: MRZ information and the keys that derive from it.
struct ISOMRZVector: Decodable, Sendable {
    var tcId: Int
    var comment: String
    var documentNumber: String
    var dateOfBirth: String
    var dateOfExpiry: String
    var mrzInformation: String
    var keySeed: String?
    var kEnc: String?
    var kMac: String?
}

/// Mutual authentication: both sides' inputs, the EXTERNAL AUTHENTICATE exchange and the session it sets up.
struct ISOMutualAuthenticationVector: Decodable, Sendable {
    var tcId: Int?
    var comment: String?
    var cipher: String
    var mrzInformation: String?
    var accessKeySeed: String
    var kEnc: String
    var kMac: String
    var rndIC: String
    var rndIFD: String
    var kIFD: String
    var kIC: String
    var command: String
    var response: String
    var sessionKeySeed: String
    var ksEnc: String
    var ksMac: String
    var initialCounter: String
}

/// One command and its response, plain and protected, with the counter values they use.
struct ISOExchangeVector: Decodable, Sendable {
    var comment: String
    var commandCounter: String
    var plainCommand: String
    var protectedCommand: String
    var responseCounter: String
    var plainResponse: String
    var protectedResponse: String
}

/// A whole session: session keys, initial counter and exchanges in order.
struct ISOSessionVector: Decodable, Sendable {
    var tcId: Int
    var comment: String
    var cipher: String
    var ksEnc: String
    var ksMac: String
    var initialCounter: String
    var commandMACPadding: String?
    var authentication: ISOMutualAuthenticationVector?
    var exchanges: [ISOExchangeVector]
}

/// One protected message on its own, with the counter value it uses (published fragments of sessions).
struct ISOMessageVector: Decodable, Sendable {
    var tcId: Int
    var comment: String
    var source: String
    var ksEnc: String
    var ksMac: String
    var counter: String
    var commandMACPadding: String?
    var plainCommand: String?
    var protectedCommand: String?
    var protectedCommandData: String?
    var protectedResponse: String?
    var plainResponse: String?
    var cryptogramObjectValue: String?
    var plaintext: String?
    var result: String
    var error: String?
}

/// Helpers that turn vector fields into the module's types.
enum ISOVectorSupport {
    static func cipher(_ name: String) throws -> ISOSecureMessaging.Cipher {
        switch name {
        case "3DES": return .tripleDES
        case "AES": return .aes
        default: throw UnknownValue(value: name)
        }
    }

    static func keys(cipher name: String, encryption: String, mac: String) throws -> ISOSecureMessaging.Keys {
        let algorithm: CardKey.Algorithm = try cipher(name) == .aes ? .aes : .tripleDES
        return try ISOSecureMessaging.Keys(
            encryption: CardKey(algorithm, bytes: try bytes(encryption)),
            mac: CardKey(algorithm, bytes: try bytes(mac))
        )
    }

    static func padding(_ name: String?) throws -> ISOSecureMessaging.CommandMACPadding {
        switch name {
        case nil, "always": return .always
        case "omittedAfterBareHeader": return .omittedAfterBareHeader
        case let other?: throw UnknownValue(value: other)
        }
    }

    static func messaging(_ vector: ISOSessionVector) throws -> ISOSecureMessaging {
        ISOSecureMessaging(
            keys: try keys(cipher: vector.cipher, encryption: vector.ksEnc, mac: vector.ksMac),
            commandMACPadding: try padding(vector.commandMACPadding)
        )
    }

    static func counter(_ hex: String) throws -> ISOSecureMessaging.SendSequenceCounter {
        try ISOSecureMessaging.SendSequenceCounter(bytes: try bytes(hex))
    }

    static func response(_ hex: String) throws -> CardResponse {
        try CardResponse(bytes: try bytes(hex))
    }

    /// The error code a vector names.
    static func code(_ name: String?) throws -> SecureChannelError.Code {
        let codes: [String: SecureChannelError.Code] = [
            "malformedResponse": .malformedResponse,
            "responseMACMismatch": .responseMACMismatch,
            "unexpectedStatusWord": .unexpectedStatusWord,
            "malformedCommand": .malformedCommand,
            "commandMACMismatch": .commandMACMismatch,
        ]
        let name = try #require(name)
        return try #require(codes[name], "unknown error code \(name)")
    }

    struct UnknownValue: Error {
        var value: String
    }
}

/// Runs `body` and checks that it throws a ``SecureChannelError`` with `code`.
func expectISOError<Result>(
    _ code: SecureChannelError.Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Result
) {
    let note = comment.map { " \($0)" } ?? ""
    do {
        _ = try body()
        Issue.record("expected \(code), got a result.\(note)", sourceLocation: sourceLocation)
    } catch let error as SecureChannelError {
        #expect(error.code == code, "\(error.debugDescription)\(note)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error).\(note)", sourceLocation: sourceLocation)
    }
}
