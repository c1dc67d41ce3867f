import APDUTypes
import Testing

@testable import CAPFile

/// Malformed extended CAP files: each is rejected with the error code and a reason naming the fault.
struct CAPExtendedErrorTests {
    private enum Tag {
        static let header: UInt8 = 1
        static let directory: UInt8 = 2
        static let applet: UInt8 = 3
        static let method: UInt8 = 7
    }

    /// A three-block file (200 KB would be four; 150,000 bytes makes three).
    private func ijc() throws -> [UInt8] {
        try CAPTestData.extendedWalletBuilder(loadFileSize: 150_000).ijc()
    }

    private func editing(_ tag: UInt8, _ edit: (inout [UInt8]) -> Void) throws -> [UInt8] {
        CAPTestData.editing(try ijc(), tag: tag, extended: true, edit)
    }

    /// Reads `bytes` expecting `code`, and returns the error for checks on its reason.
    @discardableResult
    private func expectCode(_ code: CAPFileError.Code, reading bytes: [UInt8]) throws -> CAPFileError {
        let error = try #require(throws: CAPFileError.self) { try CAPFile(bytes: bytes) }
        #expect(error.code == code, "\(error.debugDescription)")
        return error
    }

    private static func setOffset(_ info: inout [UInt8], block: Int, to value: Int) {
        let range = (1 + 4 * block)..<(5 + 4 * block)
        info.replaceSubrange(range, with: (0..<4).reversed().map { UInt8((value >> (8 * $0)) & 0xFF) })
    }

    private static func offset(_ info: [UInt8], block: Int) -> Int {
        info[(1 + 4 * block)..<(5 + 4 * block)].reduce(0) { $0 << 8 | Int($1) }
    }

    @Test func theBaselineReads() throws {
        let cap = try CAPFile(bytes: ijc())
        #expect(cap.methodBlockCount == 3)
    }

    // MARK: Method blocks

    @Test func rejectsMethodWithoutBlocks() throws {
        let bad = try editing(Tag.method) { $0 = [0] }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("no method component blocks"))
    }

    @Test func rejectsFirstOffsetNotAtTheBlocks() throws {
        let bad = try editing(Tag.method) { info in
            Self.setOffset(&info, block: 0, to: Self.offset(info, block: 0) + 1)
        }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("first block starts at 14"))
    }

    @Test func rejectsBlocksOutOfOrder() throws {
        let bad = try editing(Tag.method) { info in
            Self.setOffset(&info, block: 2, to: Self.offset(info, block: 1) - 1)
        }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("method component block 1 of 3"))
    }

    @Test func rejectsOffsetPastTheComponent() throws {
        let bad = try editing(Tag.method) { info in
            Self.setOffset(&info, block: 2, to: info.count + 10)
        }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("outside component 'Method'"))
    }

    @Test func rejectsBlockLongerThan65535Bytes() throws {
        // Moving the second block's start back makes the first one longer than a block can be.
        let bad = try editing(Tag.method) { info in
            Self.setOffset(&info, block: 1, to: Self.offset(info, block: 1) + 10)
        }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("method component block 0 is 65545 bytes"))
    }

    @Test func rejectsExceptionHandlersThatDoNotFit() throws {
        let ijc = try CAPTestData.extendedWalletBuilder(loadFileSize: 400, blockCapacity: 64).ijc()
        let lengths = CAPExtendedTests.blockLengths(of: try #require(CAPFile(ijc: ijc).component(.method)))
        #expect(lengths.first == 64)
        // Seven handlers (1 + 56 bytes) fit in the 64-byte first block; eight (1 + 64) do not.
        for (count, fits) in [(UInt8(7), true), (8, false)] {
            let edited = CAPTestData.editing(ijc, tag: Tag.method, extended: true) { info in
                info[Self.offset(info, block: 0)] = count
            }
            if fits {
                #expect(try CAPFile(bytes: edited).methodBlockCount == lengths.count)
            } else {
                let error = try expectCode(.malformedComponent, reading: edited)
                #expect(error.reason.contains("block 0 lists 8 exception handlers that do not fit in its 64 bytes"))
            }
        }
    }

    @Test func rejectsMethodCutInsideTheOffsetsTable() throws {
        let bad = try editing(Tag.method) { $0 = [3, 0, 0, 0, 13, 0, 0] }
        try expectCode(.truncated, reading: bad)
    }

    // MARK: Applet and Directory against Method

    @Test func rejectsInstallMethodInAMissingBlock() throws {
        let bad = try editing(Tag.applet) { info in
            info[1 + 1 + 9] = 3  // the first applet's install_method_component_block_index
        }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("names method component block 3, but component 'Method' has 3"))
    }

    /// Block 0 is full (65,535 bytes): offset 65,534 is its last byte, 65,535 is past it.
    @Test func rejectsInstallMethodPastItsBlock() throws {
        let lastByte = try editing(Tag.applet) { $0.replaceSubrange(12..<14, with: [0xFF, 0xFE]) }
        #expect(try CAPFile(bytes: lastByte).applets.first?.installMethodOffset == 0xFFFE)
        let past = try editing(Tag.applet) { $0.replaceSubrange(12..<14, with: [0xFF, 0xFF]) }
        let error = try expectCode(.malformedComponent, reading: past)
        #expect(error.reason.contains("offset 65535, beyond method component block 0 (65535 bytes)"))
    }

    @Test func rejectsDirectoryBlockCountDisagreeingWithMethod() throws {
        let bad = try editing(Tag.directory) { $0[44] = 4 }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("lists 4 method component blocks but component 'Method' has 3"))
    }

    @Test func rejectsDirectoryWithWrongMethodSize() throws {
        let bad = try editing(Tag.directory) { $0[15] &+= 1 }
        let error = try expectCode(.sizeMismatch, reading: bad)
        #expect(error.reason.contains("component 'Method'"))
    }

    @Test func rejectsDirectoryWithTrailingBytes() throws {
        let bad = try editing(Tag.directory) { info in
            info += [0, 0]
            info[3] = UInt8(info.count)
        }
        try expectCode(.malformedComponent, reading: bad)
    }

    // MARK: Header

    @Test func rejectsHeaderWithoutPackages() throws {
        var builder = try CAPTestData.extendedWalletBuilder(loadFileSize: 70_000)
        builder.packageName = nil
        let bad = CAPTestData.editing(builder.ijc(), tag: Tag.header, extended: true) { info in
            // magic 4, format 2, flags 1, CAP version 2, CAP AID 9, then package_count.
            info.replaceSubrange(18..., with: [0])
        }
        let error = try expectCode(.malformedComponent, reading: bad)
        #expect(error.reason.contains("lists no packages"))
    }

    @Test func rejectsHeaderWithBadPackageAID() throws {
        let bad = try editing(Tag.header) { info in
            info[19 + 2] = 3  // the first package's AID length
        }
        let error = try expectCode(.invalidAID, reading: bad)
        #expect(error.reason.contains("the AID of package 1 is 3 bytes long"))
    }

    /// Without `ACC_EXTENDED` the components after the Header are read with two-byte sizes, and the
    /// extended Header itself no longer parses: the file is rejected, not misread.
    @Test func rejectsExtendedLayoutWithoutTheFlag() throws {
        let bad = try editing(Tag.header) { $0[6] &= ~0x08 }
        try expectCode(.malformedComponent, reading: bad)
    }

    // MARK: Sizes and archives

    @Test func rejectsIJCCutInsideTheMethodComponent() throws {
        let ijc = try ijc()
        let method = try #require(CAPTestData.split(ijc, extended: true).first { $0.tag == Tag.method })
        let cut = Array(ijc.prefix(ijc.count - 20_000))
        let error = try expectCode(.truncated, reading: cut)
        #expect(error.reason.contains("component 'Method' declares \(method.info.count) bytes"))
    }

    @Test func rejectsCompactSizedComponentInAnExtendedArchive() throws {
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: 70_000)
        let entries = builder.components().map { component -> (name: String, contents: [UInt8]) in
            guard component.tag == .referenceLocation else {
                return (name: "p/javacard/\(component.tag.fileName)", contents: component.bytes)
            }
            // A RefLocation component written the compact way, with a two-byte size.
            let compact = CAPComponent(tag: .referenceLocation, info: Array(component.info))
            return (name: "p/javacard/RefLocation.capx", contents: compact.bytes)
        }
        let error = try expectCode(.sizeMismatch, reading: ZIPWriter.archive(entries))
        #expect(error.reason.contains("component 'RefLocation'"))
    }

    @Test func rejectsTwoEntriesForTheSameComponent() throws {
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: 70_000)
        var entries = builder.components().map { (name: "p/javacard/\($0.tag.extendedFileName)", contents: $0.bytes) }
        let method = try #require(builder.components().first { $0.tag == .method })
        entries.append((name: "p/javacard/Method.cap", contents: method.bytes))
        try expectCode(.duplicateComponent, reading: ZIPWriter.archive(entries))
    }

    /// Repeated entries are refused before any is read: here the second Method entry claims 32 MiB,
    /// yet the error is the duplicate, not the size.
    @Test func rejectsRepeatedEntriesBeforeReadingThem() throws {
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: 70_000)
        var entries = builder.components().map { (name: "p/javacard/\($0.tag.extendedFileName)", contents: $0.bytes) }
        entries.append((name: "q/javacard/Method.capx", contents: [UInt8](repeating: 0, count: 8)))
        var archive = ZIPWriter.archive(entries)
        let name = Array("q/javacard/Method.capx".utf8)
        let central = try #require(archive.indices.last { archive[$0...].starts(with: name) }) - 46
        for field in [central + 20, central + 24] {
            archive.replaceSubrange(field..<(field + 4), with: [0x00, 0x00, 0x00, 0x02])
        }
        let error = try expectCode(.duplicateComponent, reading: archive)
        #expect(error.reason == "component 'Method' appears more than once")
    }

    /// An entry that claims more than 16 MiB is refused before anything is inflated or copied.
    @Test func rejectsEntriesLargerThanAnyComponent() throws {
        let builder = try CAPTestData.extendedWalletBuilder(loadFileSize: 70_000)
        var archive = builder.capArchive()
        // The central directory header of Method.capx: 46 fixed bytes before the name's last occurrence;
        // its compressed and uncompressed sizes are at offsets 20 and 24.
        let name = Array("com/example/wallet/javacard/Method.capx".utf8)
        let nameStart = try #require(archive.indices.last { archive[$0...].starts(with: name) })
        let central = nameStart - 46
        #expect(Array(archive[central..<(central + 4)]) == [0x50, 0x4B, 0x01, 0x02])
        for field in [central + 20, central + 24] {
            archive.replaceSubrange(field..<(field + 4), with: [0x00, 0x00, 0x00, 0x02])  // 32 MiB, little-endian
        }
        let error = try expectCode(.unsupported, reading: archive)
        #expect(error.reason.contains("is 33554432 bytes, more than such a CAP component can hold (16777221 bytes)"))
    }
}
