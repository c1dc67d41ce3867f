public import APDUTypes

/// Builds structurally valid CAP and IJC files, for tests and demos where no Java Card SDK exists.
///
/// The files have the components a converter writes for a one-class package (Header, Directory,
/// Import, Applet when there are applets, ConstantPool, Class, Method, StaticField, RefLocation and
/// optionally Descriptor) with consistent sizes and counts, so ``CAPFile`` reads them back and the
/// load file data has an exact, chosen length. The bytecode is filler: it is not meant to run.
///
/// ```swift
/// var builder = CAPBuilder(packageAID: packageAID, appletAIDs: [appletAID])
/// builder.loadFileSize = 32 * 1024
/// let cap = builder.capArchive()   // CAPFile(bytes: cap).codeSize == 32768
///
/// // Over 64 KB needs the extended format of Java Card 3.1:
/// let large = CAPBuilder(packageAID: packageAID, appletAIDs: [appletAID],
///                        loadFileSize: 1 << 20, formatVersion: .extended)
/// ```
///
/// Output is deterministic: the same settings give the same bytes (fixed ZIP timestamps and order).
public struct CAPBuilder: Sendable {
    /// The CAP file format versions the builder writes.
    public enum FormatVersion: Sendable, Hashable {
        /// CAP format 2.1 (Java Card 2.1): no package name, 11 directory entries.
        case version21
        /// CAP format 2.2 (Java Card 2.2 to 3.0.5): package name and a Debug directory entry.
        case version22
        /// CAP format 2.3 in the extended format of Java Card 3.1 (`ACC_EXTENDED`).
        ///
        /// The Method, RefLocation and Descriptor components have four-byte sizes and the Method
        /// component is split into blocks of at most 65,535 bytes, so the load file data can reach
        /// megabytes; cards must support the extended format to load it.
        case extended

        /// The version as the Header component stores it.
        public var version: CAPVersion {
            switch self {
            case .version21: CAPVersion(major: 2, minor: 1)
            case .version22: CAPVersion(major: 2, minor: 2)
            case .extended: CAPVersion(major: 2, minor: 3)
            }
        }

        /// Whether this is the extended format.
        public var isExtended: Bool { self == .extended }
    }

    /// The most applets an Applet component can list (its count is one byte).
    public static let maximumAppletCount = 255

    /// The most Method component blocks the builder writes in an extended file.
    ///
    /// A block index shares its byte with the high "external" bit of a constant pool reference
    /// (`CONSTANT_StaticMethodref`, Java Card 3.1 JCVM, §6.8), so indices stay below 128.
    public static let maximumMethodBlockCount = 127

    /// The package AID.
    public var packageAID: ApplicationIdentifier

    /// The package version.
    public var packageVersion: CAPVersion

    /// The applet AIDs, in order; an empty list makes a library package.
    ///
    /// Only the first ``maximumAppletCount`` are used.
    public var appletAIDs: [ApplicationIdentifier]

    /// The package name in internal form, such as `com/example/wallet`; it names the archive's folder
    /// and, from CAP 2.2 on when at most 255 UTF-8 bytes, goes into the Header component.
    public var packageName: String?

    /// The wanted length of ``CAPFile/loadFileData(includeDescriptor:)`` without the Descriptor.
    ///
    /// `nil` gives the smallest file; values outside ``loadFileSizeRange`` are clamped to it.
    public var loadFileSize: Int?

    /// Whether the file has a Descriptor component.
    public var includesDescriptor: Bool

    /// The CAP format version to write.
    public var formatVersion: FormatVersion

    /// The most bytes an extended file's Method component block gets, 65,535 by default.
    ///
    /// Tests lower it to get many blocks from small files; values too small for the `install` stubs
    /// are raised to fit them.
    var methodBlockCapacity = MethodBlocks.maximumBlockLength

    /// Creates a builder.
    ///
    /// - Parameters:
    ///   - packageAID: The package AID.
    ///   - packageVersion: The package version, `1.0` by default.
    ///   - appletAIDs: The applet AIDs; none makes a library package.
    ///   - packageName: The package name in internal form, e.g. `com/example/wallet`.
    ///   - loadFileSize: The wanted load file size without Descriptor, or `nil` for the smallest.
    ///   - includesDescriptor: Whether to add a Descriptor component.
    ///   - formatVersion: The CAP format version, 2.2 by default; `.extended` for files over 64 KB.
    public init(
        packageAID: ApplicationIdentifier,
        packageVersion: CAPVersion = CAPVersion(major: 1, minor: 0),
        appletAIDs: [ApplicationIdentifier] = [],
        packageName: String? = nil,
        loadFileSize: Int? = nil,
        includesDescriptor: Bool = false,
        formatVersion: FormatVersion = .version22
    ) {
        self.packageAID = packageAID
        self.packageVersion = packageVersion
        self.appletAIDs = appletAIDs
        self.packageName = packageName
        self.loadFileSize = loadFileSize
        self.includesDescriptor = includesDescriptor
        self.formatVersion = formatVersion
    }

    /// The load file sizes (without Descriptor) this builder can produce exactly.
    ///
    /// The lower bound is the file with no filler. The upper bound is reached when the Method
    /// component is full: 65,535 bytes in a compact file (about 65.6 KB of load file data), and
    /// ``maximumMethodBlockCount`` full blocks in an extended one (about 8.3 MB).
    public var loadFileSizeRange: ClosedRange<Int> {
        let minimum = Self.loadFileSize(of: makeComponents(fillerLength: 0))
        return minimum...(minimum + maximumFillerLength)
    }

    /// The components in GlobalPlatform load order, Descriptor last when included.
    public func components() -> [CAPComponent] {
        let range = loadFileSizeRange
        let target = min(max(loadFileSize ?? range.lowerBound, range.lowerBound), range.upperBound)
        return makeComponents(fillerLength: target - range.lowerBound)
    }

    /// A `.cap` archive: `META-INF/MANIFEST.MF`, then `<package path>/javacard/<Component>.cap` entries
    /// in tag order, all stored (not deflated) with a fixed 1980-01-01 timestamp.
    ///
    /// In the extended format the components with four-byte sizes are named `<Component>.capx`.
    public func capArchive() -> [UInt8] {
        let folder = archiveFolder
        let manifest = "Manifest-Version: 1.0\r\nCreated-By: cardseq CAPBuilder\r\n\r\n"
        var entries: [(name: String, contents: [UInt8])] = [("META-INF/MANIFEST.MF", Array(manifest.utf8))]
        for component in components().sorted(by: { $0.tag.rawValue < $1.tag.rawValue }) {
            let fileName = component.hasExtendedSize ? component.tag.extendedFileName : component.tag.fileName
            entries.append(("\(folder)/javacard/\(fileName)", component.bytes))
        }
        return ZIPWriter.archive(entries)
    }

    /// An `.ijc` file: the components concatenated in load order, Descriptor last when included.
    public func ijc() -> [UInt8] {
        let components = components()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(components.reduce(0) { $0 + $1.bytes.count })
        for component in components {
            bytes += component.bytes
        }
        return bytes
    }

    // MARK: - Components

    private var applets: ArraySlice<ApplicationIdentifier> { appletAIDs.prefix(Self.maximumAppletCount) }

    private var extended: Bool { formatVersion.isExtended }

    /// The package name for the Header, when the format has one and it fits its one-byte length.
    private var headerPackageName: [UInt8]? {
        guard formatVersion != .version21, let packageName, packageName.utf8.count <= Int(UInt8.max) else {
            return nil
        }
        return Array(packageName.utf8)
    }

    private var archiveFolder: String {
        guard let packageName, !packageName.isEmpty, packageName.utf8.count <= Int(UInt8.max) else {
            return "generated"
        }
        return packageName
    }

    /// The Method component without filler, or its first block in an extended file: the handler
    /// count, one 3-byte `install` method per applet and the 3-byte filler method.
    private var minimumMethodInfoLength: Int { 1 + 3 * applets.count + 3 }

    /// Any later block of an extended Method component without filler: the handler count and the
    /// 3-byte filler method.
    private static let minimumLaterBlockLength = 4

    /// What each extended Method component block adds besides its own bytes: its `u4` offset and its
    /// RefLocation block (two empty `u2`-counted lists).
    private static let perBlockOverhead = 8

    /// The block capacity in use: at most 65,535 bytes, and room enough for the `install` stubs.
    private var blockCapacity: Int {
        min(MethodBlocks.maximumBlockLength, max(methodBlockCapacity, minimumMethodInfoLength + 16))
    }

    private var maximumFillerLength: Int {
        guard extended else {
            return CAPComponent.maximumInfoLength - minimumMethodInfoLength
        }
        let most = (blockCapacity + Self.perBlockOverhead) * Self.maximumMethodBlockCount
        return most - (minimumMethodInfoLength + Self.perBlockOverhead)
    }

    private static func loadFileSize(of components: [CAPComponent]) -> Int {
        components.filter { $0.tag != .descriptor }.reduce(0) { $0 + $1.bytes.count }
    }

    private func makeComponents(fillerLength: Int) -> [CAPComponent] {
        let blockLengths = extended ? methodBlockLengths(fillerLength: fillerLength) : []
        let method =
            extended
            ? CAPComponent(tag: .method, info: extendedMethodInfo(blockLengths: blockLengths), extendedSize: true)
            : CAPComponent(tag: .method, info: methodInfo(fillerLength: fillerLength))
        let applet = applets.isEmpty ? nil : CAPComponent(tag: .applet, info: appletInfo())
        let others = [
            CAPComponent(tag: .import, info: Self.importInfo),
            CAPComponent(tag: .constantPool, info: constantPoolInfo()),
            CAPComponent(tag: .class, info: classInfo()),
            method,
            CAPComponent(tag: .staticField, info: Self.staticFieldInfo),
            CAPComponent(
                tag: .referenceLocation,
                info: referenceLocationInfo(blockCount: blockLengths.count),
                extendedSize: extended
            ),
        ]
        let descriptor =
            includesDescriptor
            ? CAPComponent(tag: .descriptor, info: Self.descriptorInfo, extendedSize: extended) : nil
        let header = CAPComponent(tag: .header, info: headerInfo())
        let listed = [header] + [applet, descriptor].compactMap(\.self) + others
        let directory = CAPComponent(
            tag: .directory,
            info: directoryInfo(for: listed, methodBlockCount: blockLengths.count)
        )
        let all = listed + [directory]
        return CAPComponent.Kind.loadOrder.compactMap { kind in all.first { $0.tag == kind } }
    }

    /// Header (JCVM 3.0.5 §6.4): magic, format version, flags, package version, AID, package name.
    ///
    /// The extended Header (JCVM 3.1 §6.4) has the CAP file's own version and AID after the flags,
    /// here the package's, then one package and its name.
    private func headerInfo() -> [UInt8] {
        var info: [UInt8] = []
        info.appendBigEndian(Header.magic)
        info += [formatVersion.version.minor, formatVersion.version.major]
        info.append((applets.isEmpty ? 0 : Header.appletFlag) | (extended ? Header.extendedFlag : 0))
        info += [packageVersion.minor, packageVersion.major]
        info.append(UInt8(packageAID.bytes.count))
        info += packageAID.bytes
        if extended {
            info.append(1)  // package_count
            info += [packageVersion.minor, packageVersion.major]
            info.append(UInt8(packageAID.bytes.count))
            info += packageAID.bytes
        }
        if formatVersion != .version21 {
            let name = headerPackageName ?? []
            info.append(UInt8(name.count))
            info += name
        }
        return info
    }

    /// Directory (§6.5): each component's `info` size by tag, zero static fields, two imports, no custom
    /// components.
    ///
    /// The extended Directory (JCVM 3.1 §6.5) has `u4` sizes for Method, RefLocation, Descriptor and
    /// Debug, the `u4` StaticResources size of CAP 2.3, and the Method component's block count after
    /// the applet count.
    private func directoryInfo(for components: [CAPComponent], methodBlockCount: Int) -> [UInt8] {
        let entryCount = formatVersion == .version21 ? 11 : 12
        let ownLength = extended ? 2 * 8 + 4 * 4 + 4 + 6 + 4 : 2 * entryCount + 6 + 3
        var info: [UInt8] = []
        for tag in 1...entryCount {
            let kind = CAPComponent.Kind(rawValue: UInt8(tag))
            let size =
                kind == .directory ? ownLength : components.first { $0.tag == kind }?.info.count ?? 0
            if extended && kind?.hasExtendedSizeInExtendedFiles == true {
                info.appendBigEndian(UInt32(size))
            } else {
                info.appendBigEndian(UInt16(size))
            }
        }
        if extended {
            info.appendBigEndian(UInt32(0))  // StaticResources
        }
        info += [0, 0, 0, 0, 0, 0]  // static_field_size_info: image_size, array_init_count, array_init_size
        info += [UInt8(2), UInt8(applets.count)]  // import_count, applet_count
        if extended {
            info.append(UInt8(methodBlockCount))
        }
        info.append(0)  // custom_count
        return info
    }

    /// Applet (§6.6): each applet's AID and the offset of its `install` method in the Method component,
    /// after the block index (0: the stubs are in the first block) in the extended format.
    private func appletInfo() -> [UInt8] {
        var info = [UInt8(applets.count)]
        for (index, aid) in applets.enumerated() {
            info.append(UInt8(aid.bytes.count))
            info += aid.bytes
            if extended {
                info.append(0)  // install_method_component_block_index
            }
            info.appendBigEndian(UInt16(1 + 3 * index))
        }
        return info
    }

    /// Import (§6.7): java/lang (`A0000000620001`) 1.0 and javacard/framework (`A0000000620101`) 1.3.
    private static let importInfo: [UInt8] = [
        2,
        0, 1, 7, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x00, 0x01,
        3, 1, 7, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01,
    ]

    /// The external class reference (§6.8.1) of the one class's superclass: javacard.framework.Applet
    /// (package token 1, class token 3) for an applet package, else java.lang.Object (0, 0).
    private var superclassReference: [UInt8] { applets.isEmpty ? [0x80, 0x00] : [0x81, 0x03] }

    /// ConstantPool (§6.8): one `CONSTANT_Classref` to the superclass.
    private func constantPoolInfo() -> [UInt8] {
        [0x00, 0x01, 0x01] + superclassReference + [0x00]
    }

    /// Class (§6.9): an empty signature pool (CAP 2.2 on) and one class with no fields, methods tables
    /// or interfaces; CAP 2.3 ends the class with an empty `public_virtual_method_token_mapping` and a
    /// zero `CAP22_inheritable_public_method_token_count` (JCVM 3.1 §6.9).
    private func classInfo() -> [UInt8] {
        let signaturePool: [UInt8] = formatVersion == .version21 ? [] : [0x00, 0x00]
        // bitfield, super_class_ref, declared_instance_size, first_reference_token, reference_count,
        // public_method_table_base/count, package_method_table_base/count.
        let classInfo = [0x00] + superclassReference + [0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00]
        return signaturePool + classInfo + (extended ? [0x00] : [])
    }

    /// Method (§6.10): no exception handlers, an `install(byte[], short, byte)` stub per applet that
    /// returns at once, then one method whose body is `fillerLength` bytes of filler and a `return`.
    private func methodInfo(fillerLength: Int) -> [UInt8] {
        var info: [UInt8] = []
        info.reserveCapacity(minimumMethodInfoLength + fillerLength)
        appendBlock(to: &info, withStubs: true, fillerLength: fillerLength)
        return info
    }

    /// An extended Method component (JCVM 3.1 §6.10): the block count, each block's `u4` offset from
    /// the start of `info`, then the blocks, the first with the `install` stubs.
    private func extendedMethodInfo(blockLengths: [Int]) -> [UInt8] {
        let tableLength = 1 + 4 * blockLengths.count
        var info: [UInt8] = [UInt8(blockLengths.count)]
        info.reserveCapacity(tableLength + blockLengths.reduce(0, +))
        var offset = tableLength
        for length in blockLengths {
            info.appendBigEndian(UInt32(offset))
            offset += length
        }
        for (index, length) in blockLengths.enumerated() {
            let fixed = index == 0 ? minimumMethodInfoLength : Self.minimumLaterBlockLength
            appendBlock(to: &info, withStubs: index == 0, fillerLength: length - fixed)
        }
        return info
    }

    /// Appends one Method block: no exception handlers, the `install` stubs if asked, and the filler
    /// method.
    private func appendBlock(to info: inout [UInt8], withStubs: Bool, fillerLength: Int) {
        let `return`: UInt8 = 0x7A
        info.append(0x00)  // handler_count
        if withStubs {
            for _ in applets {
                info += [0x01, 0x30, `return`]  // max_stack 1; nargs 3, max_locals 0
            }
        }
        info += [0x01, 0x10]  // max_stack 1; nargs 1, max_locals 0
        // Filler: `sspush n; pop` (0x11 nn nn 0x3B) with a counter, then `nop` (0x00) for the rest.
        for unit in 0..<fillerLength / 4 {
            let value = UInt16(truncatingIfNeeded: unit)
            info.append(0x11)
            info.appendBigEndian(value)
            info.append(0x3B)
        }
        info += [UInt8](repeating: 0x00, count: fillerLength % 4)
        info.append(`return`)
    }

    /// The block lengths of an extended Method component `fillerLength` bytes above the smallest one.
    ///
    /// Each block adds ``perBlockOverhead`` bytes elsewhere, so the fewest blocks that hold the rest
    /// are used, filled front to back; every block keeps at least its fixed part.
    private func methodBlockLengths(fillerLength: Int) -> [Int] {
        let capacity = blockCapacity
        let variable = minimumMethodInfoLength + Self.perBlockOverhead + fillerLength
        let count = max(1, (variable + capacity + Self.perBlockOverhead - 1) / (capacity + Self.perBlockOverhead))
        var remaining = variable - Self.perBlockOverhead * count
        var lengths: [Int] = []
        for index in 0..<count {
            let laterMinimum = (count - 1 - index) * Self.minimumLaterBlockLength
            let length = min(capacity, remaining - laterMinimum)
            lengths.append(length)
            remaining -= length
        }
        return lengths
    }

    /// StaticField (§6.11): an empty static field image.
    private static let staticFieldInfo = [UInt8](repeating: 0, count: 10)

    /// RefLocation (§6.12): no constant pool references to relocate; in the extended format
    /// (JCVM 3.1 §6.12) a block count and, per Method block, two empty lists.
    private func referenceLocationInfo(blockCount: Int) -> [UInt8] {
        guard extended else {
            return [0, 0, 0, 0]
        }
        return [UInt8(blockCount)] + [UInt8](repeating: 0, count: 4 * blockCount)
    }

    /// Descriptor (§6.14): no class descriptors and the type of the one constant pool entry.
    ///
    /// The entry is a class, so its type is `0xFFFF`. The extended file uses the same bytes with a
    /// four-byte size: no reader here parses the Descriptor, and cards need not load it.
    private static let descriptorInfo: [UInt8] = [0x00, 0x00, 0x01, 0xFF, 0xFF]
}
