import APDUTypes
import CardSimulator
import Testing

/// The file system commands on a card whose MF allows everything, without authentication: CREATE
/// FILE from the FCP, SELECT in all its forms, binary and record files, and life cycle commands.
struct ISOFileCardFileSystemTests {
    /// Sends a plain command given as hex.
    private func send(_ card: ISOFileCard, _ hex: String) throws -> CardResponse {
        card.process(try ISOFixtures.command(hex))
    }

    /// `62` template with `82` descriptor, `83` FID and the extra objects, as CREATE FILE data.
    private func create(_ card: ISOFileCard, _ fcp: String) throws -> StatusWord {
        let body = try ISOFixtures.hex(fcp)
        let template = [0x62, UInt8(body.count)] + body
        return card.process(CommandAPDU(cla: 0, ins: 0xE0, p1: 0, p2: 0, data: template)).statusWord
    }

    /// A DF 1000 (named F0 01) holding a transparent EF 1001 (SFI 1, 16 bytes), a linear fixed EF
    /// 1002 (SFI 2, 3 records of 4), a linear variable EF 1003 (SFI 3, records up to 6, 16 bytes)
    /// and a cyclic EF 1004 (SFI 4, 2 records of 2); the DF is current.
    private func populatedCard() throws -> ISOFileCard {
        let card = try ISOFixtures.openCard()
        #expect(try create(card, "810200C8 820138 83021000 8402F001") == .success)
        #expect(try create(card, "80020010 82020121 83021001 880108") == .success)
        #expect(try create(card, "82050221000403 83021002 880110") == .success)
        #expect(try create(card, "80020010 8204042100 06 83021003 880118") == .success)
        #expect(try create(card, "82050621000202 83021004 880120") == .success)
        #expect(try send(card, "00A4000C021000").statusWord == .success)
        return card
    }

    // MARK: CREATE FILE

    /// The loyalty DF's CREATE FILE exactly as cardseq emits it, then its FCP back from SELECT.
    @Test func createFileKeepsTheControlParameters() throws {
        let card = try ISOFixtures.openCard()
        let create = "00E0000020621E81020800820138830251008408A0000000774C59018A01058C0443202020"
        #expect(try send(card, create).statusWord == .success)
        #expect(card.currentSelection.dedicatedFile == [0x3F00, 0x5100], "the new file becomes current")
        let file = try #require(card.file(at: [0x3F00, 0x5100]))
        #expect(file.structure == .dedicated)
        #expect(file.size == 2048)
        #expect(file.lifeCycle == .activated)
        #expect(file.securityAttributes?.bytes == [0x43, 0x20, 0x20, 0x20])
        let select = try send(card, "00A40004025100" + "00")
        #expect(select.statusWord == .success)
        #expect(Hex.string(select.data) == "621E81020800820138830251008408A0000000774C59018A01058C0443202020")
    }

    /// Each kind of EF gets its structure, sizes and SFI from the descriptor; proprietary data
    /// objects are kept and returned.
    @Test func createFileReadsEveryStructure() throws {
        let card = try populatedCard()
        let transparent = try #require(card.file(at: [0x3F00, 0x1000, 0x1001]))
        #expect(transparent.structure == .transparent)
        #expect(transparent.contents == [UInt8](repeating: 0, count: 16))
        #expect(transparent.sfi == 1)
        let fixed = try #require(card.file(at: [0x3F00, 0x1000, 0x1002]))
        #expect(fixed.structure == .linearFixed)
        #expect(fixed.recordSize == 4 && fixed.maximumRecordCount == 3)
        #expect(fixed.records.count == 3)
        let variable = try #require(card.file(at: [0x3F00, 0x1000, 0x1003]))
        #expect(variable.structure == .linearVariable && variable.recordSize == 6 && variable.records.isEmpty)
        let cyclic = try #require(card.file(at: [0x3F00, 0x1000, 0x1004]))
        #expect(cyclic.structure == .cyclic && cyclic.maximumRecordCount == 2)

        #expect(try create(card, "80020004 82020121 83021005 8503AABBCC") == .success)
        #expect(card.file(at: [0x3F00, 0x1000, 0x1005])?.proprietaryParameters == [0x85, 0x03, 0xAA, 0xBB, 0xCC])
        let fcp = try send(card, "00A4020402100500")
        #expect(Hex.string(fcp.data).hasSuffix("8A01058503AABBCC"))
    }

    /// Duplicate identifiers `6A89`, duplicate DF names `6A8A`, duplicate SFIs `6A89`.
    @Test func createFileRefusesDuplicates() throws {
        let card = try populatedCard()
        #expect(try create(card, "80020004 82020121 83021001") == StatusWord(0x6A89))
        #expect(try create(card, "80020004 82020121 83021000") == StatusWord(0x6A89), "the DF's own FID")
        #expect(try create(card, "80020004 82020121 83023F00") == StatusWord(0x6A89))
        #expect(try create(card, "80020004 82020121 83021009 880108") == StatusWord(0x6A89))
        #expect(try create(card, "820138 83021100 8402F001") == StatusWord(0x6A8A))
    }

    /// More than the DF's space `6A84`; the card's memory bounds a DF without a size.
    @Test func createFileRefusesWhatDoesNotFit() throws {
        let card = try populatedCard()
        // The DF has 200 bytes; its files take 16 + 12 + 16 + 4 = 48.
        #expect(try create(card, "80020099 82020121 83021010") == StatusWord(0x6A84))
        #expect(try create(card, "80020098 82020121 83021010") == .success)
        #expect(try create(card, "80020001 82020121 83021011") == StatusWord(0x6A84))

        let small = try ISOFixtures.openCard(memorySize: 100)
        #expect(try create(small, "820138 83022000") == .success)
        #expect(try create(small, "80020064 82020121 83022001") == .success)
        #expect(try create(small, "80020001 82020121 83022002") == StatusWord(0x6A84))
        #expect(try send(small, "00A40000023F00").statusWord == .success)
        #expect(try create(small, "81020001 820138 83023000") == StatusWord(0x6A84))
    }

    /// Malformed FCPs answer `6A80`.
    @Test(arguments: [
        "6203830210",  // FID of one byte
        "6304820101830210",  // not a 62 template
        "62068202012183021001",  // no size for a transparent EF
        "620B8002001082020121",  // truncated
        "62098002001082020121",  // no FID
        "620D80020010820201218302FFFF",  // reserved FID
        "620E8002001082020121830210018A0102",  // reserved life cycle
        "6211800200108202012183021001880108880110",  // SFI twice
        "620E800200108202012183021001880109",  // SFI with low bits set
        "6208820202218302100A",  // linear fixed without record facts
        "620D8205022100000483021001",  // zero record size
        "620B820138830210018C020300",  // security attributes with too few condition bytes
        "620C82013883021001860101",  // proprietary security attributes
        "6211800200108202012183021001840201FF",  // DF name on an EF
        "6208820140830210FF",  // reserved descriptor byte
    ])
    func createFileRefusesBadControlParameters(_ data: String) throws {
        let card = try ISOFixtures.openCard()
        let response = try send(card, "00E00000" + Hex.string([UInt8(try ISOFixtures.hex(data).count)]) + data)
        #expect(response.statusWord == StatusWord(0x6A80))
        #expect(card.file(at: [0x3F00])?.children.isEmpty == true)
    }

    /// P1-P2 of CREATE FILE other than `0000`: `6A86`.
    @Test func createFileChecksParameters() throws {
        let card = try ISOFixtures.openCard()
        #expect(try send(card, "00E001000662048201388302").statusWord == StatusWord(0x6A86))
    }

    // MARK: SELECT

    /// By identifier in the current DF, the DF itself, its parent, a sibling, the MF; by child DF
    /// or EF; the parent; by path from the MF or the current DF; not found `6A82`.
    @Test func selectFindsFilesEveryWay() throws {
        let card = try populatedCard()
        #expect(try send(card, "00A4000C021001").statusWord == .success)
        #expect(card.currentSelection.elementaryFile == [0x3F00, 0x1000, 0x1001])
        #expect(try send(card, "00A4000C021002").statusWord == .success, "a sibling of the current EF")
        #expect(try send(card, "00A4000C021000").statusWord == .success, "the current DF itself")
        #expect(card.currentSelection.elementaryFile == nil)
        #expect(try send(card, "00A4000C023F00").statusWord == .success)
        #expect(card.currentSelection.dedicatedFile == [0x3F00])
        #expect(try send(card, "00A4000C00").statusWord == .success, "no data selects the MF")
        #expect(try send(card, "00A4020C021001").statusWord == StatusWord(0x6A82), "not in the MF")
        #expect(try send(card, "00A4010C021000").statusWord == .success)
        #expect(try send(card, "00A4010C021001").statusWord == StatusWord(0x6A82), "an EF is not a child DF")
        #expect(try send(card, "00A4020C021001").statusWord == .success)
        #expect(try send(card, "00A4030C").statusWord == .success)
        #expect(card.currentSelection.dedicatedFile == [0x3F00])
        #expect(try send(card, "00A4030C").statusWord == StatusWord(0x6A82), "the MF has no parent")
        #expect(try send(card, "00A4080C0410001003").statusWord == .success)
        #expect(card.currentSelection.elementaryFile == [0x3F00, 0x1000, 0x1003])
        #expect(try send(card, "00A4080C063F0010001004").statusWord == .success, "a leading 3F00 is skipped")
        #expect(try send(card, "00A4090C021002").statusWord == .success, "a path from the current DF")
        #expect(try send(card, "00A4080C0410011002").statusWord == StatusWord(0x6A82), "an EF in the path")
        #expect(try send(card, "00A4000C022222").statusWord == StatusWord(0x6A82))
        #expect(card.currentSelection.elementaryFile == [0x3F00, 0x1000, 0x1002], "a failed SELECT keeps the files")
        #expect(try send(card, "00A4000C03100100").statusWord == StatusWord(0x6A87))
        #expect(try send(card, "00A4050C021000").statusWord == StatusWord(0x6A86))
        #expect(try send(card, "00A400FC021000").statusWord == StatusWord(0x6A86))
    }

    /// By DF name, whole or its start; the next occurrence; the FCI, FCP, FMD and no-data forms.
    @Test func selectByNameAndResponseForms() throws {
        let card = try populatedCard()
        #expect(try send(card, "00A40000023F00").statusWord == .success)
        #expect(try create(card, "820138 83022000 8403F00102") == .success)
        #expect(try send(card, "00A4040C02F001").statusWord == .success)
        #expect(card.currentSelection.dedicatedFile == [0x3F00, 0x1000], "the first DF whose name starts so")
        #expect(try send(card, "00A4040E02F001").statusWord == .success)
        #expect(card.currentSelection.dedicatedFile == [0x3F00, 0x2000], "the next occurrence")
        #expect(try send(card, "00A4040E02F001").statusWord == StatusWord(0x6A82), "no further occurrence")
        #expect(try send(card, "00A4040C02F002").statusWord == StatusWord(0x6A82))

        #expect(try send(card, "00A4000C021000").statusWord == .success, "a DF in the parent of the current DF")
        let fci = try send(card, "00A40000021001")
        #expect(fci.statusWord == .success && fci.data.isEmpty, "no Le, no data")
        let withFCI = try send(card, "00A4000002100100")
        #expect(withFCI.data.first == 0x6F)
        let withFCP = try send(card, "00A4000402100100")
        #expect(Hex.string(withFCP.data) == "62128002001082020121830210018801088A0105")
        let withFMD = try send(card, "00A4000802100100")
        #expect(withFMD.data == [0x64, 0x00])
        #expect(try send(card, "00A4000402100104").statusWord == StatusWord(0x6C14), "Le too short: 6Cxx")
    }

    // MARK: Binary files

    /// UPDATE and READ BINARY by offset and by SFI; Le beyond the end `6282`; offset beyond the end
    /// `6B00`; data beyond the end `6A84`; a record file `6981`; no current EF `6986`.
    @Test func binaryReadAndUpdate() throws {
        let card = try populatedCard()
        #expect(try send(card, "00B0000004").statusWord == StatusWord(0x6986))
        #expect(try send(card, "00D6810403A1A2A3").statusWord == .success)
        #expect(card.currentSelection.elementaryFile == [0x3F00, 0x1000, 0x1001], "an SFI selects the EF")
        #expect(try send(card, "00D6000E02B1B2").statusWord == .success)
        #expect(Hex.string(try send(card, "00B0000008").data) == "00000000A1A2A300")
        let tail = try send(card, "00B0000E08")
        #expect(tail.statusWord == StatusWord(0x6282))
        #expect(tail.data == [0xB1, 0xB2])
        #expect(try send(card, "00B0000000").data.count == 16, "Le 00 reads to the end")
        #expect(try send(card, "00B0001001").statusWord == StatusWord(0x6B00))
        #expect(try send(card, "00D6001001FF").statusWord == StatusWord(0x6B00))
        #expect(try send(card, "00D6000F02FFFF").statusWord == StatusWord(0x6A84))
        #expect(try send(card, "00B00000").statusWord == StatusWord(0x6700))
        #expect(try send(card, "00D60000").statusWord == StatusWord(0x6700))
        #expect(try send(card, "00B0820004").statusWord == StatusWord(0x6981))
        #expect(try send(card, "00B0850004").statusWord == StatusWord(0x6A82))
        #expect(try send(card, "00B0A10004").statusWord == StatusWord(0x6A86))
        #expect(try send(card, "00B0800004").statusWord == StatusWord(0x6A86))
    }

    // MARK: Record files

    /// A linear fixed EF: all records exist, UPDATE RECORD keeps their size, APPEND has no room,
    /// READ RECORD by number, current, first, last, next and previous.
    @Test func linearFixedRecords() throws {
        let card = try populatedCard()
        #expect(try send(card, "00DC021404C1C2C3C4").statusWord == .success)
        #expect(try send(card, "00DC021403C1C2C3").statusWord == StatusWord(0x6700))
        #expect(try send(card, "00DC041404C1C2C3C4").statusWord == StatusWord(0x6A83))
        #expect(try send(card, "00E2001004D1D2D3D4").statusWord == StatusWord(0x6A84))
        #expect(Hex.string(try send(card, "00B2021400").data) == "C1C2C3C4")
        #expect(Hex.string(try send(card, "00B2000400").data) == "C1C2C3C4", "the current record")
        #expect(try send(card, "00B2000200").data == [0, 0, 0, 0], "next: record 3")
        #expect(try send(card, "00B2000200").statusWord == StatusWord(0x6A83), "no record after the last")
        #expect(Hex.string(try send(card, "00B2000300").data) == "C1C2C3C4", "previous: record 2")
        #expect(try send(card, "00B2000100").statusWord == .success)
        #expect(try send(card, "00B2000000").statusWord == .success)
        #expect(try send(card, "00B2021402").statusWord == StatusWord(0x6C04))
        #expect(try send(card, "00B20214").statusWord == StatusWord(0x6700))
        #expect(try send(card, "00B2FF1400").statusWord == StatusWord(0x6A86))
        #expect(try send(card, "00B2021000").statusWord == StatusWord(0x6A81), "record identifiers")
        #expect(try send(card, "00B2021500").statusWord == StatusWord(0x6A81), "several records")
        #expect(try send(card, "00B2021700").statusWord == StatusWord(0x6A86))
        #expect(try send(card, "00B201FC00").statusWord == StatusWord(0x6A86), "SFI 31")
        #expect(try send(card, "00B2010C00").statusWord == StatusWord(0x6981), "a transparent EF")
    }

    /// A linear variable EF: APPEND adds at the end, records may differ in size, and the file's
    /// size bounds them.
    @Test func linearVariableRecords() throws {
        let card = try populatedCard()
        #expect(try send(card, "00E2001806010203040506").statusWord == .success)
        #expect(try send(card, "00E2001802AABB").statusWord == .success)
        #expect(try send(card, "00E200180711223344556677").statusWord == StatusWord(0x6700), "longer than 6")
        #expect(try send(card, "00DC021C03CCDDEE").statusWord == .success)
        #expect(card.file(at: [0x3F00, 0x1000, 0x1003])?.records == [[1, 2, 3, 4, 5, 6], [0xCC, 0xDD, 0xEE]])
        #expect(try send(card, "00E2001806111111111111").statusWord == .success)
        // 6 + 3 + 6 = 15 of 16 bytes.
        #expect(try send(card, "00E2001802FFFF").statusWord == StatusWord(0x6A84))
        #expect(try send(card, "00E2001801FF").statusWord == .success)
        #expect(try send(card, "00E2011801FF").statusWord == StatusWord(0x6A86))
        #expect(try send(card, "00E2001C01FF").statusWord == StatusWord(0x6A86))
    }

    /// A cyclic EF: APPEND makes record 1 the newest and drops the oldest when full.
    @Test func cyclicRecords() throws {
        let card = try populatedCard()
        #expect(try send(card, "00B2012400").statusWord == StatusWord(0x6A83), "empty at first")
        for value in ["0101", "0202", "0303"] {
            #expect(try send(card, "00E2002002" + value).statusWord == .success)
        }
        #expect(card.file(at: [0x3F00, 0x1000, 0x1004])?.records == [[3, 3], [2, 2]])
        #expect(try send(card, "00B2012400").data == [3, 3])
        #expect(try send(card, "00B2022400").data == [2, 2])
        #expect(try send(card, "00E2002003010101").statusWord == StatusWord(0x6700))
    }

    // MARK: Life cycle

    /// DEACTIVATE makes a file answer SELECT with `6283` and refuse reading (`6985`); ACTIVATE
    /// brings it back; TERMINATE EF is for good (`6285`), and TERMINATE DF refuses an EF (`6981`).
    @Test func lifeCycleCommands() throws {
        let card = try populatedCard()
        #expect(try send(card, "00D6810102AAAA").statusWord == .success)
        #expect(try send(card, "00040000021001").statusWord == .success)
        #expect(card.file(at: [0x3F00, 0x1000, 0x1001])?.lifeCycle == .deactivated)
        #expect(try send(card, "00A4000C021001").statusWord == StatusWord(0x6283))
        #expect(try send(card, "00B0000002").statusWord == StatusWord(0x6985))
        #expect(try send(card, "00D6000001FF").statusWord == StatusWord(0x6985))
        #expect(try send(card, "00440000").statusWord == .success, "the current EF")
        #expect(try send(card, "00B0000102").data == [0xAA, 0xAA])
        #expect(try send(card, "00E6000000").statusWord == StatusWord(0x6981))
        #expect(try send(card, "00E80000021001").statusWord == .success)
        #expect(try send(card, "00A4000C021001").statusWord == StatusWord(0x6285))
        #expect(try send(card, "00B0000002").statusWord == StatusWord(0x6985))
        #expect(try send(card, "00440000021001").statusWord == StatusWord(0x6985), "terminated for good")
        #expect(try send(card, "00040000021001").statusWord == StatusWord(0x6985))
        #expect(try send(card, "00440000029999").statusWord == StatusWord(0x6A82))
        #expect(try send(card, "00440100021001").statusWord == StatusWord(0x6A86))
    }

    /// A file created in the initialisation state is written without its access conditions, which
    /// apply once ACTIVATE FILE has run.
    @Test func securityAppliesFromActivation() throws {
        let card = try populatedCard()
        // update: never, activate: always.
        #expect(try create(card, "80020004 82020121 83021006 8A0103 8C0312 00 FF") == .success)
        #expect(try send(card, "00D6000004CAFEBABE").statusWord == .success)
        #expect(try send(card, "00440000").statusWord == .success)
        #expect(card.file(at: [0x3F00, 0x1000, 0x1006])?.lifeCycle == .activated)
        #expect(try send(card, "00D6000001FF").statusWord == StatusWord(0x6982))
        #expect(card.file(at: [0x3F00, 0x1000, 0x1006])?.contents == [0xCA, 0xFE, 0xBA, 0xBE])
    }

    // MARK: DELETE FILE

    /// DELETE FILE by identifier or the current file takes everything under it; the parent of a
    /// deleted current DF becomes current; the MF cannot go (`6985`).
    @Test func deleteFile() throws {
        let card = try populatedCard()
        #expect(try send(card, "00A4000C021003").statusWord == .success)
        #expect(try send(card, "00E40000").statusWord == .success, "the current EF")
        #expect(card.file(at: [0x3F00, 0x1000, 0x1003]) == nil)
        #expect(card.currentSelection.elementaryFile == nil)
        #expect(try send(card, "00E40000021003").statusWord == StatusWord(0x6A82))
        #expect(try send(card, "00E40000021000").statusWord == .success, "the current DF itself")
        #expect(card.currentSelection.dedicatedFile == [0x3F00])
        #expect(card.file(at: [0x3F00])?.children.isEmpty == true)
        #expect(try send(card, "00E40000").statusWord == StatusWord(0x6985))
        #expect(try send(card, "00E40000023F00").statusWord == StatusWord(0x6985))
        #expect(try send(card, "00E4000003100000").statusWord == StatusWord(0x6A87))
        // The space comes back.
        #expect(try create(card, "8102 0F00 820138 83021000") == .success)
    }

    /// The answer to reset: direct convention, T=1, the historical bytes, a check byte that makes
    /// the XOR of T0 to TCK zero.
    @Test func answerToReset() throws {
        let card = try ISOFixtures.openCard()
        let atr = card.answerToReset
        #expect(atr.first == 0x3B)
        #expect(atr[1] == 0x80 | UInt8(ISOFileCard.Configuration.defaultHistoricalBytes.count))
        #expect(Array(atr[4..<atr.count - 1]) == ISOFileCard.Configuration.defaultHistoricalBytes)
        #expect(atr.dropFirst().reduce(0, ^) == 0)
    }
}
