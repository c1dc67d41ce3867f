import APDUTypes

extension GlobalPlatformCard {
    /// DELETE (GPCS 2.3.1 section 11.2): an application, or a load file (with its applications when P2
    /// is `80`, "delete related objects"), named by tag `4F`; or keys named by `D0` (key identifier)
    /// and `D2` (key version).
    ///
    /// The issuer security domain cannot be deleted (`6985`); a load file that still has applications
    /// needs P2 `80` (`6985` otherwise); an AID the card does not hold gets `6A88`.
    func delete(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        guard command.p1 == 0x00 || command.p1 == 0x80, command.p2 == 0x00 || command.p2 == 0x80 else {
            throw .incorrectParameters
        }
        let related = command.p2 == 0x80
        guard let elements = BERTLV.decode(command.data), let first = elements.first else {
            throw .incorrectData
        }
        if first.tag == [0xD0] || first.tag == [0xD2] {
            return try deleteKeys(elements)
        }
        guard first.tag == [0x4F], let aid = ApplicationIdentifier(first.value),
            elements.dropFirst().allSatisfy({ $0.tag == [0xB6] || $0.tag == [0x9E] })
        else {
            throw .incorrectData
        }
        if aid == stored.configuration.issuerSecurityDomainAID {
            throw .conditionsNotSatisfied
        }
        if let application = application(aid) {
            let associated = stored.applications.filter { $0.aid != aid && $0.securityDomain == aid }
            if application.isSecurityDomain && !associated.isEmpty && !related {
                throw .conditionsNotSatisfied
            }
            let removed = Set([aid] + associated.map(\.aid))
            stored.applications.removeAll { removed.contains($0.aid) }
            if let target = personalizationTarget, removed.contains(target) {
                personalizationTarget = nil
            }
            return CardResponse(data: [0x00], statusWord: .success)
        }
        if loadFile(aid) != nil {
            let instances = Set(stored.applications.filter { $0.loadFile == aid }.map(\.aid))
            if !instances.isEmpty && !related {
                throw .conditionsNotSatisfied
            }
            stored.applications.removeAll { instances.contains($0.aid) }
            stored.loadFiles.removeAll { $0.aid == aid }
            if let target = personalizationTarget, instances.contains(target) {
                personalizationTarget = nil
            }
            return CardResponse(data: [0x00], statusWord: .success)
        }
        throw .referencedDataNotFound
    }

    /// Deletes keys by identifier (`D0`) and key version (`D2`); at least one key set able to open a
    /// channel must remain.
    private func deleteKeys(_ elements: [BERTLV.Element]) throws(Refusal) -> CardResponse {
        var identifier: UInt8?
        var version: UInt8?
        for element in elements {
            guard element.value.count == 1 else {
                throw .incorrectData
            }
            switch element.tag {
            case [0xD0]: identifier = element.value[0]
            case [0xD2]: version = element.value[0]
            default: throw .incorrectData
            }
        }
        var keySets = stored.configuration.keySets
        var found = false
        for index in keySets.indices where version == nil || keySets[index].keyVersion == version {
            for key in keySets[index].keys.keys where identifier == nil || key == identifier {
                keySets[index].keys[key] = nil
                found = true
            }
        }
        guard found else {
            throw .referencedDataNotFound
        }
        keySets.removeAll { $0.keys.isEmpty }
        guard keySets.contains(where: { $0.staticKeys != nil }) else {
            throw .conditionsNotSatisfied
        }
        stored.configuration.keySets = keySets
        return CardResponse(data: [0x00], statusWord: .success)
    }
}
