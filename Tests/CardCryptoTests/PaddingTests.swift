import Testing

@testable import CardCrypto

/// ISO/IEC 9797-1 padding method 2.
struct PaddingTests {
    /// keycard-go TestAppendDESPadding and skythen TestPad80, plus AES-block cases.
    @Test(arguments: try VectorFile.vectors("padding-iso9797-1-method-2.json"))
    func padsKnownAnswer(_ vector: Vector) throws {
        let blockSize = try #require(vector.group.blockSize)
        let message = try vector.bytes(\.msg)
        let padded = try vector.bytes(\.padded)
        #expect(Padding.iso9797Method2(message, blockSize: blockSize) == padded)
        var inPlace = message
        Padding.appendISO9797Method2(to: &inPlace, blockSize: blockSize)
        #expect(inPlace == padded)
        #expect(try Padding.removeISO9797Method2(padded, blockSize: blockSize) == message)
    }

    @Test func roundTripsEveryLength() throws {
        var generator = SplitMix64(seed: 41)
        for blockSize in [8, 16] {
            for length in 0...(3 * blockSize) {
                // Trailing 80 and 00 bytes in the data itself must survive the round trip.
                var data = Splits.randomBytes(length, using: &generator)
                if length > 2 {
                    data[length - 1] = 0x00
                    data[length - 2] = 0x80
                }
                let padded = Padding.iso9797Method2(data, blockSize: blockSize)
                #expect(padded.count % blockSize == 0)
                #expect(padded.count > data.count && padded.count <= data.count + blockSize)
                #expect(try Padding.removeISO9797Method2(padded, blockSize: blockSize) == data)
            }
        }
    }

    @Test func rejectsMissingOrMisplacedMarker() throws {
        let invalid = [
            "0000000000000000",  // no 80
            "0102030405060708",  // last byte not 00 or 80
            "8000000000000001",  // data after the 80
            "80000000000000000000000000000000",  // the 80 is not in the last block
            "0102030405068001",
        ]
        for hex in invalid {
            #expect(throws: CardCryptoError(code: .invalidPadding, reason: ""), "\(hex)") {
                try Padding.removeISO9797Method2([UInt8](hex: hex), blockSize: 8)
            }
        }
    }

    @Test func rejectsDataThatIsNotWholeBlocks() throws {
        for hex in ["", "80", "01020304050680", "010203040506070880"] {
            #expect(throws: CardCryptoError(code: .invalidDataLength, reason: ""), "\(hex)") {
                try Padding.removeISO9797Method2([UInt8](hex: hex), blockSize: 8)
            }
        }
    }
}
