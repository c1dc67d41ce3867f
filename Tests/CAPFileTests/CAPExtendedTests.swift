import APDUTypes
import Testing

@testable import CAPFile

/// Extended CAP files (Java Card 3.1, CAP format 2.3 with `ACC_EXTENDED`): generated, read back, and
/// checked against the layout by hand.
struct CAPExtendedTests {
    /// The block lengths of an extended Method component's `info`, from its offsets table.
    static func blockLengths(of method: CAPComponent) -> [Int] {
        let info = Array(method.info)
        let count = Int(info[0])
        let offsets = (0..<count).map { index in
            info[(1 + 4 * index)..<(5 + 4 * index)].reduce(0) { $0 << 8 | Int($1) }
        }
        return (0..<count).map { index in (index + 1 < count ? offsets[index + 1] : info.count) - offsets[index] }
    }

    @Test(arguments: [nil, 65_748, 65_749, 70_000, 200_000, 1 << 20, 3_000_000])
    func roundTripsAtSize(target: Int?) throws {
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: target)
        let range = builder.loadFileSizeRange
        let expected = min(max(target ?? 0, range.lowerBound), range.upperBound)
        let archive = builder.capArchive()
        let ijc = builder.ijc()

        let fromArchive = try CAPFile(bytes: archive)
        let fromIJC = try CAPFile(bytes: ijc)
        #expect(fromArchive == fromIJC)
        for cap in [fromArchive, fromIJC] {
            #expect(cap.isExtended)
            #expect(cap.capFormatVersion.description == "2.3")
            #expect(cap.packageAID.description == CAPTestData.packageAIDHex)
            #expect(cap.packageVersion.description == "1.2")
            #expect(cap.packageName == "com/example/wallet")
            #expect(cap.packages.map(\.aid.description) == [CAPTestData.packageAIDHex])
            #expect(cap.applets.map(\.aid.description) == CAPTestData.appletAIDHexes)
            #expect(cap.applets.map(\.installMethodBlockIndex) == [0, 0])
            #expect(cap.applets.map(\.installMethodOffset) == [1, 4])
            #expect(cap.codeSize == expected)
            #expect(cap.loadFileData(includeDescriptor: false).count == expected)
            #expect(cap.components.map(\.tag).first == .header)
        }
        // The load file data is itself an IJC file, which is how a card reads it after LOAD.
        let loaded = try CAPFile(ijc: fromArchive.loadFileData(includeDescriptor: true))
        #expect(loaded == fromArchive)
        #expect(ijc == fromArchive.loadFileData(includeDescriptor: true))

        let method = try #require(fromArchive.component(.method))
        #expect(method.hasExtendedSize)
        let lengths = Self.blockLengths(of: method)
        #expect(fromArchive.methodBlockCount == lengths.count)
        #expect(lengths.allSatisfy { $0 <= 65_535 })
        // The fewest blocks: one block fewer (and its 8 bytes of offset and RefLocation entry) is too small.
        #expect(lengths.reduce(0, +) + 8 > (lengths.count - 1) * 65_535)
    }

    @Test func oneMegabyteNeedsSixteenBlocks() throws {
        let cap = try CAPFile(bytes: CAPTestData.extendedWalletBuilder(loadFileSize: 1 << 20).capArchive())
        #expect(cap.codeSize == 1_048_576)
        #expect(cap.methodBlockCount == 16)
        let method = try #require(cap.component(.method))
        #expect(method.info.count > 15 * 65_535)
        #expect(Array(method.bytes.prefix(5)) == [7] + Self.bigEndian(method.info.count, width: 4))
    }

    /// Around the point where a second block is needed: the smallest file plus 65,525 bytes fills the
    /// first block (its fixed part is 10 bytes); one byte more takes two blocks.
    @Test func sizesAreExactAcrossBlockBoundaries() throws {
        let smallest = try CAPTestData.extendedWalletBuilder().loadFileSizeRange.lowerBound
        #expect(smallest == 223)
        let oneBlockLimit = smallest + 65_535 - 10
        #expect(oneBlockLimit == 65_748)
        for target in [oneBlockLimit - 1, oneBlockLimit, oneBlockLimit + 1, oneBlockLimit + 8, oneBlockLimit + 9] {
            let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: target)
            let cap = try CAPFile(ijc: builder.ijc())
            #expect(cap.codeSize == target)
            #expect(cap.methodBlockCount == (target <= oneBlockLimit ? 1 : 2))
        }
    }

    /// With small blocks, every size in a range crosses many block boundaries and stays exact.
    @Test func smallBlocksGiveExactSizes() throws {
        let lowest = try CAPTestData.extendedWalletBuilder(blockCapacity: 64).loadFileSizeRange.lowerBound
        for target in lowest..<(lowest + 400) {
            let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: target, blockCapacity: 64)
            let cap = try CAPFile(ijc: builder.ijc())
            #expect(cap.codeSize == target)
            let lengths = Self.blockLengths(of: try #require(cap.component(.method)))
            #expect(lengths.allSatisfy { $0 <= 64 && $0 >= 4 })
            #expect(cap.methodBlockCount == lengths.count)
        }
    }

    @Test func rangeReachesAbout8MBAndClamps() throws {
        let range = try CAPTestData.extendedWalletBuilder().loadFileSizeRange
        // 127 full blocks of 65,535 bytes plus their offsets and RefLocation blocks, and the fixed parts.
        #expect(range.upperBound == range.lowerBound + 127 * 65_543 - (10 + 8))
        #expect(range.upperBound > 8_000_000)
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: range.upperBound + 1)
        let components = builder.components()
        let method = try #require(components.first { $0.tag == .method })
        #expect(Self.blockLengths(of: method).count == 127)
        #expect(components.filter { $0.tag != .descriptor }.reduce(0) { $0 + $1.bytes.count } == range.upperBound)
        #expect(range.lowerBound < (try CAPTestData.walletBuilder().loadFileSizeRange.upperBound))
    }

    /// The extended Header worked out by hand from JCVM 3.1 §6.4: tag 1, size 31, magic, format 2.3,
    /// ACC_APPLET | ACC_EXTENDED, the CAP file's version 1.2 and AID, one package (1.2, same AID) and an
    /// empty package name.
    @Test func headerMatchesHandEncoding() throws {
        var builder = try CAPTestData.extendedWalletBuilder()
        builder.packageName = nil
        let header = try #require(builder.components().first)
        #expect(header.tag == .header)
        #expect(!header.hasExtendedSize)
        #expect(
            header.bytes
                == Hex.bytes("01 001F DECAFFED 03 02 0C 02 01 08 A000000151000000 01 02 01 08 A000000151000000 00")
        )
    }

    /// The extended Directory (JCVM 3.1 §6.5): `u2` sizes except Method, RefLocation, Descriptor,
    /// Debug and StaticResources (`u4`), static field sizes, import and applet counts, the Method
    /// block count, no custom components.
    @Test func directoryHasFourByteSizesWhereExpected() throws {
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: 200_000)
        let cap = try CAPFile(bytes: builder.capArchive())
        let directory = Array(try #require(cap.component(.directory)).info)
        let size = { (kind: CAPComponent.Kind) in cap.component(kind)?.info.count ?? 0 }
        #expect(directory.count == 46)
        #expect(
            Array(directory[0..<12])
                == [.header, .directory, .applet, .import, .constantPool, .class].flatMap {
                    Self.bigEndian(size($0), width: 2)
                }
        )
        #expect(Array(directory[12..<16]) == Self.bigEndian(size(.method), width: 4))
        #expect(Array(directory[16..<18]) == Self.bigEndian(size(.staticField), width: 2))
        #expect(Array(directory[18..<22]) == Self.bigEndian(size(.referenceLocation), width: 4))
        #expect(Array(directory[22..<24]) == [0, 0])  // Export
        #expect(Array(directory[24..<28]) == Self.bigEndian(size(.descriptor), width: 4))
        #expect(Array(directory[28..<36]) == [0, 0, 0, 0, 0, 0, 0, 0])  // Debug, StaticResources
        #expect(Array(directory[36...]) == [0, 0, 0, 0, 0, 0, 2, 2, UInt8(cap.methodBlockCount), 0])
        #expect(cap.methodBlockCount == 4)
    }

    @Test func appletEntriesNameTheBlock() throws {
        let cap = try CAPFile(bytes: CAPTestData.extendedWalletBuilder(loadFileSize: 100_000).capArchive())
        let applet = try #require(cap.component(.applet))
        // count, then per applet: AID length, AID, block index 0, offset.
        #expect(
            Array(applet.info)
                == Hex.bytes("02 09 A00000015100000001 00 0001 09 A00000015100000002 00 0004")
        )
        let referenceLocation = try #require(cap.component(.referenceLocation))
        #expect(referenceLocation.hasExtendedSize)
        #expect(Array(referenceLocation.info) == [2] + [UInt8](repeating: 0, count: 8))
    }

    @Test func archiveNamesFourByteComponentsCapx() throws {
        let archive = try CAPTestData.extendedWalletBuilder(loadFileSize: 80_000).capArchive()
        let text = String(decoding: archive, as: UTF8.self)
        for name in ["Method.capx", "RefLocation.capx", "Descriptor.capx", "Header.cap", "Directory.cap"] {
            #expect(text.contains("com/example/wallet/javacard/\(name)"))
        }
        let occurrences = { (name: String) in text.ranges(of: name).count }
        // Local and central headers name each entry once: no `Method.cap` besides `Method.capx`.
        #expect(occurrences("javacard/Method.cap") == 2)
        #expect(occurrences("javacard/Method.capx") == 2)
    }

    /// Named `.cap`, the four-byte components still read: the Header, not the name, sets the width.
    @Test func readsFourByteComponentsNamedCap() throws {
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: 80_000)
        let entries = builder.components().map { (name: "p/javacard/\($0.tag.fileName)", contents: $0.bytes) }
        let cap = try CAPFile(bytes: ZIPWriter.archive(entries))
        #expect(cap == (try CAPFile(bytes: builder.capArchive())))
    }

    /// Offsets counted from the start of the blocks, or of the whole component, read the same.
    @Test(arguments: [0, 5])
    func acceptsOtherOffsetBases(base: Int) throws {
        let ijc = try CAPTestData.extendedWalletBuilder(loadFileSize: 300_000).ijc()
        let original = try CAPFile(ijc: ijc)
        let rebased = CAPTestData.editing(ijc, tag: 7, extended: true) { info in
            let count = Int(info[0])
            for index in 0..<count {
                let range = (1 + 4 * index)..<(5 + 4 * index)
                let offset = info[range].reduce(0) { $0 << 8 | Int($1) }
                let shifted = base == 0 ? offset - (1 + 4 * count) : offset + base
                info.replaceSubrange(range, with: Self.bigEndian(shifted, width: 4))
            }
        }
        #expect(rebased != ijc)
        let cap = try CAPFile(ijc: rebased)
        #expect(cap.methodBlockCount == original.methodBlockCount)
        #expect(cap.codeSize == original.codeSize)
    }

    /// A Directory without `method_component_block_count` is read too (see `Directory`).
    @Test func acceptsDirectoryWithoutBlockCount() throws {
        let ijc = try CAPTestData.extendedWalletBuilder(loadFileSize: 150_000).ijc()
        let withoutCount = CAPTestData.editing(ijc, tag: 2, extended: true) { info in
            info.remove(at: 44)
            info.replaceSubrange(2..<4, with: Self.bigEndian(info.count, width: 2))
        }
        let cap = try CAPFile(ijc: withoutCount)
        #expect(cap.methodBlockCount == 3)
        #expect(cap.codeSize == 150_000 - 1)
    }

    @Test func libraryPackageAndFormatFacts() throws {
        var builder = CAPBuilder(
            packageAID: try CAPTestData.aid("A0000001510001"),
            loadFileSize: 90_000,
            formatVersion: .extended
        )
        builder.includesDescriptor = false
        let cap = try CAPFile(bytes: builder.capArchive())
        #expect(cap.applets.isEmpty)
        #expect(cap.component(.applet) == nil)
        #expect(cap.component(.descriptor) == nil)
        #expect(cap.codeSize == 90_000)
        #expect(cap.packageName == nil)
        #expect(CAPBuilder.FormatVersion.extended.version == CAPVersion(major: 2, minor: 3))
        #expect(CAPBuilder.FormatVersion.extended.isExtended)
        #expect(!CAPBuilder.FormatVersion.version22.isExtended)
    }

    /// Compact files keep their layout: one block, no four-byte sizes, one package.
    @Test func compactFilesReportCompactFacts() throws {
        let cap = try CAPFile(bytes: CAPTestData.walletBuilder(loadFileSize: 5000).capArchive())
        #expect(!cap.isExtended)
        #expect(cap.methodBlockCount == 1)
        #expect(cap.components.allSatisfy { !$0.hasExtendedSize })
        #expect(cap.packages == [CAPPackage(aid: cap.packageAID, version: cap.packageVersion, name: cap.packageName)])
        #expect(cap.applets.allSatisfy { $0.installMethodBlockIndex == 0 })
    }

    @Test func extendedOutputIsDeterministic() throws {
        let first = try CAPTestData.extendedWalletBuilder(loadFileSize: 150_000)
        let second = try CAPTestData.extendedWalletBuilder(loadFileSize: 150_000)
        #expect(first.capArchive() == second.capArchive())
    }

    static func bigEndian(_ value: Int, width: Int) -> [UInt8] {
        (0..<width).reversed().map { UInt8((value >> (8 * $0)) & 0xFF) }
    }
}
