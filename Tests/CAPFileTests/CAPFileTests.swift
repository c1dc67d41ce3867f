import APDUTypes
import CAPFile
import Testing

struct CAPFileTests {
    /// The fixture is shaped like converter output: deflated entries with data descriptors, a manifest,
    /// a folder entry and a Debug component.
    @Test func readsDeflatedArchive() throws {
        let cap = try CAPFile(bytes: CAPTestData.deflatedFixture())

        #expect(cap.packageAID.description == CAPTestData.packageAIDHex)
        #expect(cap.packageVersion.description == "1.2")
        #expect(cap.capFormatVersion.description == "2.2")
        #expect(cap.packageName == "com/example/wallet")
        #expect(cap.applets.map(\.aid.description) == CAPTestData.appletAIDHexes)
        #expect(cap.applets.map(\.installMethodOffset) == [1, 4])
        #expect(cap.components.last?.tag == .debug)
        // The generator's 2000 bytes plus the 18-byte package name added to the Header.
        #expect(cap.codeSize == 2018)
        #expect(cap.loadFileSizeWithDescriptor == 2026)
        let debug = try #require(cap.component(.debug))
        #expect(!cap.loadFileData(includeDescriptor: true).contains(debug.bytes))
    }

    @Test func deflatedArchiveMatchesItsOwnComponents() throws {
        let cap = try CAPFile(bytes: CAPTestData.deflatedFixture())
        let ijc = cap.components.flatMap(\.bytes)
        #expect(try CAPFile(ijc: ijc) == cap)
    }

    @Test func detectsTheFormatFromTheFirstBytes() throws {
        let builder = try CAPTestData.walletBuilder()
        #expect(try CAPFile(bytes: builder.capArchive()) == CAPFile(capArchive: builder.capArchive()))
        #expect(try CAPFile(bytes: builder.ijc()) == CAPFile(ijc: builder.ijc()))
    }

    @Test func acceptsComponentsInAnyOrderInAnIJCFile() throws {
        let builder = try CAPTestData.walletBuilder()
        let parts = CAPTestData.split(builder.ijc())
        let shuffled = CAPTestData.join([parts[0]] + parts.dropFirst().reversed())
        #expect(try CAPFile(ijc: shuffled) == CAPFile(ijc: builder.ijc()))
    }

    @Test func kindsHaveSpecificationTagsAndFileNames() {
        #expect(CAPComponent.Kind.allCases.map(\.rawValue) == Array(1...12))
        #expect(CAPComponent.Kind.referenceLocation.fileName == "RefLocation.cap")
        #expect(CAPComponent.Kind.staticField.fileName == "StaticField.cap")
        #expect(CAPComponent.Kind.loadOrder.count == 11)
        #expect(!CAPComponent.Kind.loadOrder.contains(.debug))
    }
}
