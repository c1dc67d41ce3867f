import APDUTypes

/// The human reading of a bundle, for `seqc inspect` and review.
///
/// One header block (sequence, card, secure channel, validity, signature), then one line per
/// command with its index, instruction name, source step and origin, followed by the APDU.
/// The data field of a sensitive command is shown as `**` per byte, so the text can be logged.
/// The rendering does not verify anything: verify before trusting what it shows.
public enum BundleDescription {
    /// Renders a bundle as text ending with a newline.
    public static func render(_ bundle: SignedBundle) -> String {
        let payload = bundle.payload
        var out = "bundle \(CanonicalHex.string(payload.id)) (\(payload.format))\n"
        out += "sequence: \(payload.sequence.name) \(payload.sequence.version) (\(payload.sequence.sourceDigestText))\n"
        let identity = payload.card.identity.identifiers.map { "\($0.name) \(CanonicalHex.string($0.bytes))" }
        out += "card: \(payload.card.profile.rawValue)"
        out += identity.isEmpty ? "\n" : "; " + identity.joined(separator: ", ") + "\n"
        out += "secure channel: \(describe(payload.secureChannel))\n"
        out += "valid: \(payload.issuedAt) to \(payload.expiresAt)\n"
        out +=
            "signature: \(bundle.signature.algorithm.rawValue), key id \(CanonicalHex.string(bundle.signature.keyID))\n"
        let sensitiveCount = payload.commands.filter(\.sensitive).count
        out += "commands: \(payload.commands.count)"
        out += sensitiveCount > 0 ? " (\(sensitiveCount) sensitive; ** = hidden byte)\n" : "\n"
        for command in payload.commands {
            out += "\n" + describe(command)
        }
        return out
    }

    private static func describe(_ channel: BundleSecureChannel) -> String {
        switch channel {
        case .none:
            return "none"
        case .secureMessaging(let session):
            var text = "sm \(session.cipher.rawValue), security level \(session.securityLevel)"
            if let keyReference = session.keyReference {
                text += ", key reference \(CanonicalHex.string([keyReference]))"
            }
            text += "\n  card challenge \(CanonicalHex.string(session.cardChallenge))"
            text += ", send sequence counter \(CanonicalHex.string(session.sequenceCounter))"
            return text
        case .globalPlatform(let session):
            var text = "\(session.scp.rawValue) i=\(CanonicalHex.string([session.iParameter]))"
            text += ", key version \(CanonicalHex.string([session.keyVersion])) (\(session.keyVersion))"
            text += ", security level \(session.securityLevel), \(session.mode.rawValue)"
            text += "\n  host challenge \(CanonicalHex.string(session.hostChallenge))"
            text += ", card challenge \(CanonicalHex.string(session.cardChallenge))"
            if let counter = session.sequenceCounter {
                text += ", sequence counter \(CanonicalHex.string(counter))"
            }
            return text
        }
    }

    private static func describe(_ command: BundleCommand) -> String {
        var line = "[\(command.index)]"
        let decoded = try? command.commandAPDU()
        var name: String?
        if let decoded {
            name =
                InstructionName.name(cla: decoded.cla, ins: decoded.ins, p1: decoded.p1)
                ?? "INS \(CanonicalHex.string([decoded.ins]))"
        }
        // A note that already starts with the instruction's name replaces it.
        let baseName = name.map { String($0.prefix { $0 != "(" && $0 != "[" }).trimmingSpaces }
        let noteRepeatsName = baseName.map { command.note?.hasPrefix($0) ?? false } ?? false
        let words = [noteRepeatsName ? nil : name, command.note].compactMap { $0 }
        if !words.isEmpty {
            line += " " + words.joined(separator: " — ")
        }
        if let step = command.step, let origin = command.origin {
            line += " (step \(step), \(origin))"
        } else {
            line += " (secure channel)"
        }
        if command.sensitive {
            line += " [sensitive]"
        }
        line += "\n    "
        if let decoded {
            line += apduText(decoded, hidingData: command.sensitive)
        } else {
            line += CanonicalHex.string(command.apdu) + " (not a valid command APDU)"
        }
        line += "  expect \(command.expect.map(\.description).joined(separator: " "))\n"
        return line
    }

    /// `CLA INS P1 P2 [Lc] data [Le]`, spaced by field, with the data hidden when asked.
    private static func apduText(_ command: CommandAPDU, hidingData: Bool) -> String {
        var parts = [CanonicalHex.string([command.cla, command.ins, command.p1, command.p2])]
        let bytes = command.bytes
        if !command.data.isEmpty {
            let lcLength = command.isExtended ? 3 : 1
            parts.append(CanonicalHex.string(Array(bytes[4..<4 + lcLength])))
            parts.append(
                hidingData
                    ? String(repeating: "**", count: command.data.count) : CanonicalHex.string(command.data)
            )
        }
        if command.le != nil {
            let leStart = command.data.isEmpty ? 4 : 4 + (command.isExtended ? 3 : 1) + command.data.count
            parts.append(CanonicalHex.string(Array(bytes[leStart...])))
        }
        return parts.joined(separator: " ")
    }
}

extension String {
    /// The string without leading and trailing spaces.
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
