import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// One recorded secure channel session: keys, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and commands.
struct TraceVector: Decodable, Sendable {
    struct Command: Decodable, Sendable {
        var plain: String
        var wrapped: String
        var response: String?
        var responsePlain: String?
        var responseStatus: String?
    }

    var tcId: Int
    var comment: String
    var `protocol`: Int
    var option: String?
    var keyVersion: String
    var diversification: String
    var staticENC: String
    var staticMAC: String
    var staticDEK: String
    var cardStaticENC: String?
    var cardStaticMAC: String?
    var cardStaticDEK: String?
    var hostChallenge: String
    var securityLevel: String
    var initializeUpdate: String?
    var initializeUpdateResponse: String
    var sessionENC: String?
    var sessionMAC: String?
    var sessionRMAC: String?
    var sessionDEK: String?
    var cardCryptogram: String?
    var hostCryptogram: String?
    var externalAuthenticate: String?
    var commands: [Command]?
    var securityDomainAID: String?
    var result: String
    var error: String?

    var isAES: Bool { self.protocol == 3 }

    func keys() throws -> StaticKeys {
        StaticKeys(
            enc: try cardKey(staticENC, aes: isAES),
            mac: try cardKey(staticMAC, aes: isAES),
            dek: try cardKey(staticDEK, aes: isAES),
            keyVersion: try byte(keyVersion)
        )
    }

    func configuration() throws -> SecureChannelSession.Configuration {
        let scp: SecureChannelProtocol
        switch self.protocol {
        case 1: scp = .scp01(i: try byte(option ?? "05"))
        case 2: scp = .scp02(i: try byte(option ?? "15"))
        default: scp = .scp03
        }
        let diversification = try #require(KeyDiversification(rawValue: diversification))
        return .init(
            scp: scp,
            securityLevel: SecurityLevel(rawValue: try byte(securityLevel)),
            diversification: diversification,
            securityDomainAID: try securityDomainAID.map { try #require(ApplicationIdentifier(hex: $0)) }
        )
    }

    /// A fresh session from the vector's keys, configuration and host challenge.
    func makeSession(keys: StaticKeys? = nil) throws -> SecureChannelSession {
        try SecureChannelSession(
            keys: try keys ?? self.keys(),
            configuration: try configuration(),
            hostChallenge: try bytes(hostChallenge)
        )
    }

    /// The MAC length of the wrapped commands: 16 in SCP03 S16 mode, else 8.
    func macLength() throws -> Int {
        let response = try bytes(initializeUpdateResponse)
        return self.protocol == 3 && response[12] & 0x01 != 0 ? 16 : 8
    }
}

/// One trace file and its test, named for test output.
struct TraceCase: Sendable, CustomTestStringConvertible {
    var file: String
    var source: String
    var vector: TraceVector

    var testDescription: String { "\(file) #\(vector.tcId)" }

    /// Every valid trace of every `trace-*.json` file.
    static func all() throws -> [TraceCase] {
        try VectorDirectory.names(prefix: "trace-")
            .flatMap { name in try load(name) }
    }

    /// The valid traces of one file.
    static func load(_ name: String) throws -> [TraceCase] {
        let file = try VectorFile<TraceVector>.load(name)
        return file.tests.filter { $0.result == "valid" }.map { TraceCase(file: name, source: file.source, vector: $0) }
    }

    /// The one valid trace of a file.
    static func named(_ name: String) throws -> TraceCase {
        let cases = try load(name)
        return try #require(cases.first)
    }
}
