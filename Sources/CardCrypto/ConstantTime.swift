import COpenSSL

/// Compares two byte strings in time that depends only on their lengths, for MACs and cryptograms.
///
/// Use it, not `==`, whenever one side is secret or was received from a card or a bundle: `==` on
/// arrays stops at the first difference, which tells an attacker how many leading bytes were right.
/// Strings of different lengths compare unequal at once; lengths are not secret here.
///
/// - Parameters:
///   - a: One byte string.
///   - b: The other byte string.
/// - Returns: Whether the strings have the same length and the same bytes.
public func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else {
        return false
    }
    guard !a.isEmpty else {
        return true
    }
    return withContiguousBytes(a) { left in
        withContiguousBytes(b) { right in
            CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
        }
    }
}

/// Calls `body` with the bytes of `bytes`, copying only when the collection is not contiguous.
func withContiguousBytes<Result>(
    _ bytes: some Sequence<UInt8>,
    _ body: (UnsafeRawBufferPointer) -> Result
) -> Result {
    if let result = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return Array(bytes).withUnsafeBufferPointer { body(UnsafeRawBufferPointer($0)) }
}
