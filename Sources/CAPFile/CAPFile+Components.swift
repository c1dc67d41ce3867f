import APDUTypes

// Parsing and cross-checking the components a CAP file's metadata comes from. Section numbers are
// those of the Java Card 3.0.5 Classic JCVM specification, chapter 6 "The CAP File Format".

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
        let directory = try Directory(directoryComponent, format: header.formatVersion)
        let applets = try byKind[.applet].map(Self.applets(in:)) ?? []
        let importCount = try byKind[.import].map(Self.importCount(in:))

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
        for applet in applets where Int(applet.installMethodOffset) >= methodComponent.info.count {
            throw .malformedComponent(
                "applet \(applet.aid) has install method offset \(applet.installMethodOffset), "
                    + "beyond component 'Method' (\(methodComponent.info.count) bytes)"
            )
        }

        self.packageAID = header.packageAID
        self.packageVersion = header.packageVersion
        self.capFormatVersion = header.formatVersion
        self.packageName = header.packageName
        self.applets = applets
        self.components = (CAPComponent.Kind.loadOrder + [.debug]).compactMap { byKind[$0] }
    }

    /// Reads the Applet component (§6.6): `u1 count`, then per applet `u1 AID_length, u1 AID[],
    /// u2 install_method_offset`.
    private static func applets(in component: CAPComponent) throws(CAPFileError) -> [CAPApplet] {
        var reader = ByteReader(component.info, context: "component 'Applet'")
        let count = try reader.u8("the applet count")
        var applets: [CAPApplet] = []
        for index in 0..<Int(count) {
            let aid = try reader.aid("the AID of applet \(index + 1)")
            let offset = try reader.u16("the install method offset of applet \(index + 1)")
            applets.append(CAPApplet(aid: aid, installMethodOffset: offset))
        }
        try reader.expectEnd()
        return applets
    }

    /// Reads the Import component (§6.7): `u1 count`, then per package `u1 minor_version,
    /// u1 major_version, u1 AID_length, u1 AID[]`; returns the count.
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

/// The Header component (§6.4): `u4 magic, u1 minor_version, u1 major_version, u1 flags,
/// package_info package` and, since CAP format 2.2, `package_name_info package_name`.
struct Header {
    static let magic: UInt32 = 0xDECA_FFED
    /// `ACC_EXTENDED` (Java Card 3.1 JCVM, §6.4, Table 6-3): the file uses the extended format.
    static let extendedFlag: UInt8 = 0x08
    /// The compact CAP format versions this reader handles.
    static let supportedFormats = CAPVersion(major: 2, minor: 1)...CAPVersion(major: 2, minor: 3)

    var formatVersion: CAPVersion
    var flags: UInt8
    var packageVersion: CAPVersion
    var packageAID: ApplicationIdentifier
    var packageName: String?

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
        if formatVersion.minor >= 3, flags & Self.extendedFlag != 0 {
            throw .unsupported("extended-format CAP files are not supported, only compact ones")
        }
        let packageMinor = try reader.u8("the package minor version")
        let packageMajor = try reader.u8("the package major version")
        packageVersion = CAPVersion(major: packageMajor, minor: packageMinor)
        packageAID = try reader.aid("the package AID")
        // package_name_info exists since CAP 2.2; a name length of 0 means no name. Tolerated in 2.1.
        if reader.remaining > 0 {
            let length = try reader.u8("the package name length")
            let name = try reader.read(Int(length), "the package name")
            guard let text = String(validating: name, as: UTF8.self) else {
                throw .malformedComponent("the package name in component 'Header' is not UTF-8")
            }
            packageName = text.isEmpty ? nil : text
        }
        try reader.expectEnd()
    }
}

/// The compact Directory component (§6.5): `component_sizes` (11 `u2` in CAP 2.1, 12 since 2.2
/// added Debug, then a `u4` StaticResource size since 2.3), `static_field_size_info` (3 × `u2`),
/// `u1 import_count`, `u1 applet_count`, `u1 custom_count` and the custom component entries.
struct Directory {
    /// Declared `info` sizes, indexed by component tag minus one.
    var componentSizes: [Int] = []
    var importCount: Int
    var appletCount: Int

    init(_ component: CAPComponent, format: CAPVersion) throws(CAPFileError) {
        var reader = ByteReader(component.info, context: "component 'Directory'")
        let sizeCount = format.minor == 1 ? 11 : 12
        for tag in 1...sizeCount {
            let name = CAPComponent.Kind(rawValue: UInt8(tag))?.name ?? "\(tag)"
            componentSizes.append(Int(try reader.u16("the size of component '\(name)'")))
        }
        if format.minor >= 3 {
            try reader.skip(4, "the size of component 'StaticResources'")
        }
        try reader.skip(6, "static_field_size_info")
        importCount = Int(try reader.u8("import_count"))
        appletCount = Int(try reader.u8("applet_count"))
        let customCount = try reader.u8("custom_count")
        for index in 0..<Int(customCount) {
            try reader.skip(3, "the tag and size of custom component \(index + 1)")
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

    /// Throws ``CAPFileError/Code/malformedComponent`` when bytes are left over.
    func expectEnd() throws(CAPFileError) {
        guard remaining == 0 else {
            throw .malformedComponent("\(context) has \(remaining) unexpected bytes at offset \(offset)")
        }
    }
}
