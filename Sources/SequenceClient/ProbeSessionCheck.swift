import APDUTypes
public import BundleFormat

/// Checks that a bundle continues the session this client's probe opened on the card.
///
/// An `online` GlobalPlatform bundle starts with EXTERNAL AUTHENTICATE, computed from the card's
/// INITIALIZE UPDATE response; if the bundle recorded another response (another session, another
/// card), the card would count a failed authentication, and cards lock after a few. So the
/// recorded response must be the card's answer to the probe, byte for byte, before anything is
/// sent. A secure messaging bundle's recorded EXTERNAL AUTHENTICATE answer must likewise be the
/// card's. Precomputed and implicit sessions are opened by the bundle itself and checked by the player.
public struct ProbeSessionCheck: BundleCheck {
    /// The card's INITIALIZE UPDATE response data in the probe (without the status word), if the probe ran one.
    public var initializeUpdateResponse: [UInt8]?
    /// The card's EXTERNAL AUTHENTICATE response data in a secure messaging probe, if the probe ran one.
    public var authenticationResponse: [UInt8]?

    /// Creates the check from what the card answered.
    ///
    /// - Parameters:
    ///   - initializeUpdateResponse: The INITIALIZE UPDATE response data, without the status word.
    ///   - authenticationResponse: The EXTERNAL AUTHENTICATE response data, without the status word.
    public init(initializeUpdateResponse: [UInt8]?, authenticationResponse: [UInt8]?) {
        self.initializeUpdateResponse = initializeUpdateResponse
        self.authenticationResponse = authenticationResponse
    }

    /// `probe-session`.
    public var name: String { "probe-session" }

    /// The code of this check's findings: `bundle.probe-session-mismatch`.
    public static let mismatch = BundleError.Code("bundle.probe-session-mismatch")

    /// Reports ``mismatch`` when the bundle's recorded opening is not the card's answer to the probe.
    public func check(_ bundle: SignedBundle) -> [BundleError] {
        switch bundle.payload.secureChannel {
        case .globalPlatform(let session) where session.mode == .online:
            guard let initializeUpdateResponse else {
                return [
                    BundleError(
                        code: Self.mismatch,
                        reason: "the bundle continues a session opened by INITIALIZE UPDATE, but the probe ran none"
                    )
                ]
            }
            guard session.initializeUpdate.response == initializeUpdateResponse else {
                return [
                    BundleError(
                        code: Self.mismatch,
                        reason: "the bundle was computed for another INITIALIZE UPDATE response than the card gave "
                            + "in this session's probe (another session or another card)"
                    )
                ]
            }
            return []
        case .secureMessaging(let session):
            guard let authenticationResponse else {
                return [
                    BundleError(
                        code: Self.mismatch,
                        reason:
                            "the bundle continues a secure messaging session, but the probe ran no EXTERNAL AUTHENTICATE"
                    )
                ]
            }
            guard session.authentication.response == authenticationResponse else {
                return [
                    BundleError(
                        code: Self.mismatch,
                        reason: "the bundle was computed for another EXTERNAL AUTHENTICATE answer than the card gave "
                            + "in this session's probe"
                    )
                ]
            }
            return []
        default:
            return []
        }
    }

    /// The check for a probe's commands and the card's answers: the last INITIALIZE UPDATE
    /// (`80 50` or `84 50`) and the last EXTERNAL AUTHENTICATE of secure messaging (`00 82`)
    /// answered with `9000`.
    ///
    /// - Parameter exchanges: Each probe command's APDU bytes and the card's whole response (data and status word).
    /// - Returns: The check.
    public static func from(_ exchanges: [(command: [UInt8], response: [UInt8])]) -> ProbeSessionCheck {
        var initializeUpdate: [UInt8]?
        var authentication: [UInt8]?
        for (command, response) in exchanges where command.count >= 4 && response.count >= 2 {
            guard response.suffix(2).elementsEqual([0x90, 0x00]) else { continue }
            let data = Array(response.dropLast(2))
            let cla = command[0]
            let ins = command[1]
            if ins == 0x50, cla & 0xF0 == 0x80 {
                initializeUpdate = data
            } else if ins == 0x82, cla & 0xF0 == 0x00 {
                authentication = data
            }
        }
        return ProbeSessionCheck(initializeUpdateResponse: initializeUpdate, authenticationResponse: authentication)
    }

    /// The card identity the probe read: the key diversification data from INITIALIZE UPDATE.
    public var cardIdentity: BundleCardIdentity? {
        guard let initializeUpdateResponse, initializeUpdateResponse.count >= 10 else { return nil }
        return BundleCardIdentity(kdd: Array(initializeUpdateResponse.prefix(10)))
    }
}
