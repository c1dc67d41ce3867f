import APDUTypes
import BundleFormat

/// Checks that every command reaches the card byte for byte through a ``CardChannel``.
///
/// A channel takes a decoded `CommandAPDU` and encodes it again, choosing the short form when
/// the lengths allow. A bundle command written in the extended form with short lengths would
/// reach the card as different bytes than the ones the server MAC'd, so the player refuses such
/// a bundle before sending anything.
struct ChannelEncodingCheck: BundleCheck {
    var name: String { "channel-encoding" }

    func check(_ bundle: SignedBundle) -> [BundleError] {
        bundle.payload.commands.compactMap { command in
            guard let decoded = try? CommandAPDU(bytes: command.apdu), decoded.bytes != command.apdu else {
                return nil
            }
            return BundleError(
                code: .commandInvalid,
                reason: "the APDU uses an extended length encoding a card channel would not reproduce",
                commandIndex: command.index
            )
        }
    }
}
