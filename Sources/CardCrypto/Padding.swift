/// Block padding as the secure channel protocols use it.
public enum Padding {
    /// Returns `data` followed by `80` and as many `00` bytes as make whole blocks (ISO/IEC 9797-1 padding method 2).
    ///
    /// The padding is always added, so whole-block data gains a full block `80 00 .. 00`.
    ///
    /// - Parameters:
    ///   - data: Any bytes, possibly none.
    ///   - blockSize: The block size in bytes: 8 for DES and triple DES, 16 for AES; must be positive.
    /// - Returns: The padded bytes, between 1 and `blockSize` bytes longer than `data`.
    public static func iso9797Method2(_ data: [UInt8], blockSize: Int) -> [UInt8] {
        var padded = data
        appendISO9797Method2(to: &padded, blockSize: blockSize)
        return padded
    }

    /// Appends `80` and as many `00` bytes as make whole blocks (ISO/IEC 9797-1 padding method 2), in place.
    ///
    /// - Parameters:
    ///   - data: Any bytes, possibly none; extended by 1 to `blockSize` bytes.
    ///   - blockSize: The block size in bytes; must be positive.
    public static func appendISO9797Method2(to data: inout [UInt8], blockSize: Int) {
        precondition(blockSize > 0, "the block size must be positive")
        let zeros = blockSize - 1 - data.count % blockSize
        data.reserveCapacity(data.count + 1 + zeros)
        data.append(0x80)
        data.append(contentsOf: repeatElement(0, count: zeros))
    }

    /// Removes ISO/IEC 9797-1 padding method 2: trailing `00` bytes and the `80` before them, all in the last block.
    ///
    /// The last block is examined in constant time, so the time taken does not tell where the
    /// `80` byte was.
    ///
    /// - Parameters:
    ///   - data: A whole number of blocks, at least one.
    ///   - blockSize: The block size in bytes; must be positive.
    /// - Returns: The bytes before the padding.
    /// - Throws: ``CardCryptoError/Code/invalidDataLength`` when `data` is not whole blocks or is empty,
    ///   ``CardCryptoError/Code/invalidPadding`` when the last block does not end in `80 00 .. 00`.
    public static func removeISO9797Method2(_ data: [UInt8], blockSize: Int) throws(CardCryptoError) -> [UInt8] {
        precondition(blockSize > 0, "the block size must be positive")
        guard !data.isEmpty, data.count % blockSize == 0 else {
            throw .invalidDataLength("padded data must be whole \(blockSize)-byte blocks, not \(data.count) bytes")
        }
        // Scan the last block from its end, branch-free: `searching` stays 0xFF while only zeros were seen.
        var searching: UInt8 = 0xFF
        var found: UInt8 = 0
        var markerOffset = 0
        for offset in stride(from: data.count - 1, through: data.count - blockSize, by: -1) {
            let byte = data[offset]
            let isMarker = searching & equalMask(byte, 0x80)
            let isZero = equalMask(byte, 0)
            markerOffset |= Int(truncatingIfNeeded: Int8(bitPattern: isMarker)) & offset
            found |= isMarker
            searching &= isZero
        }
        guard found == 0xFF else {
            throw .invalidPadding("the last \(blockSize)-byte block does not end with 80 followed by zero bytes")
        }
        return Array(data[..<markerOffset])
    }

    /// `0xFF` when `a == b`, else `0x00`, without a branch.
    private static func equalMask(_ a: UInt8, _ b: UInt8) -> UInt8 {
        let difference = UInt32(a ^ b)
        // difference - 1 underflows (top bit set) only when difference is 0.
        return UInt8(truncatingIfNeeded: 0 &- ((difference &- 1) >> 31))
    }
}
