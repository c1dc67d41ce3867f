import APDUTypes
import CAPFile

/// GlobalPlatform card content management commands (GPCS v2.3.1 chapter 11).
extension Lowering {
    static let gpClass: UInt8 = 0x80

    func lowerDelete(
        _ delete: Delete,
        expect explicit: [StatusPattern]?,
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        guard let aid = resolver.aid(delete.aid, what: "the AID to delete", diagnostics: &diagnostics) else {
            return nil
        }
        var expect = explicit ?? [.success]
        if delete.missingOK && !expect.contains(where: { $0.matches(0x6A88) }) {
            expect.append(StatusPattern(value: 0x6A88))
        }
        return [
            PlannedCommand(
                cla: Self.gpClass,
                ins: 0xE4,
                p1: 0x00,
                p2: delete.related ? 0x80 : 0x00,
                data: [.plain(BERTLV.encode(tag: 0x4F, value: aid))],
                le: 256,
                expect: expect
            )
        ]
    }

    /// The CAP component a load step names, or a diagnostic.
    private func capComponent(_ name: Located<String>, _ diagnostics: inout DiagnosticBag) -> CAPFile? {
        guard let declaration = declaredComponents[name.value] else {
            let hint = Suggestions.hint(for: name.value, in: declaredComponents.keys.sorted())
            diagnostics.append(.error(.componentUnknown, "no component named '\(name.value)'\(hint)", at: name.range))
            return nil
        }
        guard declaration.kind == .cap else {
            diagnostics.append(
                .error(
                    .componentUnknown,
                    "component '\(name.value)' is \(declaration.kind.rawValue) contents, not a CAP file",
                    at: name.range
                )
            )
            return nil
        }
        guard case .cap(let cap)? = components[name.value] else { return nil }
        return cap
    }

    func lowerLoad(
        _ load: Load,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let cap = capComponent(load.component, &diagnostics)
        var loadFileAID = cap?.packageAID.bytes
        if let scalar = load.loadFileAID {
            loadFileAID = resolver.aid(scalar, what: "the load file AID", diagnostics: &diagnostics)
        }
        var securityDomain: [UInt8]? = []
        if let scalar = load.securityDomain {
            securityDomain = resolver.aid(scalar, what: "the security domain AID", diagnostics: &diagnostics)
        }
        var blockSize: Int? = options.maximumDataLength
        if let scalar = load.blockSize {
            blockSize = resolver.integer(scalar, in: 1...65_535, what: "the LOAD block size", diagnostics: &diagnostics)
            if let size = blockSize, size > options.maximumDataLength {
                diagnostics.append(
                    .warning(
                        .valueRange,
                        "LOAD blocks of \(size) bytes exceed the \(options.maximumDataLength) that fit a short APDU once \(options.summary) adds its MAC and padding; the secured LOAD commands will need extended length, which not every card and reader supports",
                        at: scalar.range
                    )
                )
            }
        }
        let parameters = systemParameters(load.parameters, &diagnostics)
        var token: [UInt8]? = []
        if let scalar = load.token {
            token = resolver.bytes(scalar, diagnostics: &diagnostics)?.value
        }
        guard let cap, let loadFileAID, let securityDomain, let blockSize, let parameters, let token else { return nil }

        let key = PreparedLoadFile.Key(
            component: load.component.value,
            includesDescriptor: load.includesDescriptor,
            hash: load.hash.value
        )
        let prepared =
            loadFiles[key]
            ?? PreparedLoadFile(cap: cap, includesDescriptor: load.includesDescriptor, hash: load.hash.value)
        let loadFileData = prepared.data
        let hash = prepared.hash
        let loadParameters = parameters.isEmpty ? [] : BERTLV.encode(tag: 0xEF, value: parameters)
        var installData: [UInt8] = []
        for field in [loadFileAID, securityDomain, hash, loadParameters, token] {
            guard field.count <= 255 else {
                diagnostics.append(
                    .error(.dataTooLong, "a field of INSTALL [for load] is longer than 255 bytes", at: step.range)
                )
                return nil
            }
            installData += [UInt8(field.count)] + field
        }
        guard fits(installData.count, what: "INSTALL [for load]", at: step.range, &diagnostics) else { return nil }
        var commands = [
            PlannedCommand(
                cla: Self.gpClass,
                ins: 0xE6,
                p1: 0x02,
                p2: 0x00,
                data: [.plain(installData)],
                le: 256,
                expect: expect,
                note: "INSTALL [for load] \(Hex.string(loadFileAID))"
            )
        ]
        let loadFile = BERTLV.encode(tag: 0xC4, value: loadFileData)
        let blocks = Self.chunks(loadFile, size: blockSize)
        for (number, block) in blocks.enumerated() {
            let isLast = number == blocks.count - 1
            commands.append(
                PlannedCommand(
                    cla: Self.gpClass,
                    ins: 0xE8,
                    p1: isLast ? 0x80 : 0x00,
                    p2: UInt8(number & 0xFF),
                    data: [.plain(Array(block))],
                    le: 256,
                    expect: expect,
                    note: "LOAD block \(number + 1)/\(blocks.count)"
                )
            )
        }
        return commands
    }

    /// The `EF` system parameters: each value two bytes, or four above 65535.
    private func systemParameters(_ parameters: [SystemParameter], _ diagnostics: inout DiagnosticBag) -> [UInt8]? {
        var bytes: [UInt8] = []
        var failed = false
        var seen: Set<SystemParameterName> = []
        for parameter in parameters {
            if !seen.insert(parameter.name.value).inserted {
                diagnostics.append(
                    .error(
                        .duplicateKey,
                        "system parameter '\(parameter.name.value.rawValue)' is given twice",
                        at: parameter.name.range
                    )
                )
                failed = true
                continue
            }
            guard
                let value = resolver.integer(
                    parameter.value,
                    in: 0...0xFFFF_FFFF,
                    what: "'\(parameter.name.value.rawValue)'",
                    diagnostics: &diagnostics
                )
            else {
                failed = true
                continue
            }
            let encoded: [UInt8] =
                value > 0xFFFF
                ? [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
                : [UInt8(value >> 8), UInt8(value & 0xFF)]
            bytes += BERTLV.encode(tag: parameter.name.value.tag, value: encoded)
        }
        return failed ? nil : bytes
    }

    /// The privileges as 1 or 3 bytes.
    private func privilegeBytes(_ install: Install, _ diagnostics: inout DiagnosticBag) -> [UInt8]? {
        var bytes: [UInt8] = [0, 0, 0]
        var highest = 0
        for privilege in install.privileges {
            let (index, bits) = privilege.value.encoding
            bytes[index] |= bits
            highest = max(highest, index)
        }
        let count = install.privilegeBytes?.value ?? (highest == 0 ? 1 : 3)
        if count == 1 && highest > 0, let range = install.privilegeBytes?.range {
            diagnostics.append(
                .error(
                    .valueRange,
                    "'privilege-bytes: 1' cannot carry privileges of the second or third byte",
                    at: range
                )
            )
            return nil
        }
        return count == 1 ? [bytes[0]] : bytes
    }

    func lowerInstall(
        _ install: Install,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let package = resolver.aid(install.package, what: "the package AID", diagnostics: &diagnostics)
        let module = resolver.aid(install.module, what: "the module AID", diagnostics: &diagnostics)
        var instance = module
        if let scalar = install.instance {
            instance = resolver.aid(scalar, what: "the instance AID", diagnostics: &diagnostics)
        }
        let privileges = privilegeBytes(install, &diagnostics)
        var parameters: ValueResolver.Resolved<[UInt8]>? = ValueResolver.Resolved(
            value: [],
            isSecret: false,
            range: step.range
        )
        if let scalar = install.parameters {
            parameters = resolver.bytes(scalar, diagnostics: &diagnostics)
        }
        let system = systemParameters(install.system, &diagnostics)
        var token: [UInt8]? = []
        if let scalar = install.token {
            token = resolver.bytes(scalar, diagnostics: &diagnostics)?.value
        }
        guard let package, let module, let instance, let privileges, let parameters, let system, let token else {
            return nil
        }
        var installParameters = BERTLV.encode(tag: 0xC9, value: parameters.value)
        if !system.isEmpty {
            installParameters += BERTLV.encode(tag: 0xEF, value: system)
        }
        var data: [UInt8] = []
        for field in [package, module, instance, privileges, installParameters, token] {
            guard field.count <= 255 else {
                diagnostics.append(
                    .error(.dataTooLong, "a field of INSTALL [for install] is longer than 255 bytes", at: step.range)
                )
                return nil
            }
            data += [UInt8(field.count)] + field
        }
        guard fits(data.count, what: "INSTALL [for install]", at: install.parameters?.range ?? step.range, &diagnostics)
        else {
            return nil
        }
        return [
            PlannedCommand(
                cla: Self.gpClass,
                ins: 0xE6,
                p1: install.selectable ? 0x0C : 0x04,
                p2: 0x00,
                data: [.plain(data)],
                le: 256,
                expect: expect,
                note:
                    "INSTALL [for install\(install.selectable ? " and make selectable" : "")] \(Hex.string(instance))",
                markedSensitive: parameters.isSecret
            )
        ]
    }

    func lowerPersonalize(
        _ personalize: Personalize,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let instance = resolver.aid(
            personalize.instance,
            what: "the application to personalize",
            diagnostics: &diagnostics
        )
        let stores = lowerStoreData(personalize.data, step: step, expect: expect, &diagnostics)
        guard let instance, let stores else { return nil }
        let data: [UInt8] = [0x00, 0x00, UInt8(instance.count)] + instance + [0x00, 0x00, 0x00]
        let install = PlannedCommand(
            cla: Self.gpClass,
            ins: 0xE6,
            p1: 0x20,
            p2: 0x00,
            data: [.plain(data)],
            le: 256,
            expect: expect,
            note: "INSTALL [for personalization] \(Hex.string(instance))"
        )
        return [install] + stores
    }

    /// STORE DATA commands, one per item: P1 carries the last-block bit (b8), the encryption bits
    /// (b7-b6: `11` encrypted) and the structure bits (b5-b4: `01` DGI, `10` BER-TLV); P2 numbers
    /// the blocks from `00`.
    func lowerStoreData(
        _ items: [StoreDataItem],
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        var commands: [PlannedCommand] = []
        var failed = false
        if items.count > 256 {
            diagnostics.append(
                .error(
                    .valueRange,
                    "STORE DATA numbers at most 256 blocks; this step has \(items.count)",
                    at: step.range
                )
            )
            return nil
        }
        for (index, item) in items.enumerated() {
            var p1: UInt8 = index == items.count - 1 ? 0x80 : 0x00
            if item.encrypted { p1 |= 0x60 }
            let value = resolver.bytes(item.value, diagnostics: &diagnostics)
            var header: [UInt8]? = []
            switch item.format {
            case .dgi(let tag):
                p1 |= 0x08
                let resolvedTag = resolver.bytes(tag, length: 2...2, what: "a DGI", diagnostics: &diagnostics)
                if let tag = resolvedTag?.value, let value {
                    header =
                        tag
                        + (value.value.count < 255
                            ? [UInt8(value.value.count)]
                            : [0xFF, UInt8(value.value.count >> 8), UInt8(value.value.count & 0xFF)])
                } else {
                    header = nil
                }
            case .tlv(let tag):
                p1 |= 0x10
                let resolvedTag = resolver.bytes(tag, length: 1...3, what: "a TLV tag", diagnostics: &diagnostics)
                if let tag = resolvedTag?.value {
                    if !BERTLV.isValidTag(tag) {
                        diagnostics.append(
                            .error(
                                .valueLength,
                                "'\(Hex.string(tag))' is not one BER-TLV tag",
                                at: tag.isEmpty ? item.range : resolvedTag?.range ?? item.range
                            )
                        )
                        header = nil
                    } else if let value {
                        header = tag + BERTLV.encodeLength(value.value.count)
                    }
                } else {
                    header = nil
                }
            case .raw:
                break
            }
            guard let header, let value else {
                failed = true
                continue
            }
            let secret = item.encrypted || value.isSecret
            guard fits(header.count + value.value.count, what: "STORE DATA", at: item.value.range, &diagnostics) else {
                failed = true
                continue
            }
            commands.append(
                PlannedCommand(
                    cla: Self.gpClass,
                    ins: 0xE2,
                    p1: p1,
                    p2: UInt8(index),
                    data: header.isEmpty
                        ? [secret ? .secret(value.value) : .plain(value.value)]
                        : [.plain(header), secret ? .secret(value.value) : .plain(value.value)],
                    le: 256,
                    expect: expect,
                    note: "STORE DATA \(index + 1)/\(items.count)",
                    protection: item.encrypted ? .encryptSecrets : .none
                )
            )
        }
        return failed ? nil : commands
    }

    /// PUT KEY (GPCS v2.3.1 section 11.8; key data field format of Amendment D for AES).
    func lowerPutKey(
        _ putKey: PutKey,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let version = resolver.integer(
            putKey.version,
            in: 1...0x7F,
            what: "the new key version",
            diagnostics: &diagnostics
        )
        var replaces: Int? = 0
        if let scalar = putKey.replaces {
            replaces = resolver.integer(
                scalar,
                in: 1...0x7F,
                what: "the replaced key version",
                diagnostics: &diagnostics
            )
        }
        var firstKey: Int? = 1
        if let scalar = putKey.firstKeyID {
            firstKey = resolver.integer(
                scalar,
                in: 1...0x7F,
                what: "the first key identifier",
                diagnostics: &diagnostics
            )
        }
        var data: [DataSegment] = []
        var failed = false
        for key in putKey.keys {
            let lengths = key.type.value == .aes ? [16, 24, 32] : [16, 24]
            guard let value = resolver.bytes(key.value, diagnostics: &diagnostics) else {
                failed = true
                continue
            }
            guard resolver.knowsFields else { continue }
            guard value.isSecret else {
                diagnostics.append(
                    .error(
                        .keyNotSecret,
                        "a key value must come from a field declared 'secret: true', so it is never printed or logged",
                        at: key.value.range
                    )
                )
                failed = true
                continue
            }
            guard lengths.contains(value.value.count) else {
                diagnostics.append(
                    .error(
                        .valueLength,
                        "a \(key.type.value.rawValue) key is \(lengths.map(String.init).joined(separator: ", ")) bytes long; this one is \(value.value.count)",
                        at: key.value.range
                    )
                )
                failed = true
                continue
            }
            switch key.type.value {
            case .aes:
                data.append(.plain([0x88, UInt8(value.value.count + 1), UInt8(value.value.count)]))
            case .des3:
                data.append(.plain([0x80, UInt8(value.value.count)]))
            }
            data.append(.secret(value.value))
            data.append(.plain([0x03]))
            data.append(.keyCheckValue(key.type.value, key: value.value))
        }
        guard let version, let replaces, let firstKey, !failed, !data.isEmpty else { return nil }
        data.insert(.plain([UInt8(version)]), at: 0)
        let length = data.reduce(0) { $0 + $1.count }
        guard fits(length, what: "PUT KEY", at: step.range, &diagnostics) else { return nil }
        return [
            PlannedCommand(
                cla: Self.gpClass,
                ins: 0xD8,
                p1: UInt8(replaces),
                p2: UInt8(firstKey) | (putKey.keys.count > 1 ? 0x80 : 0x00),
                data: data,
                le: 256,
                expect: expect,
                note: "PUT KEY version \(version), \(putKey.keys.count) key\(putKey.keys.count == 1 ? "" : "s")",
                protection: .keyBlocks
            )
        ]
    }

    /// The state names SET STATUS accepts per scope (GPCS v2.3.1 tables 11-5 to 11-7 and section 11.10).
    static let states: [SetStatus.Scope: [String: UInt8]] = [
        .card: ["initialized": 0x07, "secured": 0x0F, "locked": 0x7F, "terminated": 0xFF],
        .application: ["selectable": 0x07, "personalized": 0x0F, "locked": 0x80, "unlocked": 0x00],
        .securityDomain: ["personalized": 0x0F, "locked": 0x80, "unlocked": 0x00],
    ]

    func lowerSetStatus(
        _ setStatus: SetStatus,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let scope = setStatus.scope.value
        let names = Self.states[scope] ?? [:]
        var state: UInt8?
        if let named = names[setStatus.state.text] {
            state = named
        } else if let byte = Lowering.literalByte(setStatus.state.text) {
            state = byte
        } else if setStatus.state.text.contains("{{") {
            state = resolver.integer(setStatus.state, in: 0...0xFF, what: "the state", diagnostics: &diagnostics).map(
                UInt8.init
            )
        } else {
            let hint =
                Suggestions.closest(to: setStatus.state.text, in: names.keys.sorted()).map { "; did you mean '\($0)'?" }
                ?? "; expected one of \(names.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")) or a byte such as '0x0F'"
            diagnostics.append(
                .error(
                    .unknownValue,
                    "unknown state '\(setStatus.state.text)' for scope '\(scope.rawValue)'\(hint)",
                    at: setStatus.state.range
                )
            )
        }
        var aid: [UInt8]? = []
        if let scalar = setStatus.aid {
            aid = resolver.aid(scalar, what: "the AID", diagnostics: &diagnostics)
        }
        guard let state, let aid else { return nil }
        let p1: UInt8 =
            switch scope {
            case .card: 0x80
            case .application: 0x40
            case .securityDomain: 0x60
            }
        return [
            PlannedCommand(
                cla: Self.gpClass,
                ins: 0xF0,
                p1: p1,
                p2: state,
                data: aid.isEmpty ? [] : [.plain(aid)],
                expect: expect
            )
        ]
    }
}
