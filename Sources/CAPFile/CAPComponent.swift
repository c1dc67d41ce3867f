/// One component of a CAP file: a tag, a two-byte size and that many `info` bytes.
///
/// The layout `u1 tag, u2 size, u1 info[size]` is the compact component format of the JCVM
/// specification (Java Card 3.0.5 Classic, §6.1 "Component Model"); ``bytes`` keeps all of it,
/// because GlobalPlatform loads components whole.
public struct CAPComponent: Hashable, Sendable {
    /// The component's kind, from its tag byte.
    public let tag: Kind

    /// The whole component: tag, big-endian size and `info`.
    public let bytes: [UInt8]

    /// The component's `info` bytes, after the tag and size.
    public var info: ArraySlice<UInt8> { bytes.dropFirst(Self.headerLength) }

    /// The number of tag and size bytes before `info`.
    static let headerLength = 3

    /// The largest `info` a compact component can hold.
    static let maximumInfoLength = Int(UInt16.max)

    /// Wraps component bytes after checking the tag and that the size matches the bytes.
    ///
    /// - Parameters:
    ///   - bytes: The whole component, tag and size included.
    ///   - expected: The kind the component must have, such as the one its archive file name gives.
    /// - Throws: ``CAPFileError`` when the tag is unknown or unexpected or the size is wrong.
    init(bytes: [UInt8], expected: Kind? = nil) throws(CAPFileError) {
        var reader = ByteReader(bytes[...], context: "component file '\(expected?.fileName ?? "?")'")
        let tagByte = try reader.u8("the tag")
        let size = try reader.u16("the size")
        guard let tag = Kind(rawValue: tagByte) else {
            throw .unsupported("component tag \(tagByte) is not one of the standard components 1 to 12")
        }
        if let expected, expected != tag {
            throw .malformedComponent("file '\(expected.fileName)' holds component '\(tag)' (tag \(tagByte))")
        }
        guard Int(size) == reader.remaining else {
            throw .sizeMismatch("component '\(tag)' declares \(size) bytes but \(reader.remaining) are present")
        }
        self.tag = tag
        self.bytes = bytes
    }

    /// Makes a component from its kind and `info`, which must be at most 65,535 bytes long.
    init(tag: Kind, info: [UInt8]) {
        precondition(info.count <= Self.maximumInfoLength, "component info longer than 65535 bytes")
        var bytes = [tag.rawValue]
        bytes.reserveCapacity(Self.headerLength + info.count)
        bytes.appendBigEndian(UInt16(info.count))
        bytes += info
        self.tag = tag
        self.bytes = bytes
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

        /// The same as ``name``.
        public var description: String { name }
    }
}
