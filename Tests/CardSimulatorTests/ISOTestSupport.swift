import APDUTypes
import CardCrypto
import CardSimulator
import Foundation
import SecureChannel
import Testing

/// Fixtures and a terminal for the ISO 7816 file card tests.
enum ISOFixtures {
    /// The repository root, found from this file even through a symbolic link.
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The bytes of a repository file.
    static func bytes(_ relativePath: String) throws -> [UInt8] {
        let url = root.appendingPathComponent(relativePath)
        return [UInt8](try Data(contentsOf: url))
    }

    /// The access keys of the fixture card `iso-test-sm` in `Sequences/keys/test-keys.yaml`
    /// (two-key triple DES, key reference `01`).
    static func testKeys() throws -> ISOSecureMessaging.Keys {
        try ISOSecureMessaging.Keys(
            encryption: CardKey(.tripleDES, bytes: hex("404142434445464748494A4B4C4D4E4F")),
            mac: CardKey(.tripleDES, bytes: hex("505152535455565758595A5B5C5D5E5F"))
        )
    }

    /// AES-128 access keys for the AES variant of mutual authentication.
    static func aesKeys() throws -> ISOSecureMessaging.Keys {
        try ISOSecureMessaging.Keys(
            encryption: CardKey(.aes, bytes: hex("000102030405060708090A0B0C0D0E0F")),
            mac: CardKey(.aes, bytes: hex("F0E0D0C0B0A090807060504030201000"))
        )
    }

    /// Other triple-DES keys: what a terminal that does not know the card holds (K_ENC differs in
    /// one key bit; a difference in a parity bit alone would be the same DES key).
    static func wrongKeys() throws -> ISOSecureMessaging.Keys {
        try ISOSecureMessaging.Keys(
            encryption: CardKey(.tripleDES, bytes: hex("404142434445464748494A4B4C4D4E5F")),
            mac: CardKey(.tripleDES, bytes: hex("505152535455565758595A5B5C5D5E5F"))
        )
    }

    /// The key reference of the fixture card.
    static let keyReference: UInt8 = 0x01

    /// A card as the loyalty sequence expects it: default MF rights, the fixture keys.
    static func loyaltyCard(
        keys: ISOSecureMessaging.Keys? = nil,
        retryLimit: Int = 3
    ) throws -> ISOFileCard {
        try ISOFileCard(
            configuration: .init(
                accessKeys: keys ?? testKeys(),
                keyReference: keyReference,
                authenticationRetryLimit: retryLimit
            ),
            randomSource: .deterministic(seed: Array("iso-file-card-tests".utf8))
        )
    }

    /// A card whose MF allows everything, for file system tests without authentication.
    static func openCard(memorySize: Int = 4096) throws -> ISOFileCard {
        try ISOFileCard(
            configuration: .init(accessKeys: testKeys(), memorySize: memorySize, masterFileSecurity: nil),
            randomSource: .deterministic(seed: [1, 2, 3])
        )
    }

    /// Hex text to bytes, failing the test on bad text.
    static func hex(_ text: String) throws -> [UInt8] {
        try #require(Hex.bytes(text), "not hex: \(text)")
    }

    /// CREATE FILE (`00 E0 00 00`) with an FCP template around the given data objects.
    static func createFile(_ fcp: String) throws -> CommandAPDU {
        let body = try hex(fcp)
        return CommandAPDU(cla: 0x00, ins: 0xE0, p1: 0x00, p2: 0x00, data: [0x62, UInt8(body.count)] + body)
    }

    /// A command from hex text.
    static func command(_ text: String) throws -> CommandAPDU {
        try CommandAPDU(bytes: hex(text))
    }
}

/// One command of a golden listing: the plain APDU and the status words it may get.
struct ISOListedCommand: Sendable {
    var apdu: CommandAPDU
    var expected: [StatusWord]
    var line: Int
}

/// Reads a command listing (`Golden/*.apdu`): a command a line, `# expect SW SW; note` after it.
enum ISOCommandListing {
    static func read(_ relativePath: String) throws -> [ISOListedCommand] {
        let text = String(decoding: try ISOFixtures.bytes(relativePath), as: UTF8.self)
        var commands: [ISOListedCommand] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let parts = line.split(separator: "#", maxSplits: 1)
            let apdu = try ISOFixtures.command(String(parts[0]))
            var expected: [StatusWord] = [.success]
            if parts.count == 2 {
                let comment = parts[1].split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
                if comment.hasPrefix("expect") {
                    expected = try comment.dropFirst("expect".count).split(separator: " ").map { word in
                        let bytes = try ISOFixtures.hex(String(word))
                        return StatusWord(sw1: bytes[0], sw2: bytes[1])
                    }
                }
            }
            commands.append(ISOListedCommand(apdu: apdu, expected: expected, line: index + 1))
        }
        return commands
    }
}

/// The terminal side: runs mutual authentication on a card, then protects commands and checks
/// the protected responses, as cardseq's server and player together would.
final class ISOTestTerminal {
    let card: ISOFileCard
    private var host: ISOSecureMessagingHost?

    init(card: ISOFileCard) {
        self.card = card
    }

    /// The card's answer to a plain command, and no session on this side any more.
    func sendPlain(_ command: CommandAPDU) -> CardResponse {
        host = nil
        return card.process(command)
    }

    /// GET CHALLENGE and EXTERNAL AUTHENTICATE with `keys`.
    ///
    /// - Returns: The card's answer to EXTERNAL AUTHENTICATE; on `9000` the session is open here too.
    @discardableResult
    func authenticate(
        keys: ISOSecureMessaging.Keys,
        keyReference: UInt8 = ISOFixtures.keyReference,
        terminalChallenge: [UInt8] = [0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26],
        terminalKeyMaterial: [UInt8] = Array(0x20..<0x30)
    ) throws -> CardResponse {
        host = nil
        let challenge = card.process(ISOMutualAuthentication.getChallengeCommand)
        try #require(challenge.statusWord == .success, "GET CHALLENGE answered \(challenge.statusWord)")
        let terminal = try ISOMutualAuthentication.Terminal(
            accessKeys: keys,
            cardChallenge: challenge.data,
            terminalChallenge: terminalChallenge,
            terminalKeyMaterial: terminalKeyMaterial
        )
        var command = try terminal.command()
        command.p2 = keyReference
        let answer = card.process(command)
        if answer.statusWord == .success {
            let session = try terminal.establish(response: answer)
            host = try ISOSecureMessagingHost(
                messaging: ISOSecureMessaging(keys: session.keys),
                counter: session.counter
            )
        }
        return answer
    }

    /// Protects a command for the card; the caller may alter it before ``deliver(_:)``.
    func protect(_ command: CommandAPDU) throws -> CommandAPDU {
        guard var session = host.take() else {
            throw TerminalFailure(reason: "no secure messaging session on the terminal side")
        }
        let protected: CommandAPDU
        do {
            protected = try session.protect(command)
        } catch {
            host = .some(session)
            throw error
        }
        host = .some(session)
        return protected
    }

    /// Sends a protected command and unprotects the card's answer; a bare status word (the card
    /// ended the session) comes back as it is, and the session ends here too.
    func deliver(_ protected: CommandAPDU) throws -> CardResponse {
        let response = card.process(protected)
        guard var session = host.take() else {
            throw TerminalFailure(reason: "no secure messaging session on the terminal side")
        }
        guard !response.data.isEmpty else {
            return response
        }
        let plain = try session.unprotect(response: response)
        host = .some(session)
        return plain
    }

    /// Protects, sends and unprotects one command.
    func send(_ command: CommandAPDU) throws -> CardResponse {
        try deliver(try protect(command))
    }

    /// Whether the terminal still has a session.
    var hasSession: Bool {
        host?.hasFailed == false
    }

    struct TerminalFailure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}

/// What replaying a listing did: how many commands ran as expected, and the first one that did not.
struct ISOReplayOutcome {
    /// The status word of every command sent, in order.
    var statusWords: [StatusWord]
    /// The first command whose status word was not an expected one, and that status word.
    var failure: (index: Int, statusWord: StatusWord)?
}

extension ISOTestTerminal {
    /// Sends each listed command protected, stopping at the first unexpected status word as the
    /// player does.
    func replay(_ commands: [ISOListedCommand]) throws -> ISOReplayOutcome {
        var statusWords: [StatusWord] = []
        for (index, listed) in commands.enumerated() {
            let response = try send(listed.apdu)
            statusWords.append(response.statusWord)
            guard listed.expected.contains(response.statusWord) else {
                return ISOReplayOutcome(statusWords: statusWords, failure: (index, response.statusWord))
            }
        }
        return ISOReplayOutcome(statusWords: statusWords, failure: nil)
    }
}
