import APDUTypes

extension GlobalPlatformCard {
    /// INSTALL (GPCS 2.3.1 section 11.5): [for load] `02`, [for install] `04`, [for make selectable] `08`,
    /// both `0C`, [for personalization] `20`.
    ///
    /// Other roles (extradition, registry update) get `6A86`.
    func install(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        guard command.p2 == 0x00 else {
            throw .incorrectParameters
        }
        switch command.p1 {
        case 0x02: return try installForLoad(command)
        case 0x04, 0x0C: return try installForInstall(command, makeSelectable: command.p1 == 0x0C)
        case 0x08: return try installForMakeSelectable(command)
        case 0x20: return try installForPersonalization(command)
        default: throw .incorrectParameters
        }
    }

    /// INSTALL [for install] and [for install and make selectable]: load file AID, module AID, instance
    /// AID, privileges (1 or 3 bytes), install parameters (with `C9`) and token.
    ///
    /// The load file and the module in it must exist (`6A88`); the instance AID must be new on the card
    /// (`6985`, as on a second install of the same application).
    private func installForInstall(_ command: CommandAPDU, makeSelectable: Bool) throws(Refusal) -> CardResponse {
        var reader = FieldReader(command.data)
        let loadFileAID = try reader.aid()
        let moduleAID = try reader.aid()
        let instance = try reader.aid()
        let privileges = try Self.privileges(try reader.field())
        let parameters = try reader.field()
        _ = try reader.field()
        try reader.expectEnd()
        guard BERTLV.decode(parameters)?.contains(where: { $0.tag == [0xC9] }) == true else {
            throw .incorrectData
        }
        guard let loadFile = loadFile(loadFileAID), loadFile.modules.contains(moduleAID) else {
            throw .referencedDataNotFound
        }
        guard !isRegistered(instance) else {
            throw .conditionsNotSatisfied
        }
        if let capacity = stored.configuration.memoryCapacity, usedMemory + parameters.count > capacity {
            throw .notEnoughMemory
        }
        stored.applications.append(
            Application(
                aid: instance,
                loadFile: loadFileAID,
                module: moduleAID,
                securityDomain: loadFile.securityDomain,
                privileges: privileges,
                lifeCycle: makeSelectable ? LifeCycle.selectable : LifeCycle.installed,
                installParameters: parameters
            )
        )
        return CardResponse(data: [0x00], statusWord: .success)
    }

    /// INSTALL [for make selectable]: `00 00`, the instance AID, privileges, `00` and token; the
    /// application goes from INSTALLED to SELECTABLE.
    private func installForMakeSelectable(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        var reader = FieldReader(command.data)
        guard try reader.field().isEmpty, try reader.field().isEmpty else {
            throw .incorrectData
        }
        let instance = try reader.aid()
        let privilegeField = try reader.field()
        _ = try reader.field()
        _ = try reader.field()
        try reader.expectEnd()
        guard let index = stored.applications.firstIndex(where: { $0.aid == instance }) else {
            throw .referencedDataNotFound
        }
        guard stored.applications[index].lifeCycle == LifeCycle.installed else {
            throw .conditionsNotSatisfied
        }
        if !privilegeField.isEmpty {
            stored.applications[index].privileges = try Self.privileges(privilegeField)
        }
        stored.applications[index].lifeCycle = LifeCycle.selectable
        return CardResponse(data: [0x00], statusWord: .success)
    }

    /// INSTALL [for personalization]: `00 00`, the application AID, `00 00 00`.
    ///
    /// The following STORE DATA commands go to that application, numbered from block `00`, until the
    /// last block.
    private func installForPersonalization(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        var reader = FieldReader(command.data)
        guard try reader.field().isEmpty, try reader.field().isEmpty else {
            throw .incorrectData
        }
        let instance = try reader.aid()
        for _ in 0..<3 {
            _ = try reader.field()
        }
        try reader.expectEnd()
        guard let application = application(instance) else {
            throw .referencedDataNotFound
        }
        guard !application.isLocked, application.securityDomain == stored.configuration.issuerSecurityDomainAID
        else {
            throw .conditionsNotSatisfied
        }
        personalizationTarget = instance
        nextStoreDataBlock = 0
        return CardResponse(data: [0x00], statusWord: .success)
    }

    /// One or three privilege bytes, stored as three.
    private static func privileges(_ field: [UInt8]) throws(Refusal) -> [UInt8] {
        switch field.count {
        case 1: return field + [0x00, 0x00]
        case 3: return field
        default: throw .incorrectData
        }
    }
}
