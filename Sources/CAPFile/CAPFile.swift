public import APDUTypes

/// A Java Card CAP file read from bytes: its package, applets and components.
///
/// Reads both a `.cap` archive (a ZIP/JAR whose `<package path>/javacard/*.cap` entries are the
/// components, stored or deflated) and an `.ijc` file (the components concatenated). Only the
/// compact CAP format (versions 2.1 to 2.3) is supported; extended CAP files are rejected.
///
/// Reading never traps: every malformed input throws ``CAPFileError``.
public struct CAPFile: Sendable, Hashable {
    /// The package AID from the Header component.
    public let packageAID: ApplicationIdentifier

    /// The package version from the Header component.
    public let packageVersion: CAPVersion

    /// The CAP file format version, such as `2.2`.
    public let capFormatVersion: CAPVersion

    /// The package name in internal form (`com/example/wallet`), when the Header has one (CAP 2.2+).
    public let packageName: String?

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
    /// Entries named `<any path>/javacard/<Component>.cap` are the components; others, such as
    /// `META-INF/MANIFEST.MF`, are ignored.
    ///
    /// - Throws: ``CAPFileError`` when the archive or a component is corrupt or unsupported.
    public init(capArchive bytes: [UInt8]) throws(CAPFileError) {
        let archive = try ZIPArchive(bytes)
        var components: [CAPComponent] = []
        for entry in archive.entries {
            guard let kind = Self.componentKind(ofEntryNamed: entry.name) else {
                continue
            }
            let contents = try archive.contents(
                of: entry,
                limit: CAPComponent.headerLength + CAPComponent.maximumInfoLength
            )
            components.append(try CAPComponent(bytes: contents, expected: kind))
        }
        try self.init(components: components)
    }

    /// Reads an IJC file: components one after the other, each `u1 tag, u2 size, info[size]`.
    ///
    /// - Throws: ``CAPFileError`` when a component is cut short, unknown, corrupt or unsupported.
    public init(ijc bytes: [UInt8]) throws(CAPFileError) {
        var reader = ByteReader(bytes[...], context: "the IJC file")
        var components: [CAPComponent] = []
        while reader.remaining > 0 {
            let start = reader.offset
            let tagByte = try reader.u8("a component tag")
            guard let kind = CAPComponent.Kind(rawValue: tagByte) else {
                throw .unsupported("component tag \(tagByte) at offset \(start) is not one of the standard components")
            }
            let size = Int(try reader.u16("the size of component '\(kind)'"))
            guard size <= reader.remaining else {
                throw .truncated("component '\(kind)' declares \(size) bytes but only \(reader.remaining) remain")
            }
            let info = try reader.read(size, "component '\(kind)'")
            let component = try CAPComponent(bytes: Array(bytes[start..<info.endIndex]), expected: kind)
            // Extended CAP files use four-byte sizes for some components: check the Header before going on.
            if kind == .header {
                _ = try Header(component)
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
        return CAPComponent.Kind.allCases.first { $0.fileName == fileName }
    }
}
