import APDUTypes
import CardCrypto
public import SecureChannel

/// The secure stage: a plain ``CommandPlan`` and an authenticated channel to the commands the card receives.
///
/// Secrets are encrypted under the channel's data encryption key first (PUT KEY key blocks with
/// their check values, encrypted STORE DATA payloads with their lengths recomputed), then every
/// command is wrapped: C-MAC chained on the previous one, data encrypted when the level says so.
public enum SecureStage {
    /// Secures every command of a plan, in order.
    ///
    /// SELECT is never wrapped: the card's OPEN handles it, not the security domain. A SELECT of the
    /// security domain the channel was opened with, before any secured command, is dropped (the
    /// probe selected it before INITIALIZE UPDATE, and selecting it again would end the session).
    /// A SELECT of anything else ends the security domain's session, so it may only come after
    /// the last secured command.
    ///
    /// - Parameters:
    ///   - plan: The plain plan.
    ///   - session: An authenticated session; its MAC chain advances with each command.
    ///   - securityDomain: The AID of the security domain the session was opened with, if known.
    /// - Returns: The commands for the card, in order.
    /// - Throws: ``SecureChannelError`` when a command cannot be secured (too long, wrong key type,
    ///   after the session ended); the error names the step.
    public static func secure(
        _ plan: CommandPlan,
        session: inout SecureChannelSession,
        securityDomain: [UInt8]? = nil
    ) throws(SecureChannelError) -> [SecuredCommand] {
        var secured: [SecuredCommand] = []
        secured.reserveCapacity(plan.steps.reduce(0) { $0 + $1.commands.count })
        var sessionEndedAt: PlannedStep?
        var wrappedAny = false
        for step in plan.steps {
            let origin = step.origin.start.description
            for command in step.commands {
                func failure(_ error: SecureChannelError) -> SecureChannelError {
                    SecureChannelError(code: error.code, reason: "step \(step.index) (\(step.origin.start)): \(error)")
                }
                let isSelect = command.cla & 0x80 == 0 && command.ins == 0xA4
                if isSelect {
                    let data = command.clearDataForSecureStage
                    if !wrappedAny, command.p1 == 0x04, let securityDomain, data == securityDomain {
                        continue
                    }
                    sessionEndedAt = sessionEndedAt ?? step
                    secured.append(
                        Self.secured(
                            CommandAPDU(
                                cla: command.cla,
                                ins: command.ins,
                                p1: command.p1,
                                p2: command.p2,
                                data: data,
                                le: command.le
                            ),
                            command,
                            step,
                            origin
                        )
                    )
                    continue
                }
                if let ended = sessionEndedAt {
                    throw failure(
                        SecureChannelError(
                            code: .invalidState,
                            reason:
                                "the secure channel ended with the SELECT of step \(ended.index) (\(ended.origin.start)); select other applications only after the last command of the security domain"
                        )
                    )
                }
                let data: [UInt8]
                let wrapped: CommandAPDU
                do throws(SecureChannelError) {
                    data = try protectedData(command, session: session)
                    let plain = CommandAPDU(
                        cla: command.cla,
                        ins: command.ins,
                        p1: command.p1,
                        p2: command.p2,
                        data: data,
                        le: command.le
                    )
                    wrapped = try session.wrap(plain)
                } catch {
                    throw failure(error)
                }
                wrappedAny = true
                secured.append(Self.secured(wrapped, command, step, origin))
            }
        }
        return secured
    }

    private static func secured(
        _ apdu: CommandAPDU,
        _ command: PlannedCommand,
        _ step: PlannedStep,
        _ origin: String
    ) -> SecuredCommand {
        SecuredCommand(
            apdu: apdu,
            expect: command.expect,
            step: step.index,
            origin: origin,
            note: command.note,
            isSensitive: command.isSensitive
        )
    }

    /// The command's data field after DEK protection: key blocks built, secret payloads encrypted.
    static func protectedData(
        _ command: PlannedCommand,
        session: borrowing SecureChannelSession
    ) throws(SecureChannelError) -> [UInt8] {
        switch command.protection {
        case .none:
            return command.clearDataForSecureStage
        case .keyBlocks:
            return try keyBlocks(command, session: session)
        case .encryptSecrets:
            return try encryptedPayload(command, session: session)
        }
    }

    /// PUT KEY: the new key version, then one encrypted key block per key (type, length, key, KCV).
    private static func keyBlocks(
        _ command: PlannedCommand,
        session: borrowing SecureChannelSession
    ) throws(SecureChannelError) -> [UInt8] {
        guard case .plain(let version)? = command.data.first else {
            throw SecureChannelError(code: .invalidArgument, reason: "PUT KEY without a key version")
        }
        var data = version
        for segment in command.data {
            guard case .keyCheckValue(let type, let bytes) = segment else { continue }
            let key: CardKey
            do {
                key = try CardKey(type == .aes ? .aes : .tripleDES, bytes: bytes)
            } catch {
                throw SecureChannelError(
                    code: .invalidKeys,
                    reason: "a new \(type.rawValue) key of \(bytes.count) bytes is not a valid key"
                )
            }
            data += try session.putKeyBlock(newKey: key)
        }
        return data
    }

    /// STORE DATA with an encrypted payload: the secret encrypted under the DEK, its header rebuilt.
    ///
    /// The secret is padded with ISO/IEC 9797-1 method 2 only when it is not whole blocks; a DGI or
    /// BER-TLV header is rebuilt for the encrypted length. P1 bits 5-4 say which header the payload has.
    private static func encryptedPayload(
        _ command: PlannedCommand,
        session: borrowing SecureChannelSession
    ) throws(SecureChannelError) -> [UInt8] {
        var header: [UInt8] = []
        var secret: [UInt8] = []
        for segment in command.data {
            switch segment {
            case .plain(let bytes): header += bytes
            case .secret(let bytes): secret += bytes
            case .keyCheckValue: break
            }
        }
        let block = session.blockSize
        let padding: SensitiveDataPadding = secret.count % block == 0 && !secret.isEmpty ? .none : .iso9797Method2
        let encrypted = try session.encryptSensitiveData(secret, padding: padding)
        switch command.p1 & 0x18 {
        case 0x08:
            // DGI: two tag bytes, then the length in one byte, or FF and two bytes.
            let tag = Array(header.prefix(2))
            let length: [UInt8] =
                encrypted.count < 255
                ? [UInt8(encrypted.count)] : [0xFF, UInt8(encrypted.count >> 8), UInt8(encrypted.count & 0xFF)]
            return tag + length + encrypted
        case 0x10:
            let tagLength = Self.berTagLength(header)
            return Array(header.prefix(tagLength)) + BERTLV.encodeLength(encrypted.count) + encrypted
        default:
            return header + encrypted
        }
    }

    private static func berTagLength(_ header: [UInt8]) -> Int {
        guard let first = header.first, first & 0x1F == 0x1F else { return 1 }
        var index = 1
        while index < header.count && header[index] & 0x80 != 0 { index += 1 }
        return min(index + 1, header.count)
    }
}

extension SecureChannelSession {
    /// The cipher block size of the channel's data encryption key: 16 for AES, 8 for DES.
    var blockSize: Int {
        cardKeys?.dek.blockSize ?? 8
    }
}
