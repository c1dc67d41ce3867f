import APDUTypes

extension ISOFileCard {
    /// SELECT (ISO/IEC 7816-4 section 11.2.2, tables 39 and 40).
    ///
    /// P1 `00` selects by identifier (empty data or `3F00` for the MF), `01` a DF in the current DF,
    /// `02` an EF in the current DF, `03` the parent DF, `04` a DF by (the start of) its name, `08`
    /// a path from the MF (without `3F00`, which is skipped when given) and `09` a path from the
    /// current DF. P2 `00` returns the FCI (`6F`), `04` the FCP (`62`), `08` the FMD (`64`), `0C`
    /// nothing; with P1 `04`, P2 bits 2-1 ask for the first (`00`) or next (`02`) occurrence. A
    /// deactivated file answers `6283`, a terminated one `6285`; a failed selection keeps the
    /// current files.
    func select(_ command: CommandAPDU, responseLimit: Int) throws(Refusal) -> CardResponse {
        let p2 = command.p2
        guard p2 & 0xF0 == 0 else { throw .incorrectParameters }
        let occurrence = p2 & 0x03
        guard occurrence == 0 || (command.p1 == 0x04 && occurrence == 0x02) else {
            throw .incorrectParameters
        }
        let data = command.data
        let path: [UInt16]
        switch command.p1 {
        case 0x00:
            if data.isEmpty {
                path = []
            } else {
                guard data.count == 2 else { throw .lengthInconsistentWithParameters }
                guard let found = resolve(fid: Self.fid(data, at: 0)) else { throw .fileNotFound }
                path = found
            }
        case 0x01, 0x02:
            guard data.count == 2 else { throw .lengthInconsistentWithParameters }
            let fid = Self.fid(data, at: 0)
            guard let directory = file(below: currentDF),
                let child = directory.children.first(where: { $0.fid == fid }),
                child.isDedicated == (command.p1 == 0x01)
            else {
                throw .fileNotFound
            }
            path = currentDF + [fid]
        case 0x03:
            guard data.isEmpty else { throw .lengthInconsistentWithParameters }
            guard !currentDF.isEmpty else { throw .fileNotFound }
            path = Self.parent(of: currentDF)
        case 0x04:
            guard (1...16).contains(data.count) else { throw .lengthInconsistentWithParameters }
            path = try selectByName(data, next: occurrence == 0x02)
        case 0x08, 0x09:
            guard !data.isEmpty, data.count % 2 == 0 else { throw .lengthInconsistentWithParameters }
            var fids = stride(from: 0, to: data.count, by: 2).map { Self.fid(data, at: $0) }[...]
            var start: [UInt16] = command.p1 == 0x08 ? [] : currentDF
            if command.p1 == 0x08, fids.first == Self.masterFileIdentifier {
                fids = fids.dropFirst()
            }
            for fid in fids {
                guard let directory = file(below: start), directory.isDedicated,
                    directory.children.contains(where: { $0.fid == fid })
                else {
                    throw .fileNotFound
                }
                start.append(fid)
            }
            path = start
        default:
            throw .incorrectParameters
        }
        guard let selected = file(below: path) else { throw .fileNotFound }
        makeCurrent(path, isDedicated: selected.isDedicated)
        if command.p1 != 0x04 {
            lastNameMatch = nil
        }

        let statusWord: StatusWord
        switch selected.lifeCycle {
        case .deactivated: statusWord = StatusWord(0x6283)
        case .terminated: statusWord = StatusWord(0x6285)
        case .creation, .initialisation, .activated: statusWord = .success
        }
        let answer: [UInt8]
        switch p2 & 0x0C {
        case 0x00:
            answer = BERTLV.encode(tag: 0x6F, value: Array(selected.controlParameters.dropFirst(2)))
        case 0x04:
            answer = selected.controlParameters
        case 0x08:
            answer = [0x64, 0x00]
        default:
            return CardResponse(statusWord: statusWord)
        }
        return try Self.deliver(answer, le: command.le, statusWord: statusWord, responseLimit: responseLimit)
    }

    /// The DF whose name starts with `name`: the first in a depth-first walk, or the first after
    /// the last one found by name.
    private func selectByName(_ name: [UInt8], next: Bool) throws(Refusal) -> [UInt16] {
        let candidates = dedicatedFiles()
        var start = 0
        if next {
            guard let last = lastNameMatch, let index = candidates.firstIndex(where: { $0.path == last }) else {
                throw .fileNotFound
            }
            start = index + 1
        }
        guard
            let match = candidates[start...].first(where: { candidate in
                candidate.file.dfName.map { $0.starts(with: name) } ?? false
            })
        else {
            throw .fileNotFound
        }
        lastNameMatch = match.path
        return match.path
    }

    /// Response data as Le asks: none without Le, all of it when Le is `00` or large enough,
    /// `6Cxx` with the available length when Le is shorter.
    static func deliver(
        _ data: [UInt8],
        le: Int?,
        statusWord: StatusWord = .success,
        responseLimit: Int
    ) throws(Refusal) -> CardResponse {
        guard let le else {
            return CardResponse(statusWord: statusWord)
        }
        guard data.count <= responseLimit else { throw .wrongLength }
        if le < data.count && le < 256 {
            throw .wrongExpectedLength(available: data.count)
        }
        return CardResponse(data: data, statusWord: statusWord)
    }

    /// The two-byte identifier at `offset`.
    static func fid(_ data: [UInt8], at offset: Int) -> UInt16 {
        UInt16(data[offset]) << 8 | UInt16(data[offset + 1])
    }
}
