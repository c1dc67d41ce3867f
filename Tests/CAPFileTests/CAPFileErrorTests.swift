import APDUTypes
import Testing

@testable import CAPFile

/// Every ``CAPFileError/Code`` from a crafted input.
struct CAPFileErrorTests {
    private enum Tag {
        static let header = CAPComponent.Kind.header.rawValue
        static let directory = CAPComponent.Kind.directory.rawValue
        static let applet = CAPComponent.Kind.applet.rawValue
        static let imports = CAPComponent.Kind.import.rawValue
        static let method = CAPComponent.Kind.method.rawValue
    }

    private func ijc() throws -> [UInt8] {
        try CAPTestData.walletBuilder(loadFileSize: 1000).ijc()
    }

    private func expectCode(_ code: CAPFileError.Code, reading bytes: [UInt8]) {
        #expect(throws: CAPFileError(code: code, reason: "")) {
            try CAPFile(bytes: bytes)
        }
    }

    // MARK: notAnArchive

    @Test func rejectsDataThatIsNeitherZIPNorIJC() {
        expectCode(.notAnArchive, reading: Array("hello, world".utf8))
        expectCode(.notAnArchive, reading: [])
        expectCode(.notAnArchive, reading: [0x50, 0x4B, 0x05, 0x06])
    }

    // MARK: corruptArchive

    @Test func rejectsZIPWithoutCentralDirectory() {
        expectCode(.corruptArchive, reading: [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 100))
    }

    @Test func rejectsEntryFailingItsCRC() throws {
        var archive = try CAPTestData.walletBuilder(loadFileSize: 1000).capArchive()
        // The filler `sspush` bytes are unique enough: change one inside Method.cap's data.
        let index = try #require(archive.indices.dropLast(3).first { archive[$0] == 0x11 && archive[$0 + 3] == 0x3B })
        archive[index + 1] ^= 0x55
        expectCode(.corruptArchive, reading: archive)
    }

    @Test func rejectsDeflatedEntryThatDoesNotInflate() throws {
        var archive = try CAPTestData.deflatedFixture()
        // Method.cap is the only entry long enough to compress well; wreck the middle of its stream.
        let name = Array("com/example/wallet/javacard/Method.cap".utf8)
        let start = try #require(archive.indices.first { archive[$0...].starts(with: name) })
        for offset in 0..<40 {
            archive[start + name.count + 100 + offset] = 0xFF
        }
        expectCode(.corruptArchive, reading: archive)
    }

    // MARK: truncated

    @Test func rejectsIJCCutInsideAComponent() throws {
        let ijc = try ijc()
        expectCode(.truncated, reading: Array(ijc.dropLast(10)))
        expectCode(.truncated, reading: Array(ijc.prefix(2)))
    }

    @Test func rejectsHeaderCutShort() throws {
        let short = CAPTestData.editing(try ijc(), tag: Tag.header) { $0.removeLast(6) }
        expectCode(.truncated, reading: short)
    }

    // MARK: badMagic

    @Test func rejectsHeaderWithoutMagic() throws {
        let bad = CAPTestData.editing(try ijc(), tag: Tag.header) { $0[3] = 0xEE }
        expectCode(.badMagic, reading: bad)
        #expect(throws: CAPFileError(code: .badMagic, reason: "")) {
            try CAPFile(ijc: bad)
        }
    }

    // MARK: invalidAID

    @Test func rejectsPackageAIDTooLongOrTooShort() throws {
        for length in [0, 4, 17] {
            let bad = CAPTestData.editing(try ijc(), tag: Tag.header) { info in
                // magic (4), format (2), flags (1), package version (2), then AID_length and the AID.
                info.replaceSubrange(9..., with: [UInt8(length)] + [UInt8](repeating: 0xA0, count: length) + [0])
            }
            expectCode(.invalidAID, reading: bad)
        }
    }

    @Test func rejectsAppletAIDTooShort() throws {
        let bad = CAPTestData.editing(try ijc(), tag: Tag.applet) { info in
            info = [1, 3, 0xA0, 0x00, 0x00, 0x00, 0x01]
        }
        expectCode(.invalidAID, reading: bad)
    }

    // MARK: sizeMismatch

    @Test func rejectsDirectoryDisagreeingWithAComponent() throws {
        let bad = CAPTestData.editing(try ijc(), tag: Tag.directory) { info in
            // component_sizes is indexed by tag minus one; Method is tag 7.
            info[2 * 6 + 1] &+= 1
        }
        expectCode(.sizeMismatch, reading: bad)
        let error = try #require(throws: CAPFileError.self) { try CAPFile(ijc: bad) }
        #expect(error.description.hasPrefix("corrupt CAP file: the directory lists "))
        #expect(error.reason.contains("component 'Method'"))
    }

    @Test func rejectsArchiveEntryWhoseSizeFieldIsWrong() throws {
        let components = try CAPTestData.walletBuilder().components()
        var entries = components.map { (name: "p/javacard/\($0.tag.fileName)", contents: $0.bytes) }
        entries[0].contents += [0x00]  // one byte more than the Header's size field says
        expectCode(.sizeMismatch, reading: ZIPWriter.archive(entries))
    }

    // MARK: missingComponent

    @Test func rejectsFilesWithoutHeader() throws {
        let withoutHeader = CAPTestData.join(CAPTestData.split(try ijc()).filter { $0.tag != Tag.header })
        #expect(throws: CAPFileError(code: .missingComponent, reason: "")) {
            try CAPFile(ijc: withoutHeader)
        }
        let archive = try CAPTestData.walletBuilder().capArchive()
        expectCode(.missingComponent, reading: CAPTestData.replacing("Header.cap", with: "Heaxer.cap", in: archive))
    }

    @Test func rejectsFilesWithoutMethod() throws {
        let withoutMethod = CAPTestData.join(CAPTestData.split(try ijc()).filter { $0.tag != Tag.method })
        expectCode(.missingComponent, reading: withoutMethod)
    }

    // MARK: duplicateComponent

    @Test func rejectsRepeatedComponents() throws {
        let ijc = try ijc()
        let parts = CAPTestData.split(ijc)
        let repeated = CAPTestData.join(parts + parts.filter { $0.tag == Tag.imports })
        expectCode(.duplicateComponent, reading: repeated)
    }

    // MARK: malformedComponent

    @Test func rejectsTrailingBytesInAComponent() throws {
        let parts = CAPTestData.split(try ijc()).map { part -> (tag: UInt8, info: [UInt8]) in
            part.tag == Tag.applet ? (tag: part.tag, info: part.info + [0]) : part
        }
        // Keep the Directory consistent so only the Applet layout is wrong.
        let fixed = CAPTestData.editing(CAPTestData.join(parts), tag: Tag.directory) { $0[2 * 2 + 1] &+= 1 }
        expectCode(.malformedComponent, reading: fixed)
    }

    @Test func rejectsDirectoryWithWrongAppletCount() throws {
        let bad = CAPTestData.editing(try ijc(), tag: Tag.directory) { info in
            info[info.count - 2] = 3  // applet_count
        }
        expectCode(.malformedComponent, reading: bad)
    }

    @Test func rejectsArchiveEntryHoldingAnotherComponent() throws {
        let components = try CAPTestData.walletBuilder().components()
        let entries = components.map { component in
            // Store the Import component under the name Method.cap and the other way round.
            let name =
                switch component.tag {
                case .method: CAPComponent.Kind.import.fileName
                case .import: CAPComponent.Kind.method.fileName
                default: component.tag.fileName
                }
            return (name: "p/javacard/\(name)", contents: component.bytes)
        }
        expectCode(.malformedComponent, reading: ZIPWriter.archive(entries))
    }

    // MARK: unsupported

    @Test func rejectsUnknownFormatsAndStaticResources() throws {
        let ijc = try ijc()
        let format30 = CAPTestData.editing(ijc, tag: Tag.header) {
            $0[4] = 0
            $0[5] = 3
        }
        expectCode(.unsupported, reading: format30)
        // StaticResources (tag 13, CAP 2.3) is not read.
        expectCode(.unsupported, reading: ijc + [13, 0, 1, 0])
    }

    /// `ACC_EXTENDED` on a compact Header: read the extended way, the empty package name becomes a
    /// package count of zero, so the Header is malformed rather than silently read as compact.
    @Test func rejectsExtendedFlagOnACompactHeader() throws {
        var builder = try CAPTestData.walletBuilder(loadFileSize: 1000)
        builder.packageName = nil
        let extended = CAPTestData.editing(builder.ijc(), tag: Tag.header) {
            $0[4] = 3
            $0[6] |= 0x08
        }
        expectCode(.malformedComponent, reading: extended)
        let error = try #require(throws: CAPFileError.self) { try CAPFile(ijc: extended) }
        #expect(error.reason.contains("lists no packages"))
    }

    @Test func rejectsUnknownCompressionAndEncryption() throws {
        let entries = [(name: "p/javacard/Header.cap", contents: [UInt8](repeating: 1, count: 8))]
        let archive = ZIPWriter.archive(entries)
        let localMethod = 8
        let centralStart = 30 + entries[0].name.utf8.count + 8
        var bzip2 = archive
        bzip2[localMethod] = 12
        bzip2[centralStart + 10] = 12
        expectCode(.unsupported, reading: bzip2)
        var encrypted = archive
        encrypted[6] |= 1
        encrypted[centralStart + 8] |= 1
        expectCode(.unsupported, reading: encrypted)
    }

    // MARK: The error type

    @Test func comparesByCodeOnly() {
        #expect(CAPFileError(code: .truncated, reason: "a") == CAPFileError(code: .truncated, reason: "b"))
        #expect(CAPFileError(code: .truncated, reason: "a") != CAPFileError(code: .badMagic, reason: "a"))
        #expect(CAPFileError(code: .unsupported, reason: "x").description == "unsupported CAP file: x")
        #expect(CAPFileError(code: .sizeMismatch, reason: "x").description == "corrupt CAP file: x")
        #expect(CAPFileError.Code.sizeMismatch.description == "sizeMismatch")
    }
}
