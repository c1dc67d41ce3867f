/// Parses the value of one step's action key into a ``StepAction``.
struct StepParser {
    let keyword: StepKeyword
    let keyNode: YAMLNode
    let valueNode: YAMLNode

    private var what: String { "step '\(keyword.rawValue)'" }

    /// The scalar shorthand each step accepts (`select: A000...` means `select: {aid: A000...}`).
    private static let shorthand: [StepKeyword: String] = [
        .select: "aid", .delete: "aid", .load: "component", .apdu: "command", .deleteFile: "fid", .activateFile: "fid",
    ]

    mutating func parse(_ diagnostics: inout DiagnosticBag) -> StepAction? {
        let allowed = DocumentKeys.steps[keyword] ?? []
        let map: MappingReader
        if let scalar = valueNode.scalarValue, let key = Self.shorthand[keyword] {
            if (keyword == .deleteFile || keyword == .activateFile) && valueNode.isNull {
                return keyword == .deleteFile
                    ? .deleteFile(FileReference(fid: nil)) : .activateFile(FileReference(fid: nil))
            }
            if valueNode.isNull {
                diagnostics.append(.error(.missingKey, "\(what) has no value; give its '\(key)'", at: keyNode.range))
                return nil
            }
            return shorthandAction(key: key, scalar, &diagnostics)
        }
        guard
            let reader = MappingReader(
                valueNode,
                allowed: allowed,
                what: what,
                anchor: keyNode.range,
                diagnostics: &diagnostics
            )
        else {
            return nil
        }
        map = reader
        switch keyword {
        case .select: return parseSelect(map, &diagnostics).map(StepAction.select)
        case .delete:
            guard let aid = map.requiredScalar("aid", in: what, diagnostics: &diagnostics) else { return nil }
            return .delete(
                Delete(
                    aid: aid,
                    related: map.bool("related", default: false, diagnostics: &diagnostics),
                    missingOK: map.bool("missing-ok", default: false, diagnostics: &diagnostics)
                )
            )
        case .load: return parseLoad(map, &diagnostics).map(StepAction.load)
        case .install: return parseInstall(map, &diagnostics).map(StepAction.install)
        case .personalize:
            guard let instance = map.requiredScalar("instance", in: what, diagnostics: &diagnostics) else { return nil }
            let data =
                map.required("data", in: what, diagnostics: &diagnostics).map { parseDataItems($0, &diagnostics) } ?? []
            return .personalize(Personalize(instance: instance, data: data))
        case .storeData:
            let data =
                map.required("data", in: what, diagnostics: &diagnostics).map { parseDataItems($0, &diagnostics) } ?? []
            return .storeData(StoreData(data: data))
        case .putKey: return parsePutKey(map, &diagnostics).map(StepAction.putKey)
        case .setStatus:
            guard let scope = map.name("scope", as: SetStatus.Scope.self, diagnostics: &diagnostics),
                let state = map.requiredScalar("state", in: what, diagnostics: &diagnostics)
            else {
                if !map.has("scope") { _ = map.required("scope", in: what, diagnostics: &diagnostics) }
                return nil
            }
            let aid = map.scalar("aid", diagnostics: &diagnostics)
            if scope.value != .card && aid == nil {
                diagnostics.append(
                    .error(
                        .missingKey,
                        "missing key 'aid' in \(what) with scope '\(scope.value.rawValue)'",
                        at: map.anchor
                    )
                )
            }
            return .setStatus(SetStatus(scope: scope, aid: aid, state: state))
        case .putData:
            guard let tag = map.requiredScalar("tag", in: what, diagnostics: &diagnostics),
                let data = map.requiredScalar("data", in: what, diagnostics: &diagnostics)
            else { return nil }
            return .putData(
                PutData(
                    tag: tag,
                    data: data,
                    proprietary: map.bool("proprietary", default: false, diagnostics: &diagnostics)
                )
            )
        case .apdu:
            guard let command = map.requiredScalar("command", in: what, diagnostics: &diagnostics) else { return nil }
            return .apdu(
                RawAPDU(command: command, sensitive: map.bool("sensitive", default: false, diagnostics: &diagnostics))
            )
        case .createFile: return parseCreateFile(map, &diagnostics).map(StepAction.createFile)
        case .updateBinary:
            guard let data = map.requiredScalar("data", in: what, diagnostics: &diagnostics) else { return nil }
            return .updateBinary(
                UpdateBinary(
                    data: data,
                    offset: map.scalar("offset", diagnostics: &diagnostics),
                    sfi: map.scalar("sfi", diagnostics: &diagnostics),
                    chunk: map.scalar("chunk", diagnostics: &diagnostics)
                )
            )
        case .updateRecord:
            guard let record = map.requiredScalar("record", in: what, diagnostics: &diagnostics),
                let data = map.requiredScalar("data", in: what, diagnostics: &diagnostics)
            else { return nil }
            return .updateRecord(
                UpdateRecord(record: record, data: data, sfi: map.scalar("sfi", diagnostics: &diagnostics))
            )
        case .appendRecord:
            guard let data = map.requiredScalar("data", in: what, diagnostics: &diagnostics) else { return nil }
            return .appendRecord(AppendRecord(data: data, sfi: map.scalar("sfi", diagnostics: &diagnostics)))
        case .deleteFile:
            return .deleteFile(FileReference(fid: map.scalar("fid", diagnostics: &diagnostics)))
        case .activateFile:
            return .activateFile(FileReference(fid: map.scalar("fid", diagnostics: &diagnostics)))
        case .include:
            return nil
        }
    }

    private func shorthandAction(key: String, _ scalar: ScalarValue, _ diagnostics: inout DiagnosticBag) -> StepAction?
    {
        switch keyword {
        case .select: return .select(Select(target: .aid(scalar), returns: nil))
        case .delete: return .delete(Delete(aid: scalar, related: false, missingOK: false))
        case .load:
            return .load(
                Load(
                    component: Located(scalar.text, at: scalar.range),
                    loadFileAID: nil,
                    securityDomain: nil,
                    blockSize: nil,
                    hash: Located(.none, at: scalar.range),
                    includesDescriptor: false,
                    parameters: [],
                    token: nil
                )
            )
        case .apdu: return .apdu(RawAPDU(command: scalar, sensitive: false))
        case .deleteFile: return .deleteFile(FileReference(fid: scalar))
        case .activateFile: return .activateFile(FileReference(fid: scalar))
        default:
            diagnostics.append(
                .error(
                    .wrongType,
                    "expected a mapping for \(what), found a scalar (only its '\(key)' can be written alone)",
                    at: scalar.range
                )
            )
            return nil
        }
    }

    private func parseSelect(_ map: MappingReader, _ diagnostics: inout DiagnosticBag) -> Select? {
        let targets = ["aid", "fid", "path"].filter { map.has($0) }
        guard targets.count == 1, let key = targets.first, let value = map.scalar(key, diagnostics: &diagnostics) else {
            diagnostics.append(
                .error(
                    targets.isEmpty ? .missingKey : .stepAction,
                    "\(what) needs exactly one of 'aid', 'fid' or 'path'",
                    at: targets.count > 1 ? (map.keyNode(targets[1])?.range ?? keyNode.range) : keyNode.range
                )
            )
            return nil
        }
        let returns = map.string("returns", diagnostics: &diagnostics)
        if let returns, !["fci", "fcp", "fmd", "none"].contains(returns.value) {
            let hint = Suggestions.hint(for: returns.value, in: ["fci", "fcp", "fmd", "none"])
            diagnostics.append(
                .error(.unknownValue, "unknown value '\(returns.value)' for 'returns'\(hint)", at: returns.range)
            )
        }
        let target: Select.Target = key == "aid" ? .aid(value) : key == "fid" ? .fid(value) : .path(value)
        return Select(target: target, returns: returns)
    }

    private func parseSystemParameters(_ node: YAMLNode?, _ diagnostics: inout DiagnosticBag) -> [SystemParameter] {
        guard let node else { return [] }
        guard let pairs = node.mappingPairs else {
            diagnostics.append(
                .error(.wrongType, "expected a mapping of system parameters, found \(node.kindName)", at: node.range)
            )
            return []
        }
        var parameters: [SystemParameter] = []
        for (key, value) in pairs {
            guard let keyScalar = key.scalarValue,
                let name = MappingReader.name(
                    keyScalar,
                    as: SystemParameterName.self,
                    what: "a system parameter",
                    diagnostics: &diagnostics
                ),
                let scalar = MappingReader.scalar(value, what: "'\(keyScalar.text)'", diagnostics: &diagnostics)
            else { continue }
            parameters.append(SystemParameter(name: name, value: scalar))
        }
        return parameters
    }

    private func parseLoad(_ map: MappingReader, _ diagnostics: inout DiagnosticBag) -> Load? {
        guard let component = map.requiredScalar("component", in: what, diagnostics: &diagnostics) else { return nil }
        let hash = map.name("hash", as: LoadFileHash.self, diagnostics: &diagnostics)
        return Load(
            component: Located(component.text, at: component.range),
            loadFileAID: map.scalar("load-file-aid", diagnostics: &diagnostics),
            securityDomain: map.scalar("security-domain", diagnostics: &diagnostics),
            blockSize: map.scalar("block-size", diagnostics: &diagnostics),
            hash: hash ?? Located(.none, at: component.range),
            includesDescriptor: map.bool("descriptor", default: false, diagnostics: &diagnostics),
            parameters: parseSystemParameters(map.value("parameters"), &diagnostics),
            token: map.scalar("token", diagnostics: &diagnostics)
        )
    }

    private func parseInstall(_ map: MappingReader, _ diagnostics: inout DiagnosticBag) -> Install? {
        let package = map.requiredScalar("package", in: what, diagnostics: &diagnostics)
        let module = map.requiredScalar("module", in: what, diagnostics: &diagnostics)
        var privileges: [Located<Privilege>] = []
        if let node = map.value("privileges") {
            let items = node.sequenceItems ?? (node.isNull ? [] : [node])
            for item in items {
                guard let scalar = MappingReader.scalar(item, what: "a privilege", diagnostics: &diagnostics),
                    let privilege = MappingReader.name(
                        scalar,
                        as: Privilege.self,
                        what: "'privileges'",
                        diagnostics: &diagnostics
                    )
                else { continue }
                privileges.append(privilege)
            }
        }
        let privilegeBytes = map.integer("privilege-bytes", diagnostics: &diagnostics)
        if let privilegeBytes, privilegeBytes.value != 1 && privilegeBytes.value != 3 {
            diagnostics.append(
                .error(
                    .valueRange,
                    "'privilege-bytes' must be 1 or 3, found \(privilegeBytes.value)",
                    at: privilegeBytes.range
                )
            )
        }
        guard let package, let module else { return nil }
        return Install(
            package: package,
            module: module,
            instance: map.scalar("instance", diagnostics: &diagnostics),
            privileges: privileges,
            privilegeBytes: privilegeBytes,
            parameters: map.scalar("parameters", diagnostics: &diagnostics),
            system: parseSystemParameters(map.value("system"), &diagnostics),
            selectable: map.bool("selectable", default: true, diagnostics: &diagnostics),
            token: map.scalar("token", diagnostics: &diagnostics)
        )
    }

    private func parseDataItems(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> [StoreDataItem] {
        guard let items = node.sequenceItems else {
            diagnostics.append(
                .error(.wrongType, "expected a list of data items for 'data', found \(node.kindName)", at: node.range)
            )
            return []
        }
        var result: [StoreDataItem] = []
        for item in items {
            guard
                let map = MappingReader(
                    item,
                    allowed: DocumentKeys.dataItem,
                    what: "a data item",
                    diagnostics: &diagnostics
                )
            else { continue }
            let formats = ["dgi", "tlv", "raw"].filter { map.has($0) }
            guard formats.count == 1, let formatKey = formats.first else {
                diagnostics.append(
                    .error(
                        formats.isEmpty ? .missingKey : .stepAction,
                        "a data item needs exactly one of 'dgi', 'tlv' or 'raw'",
                        at: item.range
                    )
                )
                continue
            }
            let encrypted = map.bool("encrypted", default: false, diagnostics: &diagnostics)
            if formatKey == "raw" {
                if let keyNode = map.keyNode("value") {
                    diagnostics.append(
                        .error(
                            .unknownKey,
                            "a 'raw' data item takes its bytes in 'raw', not 'value'",
                            at: keyNode.range
                        )
                    )
                }
                guard let value = map.scalar("raw", diagnostics: &diagnostics) else { continue }
                result.append(StoreDataItem(format: .raw, value: value, encrypted: encrypted, range: item.range))
                continue
            }
            guard let tag = map.scalar(formatKey, diagnostics: &diagnostics),
                let value = map.requiredScalar("value", in: "a data item", diagnostics: &diagnostics)
            else { continue }
            let format: StoreDataItem.Format = formatKey == "dgi" ? .dgi(tag: tag) : .tlv(tag: tag)
            result.append(StoreDataItem(format: format, value: value, encrypted: encrypted, range: item.range))
        }
        return result
    }

    private func parsePutKey(_ map: MappingReader, _ diagnostics: inout DiagnosticBag) -> PutKey? {
        let version = map.requiredScalar("version", in: what, diagnostics: &diagnostics)
        var keys: [KeyItem] = []
        if let node = map.required("keys", in: what, diagnostics: &diagnostics) {
            if let items = node.sequenceItems {
                for item in items {
                    guard
                        let key = MappingReader(
                            item,
                            allowed: DocumentKeys.keyItem,
                            what: "a key",
                            diagnostics: &diagnostics
                        ),
                        key.required("type", in: "a key", diagnostics: &diagnostics) != nil,
                        let type = key.name("type", as: KeyItem.KeyType.self, diagnostics: &diagnostics),
                        let value = key.requiredScalar("value", in: "a key", diagnostics: &diagnostics)
                    else {
                        continue
                    }
                    keys.append(KeyItem(type: type, value: value, range: item.range))
                }
                if items.isEmpty {
                    diagnostics.append(.error(.wrongType, "'keys' lists no key", at: node.range))
                }
            } else {
                diagnostics.append(
                    .error(.wrongType, "expected a list of keys for 'keys', found \(node.kindName)", at: node.range)
                )
            }
        }
        guard let version else { return nil }
        return PutKey(
            version: version,
            replaces: map.scalar("replaces", diagnostics: &diagnostics),
            firstKeyID: map.scalar("first-key", diagnostics: &diagnostics),
            keys: keys
        )
    }

    private func parseCreateFile(_ map: MappingReader, _ diagnostics: inout DiagnosticBag) -> CreateFile? {
        let type = map.name("type", as: CreateFile.FileType.self, diagnostics: &diagnostics)
        if !map.has("type") { _ = map.required("type", in: what, diagnostics: &diagnostics) }
        let fid = map.requiredScalar("fid", in: what, diagnostics: &diagnostics)
        var rules: [AccessRule] = []
        if let node = map.value("security") {
            if let pairs = node.mappingPairs {
                for (key, value) in pairs {
                    guard let keyScalar = key.scalarValue,
                        let operation = MappingReader.name(
                            keyScalar,
                            as: AccessOperation.self,
                            what: "an access operation",
                            diagnostics: &diagnostics
                        ),
                        let condition = MappingReader.scalar(
                            value,
                            what: "'\(keyScalar.text)'",
                            diagnostics: &diagnostics
                        )
                    else { continue }
                    rules.append(AccessRule(operation: operation, condition: condition))
                }
            } else {
                diagnostics.append(
                    .error(
                        .wrongType,
                        "expected a mapping of operations for 'security', found \(node.kindName)",
                        at: node.range
                    )
                )
            }
        }
        let lifeCycle = map.name("life-cycle", as: LifeCycle.self, diagnostics: &diagnostics)
        guard let type, let fid else { return nil }
        let file = CreateFile(
            type: type,
            fid: fid,
            dfName: map.scalar("name", diagnostics: &diagnostics),
            size: map.scalar("size", diagnostics: &diagnostics),
            recordSize: map.scalar("record-size", diagnostics: &diagnostics),
            records: map.scalar("records", diagnostics: &diagnostics),
            sfi: map.scalar("sfi", diagnostics: &diagnostics),
            lifeCycle: lifeCycle,
            security: rules,
            extra: map.scalar("extra", diagnostics: &diagnostics)
        )
        checkCreateFileKeys(file, map, &diagnostics)
        return file
    }

    /// Reports keys that make no sense for the file type, and missing ones that it needs.
    private func checkCreateFileKeys(_ file: CreateFile, _ map: MappingReader, _ diagnostics: inout DiagnosticBag) {
        let type = file.type.value
        var notApplicable: [String] = []
        switch type {
        case .df: notApplicable = ["record-size", "records", "sfi"]
        case .transparent: notApplicable = ["name", "record-size", "records"]
        case .linearFixed, .cyclic: notApplicable = ["name", "size"]
        case .linearVariable: notApplicable = ["name"]
        }
        for key in notApplicable {
            if let keyNode = map.keyNode(key) {
                diagnostics.append(
                    .error(
                        .unknownKey,
                        "key '\(key)' does not apply to a file of type '\(type.rawValue)'",
                        at: keyNode.range
                    )
                )
            }
        }
        var needed: [String] = []
        switch type {
        case .transparent: needed = ["size"]
        case .linearFixed, .cyclic: needed = ["record-size", "records"]
        case .linearVariable: needed = ["record-size"]
        case .df: needed = []
        }
        for key in needed where !map.has(key) {
            diagnostics.append(
                .error(.missingKey, "missing key '\(key)' for a file of type '\(type.rawValue)'", at: map.anchor)
            )
        }
        for rule in file.security {
            if let appliesToDF = rule.operation.value.appliesToDF, appliesToDF != (type == .df) {
                diagnostics.append(
                    .error(
                        .unknownValue,
                        "operation '\(rule.operation.value.rawValue)' applies to \(appliesToDF ? "DFs" : "EFs"), not to a file of type '\(type.rawValue)'",
                        at: rule.operation.range
                    )
                )
            }
        }
    }
}
