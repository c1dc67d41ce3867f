import APDUTypes
import CAPFile
import Testing

struct CAPBuilderTests {
    @Test func roundTripsPackageAndApplets() throws {
        let builder = try CAPTestData.walletBuilder()
        let cap = try CAPFile(bytes: builder.capArchive())

        #expect(cap.packageAID.description == CAPTestData.packageAIDHex)
        #expect(cap.packageVersion == CAPVersion(major: 1, minor: 2))
        #expect(cap.packageVersion.description == "1.2")
        #expect(cap.capFormatVersion.description == "2.2")
        #expect(cap.packageName == "com/example/wallet")
        #expect(cap.applets.map(\.aid.description) == CAPTestData.appletAIDHexes)
        let method = try #require(cap.component(.method))
        for applet in cap.applets {
            // Each install stub starts with the header byte 0x01 (max_stack 1) and nargs 3.
            let offset = method.info.startIndex + Int(applet.installMethodOffset)
            #expect(Array(method.info[offset..<offset + 2]) == [0x01, 0x30])
        }
    }

    /// The Header component, worked out by hand from JCVM 3.0.5 §6.4: tag 1, size 19, magic,
    /// CAP format 2.2 (minor first), ACC_APPLET, package 1.2 (minor first), the AID and an empty name.
    @Test func headerComponentMatchesHandEncoding() throws {
        var builder = try CAPTestData.walletBuilder()
        builder.packageName = nil
        let header = try #require(builder.components().first)
        #expect(header.tag == .header)
        #expect(header.bytes == Hex.bytes("01 0013 DECAFFED 02 02 04 02 01 08 A000000151000000 00"))
    }

    @Test(arguments: [nil, 0, 300, 301, 302, 303, 1000, 4096, 32 * 1024, 65_000])
    func loadFileSizeIsExact(target: Int?) throws {
        let builder = try CAPTestData.walletBuilder(loadFileSize: target)
        let range = builder.loadFileSizeRange
        let expected = min(max(target ?? 0, range.lowerBound), range.upperBound)

        let fromArchive = try CAPFile(bytes: builder.capArchive())
        let fromIJC = try CAPFile(bytes: builder.ijc())
        #expect(fromArchive.loadFileData(includeDescriptor: false).count == expected)
        #expect(fromArchive.codeSize == expected)
        #expect(fromIJC.codeSize == expected)
    }

    @Test func reachesTheLargestCompactSizeExactly() throws {
        let range = try CAPTestData.walletBuilder().loadFileSizeRange
        let builder = try CAPTestData.walletBuilder(loadFileSize: range.upperBound)
        let cap = try CAPFile(bytes: builder.capArchive())
        #expect(cap.codeSize == range.upperBound)
        #expect(cap.component(.method)?.info.count == 65_535)
    }

    /// A compact CAP component holds at most 65,535 bytes, so 1 MB is out of reach: the builder clamps
    /// to its largest size, and says so through `loadFileSizeRange`.
    @Test func clampsOneMegabyteToTheCompactLimit() throws {
        let builder = try CAPTestData.walletBuilder(loadFileSize: 1 << 20)
        #expect(!builder.loadFileSizeRange.contains(1 << 20))
        let cap = try CAPFile(bytes: builder.capArchive())
        #expect(cap.codeSize == builder.loadFileSizeRange.upperBound)
    }

    @Test func componentsComeInLoadOrder() throws {
        let cap = try CAPFile(bytes: CAPTestData.walletBuilder().capArchive())
        #expect(
            cap.components.map(\.tag) == [
                .header, .directory, .import, .applet, .class, .method, .staticField, .constantPool,
                .referenceLocation, .descriptor,
            ]
        )
        let withoutDescriptor = cap.components.filter { $0.tag != .descriptor }.flatMap(\.bytes)
        #expect(cap.loadFileData(includeDescriptor: false) == withoutDescriptor)
        #expect(cap.loadFileData(includeDescriptor: true) == cap.components.flatMap(\.bytes))
    }

    @Test func descriptorIsAddedOnlyWhenAsked() throws {
        let with = try CAPFile(bytes: CAPTestData.walletBuilder(loadFileSize: 4000).capArchive())
        let descriptor = try #require(with.component(.descriptor))
        #expect(
            with.loadFileData(includeDescriptor: true) == with.loadFileData(includeDescriptor: false) + descriptor.bytes
        )
        #expect(with.loadFileSizeWithDescriptor == 4000 + descriptor.bytes.count)

        let without = try CAPFile(
            bytes: CAPTestData.walletBuilder(loadFileSize: 4000, includesDescriptor: false).capArchive()
        )
        #expect(without.component(.descriptor) == nil)
        #expect(without.loadFileData(includeDescriptor: true) == without.loadFileData(includeDescriptor: false))
        #expect(without.codeSize == 4000)
    }

    @Test func ijcAndArchiveGiveTheSameFile() throws {
        let builder = try CAPTestData.walletBuilder(loadFileSize: 10_000)
        let fromArchive = try CAPFile(capArchive: builder.capArchive())
        let fromIJC = try CAPFile(ijc: builder.ijc())
        #expect(fromArchive == fromIJC)
        #expect(fromArchive.loadFileData(includeDescriptor: true) == fromIJC.loadFileData(includeDescriptor: true))
        #expect(builder.ijc() == fromIJC.loadFileData(includeDescriptor: true))
    }

    @Test func outputIsDeterministic() throws {
        let first = try CAPTestData.walletBuilder(loadFileSize: 2000)
        let second = try CAPTestData.walletBuilder(loadFileSize: 2000)
        #expect(first.capArchive() == second.capArchive())
        #expect(first.ijc() == second.ijc())
    }

    @Test func writesCAPFormat21WithoutPackageName() throws {
        var builder = try CAPTestData.walletBuilder(loadFileSize: 3000)
        builder.formatVersion = .version21
        let cap = try CAPFile(bytes: builder.capArchive())
        #expect(cap.capFormatVersion == CAPVersion(major: 2, minor: 1))
        #expect(cap.packageName == nil)
        #expect(cap.codeSize == 3000)
        #expect(cap.component(.directory)?.info.count == 31)
    }

    @Test func libraryPackageHasNoAppletComponent() throws {
        let builder = CAPBuilder(packageAID: try CAPTestData.aid("A0000001510001"), loadFileSize: 500)
        let cap = try CAPFile(bytes: builder.capArchive())
        #expect(cap.applets.isEmpty)
        #expect(cap.component(.applet) == nil)
        #expect(cap.codeSize == 500)
        #expect(cap.packageVersion.description == "1.0")
    }

    @Test func archiveEntriesUseThePackagePath() throws {
        let archive = try CAPTestData.walletBuilder().capArchive()
        let text = String(decoding: archive, as: UTF8.self)
        #expect(text.contains("META-INF/MANIFEST.MF"))
        #expect(text.contains("com/example/wallet/javacard/Header.cap"))
        #expect(text.contains("com/example/wallet/javacard/RefLocation.cap"))
    }

    @Test(arguments: ["1.0", "2.13", "255.255", "0.0"])
    func parsesVersions(text: String) throws {
        #expect(try #require(CAPVersion(text)).description == text)
    }

    @Test(arguments: ["", "1", "1.", ".1", "1.2.3", "256.0", "a.b", "-1.0", "+1.0"])
    func rejectsBadVersions(text: String) {
        #expect(CAPVersion(text) == nil)
    }
}
