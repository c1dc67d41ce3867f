import APDUTypes

// Parsing and cross-checking the components a CAP file's metadata comes from. Section numbers are
// those of the Java Card 3.0.5 Classic JCVM specification, chapter 6 "The CAP File Format", for the
// compact format, and of the Java Card 3.1 JCVM specification, chapter 6, for the extended format
// (both number the components alike: §6.4 Header, §6.5 Directory, §6.6 Applet ... §6.10 Method).
// The extended layouts follow two public descriptions of JCVM 3.1 chapter 6, since the specification
// text itself was not at hand: the structure notes and parser of the CAP2JSON tool, and a
// feature-file summary of JCVM 3.1 §6.4 and §6.10. Where they leave a detail open, the reader
// accepts each reading and says so at that point.

extension CAPFile {
    /// Checks a set of components and reads the package and applet metadata from them.
    init(components unordered: [CAPComponent]) throws(CAPFileError) {
        var byKind: [CAPComponent.Kind: CAPComponent] = [:]
        for component in unordered {
            guard byKind.updateValue(component, forKey: component.tag) == nil else {
                throw .duplicateComponent(component.tag)
            }
        }
        guard let headerComponent = byKind[.header] else {
            throw .missingComponent(.header)
        }
        let header = try Header(headerComponent)
        for kind in CAPComponent.Kind.required where byKind[kind] == nil {
            throw .missingComponent(kind)
        }
        guard let directoryComponent = byKind[.directory] else {
            throw .missingComponent(.directory)
        }
        guard let methodComponent = byKind[.method] else {
            throw .missingComponent(.method)
        }
        for component in CAPComponent.Kind.allCases.compactMap({ byKind[$0] })
        where component.hasExtendedSize != (header.isExtended && component.tag.hasExtendedSizeInExtendedFiles) {
            throw .malformedComponent(
                "component '\(component.tag)' has a \(component.hasExtendedSize ? 4 : 2)-byte size, "
                    + "which does not match the \(header.isExtended ? "extended" : "compact") format of the Header"
            )
        }
        let directory = try Directory(directoryComponent, format: header.formatVersion, extended: header.isExtended)
        let applets =
            try byKind[.applet].map { component throws(CAPFileError) in
                try Self.applets(in: component, extended: header.isExtended)
            } ?? []
        let importCount = try byKind[.import].map(Self.importCount(in:))
        let methodBlocks = try MethodBlocks(methodComponent, extended: header.isExtended)

        try directory.checkSizes(of: byKind)
        guard directory.appletCount == applets.count else {
            throw .malformedComponent(
                "the directory lists \(directory.appletCount) applets but component 'Applet' has \(applets.count)"
            )
        }
        if let importCount, importCount != directory.importCount {
            throw .malformedComponent(
                "the directory lists \(directory.importCount) imports but component 'Import' has \(importCount)"
            )
        }
        if let listed = directory.methodBlockCount, listed != methodBlocks.lengths.count {
            throw .malformedComponent(
                "the directory lists \(listed) method component blocks but component 'Method' has "
                    + "\(methodBlocks.lengths.count)"
            )
        }
        for applet in applets {
            try methodBlocks.checkInstallMethod(of: applet, extended: header.isExtended)
        }

        self.packageAID = header.packageAID
        self.packageVersion = header.packageVersion
        self.capFormatVersion = header.formatVersion
        self.packageName = header.packageName
        self.isExtended = header.isExtended
        self.packages = header.packages
        self.methodBlockCount = methodBlocks.lengths.count
        self.applets = applets
        self.components = (CAPComponent.Kind.loadOrder + [.debug]).compactMap { byKind[$0] }
    }

    /// Reads the Applet component (§6.6): `u1 count`, then per applet `u1 AID_length, u1 AID[],
    /// u2 install_method_offset`; the extended form (JCVM 3.1 §6.6) puts
    /// `u1 install_method_component_block_index` before the offset.
    private static func applets(in component: CAPComponent, extended: Bool) throws(CAPFileError) -> [CAPApplet] {
        var reader = ByteReader(component.info, context: "component 'Applet'")
        let count = try reader.u8("the applet count")
        var applets: [CAPApplet] = []
        for index in 0..<Int(count) {
            let aid = try reader.aid("the AID of applet \(index + 1)")
            let block = try extended ? reader.u8("the install method block of applet \(index + 1)") : 0
            let offset = try reader.u16("the install method offset of applet \(index + 1)")
            applets.append(CAPApplet(aid: aid, installMethodOffset: offset, installMethodBlockIndex: block))
        }
        try reader.expectEnd()
        return applets
    }

    /// Reads the Import component (§6.7) and returns its package count.
    ///
    /// The layout is `u1 count`, then per package `u1 minor_version, u1 major_version, u1 AID_length,
    /// u1 AID[]`; the component has one format only.
    private static func importCount(in component: CAPComponent) throws(CAPFileError) -> Int {
        var reader = ByteReader(component.info, context: "component 'Import'")
        let count = try reader.u8("the import count")
        for index in 0..<Int(count) {
            try reader.skip(2, "the version of import \(index + 1)")
            _ = try reader.aid("the AID of import \(index + 1)")
        }
        try reader.expectEnd()
        return Int(count)
    }
}

/// The Header component (§6.4).
///
/// Compact: `u4 magic, u1 minor_version, u1 major_version, u1 flags, package_info package` and,
/// since CAP format 2.2, `package_name_info package_name`.
///
/// Extended (JCVM 3.1 §6.4, `header_component_extended`): after the flags, the CAP file's own
/// `u1 CAP_minor_version, u1 CAP_major_version, u1 CAP_AID_length, u1 CAP_AID[]`, then
/// `u1 package_count`, `package_info packages[package_count]` and
/// `package_name_info package_names[package_count]`.
struct Header {
    static let magic: UInt32 = 0xDECA_FFED
    /// `ACC_APPLET` (§6.4): the file has an Applet component.
    static let appletFlag: UInt8 = 0x04
    /// `ACC_EXTENDED` (Java Card 3.1 JCVM, §6.4, Table 6-3): the file uses the extended format.
    static let extendedFlag: UInt8 = 0x08
    /// The CAP format versions this reader handles.
    static let supportedFormats = CAPVersion(major: 2, minor: 1)...CAPVersion(major: 2, minor: 3)
    /// The first format with the extended layout (Java Card 3.1).
    static let firstExtendedFormat = CAPVersion(major: 2, minor: 3)

    var formatVersion: CAPVersion
    var flags: UInt8
    var packageVersion: CAPVersion
    var packageAID: ApplicationIdentifier
    var packageName: String?
    var packages: [CAPPackage]

    /// Whether the file is in the extended format.
    var isExtended: Bool { formatVersion >= Self.firstExtendedFormat && flags & Self.extendedFlag != 0 }

    init(_ component: CAPComponent) throws(CAPFileError) {
        var reader = ByteReader(component.info, context: "component 'Header'")
        let magic = try reader.u32("the magic number")
        guard magic == Self.magic else {
            throw .badMagic(magic)
        }
        let formatMinor = try reader.u8("the CAP format minor version")
        let formatMajor = try reader.u8("the CAP format major version")
        formatVersion = CAPVersion(major: formatMajor, minor: formatMinor)
        guard Self.supportedFormats.contains(formatVersion) else {
            throw .unsupported("CAP format \(formatVersion) is not supported; expected 2.1 to 2.3")
        }
        flags = try reader.u8("the flags")
        if formatVersion >= Self.firstExtendedFormat, flags & Self.extendedFlag != 0 {
            packageVersion = try reader.version("the CAP file version")
            packageAID = try reader.aid("the CAP file AID")
            let count = Int(try reader.u8("the package count"))
            guard count > 0 else {
                throw .malformedComponent("component 'Header' of an extended CAP file lists no packages")
            }
            var packages: [CAPPackage] = []
            for index in 1...count {
                let version = try reader.version("the version of package \(index)")
                let aid = try reader.aid("the AID of package \(index)")
                packages.append(CAPPackage(aid: aid, version: version))
            }
            for index in packages.indices {
                packages[index].name = try reader.packageName("the name of package \(index + 1)")
            }
            self.packages = packages
            packageName = packages.first?.name
        } else {
            packageVersion = try reader.version("the package version")
            packageAID = try reader.aid("the package AID")
            // package_name_info exists since CAP 2.2; a name length of 0 means no name. Tolerated in 2.1.
            packageName = try reader.remaining > 0 ? reader.packageName("the package name") : nil
            packages = [CAPPackage(aid: packageAID, version: packageVersion, name: packageName)]
        }
        try reader.expectEnd()
    }
}

/// The Directory component (§6.5).
///
/// Compact: `component_sizes` (11 `u2` in CAP 2.1, 12 since 2.2 added Debug, then a `u4`
/// StaticResources size since 2.3), `static_field_size_info` (3 × `u2`), `u1 import_count`,
/// `u1 applet_count`, `u1 custom_count` and the custom component entries (`u1 tag, u2 size, AID`).
///
/// Extended (JCVM 3.1 §6.5, `directory_component_extended`): the Method, RefLocation, Descriptor and
/// Debug sizes are `u4`, custom component sizes are `u4`, and `u1 method_component_block_count`
/// follows `applet_count` (as CAP2JSON reads it; a Directory without that byte is accepted too).
struct Directory {
    /// Declared `info` sizes, indexed by component tag minus one.
    var componentSizes: [Int] = []
    var importCount: Int
    var appletCount: Int
    /// The Method component's block count, when an extended Directory lists it.
    var methodBlockCount: Int?

    init(_ component: CAPComponent, format: CAPVersion, extended: Bool) throws(CAPFileError) {
        var reader = ByteReader(component.info, context: "component 'Directory'")
        let sizeCount = format.minor == 1 ? 11 : 12
        for tag in 1...sizeCount {
            let kind = CAPComponent.Kind(rawValue: UInt8(tag))
            let name = kind?.name ?? "\(tag)"
            let size =
                extended && kind?.hasExtendedSizeInExtendedFiles == true
                ? Int(try reader.u32("the size of component '\(name)'"))
                : Int(try reader.u16("the size of component '\(name)'"))
            componentSizes.append(size)
        }
        if format.minor >= 3 {
            try reader.skip(4, "the size of component 'StaticResources'")
        }
        try reader.skip(6, "static_field_size_info")
        importCount = Int(try reader.u8("import_count"))
        appletCount = Int(try reader.u8("applet_count"))
        guard extended else {
            try Self.readCustomComponents(&reader, extended: false)
            return
        }
        var withBlockCount = reader
        do throws(CAPFileError) {
            methodBlockCount = Int(try withBlockCount.u8("method_component_block_count"))
            try Self.readCustomComponents(&withBlockCount, extended: true)
        } catch {
            methodBlockCount = nil
            do throws(CAPFileError) {
                try Self.readCustomComponents(&reader, extended: true)
            } catch _ {
                throw error
            }
        }
    }

    /// Reads `u1 custom_count` and the custom component entries, then checks nothing is left.
    private static func readCustomComponents(_ reader: inout ByteReader, extended: Bool) throws(CAPFileError) {
        let customCount = try reader.u8("custom_count")
        for index in 0..<Int(customCount) {
            try reader.skip(extended ? 5 : 3, "the tag and size of custom component \(index + 1)")
            _ = try reader.aid("the AID of custom component \(index + 1)")
        }
        try reader.expectEnd()
    }

    /// Checks that every present component has the size the directory lists for it.
    func checkSizes(of components: [CAPComponent.Kind: CAPComponent]) throws(CAPFileError) {
        for (index, declared) in componentSizes.enumerated() {
            guard let kind = CAPComponent.Kind(rawValue: UInt8(index + 1)), let component = components[kind] else {
                continue
            }
            guard declared == component.info.count else {
                throw .sizeMismatch(
                    "the directory lists \(declared) bytes for component '\(kind)' but it has \(component.info.count)"
                )
            }
        }
    }
}

/// The blocks of the Method component: one block, its whole `info`, in a compact file (§6.10).
///
/// Blocks are numbered from 0, as Applet entries and constant pool references name them.
///
/// An extended Method component (JCVM 3.1 §6.10, `method_component_extended`) is
/// `u1 method_component_block_count`, `u4 method_component_block_offsets[count]`, then the blocks,
/// each `u1 handler_count, exception_handler_info exception_handlers[handler_count] (8 bytes each),
/// method_info methods[]` and at most 65,535 bytes, since offsets into a block are `u2` (§6.10.1).
/// The sources do not pin down what the offsets count from, so the first offset decides: 0 (the
/// start of the blocks), the end of the offsets table (the start of `info`) or that plus the 5 tag
/// and size bytes (the start of the component); the blocks must follow each other without gaps.
struct MethodBlocks {
    /// The most bytes one block may have.
    static let maximumBlockLength = Int(UInt16.max)

    /// Each block's length in bytes.
    var lengths: [Int]

    init(_ component: CAPComponent, extended: Bool) throws(CAPFileError) {
        guard extended else {
            lengths = [component.info.count]
            return
        }
        var reader = ByteReader(component.info, context: "component 'Method'")
        let count = Int(try reader.u8("method_component_block_count"))
        guard count > 0 else {
            throw .malformedComponent("component 'Method' has no method component blocks")
        }
        var offsets: [Int] = []
        offsets.reserveCapacity(count)
        for index in 0..<count {
            offsets.append(Int(try reader.u32("the offset of method component block \(index)")))
        }
        let tableEnd = reader.offset
        let infoLength = component.info.count
        // Shift the offsets so that they count from the start of `info`.
        let shift: Int
        switch offsets[0] {
        case tableEnd: shift = 0
        case 0: shift = tableEnd
        case tableEnd + component.headerLength: shift = -component.headerLength
        default:
            throw .malformedComponent(
                "component 'Method' says its first block starts at \(offsets[0]), "
                    + "but the blocks start right after the \(count)-entry offsets table"
            )
        }
        var lengths: [Int] = []
        lengths.reserveCapacity(count)
        for index in 0..<count {
            let start = offsets[index] + shift
            let end = index + 1 < count ? offsets[index + 1] + shift : infoLength
            guard start < end, end <= infoLength else {
                throw .malformedComponent(
                    "method component block \(index) of \(count) has offsets \(start)..<\(end) "
                        + "outside component 'Method' (\(infoLength) bytes) or out of order"
                )
            }
            let length = end - start
            guard length <= Self.maximumBlockLength else {
                throw .malformedComponent(
                    "method component block \(index) is \(length) bytes, more than \(Self.maximumBlockLength)"
                )
            }
            let handlerCount = Int(component.info[component.info.startIndex + start])
            guard 1 + 8 * handlerCount <= length else {
                throw .malformedComponent(
                    "method component block \(index) lists \(handlerCount) exception handlers "
                        + "that do not fit in its \(length) bytes"
                )
            }
            lengths.append(length)
        }
        self.lengths = lengths
    }

    /// Checks that an applet's `install` method lies inside the block its Applet entry names.
    func checkInstallMethod(of applet: CAPApplet, extended: Bool) throws(CAPFileError) {
        let block = Int(applet.installMethodBlockIndex)
        guard block < lengths.count else {
            throw .malformedComponent(
                "applet \(applet.aid) names method component block \(block), "
                    + "but component 'Method' has \(lengths.count)"
            )
        }
        guard Int(applet.installMethodOffset) < lengths[block] else {
            throw .malformedComponent(
                "applet \(applet.aid) has install method offset \(applet.installMethodOffset), beyond "
                    + (extended
                        ? "method component block \(block) (\(lengths[block]) bytes)"
                        : "component 'Method' (\(lengths[block]) bytes)")
            )
        }
    }
}

extension ByteReader {
    /// Reads `u1 AID_length, u1 AID[AID_length]` and checks the length is 5 to 16 (ISO 7816-5).
    mutating func aid(_ what: String) throws(CAPFileError) -> ApplicationIdentifier {
        let length = Int(try u8("the length of \(what)"))
        guard (ApplicationIdentifier.minimumLength...ApplicationIdentifier.maximumLength).contains(length) else {
            throw .invalidAID(what, length: length)
        }
        let bytes = try read(length, what)
        guard let aid = ApplicationIdentifier(Array(bytes)) else {
            throw .invalidAID(what, length: length)
        }
        return aid
    }

    /// Reads `u1 minor_version, u1 major_version`.
    mutating func version(_ what: String) throws(CAPFileError) -> CAPVersion {
        let minor = try u8("the minor part of \(what)")
        let major = try u8("the major part of \(what)")
        return CAPVersion(major: major, minor: minor)
    }

    /// Reads `package_name_info` (§6.4): `u1 name_length, u1 name[name_length]`, UTF-8; empty is `nil`.
    mutating func packageName(_ what: String) throws(CAPFileError) -> String? {
        let length = try u8("the length of \(what)")
        let name = try read(Int(length), what)
        guard let text = String(validating: name, as: UTF8.self) else {
            throw .malformedComponent("\(what) in component 'Header' is not UTF-8")
        }
        return text.isEmpty ? nil : text
    }

    /// Throws ``CAPFileError/Code/malformedComponent`` when bytes are left over.
    func expectEnd() throws(CAPFileError) {
        guard remaining == 0 else {
            throw .malformedComponent("\(context) has \(remaining) unexpected bytes at offset \(offset)")
        }
    }
}
