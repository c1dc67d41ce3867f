import CZlib

/// The two zlib services CAP archives need: raw inflate and CRC-32.
enum Zlib {
    /// Inflates a raw DEFLATE stream (RFC 1951) that must produce exactly `outputCount` bytes.
    ///
    /// - Returns: The inflated bytes, or `nil` when the stream is invalid, ends early, or produces
    ///   more or fewer bytes than `outputCount`.
    static func inflate(_ input: ArraySlice<UInt8>, outputCount: Int) -> [UInt8]? {
        guard outputCount >= 0, outputCount < Int(UInt32.max), input.count < Int(UInt32.max) else {
            return nil
        }
        var stream = z_stream()
        // Negative window bits select a raw stream with no zlib header (zlib.h, inflateInit2).
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return nil
        }
        defer { inflateEnd(&stream) }

        // One spare byte makes a stream that is longer than declared fail instead of stopping quietly,
        // and keeps `next_out` non-null when `outputCount` is zero.
        var output = [UInt8](repeating: 0, count: outputCount + 1)
        let input = Array(input)
        let status = input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == outputCount else {
            return nil
        }
        output.removeLast()
        return output
    }

    /// The CRC-32 of `bytes` as ZIP stores it (ISO 3309 polynomial, as zlib computes it).
    static func crc32(_ bytes: some Collection<UInt8>) -> UInt32 {
        let contiguous = Array(bytes)
        let value = contiguous.withUnsafeBufferPointer { buffer in
            crc32_z(0, buffer.baseAddress, buffer.count)
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
