/// A `major.minor` version: of a Java Card package, or of the CAP file format itself.
public struct CAPVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The major version; a change means an incompatible package or format.
    public var major: UInt8
    /// The minor version.
    public var minor: UInt8

    /// Creates a version from its two parts.
    public init(major: UInt8, minor: UInt8) {
        self.major = major
        self.minor = minor
    }

    /// Parses text such as `1.0`, or returns `nil` unless it is two decimal numbers 0...255 joined by a dot.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let major = UInt8(String(parts[0])),
            let minor = UInt8(String(parts[1]))
        else {
            return nil
        }
        self.init(major: major, minor: minor)
    }

    /// The version as `major.minor`, such as `1.0`.
    public var description: String { "\(major).\(minor)" }

    /// Orders by major, then minor version.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
