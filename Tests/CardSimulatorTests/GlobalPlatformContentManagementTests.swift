import APDUTypes
import CardCrypto
import CardSimulator
import SecureChannel
import Testing

/// Card content management on the issuer security domain, command by command, with the status words
/// a real card answers for each mistake.
struct GlobalPlatformContentManagementTests {
    static let instance = "F0435351019901AA0101"
    static let other = "F0435351019901AA0102"

    // MARK: - LOAD

    @Test func loadRefusesBlocksOutOfOrderAndEnds() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        let blocks = GPFixture.loadCommands(try GPFixture.loadFileData(), blockSize: 100)
        #expect(try host.status(try GPFixture.installForLoad(GPFixture.packageAID)) == .success)
        #expect(try host.status(blocks[0]) == .success)
        #expect(try host.status(blocks[2]) == StatusWord(0x6A86))
        #expect(try host.status(blocks[1]) == StatusWord(0x6985))
        #expect(card.loadFiles.isEmpty)
        #expect(try host.status(blocks[0]) == StatusWord(0x6985))
    }

    @Test func loadBlockNumbersWrapAt256() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        let data = try GPFixture.loadFileData(size: 2_000)
        let words = try host.load(data, blockSize: 7)
        #expect(words.count > 257)
        #expect(words.allSatisfy { $0 == .success })
        #expect(card.loadFile(try GPFixture.aid(GPFixture.packageAID))?.size == data.count)
    }

    @Test func loadChecksTheDeclaredLength() throws {
        let data = try GPFixture.loadFileData()
        for change in [-1, 1] {
            let card = try GPFixture.scp03Card()
            var host = try GPFixture.scp03Host(card)
            var blocks = GPFixture.loadCommands(data)
            let last = blocks.count - 1
            if change < 0 {
                blocks[last].data.removeLast()
            } else {
                blocks[last].data.append(0x00)
            }
            #expect(try host.status(try GPFixture.installForLoad(GPFixture.packageAID)) == .success)
            for block in blocks.dropLast() {
                #expect(try host.status(block) == .success)
            }
            #expect(try host.status(blocks[last]) == StatusWord(0x6A80), "length off by \(change)")
            #expect(card.loadFiles.isEmpty)
        }
    }

    @Test func loadChecksTheHash() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        let words = try host.load(try GPFixture.loadFileData(), hash: [UInt8](repeating: 0xAB, count: 20))
        #expect(words.dropLast().allSatisfy { $0 == .success })
        #expect(words.last == StatusWord(0x6A80))
        #expect(card.loadFiles.isEmpty)
        let oddHash = try GPFixture.installForLoad(GPFixture.packageAID, hash: [UInt8](repeating: 0, count: 17))
        #expect(try host.status(oddHash) == StatusWord(0x6A80))
    }

    @Test func loadRefusesAnotherPackageOrNoCAP() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        #expect(try host.status(try GPFixture.installForLoad("F0435351019902")) == .success)
        let blocks = GPFixture.loadCommands(try GPFixture.loadFileData())
        let words = try blocks.map { try host.status($0) }
        #expect(words.last == StatusWord(0x6A80))
        #expect(try host.status(try GPFixture.installForLoad(GPFixture.packageAID)) == .success)
        let garbage = GPFixture.loadCommands([UInt8](repeating: 0x01, count: 50))
        #expect(try host.status(garbage[0]) == StatusWord(0x6A80))
        #expect(try host.status(try GPFixture.installForLoad(GPFixture.packageAID)) == .success)
        let notC4 = CommandAPDU(cla: 0x80, ins: 0xE8, p1: 0x80, p2: 0x00, data: [0xC5, 0x01, 0x00])
        #expect(try host.status(notC4) == StatusWord(0x6A80))
        #expect(card.loadFiles.isEmpty)
    }

    @Test func loadNeedsInstallForLoadAndValidParameters() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        let blocks = GPFixture.loadCommands(try GPFixture.loadFileData())
        #expect(try host.status(blocks[0]) == StatusWord(0x6985))
        #expect(try host.status(try GPFixture.installForLoad(GPFixture.packageAID)) == .success)
        var wrongP1 = blocks[0]
        wrongP1.p1 = 0x01
        #expect(try host.status(wrongP1) == StatusWord(0x6A86))
        let unknownDomain = try GPFixture.installForLoad(
            GPFixture.packageAID,
            securityDomain: try GPFixture.hex("A000000151999999")
        )
        #expect(try host.status(unknownDomain) == StatusWord(0x6A88))
        var truncated = try GPFixture.installForLoad(GPFixture.packageAID)
        truncated.data.removeLast()
        #expect(try host.status(truncated) == StatusWord(0x6A80))
    }

    @Test func refusesASecondLoadOfThePackageAndTooLittleMemory() throws {
        let card = try GPFixture.cardWithApplications([])
        var host = try GPFixture.scp03Host(card)
        #expect(try host.status(try GPFixture.installForLoad(GPFixture.packageAID)) == StatusWord(0x6985))

        let small = try GPFixture.scp03Card { $0.memoryCapacity = 1_000 }
        var smallHost = try GPFixture.scp03Host(small)
        let words = try smallHost.load(try GPFixture.loadFileData(size: 1_500))
        #expect(words.contains(StatusWord(0x6A84)))
        #expect(small.loadFiles.isEmpty)
    }

    // MARK: - INSTALL

    @Test func installChecksTheLoadFileModuleAndInstanceAID() throws {
        let card = try GPFixture.cardWithApplications([Self.instance])
        var host = try GPFixture.scp03Host(card)
        #expect(
            try host.status(try GPFixture.installForInstall(loadFile: "F0435351019902", instance: Self.other))
                == StatusWord(0x6A88)
        )
        #expect(
            try host.status(try GPFixture.installForInstall(module: "F0435351019901AA09", instance: Self.other))
                == StatusWord(0x6A88)
        )
        #expect(try host.status(try GPFixture.installForInstall(instance: Self.instance)) == StatusWord(0x6985))
        #expect(try host.status(try GPFixture.installForInstall(instance: GPFixture.packageAID)) == StatusWord(0x6985))
        #expect(
            try host.status(try GPFixture.installForInstall(instance: "A000000151000000")) == StatusWord(0x6985)
        )
        #expect(
            try host.status(try GPFixture.installForInstall(instance: Self.other, parameters: [0xEF, 0x00]))
                == StatusWord(0x6A80)
        )
        #expect(
            try host.status(try GPFixture.installForInstall(instance: Self.other, privileges: [0, 0]))
                == StatusWord(0x6A80)
        )
        var wrongP2 = try GPFixture.installForInstall(instance: Self.other)
        wrongP2.p2 = 0x01
        #expect(try host.status(wrongP2) == StatusWord(0x6A86))
        var extradition = try GPFixture.installForInstall(instance: Self.other)
        extradition.p1 = 0x10
        #expect(try host.status(extradition) == StatusWord(0x6A86))
        #expect(card.applications.map(\.aid.description) == [Self.instance])
    }

    @Test func installThenMakeSelectable() throws {
        let card = try GPFixture.cardWithApplications([])
        var host = try GPFixture.scp03Host(card)
        #expect(
            try host.status(
                try GPFixture.installForInstall(
                    instance: Self.instance,
                    privileges: [0x00, 0x00, 0x00],
                    selectable: false
                )
            )
                == .success
        )
        #expect(card.application(try GPFixture.aid(Self.instance))?.lifeCycle == GlobalPlatformCard.LifeCycle.installed)
        let makeSelectable = CommandAPDU(
            cla: 0x80,
            ins: 0xE6,
            p1: 0x08,
            p2: 0x00,
            data: GPFixture.fields([], [], try GPFixture.hex(Self.instance), [0x04], [], []),
            le: 256
        )
        #expect(try host.status(makeSelectable) == .success)
        let application = try #require(card.application(try GPFixture.aid(Self.instance)))
        #expect(application.lifeCycle == GlobalPlatformCard.LifeCycle.selectable)
        #expect(application.privileges == [0x04, 0x00, 0x00])
        #expect(try host.status(makeSelectable) == StatusWord(0x6985))
    }

    @Test func anInstalledApplicationIsNotSelectableYet() throws {
        let card = try GPFixture.cardWithApplications([])
        var host = try GPFixture.scp03Host(card)
        #expect(
            try host.status(try GPFixture.installForInstall(instance: Self.instance, selectable: false)) == .success
        )
        #expect(card.process(GPFixture.select(try GPFixture.hex(Self.instance))).statusWord == StatusWord(0x6A82))
    }

    // MARK: - DELETE

    @Test func deleteRefusesWhatCannotGo() throws {
        let card = try GPFixture.cardWithApplications([Self.instance, Self.other])
        var host = try GPFixture.scp03Host(card)
        #expect(try host.status(try GPFixture.delete("A000000151000000")) == StatusWord(0x6985))
        #expect(try host.status(try GPFixture.delete("F0435351019999")) == StatusWord(0x6A88))
        #expect(try host.status(try GPFixture.delete(GPFixture.moduleAID)) == StatusWord(0x6A88))
        #expect(try host.status(try GPFixture.delete(GPFixture.packageAID)) == StatusWord(0x6985))
        let noAID = CommandAPDU(cla: 0x80, ins: 0xE4, p1: 0x00, p2: 0x00, data: [0x4E, 0x01, 0x00], le: 256)
        #expect(try host.status(noAID) == StatusWord(0x6A80))
        let deleted = try host.send(try GPFixture.delete(Self.instance))
        #expect(deleted.statusWord == .success)
        #expect(deleted.data == [0x00])
        #expect(card.applications.map(\.aid.description) == [Self.other])
        #expect(try host.status(try GPFixture.delete(Self.instance)) == StatusWord(0x6A88))
        #expect(try host.status(try GPFixture.delete(GPFixture.packageAID, related: true)) == .success)
        #expect(card.applications.isEmpty)
        #expect(card.loadFiles.isEmpty)
    }

    // MARK: - GET STATUS

    @Test func getStatusListsTheRegistryInBothFormats() throws {
        let card = try GPFixture.cardWithApplications([Self.instance])
        var host = try GPFixture.scp03Host(card)
        let isd = try host.send(GPFixture.getStatus(p1: 0x80))
        #expect(isd.data == (try GPFixture.hex("E3 13 4F08A000000151000000 9F70010F C5039EFE80")))
        let applications = try host.send(GPFixture.getStatus(p1: 0x40))
        #expect(
            applications.data
                == (try GPFixture.hex(
                    "E3 28 4F0AF0435351019901AA0101 9F700107 C503000000 C407F0435351019901 CC08A000000151000000"
                ))
        )
        let legacy = try host.send(GPFixture.getStatus(p1: 0x40, p2: 0x00))
        #expect(legacy.data == (try GPFixture.hex("0A F0435351019901AA0101 07 00")))
        let files = try host.send(GPFixture.getStatus(p1: 0x10, p2: 0x00))
        #expect(
            files.data == (try GPFixture.hex("07 F0435351019901 01 00 02 09F0435351019901AA01 09F0435351019901AA02"))
        )
        let filesTagged = try host.send(GPFixture.getStatus(p1: 0x20))
        #expect(
            filesTagged.data == (try GPFixture.hex("E3 1B 4F07F0435351019901 9F700101 CE020100 CC08A000000151000000"))
        )
        #expect(try host.status(GPFixture.getStatus(p1: 0x40, prefix: [0xF0, 0x43])) == .success)
        #expect(try host.status(GPFixture.getStatus(p1: 0x40, prefix: [0xA0])) == StatusWord(0x6A88))
        #expect(try host.status(GPFixture.getStatus(p1: 0x01)) == StatusWord(0x6A86))
        #expect(try host.status(GPFixture.getStatus(p1: 0x40, p2: 0x04)) == StatusWord(0x6A86))
        let noCriteria = CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x40, p2: 0x02, data: [0x5C, 0x00], le: 256)
        #expect(try host.status(noCriteria) == StatusWord(0x6A80))
        #expect(try host.status(GPFixture.getStatus(p1: 0x40, p2: 0x03)) == StatusWord(0x6985))
    }

    @Test(arguments: [0x03, 0x33] as [UInt8])
    func getStatusContinuesAfter6310(_ level: UInt8) throws {
        let instances = (0..<12).map { "F0435351019901AA01" + Hex.string([UInt8($0)]) }
        let card = try GPFixture.cardWithApplications(instances)
        var host = try GPFixture.scp03Host(card, level: SecurityLevel(rawValue: level))
        var listed: [String] = []
        var response = try host.send(GPFixture.getStatus(p1: 0x40))
        #expect(response.statusWord == StatusWord(0x6310))
        listed += try GPFixture.statusAIDs(response.data)
        while response.statusWord == StatusWord(0x6310) {
            #expect(response.data.count <= 256)
            response = try host.send(GPFixture.getStatus(p1: 0x40, p2: 0x03))
            listed += try GPFixture.statusAIDs(response.data)
        }
        #expect(response.statusWord == .success)
        #expect(listed == instances)
    }

    // MARK: - SET STATUS

    @Test func setStatusLocksAndUnlocksApplications() throws {
        let card = try GPFixture.cardWithApplications([Self.instance])
        let aid = try GPFixture.hex(Self.instance)
        var host = try GPFixture.scp03Host(card)
        let lock = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x40, p2: 0x80, data: aid)
        let unlock = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x40, p2: 0x00, data: aid)
        #expect(try host.status(unlock) == StatusWord(0x6985))
        #expect(try host.status(lock) == .success)
        #expect(card.application(try GPFixture.aid(Self.instance))?.lifeCycle == 0x87)
        #expect(try host.status(try GPFixture.installForPersonalization(Self.instance)) == StatusWord(0x6985))
        #expect(card.process(GPFixture.select(aid)).statusWord == StatusWord(0x6A82))
        host = try GPFixture.scp03Host(card)
        #expect(try host.status(unlock) == .success)
        let personalized = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x40, p2: 0x0F, data: aid)
        #expect(try host.status(personalized) == .success)
        #expect(card.application(try GPFixture.aid(Self.instance))?.lifeCycle == 0x0F)
        let invalid = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x40, p2: 0x05, data: aid)
        #expect(try host.status(invalid) == StatusWord(0x6A80))
        let missing = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x40, p2: 0x80, data: try GPFixture.hex(Self.other))
        #expect(try host.status(missing) == StatusWord(0x6A88))
        #expect(card.process(GPFixture.select(aid)).statusWord == .success)
    }

    @Test func setStatusMovesTheCardLifeCycle() throws {
        let card = try GPFixture.cardWithApplications([Self.instance])
        let isd = GlobalPlatformCard.defaultIssuerSecurityDomainAID.bytes
        var host = try GPFixture.scp03Host(card)
        let backwards = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x80, p2: GlobalPlatformCard.LifeCycle.initialized)
        #expect(try host.status(backwards) == StatusWord(0x6985))
        let lock = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x80, p2: GlobalPlatformCard.LifeCycle.cardLocked)
        #expect(try host.status(lock) == .success)
        #expect(try host.status(try GPFixture.delete(Self.instance)) == StatusWord(0x6985))
        #expect(try host.status(GPFixture.getStatus(p1: 0x80)) == .success)
        #expect(card.process(GPFixture.select(try GPFixture.hex(Self.instance))).statusWord == StatusWord(0x6A82))
        let selected = card.process(GPFixture.select(isd))
        #expect(selected.statusWord == StatusWord(0x6283))
        #expect(selected.data.starts(with: [0x6F]))
        host = try GPFixture.scp03Host(card)
        let unlock = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x80, p2: GlobalPlatformCard.LifeCycle.secured, data: isd)
        #expect(try host.status(unlock) == .success)
        #expect(card.process(GPFixture.select(try GPFixture.hex(Self.instance))).statusWord == .success)
        _ = card.process(GPFixture.select(isd))
        host = try GPFixture.scp03Host(card)
        let terminate = CommandAPDU(cla: 0x80, ins: 0xF0, p1: 0x80, p2: GlobalPlatformCard.LifeCycle.terminated)
        #expect(try host.status(terminate) == .success)
        card.reset()
        #expect(card.process(GlobalPlatformSecureChannelTests.initializeUpdate()).statusWord == StatusWord(0x6985))
        #expect(card.process(GPFixture.getData(0x9F7F)).statusWord == .success)
        #expect(card.configuration.cardLifeCycle == GlobalPlatformCard.LifeCycle.terminated)
    }

    // MARK: - PUT KEY

    /// PUT KEY data: new key version and one block per key.
    static func putKey(
        p1: UInt8,
        p2: UInt8 = 0x81,
        version: UInt8,
        keys: [CardKey],
        session: borrowing SecureChannelSession
    ) throws
        -> CommandAPDU
    {
        var data = [version]
        for key in keys {
            data += try session.putKeyBlock(newKey: key)
        }
        return CommandAPDU(cla: 0x80, ins: 0xD8, p1: p1, p2: p2, data: data, le: 256)
    }

    @Test func putKeyAddsAndReplacesKeySets() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        let newKeys = try (0..<3).map { index in
            try CardKey(.aes, bytes: Array(repeating: UInt8(0x60 + index), count: 16))
        }
        let added = try host.send(try Self.putKey(p1: 0x00, version: 0x31, keys: newKeys, session: host.session))
        #expect(added.statusWord == .success)
        #expect(added.data == [0x31] + (try newKeys.flatMap { try $0.checkValue }))
        #expect(card.configuration.keySets.map(\.keyVersion) == [0x30, 0x31])
        let duplicate = try host.send(try Self.putKey(p1: 0x00, version: 0x31, keys: newKeys, session: host.session))
        #expect(duplicate.statusWord == StatusWord(0x6A80))
        let unknown = try host.send(try Self.putKey(p1: 0x35, version: 0x36, keys: newKeys, session: host.session))
        #expect(unknown.statusWord == StatusWord(0x6A88))

        let newSet = StaticKeys(enc: newKeys[0], mac: newKeys[1], dek: newKeys[2], keyVersion: 0x31)
        var second = try GPFixture.host(for: card, keys: newSet, scp: .scp03, level: .commandMAC)
        try second.authenticate()
        let replacement = try CardKey(.aes, bytes: Array(repeating: 0x77, count: 32))
        let replaced = try second.send(
            try Self.putKey(
                p1: 0x30,
                version: 0x32,
                keys: [replacement, replacement, replacement],
                session: second.session
            )
        )
        #expect(replaced.statusWord == .success)
        #expect(card.configuration.keySets.map(\.keyVersion) == [0x32, 0x31])
        let information = try second.send(GPFixture.getData(0x00E0))
        #expect(information.data.contains(0x20))
        var third = try GPFixture.host(
            for: card,
            keys: StaticKeys(sameKey: replacement, keyVersion: 0x32),
            scp: .scp03,
            level: .commandMAC
        )
        try third.authenticate()
    }

    @Test func putKeyChecksTheKeyCheckValue() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        let key = try CardKey(.aes, bytes: Array(repeating: 0x61, count: 16))
        var command = try Self.putKey(p1: 0x00, version: 0x31, keys: [key, key, key], session: host.session)
        command.data[command.data.count - 1] ^= 0x01
        #expect(try host.status(command) == StatusWord(0x6A80))
        #expect(card.configuration.keySets.map(\.keyVersion) == [0x30])
        let tripleDES = try CardKey(.tripleDES, bytes: GPFixture.testKeyBytes)
        #expect(throws: SecureChannelError.self) {
            _ = try Self.putKey(p1: 0x00, version: 0x31, keys: [tripleDES], session: host.session)
        }
        let single = try host.send(
            try Self.putKey(p1: 0x00, p2: 0x03, version: 0x21, keys: [key], session: host.session)
        )
        #expect(single.statusWord == .success)
        #expect(card.configuration.keySet(version: 0x21)?.keys.keys.sorted() == [0x03])
        #expect(
            card.process(GlobalPlatformSecureChannelTests.initializeUpdate(keyVersion: 0x21)).statusWord
                == StatusWord(0x6A88)
        )
    }

    /// Over SCP02 the key blocks are encrypted under the session DEK.
    @Test func putKeyOverSCP02() throws {
        let card = try GPFixture.scp02Card(option: 0x15)
        var host = try GPFixture.host(
            for: card,
            keys: try GPFixture.tripleDESKeys(version: 0x20),
            scp: .scp02(i: 0x15),
            level: [.commandMAC, .commandEncryption]
        )
        try host.authenticate()
        let keys = try (0..<3).map { index in try CardKey(.tripleDES, bytes: (0..<16).map { UInt8($0 * 3 + index) }) }
        let response = try host.send(try Self.putKey(p1: 0x20, version: 0x21, keys: keys, session: host.session))
        #expect(response.statusWord == .success)
        var next = try GPFixture.host(
            for: card,
            keys: StaticKeys(enc: keys[0], mac: keys[1], dek: keys[2], keyVersion: 0x21),
            scp: .scp02(i: 0x15),
            level: .commandMAC
        )
        try next.authenticate()
        #expect(card.configuration.keySets[0].sequenceCounter == 0x44)
    }

    // MARK: - GET DATA, PUT DATA

    @Test func getDataAnswersTheCardsDataObjects() throws {
        let card = try GPFixture.scp03Card()
        let cplc = card.process(GPFixture.getData(0x9F7F, cla: 0x00))
        #expect(cplc.data == [0x9F, 0x7F, 0x2A] + Array(0..<42))
        #expect(card.process(GPFixture.getData(0x0042)).data == [0x42, 0x01, 0x99])
        #expect(card.process(GPFixture.getData(0x0045)).data == (try GPFixture.hex("45080000000000000123")))
        #expect(card.process(GPFixture.getData(0x00CF)).data == [0xCF, 0x0A] + GPFixture.kdd)
        #expect(
            card.process(GPFixture.getData(0x00E0)).data
                == (try GPFixture.hex("E012 C00401308810 C00402308810 C00403308810"))
        )
        let recognition = card.process(GPFixture.getData(0x0066))
        #expect(
            recognition.data
                == (try GPFixture.hex(
                    "66 31 73 2F 06072A864886FC6B01 600C060A2A864886FC6B02020301 630906072A864886FC6B03 640B06092A864886FC6B040370"
                ))
        )
        #expect(card.process(GPFixture.getData(0x0099)).statusWord == StatusWord(0x6A88))
        let scp01 = try GPFixture.scp01Card()
        #expect(scp01.process(GPFixture.getData(0x00C1)).statusWord == StatusWord(0x6A88))
    }

    @Test func putDataChangesIdentificationData() throws {
        let card = try GPFixture.scp03Card()
        var host = try GPFixture.scp03Host(card)
        let put = CommandAPDU(cla: 0x80, ins: 0xDA, p1: 0x00, p2: 0x42, data: [0x12, 0x34])
        #expect(try host.status(put) == .success)
        #expect(try host.send(GPFixture.getData(0x0042)).data == [0x42, 0x02, 0x12, 0x34])
        let cplc = CommandAPDU(cla: 0x80, ins: 0xDA, p1: 0x9F, p2: 0x7F, data: [0x00])
        #expect(try host.status(cplc) == StatusWord(0x6A88))
        let kdd = CommandAPDU(cla: 0x80, ins: 0xDA, p1: 0x00, p2: 0xCF, data: [0x00])
        #expect(try host.status(kdd) == StatusWord(0x6A80))
    }

    // MARK: - STORE DATA

    @Test func storeDataChecksBlocksAndStructure() throws {
        let card = try GPFixture.cardWithApplications([Self.instance])
        var host = try GPFixture.scp03Host(card)
        // Without INSTALL [for personalization] the security domain keeps the data.
        #expect(try host.status(GPFixture.storeData(p1: 0x90, block: 0, [0x42, 0x01, 0x99])) == .success)
        #expect(card.image.securityDomainData.map(\.data) == [[0x42, 0x01, 0x99]])
        #expect(try host.status(try GPFixture.installForPersonalization(Self.other)) == StatusWord(0x6A88))
        #expect(try host.status(try GPFixture.installForPersonalization(Self.instance)) == .success)
        #expect(try host.status(GPFixture.storeData(p1: 0x00, block: 1, [0x01])) == StatusWord(0x6A86))
        #expect(try host.status(GPFixture.storeData(p1: 0x01, block: 0, [0x01])) == StatusWord(0x6A86))
        #expect(try host.status(GPFixture.storeData(p1: 0x40, block: 0, [0x01])) == StatusWord(0x6A86))
        #expect(try host.status(GPFixture.storeData(p1: 0x18, block: 0, [0x01])) == StatusWord(0x6A86))
        let secret: [UInt8] = Array(0x30..<0x50)
        let encrypted = try host.session.encryptSensitiveData(secret)
        let tlv = [0xDF, 0x01, UInt8(encrypted.count)] + encrypted
        #expect(try host.status(GPFixture.storeData(p1: 0x70, block: 0, tlv)) == .success)
        #expect(
            try host.status(GPFixture.storeData(p1: 0x68, block: 1, [0x01, 0x02, 0x03, 0xAA, 0xBB, 0xCC]))
                == StatusWord(0x6A80)
        )
        #expect(
            try host.status(GPFixture.storeData(p1: 0xE0, block: 1, try host.session.encryptSensitiveData(secret)))
                == .success
        )
        let application = try #require(card.application(try GPFixture.aid(Self.instance)))
        #expect(application.personalizationData == [[0xDF, 0x01, 0x20] + secret, secret])
        // After the last block, STORE DATA goes to the security domain again.
        #expect(try host.status(GPFixture.storeData(p1: 0x80, block: 0, [0x45, 0x00])) == .success)
        #expect(card.image.securityDomainData.count == 2)
    }

    // MARK: - Class, instruction, SELECT

    @Test func refusesUnknownClassesAndInstructions() throws {
        let card = try GPFixture.scp03Card()
        let cases: [(CommandAPDU, UInt16)] = [
            (CommandAPDU(cla: 0xA0, ins: 0xCA, p1: 0x9F, p2: 0x7F), 0x6E00),
            (CommandAPDU(cla: 0xFF, ins: 0xCA, p1: 0x9F, p2: 0x7F), 0x6E00),
            (CommandAPDU(cla: 0x80, ins: 0x00, p1: 0x00, p2: 0x00), 0x6D00),
            (CommandAPDU(cla: 0x01, ins: 0xCA, p1: 0x9F, p2: 0x7F), 0x6881),
            (CommandAPDU(cla: 0x41, ins: 0xCA, p1: 0x9F, p2: 0x7F), 0x6881),
            (CommandAPDU(cla: 0x08, ins: 0xCA, p1: 0x9F, p2: 0x7F), 0x6882),
            (CommandAPDU(cla: 0x10, ins: 0xCA, p1: 0x9F, p2: 0x7F), 0x6884),
            (CommandAPDU(cla: 0x00, ins: 0xE6, p1: 0x02, p2: 0x00, data: [0x00]), 0x6E00),
            (CommandAPDU(cla: 0x80, ins: 0xA4, p1: 0x04, p2: 0x00, data: [0xA0, 0x00]), 0x6E00),
            (CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x9F, p2: 0x7F, data: [UInt8](repeating: 0, count: 300)), 0x6700),
        ]
        for (command, expected) in cases {
            #expect(card.process(command).statusWord == StatusWord(expected), "\(command)")
        }
        #expect(card.process(bytes: [0x80, 0xCA]) == [0x67, 0x00])
    }

    @Test func selectByWholeOrPartialAID() throws {
        let card = try GPFixture.cardWithApplications([Self.instance, Self.other])
        let isd = GlobalPlatformCard.defaultIssuerSecurityDomainAID.bytes
        let fci = card.process(GPFixture.select(isd))
        #expect(fci.statusWord == .success)
        let template = try #require(BERTLV.decode(fci.data)?.first)
        #expect(template.tag == [0x6F])
        let inner = try #require(BERTLV.decode(template.value))
        #expect(inner.map(\.tag) == [[0x84], [0xA5]])
        #expect(inner[0].value == isd)
        #expect(card.process(GPFixture.select([])).data == fci.data)

        let partial = card.process(GPFixture.select([0xF0, 0x43, 0x53]))
        #expect(partial.statusWord == .success)
        #expect(card.selectedAID.description == Self.instance)
        #expect(card.process(GPFixture.select([0xF0, 0x43, 0x53], p2: 0x02)).statusWord == .success)
        #expect(card.selectedAID.description == Self.other)
        #expect(card.process(GPFixture.select([0xF0, 0x43, 0x53], p2: 0x02)).statusWord == StatusWord(0x6A82))
        #expect(card.selectedAID.description == Self.other)
        let quiet = card.process(GPFixture.select(try GPFixture.hex(Self.instance), p2: 0x0C))
        #expect(quiet == CardResponse(statusWord: .success))
        #expect(card.process(GPFixture.select([0xD2, 0x76])).statusWord == StatusWord(0x6A82))
        #expect(
            card.process(CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x00, p2: 0x00, data: [0x3F, 0x00])).statusWord
                == StatusWord(0x6A82)
        )
        #expect(
            card.process(CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x05, p2: 0x00, data: isd)).statusWord
                == StatusWord(0x6A86)
        )
        #expect(card.process(GPFixture.select(isd, p2: 0x01)).statusWord == StatusWord(0x6A86))
        card.reset()
        #expect(card.selectedAID.bytes == isd)
    }
}
