/// A cursor over bytes that checks every read and throws ``CAPFileError/Code/truncated`` at the end.
///
/// CAP structures are big-endian (JCVM specification, §6.1); ZIP structures are little-endian
/// (PKWARE APPNOTE, §4.4), so both byte orders are offered.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int
    let context: String

    /// Creates a reader over `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to read.
    ///   - context: The structure's name for error messages, such as `component 'Header'`.
    init(_ bytes: ArraySlice<UInt8>, context: String) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.context = context
    }

    /// The number of bytes read so far.
    var offset: Int { index - bytes.startIndex }

    /// The number of bytes left.
    var remaining: Int { bytes.endIndex - index }

    /// Reads `count` bytes.
    mutating func read(_ count: Int, _ what: @autoclosure () -> String) throws(CAPFileError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw .truncated(
                "\(context) ends inside \(what()) at offset \(offset): needs \(count) bytes, \(remaining) left"
            )
        }
        let slice = bytes[index..<index + count]
        index += count
        return slice
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(CAPFileError) {
        _ = try read(count, what())
    }

    /// Reads one byte.
    mutating func u8(_ what: @autoclosure () -> String) throws(CAPFileError) -> UInt8 {
        let slice = try read(1, what())
        return slice[slice.startIndex]
    }

    /// Reads a big-endian `u2`.
    mutating func u16(_ what: @autoclosure () -> String) throws(CAPFileError) -> UInt16 {
        let slice = try read(2, what())
        return slice.reduce(0) { $0 << 8 | UInt16($1) }
    }

    /// Reads a big-endian `u4`.
    mutating func u32(_ what: @autoclosure () -> String) throws(CAPFileError) -> UInt32 {
        let slice = try read(4, what())
        return slice.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Reads a little-endian 16-bit value.
    mutating func u16LE(_ what: @autoclosure () -> String) throws(CAPFileError) -> UInt16 {
        let slice = try read(2, what())
        return slice.reversed().reduce(0) { $0 << 8 | UInt16($1) }
    }

    /// Reads a little-endian 32-bit value.
    mutating func u32LE(_ what: @autoclosure () -> String) throws(CAPFileError) -> UInt32 {
        let slice = try read(4, what())
        return slice.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// Appending fixed-width integers to byte arrays, for the builder and the ZIP writer.
extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendBigEndian(_ value: UInt32) {
        appendBigEndian(UInt16(value >> 16))
        appendBigEndian(UInt16(value & 0xFFFF))
    }

    mutating func appendLittleEndian(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func appendLittleEndian(_ value: UInt32) {
        appendLittleEndian(UInt16(value & 0xFFFF))
        appendLittleEndian(UInt16(value >> 16))
    }
}
