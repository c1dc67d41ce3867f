import APDUTypes
import SecureChannel

extension GlobalPlatformCard {
    /// The rest of a GET STATUS answer that did not fit, for the next command with P2 bit `01`.
    struct StatusContinuation {
        let p1: UInt8
        let tagged: Bool
        let entries: [[UInt8]]
    }

    /// GET STATUS (GPCS 2.3.1 section 11.4): registry entries whose AID starts with the `4F` search
    /// criterion (empty matches all).
    ///
    /// P1 `80` the issuer security domain, `40` applications and security domains, `20` executable
    /// load files, `10` load files with their modules. P2 `02` answers in the tagged format of table
    /// 11-36 (`E3` with `4F` AID, `9F70` life cycle, `C5` privileges, `C4` load file, `CE` version,
    /// `84` modules, `CC` security domain), P2 `00` in the older fixed format. Entries that do not fit
    /// one response wait for GET STATUS with P2 bit `01` after a `6310`; no match gets `6A88`.
    func getStatus(_ command: CommandAPDU, session box: ChannelBox) throws(Refusal) -> CardResponse {
        let p1 = command.p1
        guard [0x80, 0x40, 0x20, 0x10].contains(p1), command.p2 & ~0x03 == 0 else {
            throw .incorrectParameters
        }
        let tagged = command.p2 & 0x02 != 0
        var entries: [[UInt8]]
        if command.p2 & 0x01 != 0 {
            guard let continuation = statusContinuation, continuation.p1 == p1, continuation.tagged == tagged else {
                statusContinuation = nil
                throw .conditionsNotSatisfied
            }
            entries = continuation.entries
        } else {
            guard let elements = BERTLV.decode(command.data),
                let criterion = elements.first(where: { $0.tag == [0x4F] }),
                elements.allSatisfy({ $0.tag == [0x4F] || $0.tag == [0x5C] })
            else {
                statusContinuation = nil
                throw .incorrectData
            }
            entries = statusEntries(p1, matching: criterion.value, tagged: tagged)
        }
        statusContinuation = nil
        guard !entries.isEmpty else {
            throw .referencedDataNotFound
        }
        let level = box.session.securityLevel ?? []
        let limit = level.contains(.responseMAC) || level.contains(.responseEncryption) ? 200 : 256
        var data: [UInt8] = []
        var taken = 0
        for entry in entries {
            if taken > 0 && data.count + entry.count > limit {
                break
            }
            data += entry
            taken += 1
        }
        guard taken == entries.count else {
            statusContinuation = StatusContinuation(p1: p1, tagged: tagged, entries: Array(entries[taken...]))
            return CardResponse(data: data, statusWord: StatusWord(0x6310))
        }
        return CardResponse(data: data, statusWord: .success)
    }

    /// The encoded registry entries of one kind whose AID starts with `prefix`.
    private func statusEntries(_ p1: UInt8, matching prefix: [UInt8], tagged: Bool) -> [[UInt8]] {
        func matches(_ aid: ApplicationIdentifier) -> Bool {
            aid.bytes.starts(with: prefix)
        }
        let configuration = stored.configuration
        switch p1 {
        case 0x80:
            let isd = configuration.issuerSecurityDomainAID
            guard matches(isd) else { return [] }
            let privileges = Privilege.issuerSecurityDomain
            return [
                tagged
                    ? Self.tagged(
                        BERTLV.encode(tag: 0x4F, value: isd.bytes) + Self.lifeCycleTLV(configuration.cardLifeCycle)
                            + BERTLV.encode(tag: 0xC5, value: privileges)
                    )
                    : Self.fixed(isd, lifeCycle: configuration.cardLifeCycle, privilege: privileges[0])
            ]
        case 0x40:
            return stored.applications.filter { matches($0.aid) }.map { application in
                tagged
                    ? Self.tagged(
                        BERTLV.encode(tag: 0x4F, value: application.aid.bytes)
                            + Self.lifeCycleTLV(application.lifeCycle)
                            + BERTLV.encode(tag: 0xC5, value: application.privileges)
                            + BERTLV.encode(tag: 0xC4, value: application.loadFile.bytes)
                            + BERTLV.encode(tag: 0xCC, value: application.securityDomain.bytes)
                    )
                    : Self.fixed(
                        application.aid,
                        lifeCycle: application.lifeCycle,
                        privilege: application.privileges[0]
                    )
            }
        default:
            let withModules = p1 == 0x10
            return stored.loadFiles.filter { matches($0.aid) }.map { file in
                if tagged {
                    var contents = BERTLV.encode(tag: 0x4F, value: file.aid.bytes) + Self.lifeCycleTLV(file.lifeCycle)
                    contents += BERTLV.encode(tag: 0xCE, value: file.version)
                    if withModules {
                        for module in file.modules {
                            contents += BERTLV.encode(tag: 0x84, value: module.bytes)
                        }
                    }
                    contents += BERTLV.encode(tag: 0xCC, value: file.securityDomain.bytes)
                    return Self.tagged(contents)
                }
                var entry = Self.fixed(file.aid, lifeCycle: file.lifeCycle, privilege: 0x00)
                if withModules {
                    entry.append(UInt8(file.modules.count))
                    for module in file.modules {
                        entry += [UInt8(module.bytes.count)] + module.bytes
                    }
                }
                return entry
            }
        }
    }

    private static func tagged(_ contents: [UInt8]) -> [UInt8] {
        BERTLV.encode(tag: 0xE3, value: contents)
    }

    private static func lifeCycleTLV(_ state: UInt8) -> [UInt8] {
        [0x9F, 0x70, 0x01, state]
    }

    /// The fixed format: AID length, AID, life cycle, first privilege byte.
    private static func fixed(_ aid: ApplicationIdentifier, lifeCycle: UInt8, privilege: UInt8) -> [UInt8] {
        [UInt8(aid.bytes.count)] + aid.bytes + [lifeCycle, privilege]
    }
}
