import APDUTypes

/// Writes exchanges as an APDU trace in the style GlobalPlatformPro prints with `--debug`.
///
/// Two lines per exchange, the command split into header, Lc, data and Le, and the response
/// into data and status word:
///
/// ```
/// A>> T=1 (4+0019) 80E60200 13 07F04353510142520008EF04C6020000000000 00
/// A<< (0000+2) (12ms) 9000
/// ```
///
/// `(4+0019)` is the header length and the data length in decimal; `(0000+2)` the response data
/// length and the two status bytes. The data of a command the bundle marks `sensitive`, and the
/// data of its response, are replaced by `** 24 bytes redacted **`.
public struct APDUTrace: Sendable {
    /// The transport protocol shown after `A>>`, such as `T=1`; nothing when unknown.
    public var protocolName: String?

    /// Creates a trace writer.
    ///
    /// - Parameter protocolName: The transport protocol to show, such as `T=0` or `T=1`.
    public init(protocolName: String? = nil) {
        self.protocolName = protocolName
    }

    /// The two trace lines of one exchange, without line breaks.
    ///
    /// - Parameter exchange: The exchange.
    /// - Returns: The command line (`A>> …`) and the response line (`A<< …`).
    public func lines(for exchange: APDUExchange) -> [String] {
        [commandLine(exchange.command, sensitive: exchange.sensitive), responseLine(exchange)]
    }

    /// `A>> T=1 (4+0019) 80E60200 13 <data> 00`.
    func commandLine(_ bytes: [UInt8], sensitive: Bool) -> String {
        var line = "A>>"
        if let protocolName { line += " " + protocolName }
        guard bytes.count >= 4 else {
            return line + " (\(bytes.count)+0000) " + Hex.string(bytes)
        }
        let parts = Self.split(bytes)
        line += " (4+" + Self.padded(parts.data.count) + ") " + Hex.string(Array(bytes[0..<4]))
        if !parts.lc.isEmpty { line += " " + Hex.string(parts.lc) }
        if !parts.data.isEmpty { line += " " + Self.shown(parts.data, sensitive: sensitive) }
        if !parts.le.isEmpty { line += " " + Hex.string(parts.le) }
        return line
    }

    /// `A<< (0018+2) (35ms) <data> 9000`.
    func responseLine(_ exchange: APDUExchange) -> String {
        let data = exchange.response.data
        var line = "A<< (" + Self.padded(data.count) + "+2) (\(exchange.duration.wholeMilliseconds)ms)"
        if !data.isEmpty { line += " " + Self.shown(data, sensitive: exchange.sensitive) }
        return line + " " + exchange.response.statusWord.description
    }

    private static func shown(_ data: [UInt8], sensitive: Bool) -> String {
        sensitive ? "** \(data.count) bytes redacted **" : Hex.string(data)
    }

    private static func padded(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    /// Lc, data and Le as they are encoded in the bytes; everything after the header is shown
    /// as Le when the bytes do not parse as a command.
    private static func split(_ bytes: [UInt8]) -> (lc: [UInt8], data: [UInt8], le: [UInt8]) {
        let body = Array(bytes.dropFirst(4))
        guard let command = try? CommandAPDU(bytes: bytes), !command.data.isEmpty else {
            return ([], [], body)
        }
        let lcLength = body.first == 0 ? 3 : 1
        let dataEnd = lcLength + command.data.count
        return (Array(body[0..<lcLength]), command.data, Array(body[dataEnd...]))
    }
}
