/// An ISO 7816-5 application identifier: 5 to 16 bytes, the first five being the registered RID.
public struct ApplicationIdentifier: Hashable, Sendable, CustomStringConvertible {
    /// The shortest valid AID, in bytes: a 5-byte RID and no PIX.
    public static let minimumLength = 5
    /// The longest valid AID, in bytes.
    public static let maximumLength = 16

    /// The AID's bytes.
    public let bytes: [UInt8]

    /// Creates an AID, or returns `nil` when the length is not 5 to 16 bytes.
    public init?(_ bytes: [UInt8]) {
        guard (Self.minimumLength...Self.maximumLength).contains(bytes.count) else {
            return nil
        }
        self.bytes = bytes
    }

    /// Creates an AID from hex text, or returns `nil` when the text is not 5 to 16 hex bytes.
    public init?(hex: String) {
        guard let bytes = Hex.bytes(hex) else {
            return nil
        }
        self.init(bytes)
    }

    /// The registered application provider identifier: the first five bytes.
    public var rid: ArraySlice<UInt8> { bytes.prefix(5) }

    /// Upper-case hex, such as `A000000151000000`.
    public var description: String { Hex.string(bytes) }
}
