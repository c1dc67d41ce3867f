public import APDUTypes

/// Builds small, structurally valid CAP and IJC files, for tests and demos where no Java Card SDK exists.
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

        /// The version as the Header component stores it.
        public var version: CAPVersion {
            switch self {
            case .version21: CAPVersion(major: 2, minor: 1)
            case .version22: CAPVersion(major: 2, minor: 2)
            }
        }
    }

    /// The most applets an Applet component can list (its count is one byte).
    public static let maximumAppletCount = 255

    /// The package AID.
    public var packageAID: ApplicationIdentifier

    /// The package version.
    public var packageVersion: CAPVersion

    /// The applet AIDs, in order; an empty list makes a library package.
    ///
    /// Only the first ``maximumAppletCount`` are used.
    public var appletAIDs: [ApplicationIdentifier]

    /// The package name in internal form, such as `com/example/wallet`; it names the archive's folder
    /// and, in CAP 2.2 when at most 255 UTF-8 bytes, goes into the Header component.
    public var packageName: String?

    /// The wanted length of ``CAPFile/loadFileData(includeDescriptor:)`` without the Descriptor.
    ///
    /// `nil` gives the smallest file; values outside ``loadFileSizeRange`` are clamped to it.
    public var loadFileSize: Int?

    /// Whether the file has a Descriptor component.
    public var includesDescriptor: Bool

    /// The CAP format version to write.
    public var formatVersion: FormatVersion

    /// Creates a builder.
    ///
    /// - Parameters:
    ///   - packageAID: The package AID.
    ///   - packageVersion: The package version, `1.0` by default.
    ///   - appletAIDs: The applet AIDs; none makes a library package.
    ///   - packageName: The package name in internal form, e.g. `com/example/wallet`.
    ///   - loadFileSize: The wanted load file size without Descriptor, or `nil` for the smallest.
    ///   - includesDescriptor: Whether to add a Descriptor component.
    ///   - formatVersion: The CAP format version, 2.2 by default.
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
    /// The lower bound is the file with no filler; the upper bound is reached when the Method
    /// component is full, since a compact CAP component holds at most 65,535 bytes.
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
    public func capArchive() -> [UInt8] {
        let folder = archiveFolder
        let manifest = "Manifest-Version: 1.0\r\nCreated-By: cardseq CAPBuilder\r\n\r\n"
        var entries: [(name: String, contents: [UInt8])] = [("META-INF/MANIFEST.MF", Array(manifest.utf8))]
        for component in components().sorted(by: { $0.tag.rawValue < $1.tag.rawValue }) {
            entries.append(("\(folder)/javacard/\(component.tag.fileName)", component.bytes))
        }
        return ZIPWriter.archive(entries)
    }

    /// An `.ijc` file: the components concatenated in load order, Descriptor last when included.
    public func ijc() -> [UInt8] {
        components().flatMap(\.bytes)
    }

    // MARK: - Components

    private var applets: ArraySlice<ApplicationIdentifier> { appletAIDs.prefix(Self.maximumAppletCount) }

    /// The package name for the Header, when the format has one and it fits its one-byte length.
    private var headerPackageName: [UInt8]? {
        guard formatVersion == .version22, let packageName, packageName.utf8.count <= Int(UInt8.max) else {
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

    /// The Method component without filler: the handler count, one 3-byte `install` method per applet
    /// and the 3-byte filler method.
    private var minimumMethodInfoLength: Int { 1 + 3 * applets.count + 3 }

    private var maximumFillerLength: Int { CAPComponent.maximumInfoLength - minimumMethodInfoLength }

    private static func loadFileSize(of components: [CAPComponent]) -> Int {
        components.filter { $0.tag != .descriptor }.reduce(0) { $0 + $1.bytes.count }
    }

    private func makeComponents(fillerLength: Int) -> [CAPComponent] {
        let applet = applets.isEmpty ? nil : CAPComponent(tag: .applet, info: appletInfo())
        let others = [
            CAPComponent(tag: .import, info: Self.importInfo),
            CAPComponent(tag: .constantPool, info: constantPoolInfo()),
            CAPComponent(tag: .class, info: classInfo()),
            CAPComponent(tag: .method, info: methodInfo(fillerLength: fillerLength)),
            CAPComponent(tag: .staticField, info: Self.staticFieldInfo),
            CAPComponent(tag: .referenceLocation, info: Self.referenceLocationInfo),
        ]
        let descriptor = includesDescriptor ? CAPComponent(tag: .descriptor, info: Self.descriptorInfo) : nil
        let header = CAPComponent(tag: .header, info: headerInfo())
        let listed = [header] + [applet, descriptor].compactMap(\.self) + others
        let directory = CAPComponent(tag: .directory, info: directoryInfo(for: listed))
        let all = listed + [directory]
        return CAPComponent.Kind.loadOrder.compactMap { kind in all.first { $0.tag == kind } }
    }

    /// Header (JCVM 3.0.5 §6.4): magic, format version, flags, package version, AID, package name.
    private func headerInfo() -> [UInt8] {
        var info: [UInt8] = []
        info.appendBigEndian(Header.magic)
        info += [formatVersion.version.minor, formatVersion.version.major]
        info.append(applets.isEmpty ? 0 : 0x04)  // ACC_APPLET
        info += [packageVersion.minor, packageVersion.major]
        info.append(UInt8(packageAID.bytes.count))
        info += packageAID.bytes
        if formatVersion == .version22 {
            let name = headerPackageName ?? []
            info.append(UInt8(name.count))
            info += name
        }
        return info
    }

    /// Directory (§6.5): each component's `info` size by tag, zero static fields, two imports, no custom
    /// components.
    private func directoryInfo(for components: [CAPComponent]) -> [UInt8] {
        let entryCount = formatVersion == .version21 ? 11 : 12
        let ownLength = 2 * entryCount + 6 + 3
        var info: [UInt8] = []
        for tag in 1...entryCount {
            let size =
                tag == Int(CAPComponent.Kind.directory.rawValue)
                ? ownLength : components.first { Int($0.tag.rawValue) == tag }?.info.count ?? 0
            info.appendBigEndian(UInt16(size))
        }
        info += [0, 0, 0, 0, 0, 0]  // static_field_size_info: image_size, array_init_count, array_init_size
        info += [UInt8(2), UInt8(applets.count), 0]  // import_count, applet_count, custom_count
        return info
    }

    /// Applet (§6.6): each applet's AID and the offset of its `install` method in the Method component.
    private func appletInfo() -> [UInt8] {
        var info = [UInt8(applets.count)]
        for (index, aid) in applets.enumerated() {
            info.append(UInt8(aid.bytes.count))
            info += aid.bytes
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

    /// Class (§6.9): an empty signature pool (CAP 2.2) and one class with no fields, methods tables or
    /// interfaces.
    private func classInfo() -> [UInt8] {
        let signaturePool: [UInt8] = formatVersion == .version22 ? [0x00, 0x00] : []
        // bitfield, super_class_ref, declared_instance_size, first_reference_token, reference_count,
        // public_method_table_base/count, package_method_table_base/count.
        return signaturePool + [0x00] + superclassReference + [0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00]
    }

    /// Method (§6.10): no exception handlers, an `install(byte[], short, byte)` stub per applet that
    /// returns at once, then one method whose body is `fillerLength` bytes of filler and a `return`.
    private func methodInfo(fillerLength: Int) -> [UInt8] {
        let `return`: UInt8 = 0x7A
        var info: [UInt8] = [0x00]  // handler_count
        info.reserveCapacity(minimumMethodInfoLength + fillerLength)
        for _ in applets {
            info += [0x01, 0x30, `return`]  // max_stack 1; nargs 3, max_locals 0
        }
        info += [0x01, 0x10]  // max_stack 1; nargs 1, max_locals 0
        // Filler: `sspush n; pop` (0x11 nn nn 0x3B) with a counter, then `nop` (0x00) for the rest.
        for unit in 0..<fillerLength / 4 {
            let value = UInt16(truncatingIfNeeded: unit)
            info += [0x11, UInt8(value >> 8), UInt8(value & 0xFF), 0x3B]
        }
        info += [UInt8](repeating: 0x00, count: fillerLength % 4)
        info.append(`return`)
        return info
    }

    /// StaticField (§6.11): an empty static field image.
    private static let staticFieldInfo = [UInt8](repeating: 0, count: 10)

    /// RefLocation (§6.12): no constant pool references to relocate.
    private static let referenceLocationInfo: [UInt8] = [0, 0, 0, 0]

    /// Descriptor (§6.14): no class descriptors and the type of the one constant pool entry (a class,
    /// `0xFFFF`).
    private static let descriptorInfo: [UInt8] = [0x00, 0x00, 0x01, 0xFF, 0xFF]
}
