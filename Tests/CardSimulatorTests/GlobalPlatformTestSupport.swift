import APDUTypes
import CAPFile
import CardCrypto
import CardSimulator
import SecureChannel
import Testing

/// Cards, keys, CAP files and command builders for the GlobalPlatform card tests.
///
/// The command builders follow GPCS 2.3.1 chapter 11 byte for byte and are written here, apart from
/// the card, so a test fails when the card and the specification disagree.
enum GPFixture {
    /// Hex text to bytes, or a test failure.
    static func hex(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        try #require(Hex.bytes(text), "not hex: \(text)", sourceLocation: sourceLocation)
    }

    /// Hex text to an AID, or a test failure.
    static func aid(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ApplicationIdentifier {
        try #require(ApplicationIdentifier(hex: text), "not an AID: \(text)", sourceLocation: sourceLocation)
    }

    /// The publicly known GlobalPlatform test key `40 41 … 4F` (Sequences/keys/test-keys.yaml).
    static let testKeyBytes: [UInt8] = Array(0x40...0x4F)

    /// ENC = MAC = DEK = `40..4F` as AES-128 keys with a key version.
    static func aesKeys(version: UInt8, bytes: [UInt8] = testKeyBytes) throws -> StaticKeys {
        StaticKeys(sameKey: try CardKey(.aes, bytes: bytes), keyVersion: version)
    }

    /// ENC = MAC = DEK = `40..4F` as 2-key triple-DES keys with a key version.
    static func tripleDESKeys(version: UInt8, bytes: [UInt8] = testKeyBytes) throws -> StaticKeys {
        StaticKeys(sameKey: try CardKey(.tripleDES, bytes: bytes), keyVersion: version)
    }

    /// A key diversification data used by the cards made here (the first fixture card's).
    static let kdd: [UInt8] = [0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]

    /// A card with one key set, fixed challenges and nothing installed.
    static func card(
        keys: StaticKeys,
        protocolIdentifier: UInt8,
        option: UInt8,
        sequenceCounter: Int = 0,
        configure: (inout GlobalPlatformCard.Configuration) -> Void = { _ in }
    ) throws -> GlobalPlatformCard {
        var configuration = GlobalPlatformCard.Configuration(
            keySets: [
                GlobalPlatformCard.KeySet(
                    keys: keys,
                    protocolIdentifier: protocolIdentifier,
                    implementationOption: option,
                    sequenceCounter: sequenceCounter
                )
            ],
            cardProductionLifeCycle: Array(0..<42),
            keyDiversificationData: kdd,
            issuerIdentificationNumber: [0x99],
            cardImageNumber: try hex("0000000000000123"),
            cardChallenges: .fixed(try hex("C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0"))
        )
        configure(&configuration)
        return try GlobalPlatformCard(configuration: configuration)
    }

    /// An SCP03 card (i=70, pseudo-random challenges) with AES test keys, key version 30.
    static func scp03Card(
        option: UInt8 = 0x70,
        configure: (inout GlobalPlatformCard.Configuration) -> Void = { _ in }
    ) throws -> GlobalPlatformCard {
        try card(keys: try aesKeys(version: 0x30), protocolIdentifier: 0x03, option: option, configure: configure)
    }

    /// An SCP02 card (i=55 unless told) with triple-DES test keys, key version 20, counter 0042.
    static func scp02Card(option: UInt8 = 0x55) throws -> GlobalPlatformCard {
        try card(
            keys: try tripleDESKeys(version: 0x20),
            protocolIdentifier: 0x02,
            option: option,
            sequenceCounter: 0x42
        )
    }

    /// An SCP01 card (i=05 unless told) with triple-DES test keys, key version 01.
    static func scp01Card(option: UInt8 = 0x05) throws -> GlobalPlatformCard {
        try card(keys: try tripleDESKeys(version: 0x01), protocolIdentifier: 0x01, option: option)
    }

    /// A host session for a card made by ``card(keys:protocolIdentifier:option:sequenceCounter:configure:)``.
    static func host(
        for card: GlobalPlatformCard,
        keys: StaticKeys,
        scp: SecureChannelProtocol,
        level: SecurityLevel,
        hostChallenge: [UInt8] = Array(0x11...0x18)
    ) throws -> GPHost {
        let session = try SecureChannelSession(
            keys: keys,
            configuration: .init(
                scp: scp,
                securityLevel: level,
                securityDomainAID: card.configuration.issuerSecurityDomainAID
            ),
            hostChallenge: hostChallenge
        )
        return GPHost(card: card, session: session)
    }

    /// An authenticated SCP03 host (key version 30, test keys) on a card made by ``scp03Card(option:configure:)``.
    static func scp03Host(
        _ card: GlobalPlatformCard,
        level: SecurityLevel = [.commandMAC, .commandEncryption]
    ) throws -> GPHost {
        var host = try host(for: card, keys: try aesKeys(version: 0x30), scp: .scp03, level: level)
        try host.authenticate()
        return host
    }

    /// A card with the test package loaded and `instances` installed (selectable), through a session
    /// that is closed again afterwards.
    static func cardWithApplications(_ instances: [String]) throws -> GlobalPlatformCard {
        let card = try scp03Card()
        var host = try scp03Host(card)
        let words = try host.load(try loadFileData())
        #expect(words.allSatisfy { $0 == .success })
        for instance in instances {
            #expect(try host.status(try installForInstall(instance: instance)) == .success)
        }
        card.reset()
        return card
    }

    // MARK: - CAP files

    /// The package AID of the test applet package.
    static let packageAID = "F0435351019901"
    /// The applet (module) AID in it.
    static let moduleAID = "F0435351019901AA01"
    /// A second applet in it.
    static let secondModuleAID = "F0435351019901AA02"

    /// The load file data (IJC components) of a package with two applets, about `size` bytes.
    static func loadFileData(size: Int = 1_500) throws -> [UInt8] {
        let builder = CAPBuilder(
            packageAID: try aid(packageAID),
            appletAIDs: [try aid(moduleAID), try aid(secondModuleAID)],
            packageName: "com/example/gptest",
            loadFileSize: size
        )
        return builder.ijc()
    }

    // MARK: - Commands (GPCS 2.3.1 chapter 11)

    /// Length-prefixed fields, as INSTALL carries them.
    static func fields(_ fields: [UInt8]...) -> [UInt8] {
        fields.flatMap { [UInt8($0.count)] + $0 }
    }

    /// INSTALL [for load]: load file AID, security domain AID, hash, load parameters, token.
    static func installForLoad(
        _ loadFile: String,
        securityDomain: [UInt8] = [],
        hash: [UInt8] = [],
        parameters: [UInt8] = []
    ) throws -> CommandAPDU {
        CommandAPDU(
            cla: 0x80,
            ins: 0xE6,
            p1: 0x02,
            p2: 0x00,
            data: fields(try hex(loadFile), securityDomain, hash, parameters, []),
            le: 256
        )
    }

    /// The LOAD commands for load file data: `C4` with a BER length, cut into blocks.
    static func loadCommands(_ loadFileData: [UInt8], blockSize: Int = 200) -> [CommandAPDU] {
        let stream = BERTLV.encode(tag: 0xC4, value: loadFileData)
        var commands: [CommandAPDU] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + blockSize, stream.count)
            commands.append(
                CommandAPDU(
                    cla: 0x80,
                    ins: 0xE8,
                    p1: end == stream.count ? 0x80 : 0x00,
                    p2: UInt8(commands.count & 0xFF),
                    data: Array(stream[offset..<end]),
                    le: 256
                )
            )
            offset = end
        }
        return commands
    }

    /// INSTALL [for install] (P1 `04`) or [for install and make selectable] (P1 `0C`).
    static func installForInstall(
        loadFile: String = packageAID,
        module: String = moduleAID,
        instance: String,
        privileges: [UInt8] = [0x00],
        parameters: [UInt8] = [0xC9, 0x00],
        selectable: Bool = true
    ) throws -> CommandAPDU {
        CommandAPDU(
            cla: 0x80,
            ins: 0xE6,
            p1: selectable ? 0x0C : 0x04,
            p2: 0x00,
            data: fields(try hex(loadFile), try hex(module), try hex(instance), privileges, parameters, []),
            le: 256
        )
    }

    /// INSTALL [for personalization] of an application.
    static func installForPersonalization(_ instance: String) throws -> CommandAPDU {
        CommandAPDU(
            cla: 0x80,
            ins: 0xE6,
            p1: 0x20,
            p2: 0x00,
            data: fields([], [], try hex(instance), [], [], []),
            le: 256
        )
    }

    /// STORE DATA with a P1 and a block number.
    static func storeData(p1: UInt8, block: UInt8, _ data: [UInt8]) -> CommandAPDU {
        CommandAPDU(cla: 0x80, ins: 0xE2, p1: p1, p2: block, data: data, le: 256)
    }

    /// DELETE of an AID, with related objects or not.
    static func delete(_ aid: String, related: Bool = false) throws -> CommandAPDU {
        CommandAPDU(
            cla: 0x80,
            ins: 0xE4,
            p1: 0x00,
            p2: related ? 0x80 : 0x00,
            data: BERTLV.encode(tag: 0x4F, value: try hex(aid)),
            le: 256
        )
    }

    /// GET STATUS with a P1, P2 and an AID prefix as search criterion.
    static func getStatus(p1: UInt8, p2: UInt8 = 0x02, prefix: [UInt8] = []) -> CommandAPDU {
        CommandAPDU(cla: 0x80, ins: 0xF2, p1: p1, p2: p2, data: BERTLV.encode(tag: 0x4F, value: prefix), le: 256)
    }

    /// SELECT by AID (first or only occurrence, FCI).
    static func select(_ aid: [UInt8], p2: UInt8 = 0x00) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: p2, data: aid, le: 256)
    }

    /// GET DATA of a tag given as P1-P2.
    static func getData(_ tag: UInt16, cla: UInt8 = 0x80) -> CommandAPDU {
        CommandAPDU(cla: cla, ins: 0xCA, p1: UInt8(tag >> 8), p2: UInt8(tag & 0xFF), le: 256)
    }

    /// The AIDs (tag `4F`) in a tagged GET STATUS response, in order.
    static func statusAIDs(_ data: [UInt8]) throws -> [String] {
        let entries = try #require(BERTLV.decode(data))
        return try entries.map { entry in
            #expect(entry.tag == [0xE3])
            let inner = try #require(BERTLV.decode(entry.value))
            let aid = try #require(inner.first { $0.tag == [0x4F] })
            return Hex.string(aid.value)
        }
    }
}

/// A host that drives a simulated card through a secure channel session: INITIALIZE UPDATE, EXTERNAL
/// AUTHENTICATE, then each command wrapped and each response checked, as GlobalPlatformPro would.
struct GPHost: ~Copyable {
    let card: GlobalPlatformCard
    var session: SecureChannelSession

    init(card: GlobalPlatformCard, session: consuming SecureChannelSession) {
        self.card = card
        self.session = session
    }

    /// Opens the channel; fails the test unless the card authenticates and accepts the host.
    mutating func authenticate(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let built = session.initializeUpdateCommand
        let command = try #require(built, sourceLocation: sourceLocation)
        let response = card.process(command)
        #expect(response.statusWord == .success, "INITIALIZE UPDATE", sourceLocation: sourceLocation)
        try session.receiveInitializeUpdateResponse(response.bytes)
        let externalAuthenticate = try session.externalAuthenticateCommand()
        let answer = card.process(externalAuthenticate)
        #expect(answer.statusWord == .success, "EXTERNAL AUTHENTICATE", sourceLocation: sourceLocation)
    }

    /// Wraps a plain command, sends it and returns the checked, decrypted response.
    mutating func send(_ plain: CommandAPDU) throws -> CardResponse {
        let wrapped = try session.wrap(plain)
        let response = card.process(wrapped)
        return try session.unwrap(response: response.bytes)
    }

    /// Sends a command and returns its status word.
    mutating func status(_ plain: CommandAPDU) throws -> StatusWord {
        try send(plain).statusWord
    }

    /// INSTALL [for load] and every LOAD block; returns the status words, which should all be `9000`.
    mutating func load(_ loadFileData: [UInt8], hash: [UInt8] = [], blockSize: Int = 200) throws -> [StatusWord] {
        var words = [try status(try GPFixture.installForLoad(GPFixture.packageAID, hash: hash))]
        for command in GPFixture.loadCommands(loadFileData, blockSize: blockSize) {
            words.append(try status(command))
        }
        return words
    }
}
