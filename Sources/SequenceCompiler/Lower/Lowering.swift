import APDUTypes

/// The lower stage: resolved steps to plain command APDUs for one card profile.
///
/// Lowering runs in check mode too; there a value that depends on card data is `nil`, and the
/// commands that need it are skipped, while every check that can be made is made.
struct Lowering {
    let profile: CardProfile
    let options: CompileOptions
    let resolver: ValueResolver
    let components: [String: LoadedComponent]
    let declaredComponents: [String: ComponentDeclaration]
    /// The load files a prepared sequence worked out already; the others are built when lowered.
    var loadFiles: [PreparedLoadFile.Key: PreparedLoadFile] = [:]

    /// The commands of one step, or `nil` when some value is unknown or wrong.
    func lower(_ step: Step, diagnostics: inout DiagnosticBag) -> [PlannedCommand]? {
        let expect = step.expect ?? [.success]
        switch step.action {
        case .select(let select): return lowerSelect(select, step: step, expect: expect, &diagnostics)
        case .delete(let delete): return lowerDelete(delete, expect: step.expect, &diagnostics)
        case .load(let load): return lowerLoad(load, step: step, expect: expect, &diagnostics)
        case .install(let install): return lowerInstall(install, step: step, expect: expect, &diagnostics)
        case .personalize(let personalize):
            return lowerPersonalize(personalize, step: step, expect: expect, &diagnostics)
        case .storeData(let storeData): return lowerStoreData(storeData.data, step: step, expect: expect, &diagnostics)
        case .putKey(let putKey): return lowerPutKey(putKey, step: step, expect: expect, &diagnostics)
        case .setStatus(let setStatus): return lowerSetStatus(setStatus, step: step, expect: expect, &diagnostics)
        case .putData(let putData): return lowerPutData(putData, step: step, expect: expect, &diagnostics)
        case .apdu(let raw): return lowerRaw(raw, expect: expect, &diagnostics)
        case .createFile(let file): return lowerCreateFile(file, step: step, expect: expect, &diagnostics)
        case .updateBinary(let update): return lowerUpdateBinary(update, step: step, expect: expect, &diagnostics)
        case .updateRecord(let update): return lowerUpdateRecord(update, step: step, expect: expect, &diagnostics)
        case .appendRecord(let append): return lowerAppendRecord(append, step: step, expect: expect, &diagnostics)
        case .deleteFile(let file): return lowerFileCommand(file, ins: 0xE4, expect: expect, &diagnostics)
        case .activateFile(let file): return lowerFileCommand(file, ins: 0x44, expect: expect, &diagnostics)
        }
    }

    /// Checks that a command that cannot be split fits in one short APDU under the chosen secure channel.
    func fits(_ length: Int, what: String, at range: SourceRange, _ diagnostics: inout DiagnosticBag) -> Bool {
        let limit = options.maximumDataLength
        guard length <= limit else {
            diagnostics.append(
                .error(
                    .dataTooLong,
                    "\(what) needs \(length) bytes of command data; one command carries at most \(limit) under \(options.summary) and this one cannot be split",
                    at: range
                )
            )
            return false
        }
        return true
    }

    /// A one-byte value written as `0x0F`, `0X0F` or `0F`, or `nil` for anything else.
    static func literalByte(_ text: String) -> UInt8? {
        var digits = Substring(text.trimmingSpaces)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
        }
        guard digits.count == 2, digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt8(digits, radix: 16)
    }

    /// A data segment for resolved bytes: secret when the value derives from a secret field.
    static func segment(_ resolved: ValueResolver.Resolved<[UInt8]>) -> DataSegment {
        resolved.isSecret ? .secret(resolved.value) : .plain(resolved.value)
    }

    /// Splits `data` into chunks of at most `size` bytes (one empty chunk for empty data).
    static func chunks(_ data: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
        guard !data.isEmpty else { return [data[...]] }
        return stride(from: 0, to: data.count, by: size).map { data[$0..<min($0 + size, data.count)] }
    }

    // MARK: Both profiles

    private func lowerSelect(
        _ select: Select,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let returnsName = select.returns?.value
        let p1: UInt8
        let data: [UInt8]
        let defaultReturns: String
        switch select.target {
        case .aid(let scalar):
            if profile == .globalplatform {
                guard let aid = resolver.aid(scalar, what: "the AID to select", diagnostics: &diagnostics) else {
                    return nil
                }
                data = aid
            } else {
                guard
                    let name = resolver.bytes(
                        scalar,
                        length: 1...16,
                        what: "the DF name to select",
                        diagnostics: &diagnostics
                    )
                else { return nil }
                data = name.value
            }
            p1 = 0x04
            defaultReturns = "fci"
        case .fid(let scalar):
            guard
                let fid = resolver.bytes(scalar, length: 2...2, what: "the file identifier", diagnostics: &diagnostics)
            else { return nil }
            data = fid.value
            p1 = 0x00
            defaultReturns = "none"
        case .path(let scalar):
            guard let path = resolvePath(scalar, &diagnostics) else { return nil }
            data = path
            p1 = 0x08
            defaultReturns = "none"
        }
        let returns = returnsName ?? defaultReturns
        let p2: UInt8 = ["fci": 0x00, "fcp": 0x04, "fmd": 0x08, "none": 0x0C][returns] ?? 0x00
        return [
            PlannedCommand(
                cla: 0x00,
                ins: 0xA4,
                p1: p1,
                p2: p2,
                data: [.plain(data)],
                le: returns == "none" ? nil : 256,
                expect: expect
            )
        ]
    }

    /// A path from the MF: file identifiers, optionally separated by `/`, with a leading `3F00` dropped.
    private func resolvePath(_ scalar: ScalarValue, _ diagnostics: inout DiagnosticBag) -> [UInt8]? {
        var text = scalar
        text.text = text.text.replacingSlashes()
        guard var bytes = resolver.bytes(text, diagnostics: &diagnostics)?.value else { return nil }
        if bytes.starts(with: [0x3F, 0x00]) {
            bytes.removeFirst(2)
        }
        guard !bytes.isEmpty, bytes.count % 2 == 0, bytes.count <= 16 else {
            diagnostics.append(
                .error(
                    .valueLength,
                    "a path is one to eight 2-byte file identifiers after '3F00'; found \(bytes.count) bytes",
                    at: scalar.range
                )
            )
            return nil
        }
        return bytes
    }

    private func lowerPutData(
        _ putData: PutData,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let tag = resolver.bytes(putData.tag, length: 1...2, what: "the PUT DATA tag", diagnostics: &diagnostics)
        let data = resolver.bytes(putData.data, diagnostics: &diagnostics)
        guard let tag, let data, fits(data.value.count, what: "PUT DATA", at: putData.data.range, &diagnostics) else {
            return nil
        }
        let p1p2 = tag.value.count == 1 ? [0x00] + tag.value : tag.value
        return [
            PlannedCommand(
                cla: putData.proprietary ? 0x80 : 0x00,
                ins: 0xDA,
                p1: p1p2[0],
                p2: p1p2[1],
                data: [Self.segment(data)],
                expect: expect
            )
        ]
    }

    private func lowerRaw(
        _ raw: RawAPDU,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        guard let resolved = resolver.bytes(raw.command, diagnostics: &diagnostics) else { return nil }
        let apdu: CommandAPDU
        do {
            apdu = try CommandAPDU(bytes: resolved.value)
        } catch {
            let reason = error == .tooShort ? "fewer than the four header bytes" : "Lc, data and Le do not add up"
            diagnostics.append(.error(.valueLength, "not a command APDU: \(reason)", at: raw.command.range))
            return nil
        }
        let data: [DataSegment] = apdu.data.isEmpty ? [] : [resolved.isSecret ? .secret(apdu.data) : .plain(apdu.data)]
        return [
            PlannedCommand(
                cla: apdu.cla,
                ins: apdu.ins,
                p1: apdu.p1,
                p2: apdu.p2,
                data: data,
                le: apdu.le,
                expect: expect,
                markedSensitive: raw.sensitive || resolved.isSecret
            )
        ]
    }
}

extension String {
    fileprivate func replacingSlashes() -> String {
        String(map { $0 == "/" ? " " : $0 })
    }
}
