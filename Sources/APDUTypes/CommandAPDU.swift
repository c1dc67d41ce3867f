/// An ISO 7816-4 command APDU: header, optional data and optional expected length.
///
/// Encoding picks the short form when data and Le fit (Lc up to 255, Le up to 256) and the
/// extended form otherwise, as ISO 7816-4 section 5.1 defines the four cases.
public struct CommandAPDU: Hashable, Sendable, CustomStringConvertible {
    /// The class byte.
    public var cla: UInt8
    /// The instruction byte.
    public var ins: UInt8
    /// Parameter 1.
    public var p1: UInt8
    /// Parameter 2.
    public var p2: UInt8
    /// The command data field; empty for cases 1 and 2.
    public var data: [UInt8]
    /// The expected response length: `nil` for no Le, `256` for short `00` (up to 65536 extended).
    public var le: Int?

    /// Creates a command APDU.
    public init(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
    }

    /// The largest data field a short APDU carries.
    public static let maximumShortDataLength = 255

    /// Whether this command needs the extended length encoding.
    public var isExtended: Bool {
        data.count > Self.maximumShortDataLength || (le ?? 0) > 256
    }

    /// The encoded command: header, Lc and data when present, Le when present.
    public var bytes: [UInt8] {
        var out: [UInt8] = [cla, ins, p1, p2]
        out.reserveCapacity(data.count + 9)
        if isExtended {
            if !data.isEmpty {
                out += [0x00, UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
                out += data
            }
            if let le {
                let value = le == 65536 ? 0 : le
                if data.isEmpty { out.append(0x00) }
                out += [UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
            }
        } else {
            if !data.isEmpty {
                out.append(UInt8(data.count))
                out += data
            }
            if let le {
                out.append(le == 256 ? 0x00 : UInt8(le))
            }
        }
        return out
    }

    /// Why bytes are not a command APDU.
    public enum ParseError: Error, Equatable, Sendable {
        /// Fewer than the four header bytes.
        case tooShort
        /// Lc, data and Le do not add up to the number of bytes given.
        case inconsistentLength
    }

    /// Decodes a command APDU in any of the four ISO 7816-4 cases, short or extended.
    public init(bytes: [UInt8]) throws(ParseError) {
        guard bytes.count >= 4 else {
            throw .tooShort
        }
        self.init(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3])
        let body = Array(bytes.dropFirst(4))
        switch body.count {
        case 0:
            return
        case 1:
            le = body[0] == 0 ? 256 : Int(body[0])
            return
        default:
            break
        }
        if body[0] != 0 {
            let lc = Int(body[0])
            if body.count == 1 + lc {
                data = Array(body[1...])
            } else if body.count == 2 + lc {
                data = Array(body[1..<1 + lc])
                le = body[1 + lc] == 0 ? 256 : Int(body[1 + lc])
            } else {
                throw .inconsistentLength
            }
            return
        }
        // Extended: 00 then two bytes.
        guard body.count >= 3 else {
            throw .inconsistentLength
        }
        let first = Int(body[1]) << 8 | Int(body[2])
        if body.count == 3 {
            le = first == 0 ? 65536 : first
            return
        }
        let lc = first
        guard lc > 0 else {
            throw .inconsistentLength
        }
        if body.count == 3 + lc {
            data = Array(body[3...])
        } else if body.count == 5 + lc {
            data = Array(body[3..<3 + lc])
            let value = Int(body[3 + lc]) << 8 | Int(body[4 + lc])
            le = value == 0 ? 65536 : value
        } else {
            throw .inconsistentLength
        }
    }

    /// The encoded command in upper-case hex.
    public var description: String { Hex.string(bytes) }
}
