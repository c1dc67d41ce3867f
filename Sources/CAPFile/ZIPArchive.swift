/// A minimal, bounds-checked reader of ZIP archives held in memory, enough for CAP files (JARs).
///
/// It reads the central directory, the way JAR tools do, so entries written with data descriptors
/// (general purpose flag bit 3, as `jar` and the Java Card converter write them) work. Stored and
/// deflated entries are supported; ZIP64, multi-disk archives and encrypted entries are not.
/// Structure layouts follow PKWARE's APPNOTE.TXT 6.3: §4.3.7 local file header, §4.3.12 central
/// directory header, §4.3.16 end of central directory record.
struct ZIPArchive {
    /// One entry as the central directory describes it.
    struct Entry {
        var name: String
        var flags: UInt16
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    static let localHeaderSignature: UInt32 = 0x0403_4B50
    static let centralHeaderSignature: UInt32 = 0x0201_4B50
    static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    static let localHeaderLength = 30
    static let centralHeaderLength = 46
    static let endOfCentralDirectoryLength = 22

    /// Compression methods (APPNOTE §4.4.5).
    static let stored: UInt16 = 0
    static let deflated: UInt16 = 8

    private let bytes: [UInt8]

    /// The entries, in central directory order.
    let entries: [Entry]

    /// Reads the central directory of `bytes`.
    init(_ bytes: [UInt8]) throws(CAPFileError) {
        self.bytes = bytes
        let end = try Self.findEndOfCentralDirectory(in: bytes)
        var record = ByteReader(bytes[end...], context: "the end of central directory record")
        try record.skip(4, "the signature")
        let disk = try record.u16LE("the disk number")
        let directoryDisk = try record.u16LE("the central directory's disk")
        let entriesOnDisk = try record.u16LE("the entry count on this disk")
        let entryCount = try record.u16LE("the entry count")
        let directorySize = try record.u32LE("the central directory size")
        let directoryOffset = try record.u32LE("the central directory offset")
        guard entryCount != 0xFFFF, directorySize != 0xFFFF_FFFF, directoryOffset != 0xFFFF_FFFF else {
            throw .unsupported("ZIP64 archives are not supported")
        }
        guard disk == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
            throw .unsupported("multi-disk ZIP archives are not supported")
        }
        let start = Int(directoryOffset)
        guard start <= end, Int(directorySize) <= end - start else {
            throw .corruptArchive("the central directory lies outside the archive")
        }

        var directory = ByteReader(bytes[start..<start + Int(directorySize)], context: "the central directory")
        var entries: [Entry] = []
        entries.reserveCapacity(Int(entryCount))
        for _ in 0..<entryCount {
            guard try directory.u32LE("an entry signature") == Self.centralHeaderSignature else {
                throw .corruptArchive("a central directory entry has a bad signature")
            }
            try directory.skip(4, "the versions")
            let flags = try directory.u16LE("the flags")
            let method = try directory.u16LE("the compression method")
            try directory.skip(4, "the modification time")
            let crc32 = try directory.u32LE("the CRC-32")
            let compressedSize = try directory.u32LE("the compressed size")
            let uncompressedSize = try directory.u32LE("the uncompressed size")
            let nameLength = try directory.u16LE("the name length")
            let extraLength = try directory.u16LE("the extra field length")
            let commentLength = try directory.u16LE("the comment length")
            try directory.skip(8, "the disk and attributes")
            let localHeaderOffset = try directory.u32LE("the local header offset")
            let name = try directory.read(Int(nameLength), "an entry name")
            try directory.skip(Int(extraLength) + Int(commentLength), "an extra field or comment")
            guard compressedSize != 0xFFFF_FFFF, uncompressedSize != 0xFFFF_FFFF, localHeaderOffset != 0xFFFF_FFFF
            else {
                throw .unsupported("ZIP64 archives are not supported")
            }
            entries.append(
                Entry(
                    name: String(decoding: name, as: UTF8.self),
                    flags: flags,
                    method: method,
                    crc32: crc32,
                    compressedSize: Int(compressedSize),
                    uncompressedSize: Int(uncompressedSize),
                    localHeaderOffset: Int(localHeaderOffset)
                )
            )
        }
        self.entries = entries
    }

    /// Returns an entry's uncompressed bytes after checking its CRC-32.
    ///
    /// - Parameters:
    ///   - entry: An entry of this archive.
    ///   - limit: The largest uncompressed size accepted, a guard against ZIP bombs.
    /// - Returns: The uncompressed bytes.
    /// - Throws: ``CAPFileError`` when the entry is damaged, too large, encrypted or compressed with
    ///   another method than stored or deflate.
    func contents(of entry: Entry, limit: Int) throws(CAPFileError) -> [UInt8] {
        guard entry.flags & 0x0001 == 0 else {
            throw .unsupported("entry '\(entry.name)' is encrypted")
        }
        guard entry.uncompressedSize <= limit else {
            throw .unsupported(
                "entry '\(entry.name)' is \(entry.uncompressedSize) bytes, more than such a CAP component can hold "
                    + "(\(limit) bytes)"
            )
        }
        guard entry.localHeaderOffset <= bytes.count else {
            throw .corruptArchive("entry '\(entry.name)' starts outside the archive")
        }
        var local = ByteReader(bytes[entry.localHeaderOffset...], context: "the local header of '\(entry.name)'")
        guard try local.u32LE("the signature") == Self.localHeaderSignature else {
            throw .corruptArchive("entry '\(entry.name)' has no local header")
        }
        try local.skip(22, "the fixed fields")
        let nameLength = try local.u16LE("the name length")
        let extraLength = try local.u16LE("the extra field length")
        try local.skip(Int(nameLength) + Int(extraLength), "the name and extra field")
        let data: ArraySlice<UInt8>
        do {
            data = try local.read(entry.compressedSize, "the entry data")
        } catch {
            throw .corruptArchive("the data of entry '\(entry.name)' runs past the end of the archive")
        }

        let contents: [UInt8]
        switch entry.method {
        case Self.stored:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw .corruptArchive("stored entry '\(entry.name)' has different compressed and uncompressed sizes")
            }
            contents = Array(data)
        case Self.deflated:
            guard let inflated = Zlib.inflate(data, outputCount: entry.uncompressedSize) else {
                throw .corruptArchive("entry '\(entry.name)' does not inflate to \(entry.uncompressedSize) bytes")
            }
            contents = inflated
        default:
            throw .unsupported("entry '\(entry.name)' uses compression method \(entry.method)")
        }
        guard Zlib.crc32(contents) == entry.crc32 else {
            throw .corruptArchive("entry '\(entry.name)' fails its CRC-32 check")
        }
        return contents
    }

    /// Finds the end of central directory record: the last signature that leaves room for the record
    /// and its comment, searched within the last 65,557 bytes (the longest comment plus the record).
    private static func findEndOfCentralDirectory(in bytes: [UInt8]) throws(CAPFileError) -> Int {
        guard bytes.count >= endOfCentralDirectoryLength else {
            throw .corruptArchive("the archive is too short to hold an end of central directory record")
        }
        let last = bytes.count - endOfCentralDirectoryLength
        let first = max(0, last - Int(UInt16.max))
        for offset in stride(from: last, through: first, by: -1)
        where bytes[offset] == 0x50 && bytes[offset + 1] == 0x4B && bytes[offset + 2] == 0x05
            && bytes[offset + 3] == 0x06
        {
            let commentLength = Int(bytes[offset + 20]) | Int(bytes[offset + 21]) << 8
            if offset + endOfCentralDirectoryLength + commentLength <= bytes.count {
                return offset
            }
        }
        throw .corruptArchive("no end of central directory record")
    }
}
