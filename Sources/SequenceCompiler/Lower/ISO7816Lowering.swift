import APDUTypes

/// File-oriented ISO/IEC 7816-4 and 7816-9 commands.
extension Lowering {
    /// CREATE FILE with an FCP template (ISO/IEC 7816-4 section 7.4, table 10).
    func lowerCreateFile(
        _ file: CreateFile,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let type = file.type.value
        var failed = false
        func integer(_ scalar: ScalarValue?, _ range: ClosedRange<Int>, _ what: String) -> Int? {
            guard let scalar else { return nil }
            let value = resolver.integer(scalar, in: range, what: what, diagnostics: &diagnostics)
            if value == nil { failed = true }
            return value
        }
        let fid = resolver.bytes(file.fid, length: 2...2, what: "the file identifier", diagnostics: &diagnostics)?.value
        if let fid, [[0x3F, 0xFF], [0xFF, 0xFF]].contains(fid) {
            diagnostics.append(
                .error(
                    .valueRange,
                    "file identifier '\(Hex.string(fid))' is reserved by ISO/IEC 7816-4",
                    at: file.fid.range
                )
            )
            failed = true
        }
        var dfName: [UInt8]?
        if let scalar = file.dfName {
            dfName = resolver.bytes(scalar, length: 1...16, what: "the DF name", diagnostics: &diagnostics)?.value
            if dfName == nil { failed = true }
        }
        let size = integer(file.size, 0...0xFFFF, "the file size")
        let recordSize = integer(file.recordSize, 1...0x7FFF, "the record size")
        let records = integer(file.records, 1...254, "the number of records")
        let sfi = integer(file.sfi, 1...30, "the short file identifier")
        let security = compactSecurity(file.security, &diagnostics)
        var extra: [UInt8] = []
        if let scalar = file.extra {
            if let bytes = resolver.bytes(scalar, diagnostics: &diagnostics)?.value {
                extra = bytes
            } else {
                failed = true
            }
        }
        guard let fid, !failed, let security else { return nil }

        var fcp: [UInt8] = []
        if let size {
            fcp += BERTLV.encode(tag: type == .df ? 0x81 : 0x80, value: [UInt8(size >> 8), UInt8(size & 0xFF)])
        }
        var descriptor: [UInt8] = [type.descriptorByte]
        switch type {
        case .df:
            break
        case .transparent:
            descriptor.append(0x21)
        case .linearVariable:
            descriptor += [0x21, UInt8((recordSize ?? 0) >> 8), UInt8((recordSize ?? 0) & 0xFF)]
        case .linearFixed, .cyclic:
            descriptor += [0x21, UInt8((recordSize ?? 0) >> 8), UInt8((recordSize ?? 0) & 0xFF), UInt8(records ?? 0)]
        }
        fcp += BERTLV.encode(tag: 0x82, value: descriptor)
        fcp += BERTLV.encode(tag: 0x83, value: fid)
        if let dfName {
            fcp += BERTLV.encode(tag: 0x84, value: dfName)
        }
        if let sfi {
            fcp += BERTLV.encode(tag: 0x88, value: [UInt8(sfi << 3)])
        }
        if let lifeCycle = file.lifeCycle {
            fcp += BERTLV.encode(tag: 0x8A, value: [lifeCycle.value.byte])
        }
        if !security.isEmpty {
            fcp += BERTLV.encode(tag: 0x8C, value: security)
        }
        fcp += extra
        let template = BERTLV.encode(tag: 0x62, value: fcp)
        guard fits(template.count, what: "CREATE FILE", at: step.range, &diagnostics) else { return nil }
        return [
            PlannedCommand(
                cla: 0x00,
                ins: 0xE0,
                p1: 0x00,
                p2: 0x00,
                data: [.plain(template)],
                expect: expect,
                note: "CREATE FILE \(type.rawValue) \(Hex.string(fid))"
            )
        ]
    }

    /// Names of security conditions in the compact format (ISO/IEC 7816-4 table 20).
    ///
    /// Each name is bits of the SC byte; several joined with `+` must all hold (bit 8 set).
    static let conditions: [String: UInt8] = [
        "always": 0x00, "never": 0xFF, "sm": 0x40, "external-auth": 0x20, "pin": 0x10,
    ]

    /// The compact security attribute: access mode byte, then one condition byte per set bit from b7 down to b1.
    private func compactSecurity(_ rules: [AccessRule], _ diagnostics: inout DiagnosticBag) -> [UInt8]? {
        guard !rules.isEmpty else { return [] }
        var byBit: [Int: UInt8] = [:]
        var failed = false
        for rule in rules {
            let bit = rule.operation.value.bit
            if byBit[bit] != nil {
                diagnostics.append(
                    .error(
                        .duplicateKey,
                        "operation '\(rule.operation.value.rawValue)' shares its access-mode bit with another rule",
                        at: rule.operation.range
                    )
                )
                failed = true
                continue
            }
            guard let condition = condition(rule.condition, &diagnostics) else {
                failed = true
                continue
            }
            byBit[bit] = condition
        }
        guard !failed else { return nil }
        var accessMode: UInt8 = 0
        var conditions: [UInt8] = []
        for bit in stride(from: 7, through: 1, by: -1) {
            if let condition = byBit[bit] {
                accessMode |= UInt8(1 << (bit - 1))
                conditions.append(condition)
            }
        }
        return [accessMode] + conditions
    }

    private func condition(_ scalar: ScalarValue, _ diagnostics: inout DiagnosticBag) -> UInt8? {
        let text = scalar.text.trimmingSpaces
        if let byte = Lowering.literalByte(text) {
            return byte
        }
        if text.contains("{{") {
            return resolver.integer(scalar, in: 0...0xFF, what: "the security condition", diagnostics: &diagnostics)
                .map(UInt8.init)
        }
        let parts = text.split(separator: "+").map { String($0).trimmingSpaces }
        var value: UInt8 = 0
        for part in parts {
            guard let bits = Self.conditions[part], !(parts.count > 1 && (bits == 0x00 || bits == 0xFF)) else {
                let hint =
                    Suggestions.closest(to: part, in: Self.conditions.keys.sorted()).map { "; did you mean '\($0)'?" }
                    ?? "; expected one of \(Self.conditions.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")), several joined with '+', or a byte such as '0x12'"
                diagnostics.append(
                    .error(.unknownValue, "unknown security condition '\(part)'\(hint)", at: scalar.range)
                )
                return nil
            }
            value |= bits
        }
        return parts.count > 1 ? value | 0x80 : value
    }

    /// UPDATE BINARY split into chunks; P1-P2 carry the 15-bit offset, or `1 00 SFI` and an 8-bit offset in the first command.
    func lowerUpdateBinary(
        _ update: UpdateBinary,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let data = resolver.bytes(update.data, diagnostics: &diagnostics)
        var offset: Int? = 0
        if let scalar = update.offset {
            offset = resolver.integer(scalar, in: 0...0x7FFF, what: "the offset", diagnostics: &diagnostics)
        }
        var sfi: Int?
        if let scalar = update.sfi {
            sfi = resolver.integer(scalar, in: 1...30, what: "the short file identifier", diagnostics: &diagnostics)
            if sfi == nil { return nil }
        }
        var chunk: Int? = options.maximumDataLength
        if let scalar = update.chunk {
            chunk = resolver.integer(
                scalar,
                in: 1...options.maximumDataLength,
                what: "the chunk size",
                diagnostics: &diagnostics
            )
        }
        guard let data, let offset, let chunk else { return nil }
        if sfi != nil && offset > 0xFF {
            diagnostics.append(
                .error(
                    .valueRange,
                    "with 'sfi' the offset is one byte; \(offset) is too large",
                    at: update.offset?.range ?? step.range
                )
            )
            return nil
        }
        let end = offset + data.value.count
        if end - 1 > 0x7FFF {
            diagnostics.append(
                .error(
                    .valueRange,
                    "UPDATE BINARY addresses at most 32767 bytes with a 15-bit offset; this data ends at \(end)",
                    at: update.data.range
                )
            )
            return nil
        }
        let pieces = Self.chunks(data.value, size: chunk)
        var commands: [PlannedCommand] = []
        var position = offset
        for (index, piece) in pieces.enumerated() {
            let p1: UInt8
            let p2: UInt8
            if index == 0, let sfi {
                p1 = 0x80 | UInt8(sfi)
                p2 = UInt8(position)
            } else {
                p1 = UInt8(position >> 8)
                p2 = UInt8(position & 0xFF)
            }
            let bytes = Array(piece)
            commands.append(
                PlannedCommand(
                    cla: 0x00,
                    ins: 0xD6,
                    p1: p1,
                    p2: p2,
                    data: [data.isSecret ? .secret(bytes) : .plain(bytes)],
                    expect: expect,
                    note: pieces.count > 1 ? "UPDATE BINARY \(index + 1)/\(pieces.count) at \(position)" : nil
                )
            )
            position += piece.count
        }
        return commands
    }

    func lowerUpdateRecord(
        _ update: UpdateRecord,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let record = resolver.integer(update.record, in: 1...254, what: "the record number", diagnostics: &diagnostics)
        let data = resolver.bytes(update.data, diagnostics: &diagnostics)
        var sfi: Int? = 0
        if let scalar = update.sfi {
            sfi = resolver.integer(scalar, in: 1...30, what: "the short file identifier", diagnostics: &diagnostics)
        }
        guard let record, let data, let sfi,
            fits(data.value.count, what: "UPDATE RECORD", at: update.data.range, &diagnostics)
        else {
            return nil
        }
        return [
            PlannedCommand(
                cla: 0x00,
                ins: 0xDC,
                p1: UInt8(record),
                p2: UInt8(sfi << 3) | 0x04,
                data: [Self.segment(data)],
                expect: expect
            )
        ]
    }

    func lowerAppendRecord(
        _ append: AppendRecord,
        step: Step,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        let data = resolver.bytes(append.data, diagnostics: &diagnostics)
        var sfi: Int? = 0
        if let scalar = append.sfi {
            sfi = resolver.integer(scalar, in: 1...30, what: "the short file identifier", diagnostics: &diagnostics)
        }
        guard let data, let sfi, fits(data.value.count, what: "APPEND RECORD", at: append.data.range, &diagnostics)
        else {
            return nil
        }
        return [
            PlannedCommand(
                cla: 0x00,
                ins: 0xE2,
                p1: 0x00,
                p2: UInt8(sfi << 3),
                data: [Self.segment(data)],
                expect: expect
            )
        ]
    }

    /// DELETE FILE or ACTIVATE FILE of the current file, or of a file named by its identifier.
    func lowerFileCommand(
        _ file: FileReference,
        ins: UInt8,
        expect: [StatusPattern],
        _ diagnostics: inout DiagnosticBag
    ) -> [PlannedCommand]? {
        var data: [UInt8] = []
        if let scalar = file.fid {
            guard
                let fid = resolver.bytes(scalar, length: 2...2, what: "the file identifier", diagnostics: &diagnostics)
            else {
                return nil
            }
            data = fid.value
        }
        return [
            PlannedCommand(
                cla: 0x00,
                ins: ins,
                p1: 0x00,
                p2: 0x00,
                data: data.isEmpty ? [] : [.plain(data)],
                expect: expect
            )
        ]
    }
}
