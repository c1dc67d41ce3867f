import APDUTypes

extension GlobalPlatformCard {
    /// Bytes written as one upper-case hex string in a card image, so the JSON reads like a card trace.
    struct HexField: Codable, Hashable, Sendable {
        var bytes: [UInt8]

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let bytes = Hex.bytes(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not hex bytes")
            }
            self.bytes = bytes
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(Hex.string(bytes))
        }
    }

    /// An AID written as a hex string in a card image, checked for its length when read.
    struct AIDField: Codable, Hashable, Sendable {
        var aid: ApplicationIdentifier

        init(_ aid: ApplicationIdentifier) {
            self.aid = aid
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let aid = ApplicationIdentifier(hex: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an AID of 5 to 16 bytes")
            }
            self.aid = aid
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(aid.description)
        }
    }

    /// One byte written as two hex digits in a card image, such as `"70"`.
    struct ByteField: Codable, Hashable, Sendable {
        var value: UInt8

        init(_ value: UInt8) {
            self.value = value
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let bytes = Hex.bytes(text), bytes.count == 1 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not one hex byte")
            }
            self.value = bytes[0]
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(Hex.string([value]))
        }
    }
}
