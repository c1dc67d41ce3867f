public import CardSimulator
import Foundation

/// A simulated card's image file: a GlobalPlatform card or an ISO 7816 file card, told apart by
/// the `format` member each image writes (`cardseq-gp-card-image/1`, `cardseq-iso7816-card-image/1`).
///
/// The image holds the card's keys in the clear, as the card's memory does: keep image files as
/// secret as key files.
public enum SimulatedCardImage: Sendable {
    /// A GlobalPlatform card: its issuer security domain, key sets and registry.
    case globalPlatform(GlobalPlatformCard.Image)
    /// A file-oriented card: its file tree, access keys and counters.
    case iso7816(ISOFileCard.Image)

    /// Reads an image file's bytes.
    ///
    /// - Throws: ``SimulatorSetupError`` when the bytes are not JSON, name no known format, or
    ///   the image itself is malformed.
    public init(decoding bytes: [UInt8]) throws(SimulatorSetupError) {
        let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        guard let format = object?["format"] as? String else {
            throw SimulatorSetupError(.invalidImage, "not a card image: expected a JSON object with a 'format' member")
        }
        do {
            if format.hasPrefix("cardseq-gp-card-image/") {
                self = .globalPlatform(try GlobalPlatformCard.Image(decoding: bytes))
            } else if format.hasPrefix("cardseq-iso7816-card-image/") {
                self = .iso7816(try ISOFileCard.Image(json: bytes))
            } else {
                throw SimulatorSetupError(.invalidImage, "unknown card image format '\(format)'")
            }
        } catch let error as SimulatorSetupError {
            throw error
        } catch {
            throw SimulatorSetupError(.invalidImage, "\(error)")
        }
    }

    /// The image of a card's current state.
    public init(card: any SimulatedCard) throws(SimulatorSetupError) {
        if let card = card as? GlobalPlatformCard {
            self = .globalPlatform(card.image)
        } else if let card = card as? ISOFileCard {
            self = .iso7816(card.image)
        } else {
            throw SimulatorSetupError(.invalidImage, "only GlobalPlatform and ISO 7816 simulated cards have images")
        }
    }

    /// The image as stable JSON bytes.
    ///
    /// - Returns: The bytes of the image file.
    /// - Throws: ``SimulatorSetupError`` when the image cannot be encoded.
    public func encoded() throws(SimulatorSetupError) -> [UInt8] {
        do {
            switch self {
            case .globalPlatform(let image): return try image.encoded()
            case .iso7816(let image): return try image.json()
            }
        } catch {
            throw SimulatorSetupError(.invalidImage, "\(error)")
        }
    }

    /// A card in the image's state, powered up.
    ///
    /// - Parameter randomChallenges: Whether an ISO card draws its challenges from the system's
    ///   random source (the default) or a fixed seed, for repeatable runs.
    /// - Returns: The card.
    /// - Throws: ``SimulatorSetupError`` when the image does not make a valid card.
    public func makeCard(randomChallenges: Bool = true) throws(SimulatorSetupError) -> any SimulatedCard {
        do {
            switch self {
            case .globalPlatform(let image):
                return try GlobalPlatformCard(image: image)
            case .iso7816(let image):
                return try ISOFileCard(
                    image: image,
                    randomSource: randomChallenges ? .system : .deterministic(seed: Array("cardseq".utf8))
                )
            }
        } catch {
            throw SimulatorSetupError(.invalidImage, "\(error)")
        }
    }
}
