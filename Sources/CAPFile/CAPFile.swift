public import APDUTypes

/// A Java Card CAP file read from bytes: its package, applets and components.
///
/// Reads both a `.cap` archive (a ZIP/JAR whose `<package path>/javacard/*.cap` entries are the
/// components, stored or deflated) and an `.ijc` file (the components concatenated). Compact CAP
/// files (formats 2.1 to 2.3) and the extended format of Java Card 3.1 (format 2.3 with
/// `ACC_EXTENDED`: four-byte component sizes and a Method component in blocks, for load files over
/// 64 KB or with several packages) are supported.
///
/// Reading never traps: every malformed input throws ``CAPFileError``.
public struct CAPFile: Sendable, Hashable {
    /// The AID the file is loaded under, from the Header component.
    ///
    /// For a compact file the package AID; for an extended file the CAP file's own AID
    /// (Java Card 3.1 JCVM, §6.4), which is the load file AID GlobalPlatform uses.
    public let packageAID: ApplicationIdentifier

    /// The version that goes with ``packageAID``: the package version, or the extended CAP file's own.
    public let packageVersion: CAPVersion

    /// The CAP file format version, such as `2.2`.
    public let capFormatVersion: CAPVersion

    /// The package name in internal form (`com/example/wallet`), when the Header has one (CAP 2.2+);
    /// for an extended file, the name of the first package listed.
    public let packageName: String?

    /// Whether the file is in the extended format (Java Card 3.1, `ACC_EXTENDED` in the Header).
    public let isExtended: Bool

    /// The Java packages in the file: one for a compact file, one or more for an extended file.
    public let packages: [CAPPackage]

    /// The number of blocks the Method component is split into: 1 for a compact file.
    public let methodBlockCount: Int

    /// The applets from the Applet component, in file order; empty for a library package.
    public let applets: [CAPApplet]

    /// The components present, in GlobalPlatform load order (``CAPComponent/Kind/loadOrder``),
    /// followed by Debug when present.
    public let components: [CAPComponent]

    /// Reads a CAP archive or an IJC file, telling them apart by their first bytes.
    ///
    /// - Parameter bytes: A ZIP archive (starting `PK\u{3}\u{4}`) or an IJC file (starting with the
    ///   Header component's tag, 1).
    /// - Throws: ``CAPFileError`` when the bytes are neither, or are corrupt or unsupported.
    public init(bytes: [UInt8]) throws(CAPFileError) {
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            try self.init(capArchive: bytes)
        } else if bytes.first == CAPComponent.Kind.header.rawValue {
            try self.init(ijc: bytes)
        } else {
            throw .notAnArchive("the data starts neither with a ZIP local header nor with a Header component")
        }
    }

    /// Reads a CAP archive, a ZIP file with one entry per component.
    ///
    /// Entries named `<any path>/javacard/<Component>.cap` (or `.capx`, as extended files name
    /// components with a four-byte size) are the components; others, such as
    /// `META-INF/MANIFEST.MF`, are ignored. The Header is read first, since its `ACC_EXTENDED` flag
    /// decides the width of the other components' size fields.
    ///
    /// - Throws: ``CAPFileError`` when the archive or a component is corrupt or unsupported.
    public init(capArchive bytes: [UInt8]) throws(CAPFileError) {
        let archive = try ZIPArchive(bytes)
        var entries: [(kind: CAPComponent.Kind, entry: ZIPArchive.Entry)] = []
        for entry in archive.entries {
            guard let kind = Self.componentKind(ofEntryNamed: entry.name) else {
                continue
            }
            // Before inflating anything: repeated entries must not multiply the memory a file can claim.
            guard !entries.contains(where: { $0.kind == kind }) else {
                throw .duplicateComponent(kind)
            }
            entries.append((kind, entry))
        }
        var extended = false
        if let header = entries.first(where: { $0.kind == .header }) {
            let contents = try archive.contents(
                of: header.entry,
                limit: CAPComponent.headerLength + CAPComponent.maximumInfoLength
            )
            extended = try Header(CAPComponent(bytes: contents, expected: .header)).isExtended
        }
        var components: [CAPComponent] = []
        components.reserveCapacity(entries.count)
        for (kind, entry) in entries {
            let extendedSize = extended && kind.hasExtendedSizeInExtendedFiles
            let contents = try archive.contents(
                of: entry,
                limit: CAPComponent.headerLength(extendedSize: extendedSize)
                    + CAPComponent.maximumInfoLength(extendedSize: extendedSize)
            )
            components.append(try CAPComponent(bytes: contents, expected: kind, extendedSize: extendedSize))
        }
        try self.init(components: components)
    }

    /// Reads an IJC file: components one after the other, each `u1 tag, u2 size, info[size]`, or with a
    /// `u4 size` for the Method, RefLocation, Descriptor and Debug components once a Header with
    /// `ACC_EXTENDED` has been read (Java Card 3.1 JCVM, §6.1 and §6.4).
    ///
    /// This is also the layout of the load file data a card receives in LOAD commands.
    ///
    /// - Throws: ``CAPFileError`` when a component is cut short, unknown, corrupt or unsupported.
    public init(ijc bytes: [UInt8]) throws(CAPFileError) {
        var reader = ByteReader(bytes[...], context: "the IJC file")
        var components: [CAPComponent] = []
        var extended = false
        while reader.remaining > 0 {
            let start = reader.offset
            let tagByte = try reader.u8("a component tag")
            guard let kind = CAPComponent.Kind(rawValue: tagByte) else {
                throw .unsupported("component tag \(tagByte) at offset \(start) is not one of the standard components")
            }
            let extendedSize = extended && kind.hasExtendedSizeInExtendedFiles
            let size =
                extendedSize
                ? Int(try reader.u32("the size of component '\(kind)'"))
                : Int(try reader.u16("the size of component '\(kind)'"))
            guard size <= reader.remaining else {
                throw .truncated("component '\(kind)' declares \(size) bytes but only \(reader.remaining) remain")
            }
            let info = try reader.read(size, "component '\(kind)'")
            let component = try CAPComponent(
                bytes: Array(bytes[start..<info.endIndex]),
                expected: kind,
                extendedSize: extendedSize
            )
            // The Header says whether the components after it have four-byte sizes.
            if kind == .header {
                extended = try Header(component).isExtended
            }
            components.append(component)
        }
        try self.init(components: components)
    }

    /// Returns the component of a kind, if present.
    public func component(_ kind: CAPComponent.Kind) -> CAPComponent? {
        components.first { $0.tag == kind }
    }

    /// The bytes GlobalPlatform loads: the components in load order, whole (tag and size included).
    ///
    /// The order is Header, Directory, Import, Applet, Class, Method, StaticField, Export,
    /// ConstantPool, RefLocation and, if asked, Descriptor; absent optional components are skipped
    /// and Debug is never included.
    ///
    /// - Parameter includeDescriptor: Whether to append the Descriptor component.
    /// - Returns: The Load File Data Block contents, before any DAP or `C4` wrapping.
    public func loadFileData(includeDescriptor: Bool) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(includeDescriptor ? loadFileSizeWithDescriptor : codeSize)
        for component in loaded(includeDescriptor: includeDescriptor) {
            data += component.bytes
        }
        return data
    }

    /// The size of the load file data without the Descriptor component, in bytes.
    public var codeSize: Int {
        loaded(includeDescriptor: false).reduce(0) { $0 + $1.bytes.count }
    }

    /// The size of the load file data with the Descriptor component, in bytes.
    public var loadFileSizeWithDescriptor: Int {
        loaded(includeDescriptor: true).reduce(0) { $0 + $1.bytes.count }
    }

    private func loaded(includeDescriptor: Bool) -> [CAPComponent] {
        components.filter { $0.tag != .debug && (includeDescriptor || $0.tag != .descriptor) }
    }

    /// The kind of component an archive entry holds, or `nil` for other entries.
    private static func componentKind(ofEntryNamed name: String) -> CAPComponent.Kind? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[parts.count - 2] == "javacard", let fileName = parts.last else {
            return nil
        }
        return CAPComponent.Kind.allCases.first { $0.fileName == fileName || $0.extendedFileName == fileName }
    }
}
