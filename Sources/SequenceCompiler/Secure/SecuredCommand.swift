public import APDUTypes
import BundleFormat

/// One command as it goes to the card: secured by the channel, with where it came from.
public struct SecuredCommand: Hashable, Sendable {
    /// The secured command.
    public var apdu: CommandAPDU
    /// The status words that let the sequence go on.
    public var expect: [StatusPattern]
    /// The 1-based source step, or `nil` for channel commands (EXTERNAL AUTHENTICATE).
    public var step: Int?
    /// `path:line:column` of the source step.
    public var origin: String?
    /// A note for people, such as `LOAD block 3/21`.
    public var note: String?
    /// Whether the client must not log the command's data.
    public var isSensitive: Bool

    /// Creates a secured command.
    public init(
        apdu: CommandAPDU,
        expect: [StatusPattern],
        step: Int?,
        origin: String?,
        note: String?,
        isSensitive: Bool
    ) {
        self.apdu = apdu
        self.expect = expect
        self.step = step
        self.origin = origin
        self.note = note
        self.isSensitive = isSensitive
    }
}

extension SecuredCommand {
    /// The command as the bundle carries it, at a position.
    func bundleCommand(index: Int) -> BundleCommand {
        BundleCommand(
            index: index,
            command: apdu,
            expect: expect.map { StatusWordPattern(value: $0.value, mask: $0.mask) },
            step: step,
            origin: origin,
            note: note,
            sensitive: isSensitive
        )
    }
}
