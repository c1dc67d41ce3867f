/// Writes small ZIP archives of stored entries with fixed timestamps, so equal input gives equal bytes.
///
/// Layouts follow PKWARE's APPNOTE.TXT 6.3 (§4.3.7, §4.3.12, §4.3.16), as ``ZIPArchive`` reads them.
enum ZIPWriter {
    /// 1980-01-01 00:00:00, the earliest MS-DOS date (APPNOTE §4.4.6): day 1, month 1, year 0.
    private static let dosDate: UInt16 = 0x0021
    private static let dosTime: UInt16 = 0
    /// Version 1.0 is enough to extract stored entries (APPNOTE §4.4.3.2).
    private static let versionNeeded: UInt16 = 10

    /// Returns an archive holding `entries` in the given order, each stored without compression.
    ///
    /// - Precondition: Every name is at most 65,535 UTF-8 bytes and the archive is under 4 GiB.
    static func archive(_ entries: [(name: String, contents: [UInt8])]) -> [UInt8] {
        var output: [UInt8] = []
        var directory: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let crc = Zlib.crc32(entry.contents)
            let size = UInt32(entry.contents.count)
            let offset = UInt32(output.count)

            output.appendLittleEndian(ZIPArchive.localHeaderSignature)
            appendCommonFields(to: &output, crc: crc, size: size, nameLength: UInt16(name.count))
            output += name
            output += entry.contents

            directory.appendLittleEndian(ZIPArchive.centralHeaderSignature)
            directory.appendLittleEndian(versionNeeded)  // version made by: MS-DOS, 1.0
            appendCommonFields(to: &directory, crc: crc, size: size, nameLength: UInt16(name.count))
            directory.appendLittleEndian(UInt16(0))  // comment length
            directory.appendLittleEndian(UInt16(0))  // disk number start
            directory.appendLittleEndian(UInt16(0))  // internal attributes
            directory.appendLittleEndian(UInt32(0))  // external attributes
            directory.appendLittleEndian(offset)
            directory += name
        }
        let directoryOffset = UInt32(output.count)
        output += directory
        output.appendLittleEndian(ZIPArchive.endOfCentralDirectorySignature)
        output.appendLittleEndian(UInt16(0))  // this disk
        output.appendLittleEndian(UInt16(0))  // disk with the central directory
        output.appendLittleEndian(UInt16(entries.count))
        output.appendLittleEndian(UInt16(entries.count))
        output.appendLittleEndian(UInt32(directory.count))
        output.appendLittleEndian(directoryOffset)
        output.appendLittleEndian(UInt16(0))  // comment length
        return output
    }

    /// The fields shared by local and central headers, from "version needed" to "extra field length".
    private static func appendCommonFields(to bytes: inout [UInt8], crc: UInt32, size: UInt32, nameLength: UInt16) {
        bytes.appendLittleEndian(versionNeeded)
        bytes.appendLittleEndian(UInt16(0))  // flags
        bytes.appendLittleEndian(ZIPArchive.stored)
        bytes.appendLittleEndian(dosTime)
        bytes.appendLittleEndian(dosDate)
        bytes.appendLittleEndian(crc)
        bytes.appendLittleEndian(size)  // compressed size
        bytes.appendLittleEndian(size)  // uncompressed size
        bytes.appendLittleEndian(nameLength)
        bytes.appendLittleEndian(UInt16(0))  // extra field length
    }
}
