/// One BER-TLV data object of a protected command or response, with the bytes it was received as.
///
/// Secure messaging data objects have one-byte tags (`85`, `87`, `8E`, `97`, `99`) and definite
/// lengths of up to two bytes after `81` or `82`. The checksum covers the objects exactly as they
/// were sent, so ``encoded`` keeps the received bytes rather than a re-encoding.
struct ISODataObject: Sendable {
    /// The tag byte.
    let tag: UInt8
    /// The value bytes.
    let value: [UInt8]
    /// Tag, length and value as received.
    let encoded: ArraySlice<UInt8>

    /// DO'85': cryptogram, plain value not BER-TLV encoded (used for an odd INS), without padding indicator.
    static let oddCryptogramTag: UInt8 = 0x85
    /// DO'87': padding-content indicator `01` followed by the cryptogram.
    static let cryptogramTag: UInt8 = 0x87
    /// DO'8E': cryptographic checksum.
    static let checksumTag: UInt8 = 0x8E
    /// DO'97': Le.
    static let expectedLengthTag: UInt8 = 0x97
    /// DO'99': processing status (SW1 SW2).
    static let statusTag: UInt8 = 0x99
    /// The padding-content indicator of DO'87': ISO/IEC 9797-1 padding method 2 (`80 00 ..`).
    static let paddingIndicator: UInt8 = 0x01
    /// The length of the checksum in DO'8E'.
    static let checksumLength = 8

    /// Encodes a data object with a one-byte tag and a definite BER length.
    static func encode(tag: UInt8, value: [UInt8]) -> [UInt8] {
        var bytes = [tag]
        bytes.reserveCapacity(value.count + 4)
        if value.count < 0x80 {
            bytes.append(UInt8(value.count))
        } else if value.count <= 0xFF {
            bytes += [0x81, UInt8(value.count)]
        } else {
            bytes += [0x82, UInt8(value.count >> 8), UInt8(value.count & 0xFF)]
        }
        return bytes + value
    }

    /// The number of bytes a data object with a value of `count` bytes takes.
    static func encodedLength(valueLength count: Int) -> Int {
        1 + (count < 0x80 ? 1 : count <= 0xFF ? 2 : 3) + count
    }

    /// Splits a data field into data objects, or says why it cannot.
    ///
    /// - Returns: The objects in order, or a reason naming the first problem (without any data bytes).
    static func parse(_ bytes: [UInt8]) -> Result<[ISODataObject], ParseFailure> {
        var objects: [ISODataObject] = []
        var index = 0
        while index < bytes.count {
            let start = index
            let tag = bytes[index]
            guard tag & 0x1F != 0x1F, tag != 0x00, tag != 0xFF else {
                return .failure(
                    ParseFailure("tag \(HexText.byte(tag)) at offset \(start) is not a secure messaging data object")
                )
            }
            index += 1
            guard index < bytes.count else {
                return .failure(ParseFailure("data object '\(HexText.byte(tag))' has no length"))
            }
            var length = Int(bytes[index])
            index += 1
            if length >= 0x80 {
                let count = length & 0x7F
                guard count == 1 || count == 2 else {
                    return .failure(
                        ParseFailure("data object '\(HexText.byte(tag))' has an unsupported length encoding")
                    )
                }
                guard index + count <= bytes.count else {
                    return .failure(ParseFailure("data object '\(HexText.byte(tag))' has a truncated length"))
                }
                length = bytes[index..<index + count].reduce(0) { $0 << 8 | Int($1) }
                index += count
            }
            guard length <= bytes.count - index else {
                return .failure(
                    ParseFailure(
                        "data object '\(HexText.byte(tag))' claims \(length) bytes but only "
                            + "\(bytes.count - index) follow"
                    )
                )
            }
            objects.append(
                ISODataObject(
                    tag: tag,
                    value: Array(bytes[index..<index + length]),
                    encoded: bytes[start..<index + length]
                )
            )
            index += length
        }
        return .success(objects)
    }

    /// Why a data field is not a sequence of secure messaging data objects.
    struct ParseFailure: Error {
        let reason: String

        init(_ reason: String) {
            self.reason = reason
        }
    }
}
