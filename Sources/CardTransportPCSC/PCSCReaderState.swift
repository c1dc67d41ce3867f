import APDUTypes
import CPCSCLite

/// What pcscd knows about one reader and the card in it, at one moment.
public struct PCSCReaderState: Hashable, Sendable, CustomStringConvertible {
    /// The reader's name, such as `Virtual PCD 00 00`.
    public var name: String
    /// The raw `SCARD_STATE_*` flags pcscd reported.
    public var flags: UInt32
    /// The answer to reset of the card in the reader; empty when there is no card.
    public var answerToReset: [UInt8]

    /// Creates a reader state.
    ///
    /// - Parameters:
    ///   - name: The reader's name.
    ///   - flags: The `SCARD_STATE_*` flags.
    ///   - answerToReset: The card's answer to reset, or empty.
    public init(name: String, flags: UInt32, answerToReset: [UInt8]) {
        self.name = name
        self.flags = flags
        self.answerToReset = answerToReset
    }

    /// A card is in the reader (`SCARD_STATE_PRESENT`).
    public var isCardPresent: Bool { flags & UInt32(SCARD_STATE_PRESENT) != 0 }
    /// The card in the reader does not answer (`SCARD_STATE_MUTE`).
    public var isMute: Bool { flags & UInt32(SCARD_STATE_MUTE) != 0 }
    /// The card is not powered (`SCARD_STATE_UNPOWERED`); pcscd powers it on when someone connects.
    public var isUnpowered: Bool { flags & UInt32(SCARD_STATE_UNPOWERED) != 0 }
    /// Some application is connected to the card in shared mode (`SCARD_STATE_INUSE`).
    public var isInUse: Bool { flags & UInt32(SCARD_STATE_INUSE) != 0 }
    /// Some application holds the card in exclusive mode (`SCARD_STATE_EXCLUSIVE`).
    public var isExclusive: Bool { flags & UInt32(SCARD_STATE_EXCLUSIVE) != 0 }
    /// pcscd cannot tell the reader's state (`SCARD_STATE_UNAVAILABLE`), as for a reader being removed.
    public var isUnavailable: Bool { flags & UInt32(SCARD_STATE_UNAVAILABLE) != 0 }

    /// Whether a card that answers is in the reader: present and not mute.
    public var hasCard: Bool { isCardPresent && !isMute }

    /// The name and what is in the reader, such as `Virtual PCD 00 00: card 3B80800101`.
    public var description: String {
        if hasCard {
            return "\(name): card \(Hex.string(answerToReset))"
        }
        if isCardPresent {
            return "\(name): mute card"
        }
        return "\(name): empty"
    }
}
