/// One component of a CAP file: a tag, a size and that many `info` bytes.
///
/// The compact layout is `u1 tag, u2 size, u1 info[size]` (Java Card 3.0.5 Classic JCVM, §6.1
/// "Component Model"). CAP format 2.3 adds `component_extended`, `u1 tag, u4 size, u1 info[size]`
/// (Java Card 3.1 JCVM, §6.1), which the Method, RefLocation, Descriptor and Debug components use
/// when the Header has `ACC_EXTENDED` (§6.4). ``bytes`` keeps all of it, because GlobalPlatform
/// loads components whole.
public struct CAPComponent: Hashable, Sendable {
    /// The component's kind, from its tag byte.
    public let tag: Kind

    /// The whole component: tag, big-endian size and `info`.
    public let bytes: [UInt8]

    /// Whether the size field is four bytes (`component_extended`) rather than two.
    public let hasExtendedSize: Bool

    /// The component's `info` bytes, after the tag and size.
    public var info: ArraySlice<UInt8> { bytes.dropFirst(headerLength) }

    /// The number of tag and size bytes before `info`: 3, or 5 with a four-byte size.
    var headerLength: Int { Self.headerLength(extendedSize: hasExtendedSize) }

    /// The number of tag and size bytes of a compact component.
    static let headerLength = 3

    /// The largest `info` a compact component can hold.
    static let maximumInfoLength = Int(UInt16.max)

    /// The largest `info` this reader accepts for a component with a four-byte size: 16 MiB, more than
    /// the largest Method component 255 blocks of 65,535 bytes make, and a guard against ZIP bombs.
    static let maximumExtendedInfoLength = 16 * 1024 * 1024

    /// The tag and size length for a size field of either width.
    static func headerLength(extendedSize: Bool) -> Int { extendedSize ? 5 : 3 }

    /// The largest `info` for a size field of either width.
    static func maximumInfoLength(extendedSize: Bool) -> Int {
        extendedSize ? maximumExtendedInfoLength : maximumInfoLength
    }

    /// Wraps component bytes after checking the tag and that the size matches the bytes.
    ///
    /// - Parameters:
    ///   - bytes: The whole component, tag and size included.
    ///   - expected: The kind the component must have, such as the one its archive file name gives.
    ///   - extendedSize: Whether the size field is four bytes long.
    /// - Throws: ``CAPFileError`` when the tag is unknown or unexpected or the size is wrong.
    init(bytes: [UInt8], expected: Kind? = nil, extendedSize: Bool = false) throws(CAPFileError) {
        var reader = ByteReader(bytes[...], context: "component file '\(expected?.fileName ?? "?")'")
        let tagByte = try reader.u8("the tag")
        let size = extendedSize ? Int(try reader.u32("the size")) : Int(try reader.u16("the size"))
        guard let tag = Kind(rawValue: tagByte) else {
            throw .unsupported("component tag \(tagByte) is not one of the standard components 1 to 12")
        }
        if let expected, expected != tag {
            throw .malformedComponent("file '\(expected.fileName)' holds component '\(tag)' (tag \(tagByte))")
        }
        guard size == reader.remaining else {
            throw .sizeMismatch("component '\(tag)' declares \(size) bytes but \(reader.remaining) are present")
        }
        self.tag = tag
        self.bytes = bytes
        self.hasExtendedSize = extendedSize
    }

    /// Makes a component from its kind and `info`, at most 65,535 bytes long with a two-byte size and
    /// at most ``maximumExtendedInfoLength`` with a four-byte one.
    init(tag: Kind, info: [UInt8], extendedSize: Bool = false) {
        precondition(info.count <= Self.maximumInfoLength(extendedSize: extendedSize), "component info too long")
        var bytes = [tag.rawValue]
        bytes.reserveCapacity(Self.headerLength(extendedSize: extendedSize) + info.count)
        if extendedSize {
            bytes.appendBigEndian(UInt32(info.count))
        } else {
            bytes.appendBigEndian(UInt16(info.count))
        }
        bytes += info
        self.tag = tag
        self.bytes = bytes
        self.hasExtendedSize = extendedSize
    }
}

extension CAPComponent {
    /// The standard CAP file components, with their JCVM tags as raw values.
    ///
    /// Java Card 3.0.5 Classic JCVM specification, §6.2 "Installation", Table 6-1 "CAP file component
    /// tags"; Debug (12) exists since CAP format 2.2.
    public enum Kind: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
        /// `COMPONENT_Header`: magic, format version, package AID and version.
        case header = 1
        /// `COMPONENT_Directory`: the sizes of all components.
        case directory = 2
        /// `COMPONENT_Applet`: applet AIDs and install method offsets (absent in libraries).
        case applet = 3
        /// `COMPONENT_Import`: the packages this one uses.
        case `import` = 4
        /// `COMPONENT_ConstantPool`.
        case constantPool = 5
        /// `COMPONENT_Class`.
        case `class` = 6
        /// `COMPONENT_Method`: the bytecode.
        case method = 7
        /// `COMPONENT_StaticField`.
        case staticField = 8
        /// `COMPONENT_ReferenceLocation`, stored as `RefLocation.cap`.
        case referenceLocation = 9
        /// `COMPONENT_Export` (absent unless the package exports shareable interfaces or is a library).
        case export = 10
        /// `COMPONENT_Descriptor`: loaded only on request.
        case descriptor = 11
        /// `COMPONENT_Debug`: never loaded onto a card.
        case debug = 12

        /// The order in which GlobalPlatform loads components, Descriptor last.
        ///
        /// GlobalPlatform Card Specification, "Load File Data Block"; JCVM §6.2. Debug is never loaded.
        public static let loadOrder: [Kind] = [
            .header, .directory, .import, .applet, .class, .method, .staticField, .export, .constantPool,
            .referenceLocation, .descriptor,
        ]

        /// The components every CAP file must have (JCVM §6.5: every size but Applet, Export and Debug
        /// is non-zero); Descriptor is left out because tools often strip it and cards need not load it.
        static let required: [Kind] = [
            .header, .directory, .import, .constantPool, .class, .method, .staticField, .referenceLocation,
        ]

        /// The name used in file names and messages, such as `RefLocation`.
        public var name: String {
            switch self {
            case .header: "Header"
            case .directory: "Directory"
            case .applet: "Applet"
            case .import: "Import"
            case .constantPool: "ConstantPool"
            case .class: "Class"
            case .method: "Method"
            case .staticField: "StaticField"
            case .referenceLocation: "RefLocation"
            case .export: "Export"
            case .descriptor: "Descriptor"
            case .debug: "Debug"
            }
        }

        /// The component's file name inside a CAP archive's `javacard` folder, such as `Method.cap`.
        public var fileName: String { name + ".cap" }

        /// The file name of the component with a four-byte size in an extended CAP archive, such as
        /// `Method.capx` (Java Card 3.1 JCVM, chapter 6, table "CAP File Component File Names": the
        /// `.capx` extension marks `component_extended` files).
        public var extendedFileName: String { name + ".capx" }

        /// Whether the component has a four-byte size in an extended CAP file.
        ///
        /// Java Card 3.1 JCVM, §6.4, `ACC_EXTENDED`: the Method, Reference Location, Descriptor and
        /// Debug components (and custom ones) are then in the extended format; the others keep the
        /// two-byte size.
        public var hasExtendedSizeInExtendedFiles: Bool {
            switch self {
            case .method, .referenceLocation, .descriptor, .debug: true
            default: false
            }
        }

        /// The same as ``name``.
        public var description: String { name }
    }
}
