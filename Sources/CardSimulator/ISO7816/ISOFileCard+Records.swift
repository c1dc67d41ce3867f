import APDUTypes

extension ISOFileCard {
    /// Which record a record command means.
    private enum RecordReference {
        /// Record number P1, or the current record for P1 `00` (P2 bits 3-1 `100`).
        case number(Int)
        /// The first, last, next or previous record (P1 `00`, P2 bits 3-1 `000` to `011`).
        case first
        case last
        case next
        case previous
    }

    /// READ RECORD (ISO/IEC 7816-4 section 11.4.3): one record by number or by position; it
    /// becomes the current record.
    func readRecord(
        _ command: CommandAPDU,
        status: SecurityStatus,
        responseLimit: Int
    ) throws(Refusal)
        -> CardResponse
    {
        let path = try recordTarget(p2: command.p2)
        guard let file = file(below: path) else { throw .fileNotFound }
        guard file.structure.isRecordStructure else { throw .incompatibleFileStructure }
        try checkUsable(file)
        try checkAccess(.read, on: file, status: status)
        guard command.le != nil else { throw .wrongLength }
        let number = try recordNumber(try recordReference(command), in: file)
        let response = try Self.deliver(file.records[number - 1], le: command.le, responseLimit: responseLimit)
        currentRecord = number
        return response
    }

    /// UPDATE RECORD (ISO/IEC 7816-4 section 11.4.5): replaces one record.
    ///
    /// Records of a fixed or cyclic EF keep their size; a record of a linear variable EF takes 1 up
    /// to the maximum size.
    func updateRecord(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        let path = try recordTarget(p2: command.p2)
        guard let file = file(below: path) else { throw .fileNotFound }
        guard file.structure.isRecordStructure else { throw .incompatibleFileStructure }
        try checkUsable(file)
        try checkAccess(.update, on: file, status: status)
        let number = try recordNumber(try recordReference(command), in: file)
        let data = command.data
        try checkRecordLength(data, of: file)
        if file.structure == .linearVariable {
            let growth = data.count - file.records[number - 1].count
            try checkRoom(growth, for: file, at: path)
        }
        try modifyFile(at: path) { (file: inout File) throws(Refusal) in
            file.records[number - 1] = data
        }
        currentRecord = number
        return CardResponse(statusWord: .success)
    }

    /// APPEND RECORD (ISO/IEC 7816-4 section 11.4.6): adds a record.
    ///
    /// The new record follows the last one of a linear EF, or becomes record 1 of a cyclic EF
    /// (whose oldest record goes when it is full). All records of a linear fixed EF exist from
    /// creation, so appending to one answers `6A84`.
    func appendRecord(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        guard command.p1 == 0x00, command.p2 & 0x07 == 0 else { throw .incorrectParameters }
        let path = try recordTarget(p2: command.p2)
        guard let file = file(below: path) else { throw .fileNotFound }
        guard file.structure.isRecordStructure else { throw .incompatibleFileStructure }
        try checkUsable(file)
        try checkAccess(.write, on: file, status: status)
        let data = command.data
        try checkRecordLength(data, of: file)
        switch file.structure {
        case .linearFixed:
            throw .notEnoughMemory
        case .linearVariable:
            if let maximum = file.maximumRecordCount, file.records.count >= maximum {
                throw .notEnoughMemory
            }
            guard file.records.count < 254 else { throw .notEnoughMemory }
            try checkRoom(data.count, for: file, at: path)
            try modifyFile(at: path) { (file: inout File) throws(Refusal) in
                file.records.append(data)
            }
            currentRecord = file.records.count + 1
        default:
            let maximum = file.maximumRecordCount ?? 1
            try modifyFile(at: path) { (file: inout File) throws(Refusal) in
                file.records.insert(data, at: 0)
                if file.records.count > maximum {
                    file.records.removeLast(file.records.count - maximum)
                }
            }
            currentRecord = 1
        }
        return CardResponse(statusWord: .success)
    }

    /// The EF of a record command: SFI in P2 bits 8-4, or the current EF for `00000`; an EF named
    /// by SFI becomes the current EF.
    private func recordTarget(p2: UInt8) throws(Refusal) -> [UInt16] {
        let sfi = p2 >> 3
        switch sfi {
        case 0:
            guard let path = currentEF else { throw .noCurrentEF }
            return path
        case 31:
            throw .incorrectParameters
        default:
            guard let path = resolve(sfi: sfi) else { throw .fileNotFound }
            if currentEF != path {
                makeCurrent(path, isDedicated: false)
            }
            return path
        }
    }

    private func recordReference(_ command: CommandAPDU) throws(Refusal) -> RecordReference {
        guard command.p1 != 0xFF else { throw .incorrectParameters }
        switch command.p2 & 0x07 {
        case 0x04:
            return .number(Int(command.p1))
        case 0x00, 0x01, 0x02, 0x03:
            // With P1 other than 00 these search by record identifier, which this card does not do.
            guard command.p1 == 0x00 else { throw .functionNotSupported }
            return [.first, .last, .next, .previous][Int(command.p2 & 0x07)]
        case 0x05, 0x06:
            throw .functionNotSupported
        default:
            throw .incorrectParameters
        }
    }

    /// The record number (1-based) a reference means in a file, or `6A83`.
    private func recordNumber(_ reference: RecordReference, in file: File) throws(Refusal) -> Int {
        let count = file.records.count
        let number: Int
        switch reference {
        case .number(0):
            guard let currentRecord else { throw .recordNotFound }
            number = currentRecord
        case .number(let value):
            number = value
        case .first:
            number = 1
        case .last:
            number = count
        case .next:
            number = (currentRecord ?? 0) + 1
        case .previous:
            number = (currentRecord ?? count + 1) - 1
        }
        guard number >= 1, number <= count else { throw .recordNotFound }
        return number
    }

    private func checkRecordLength(_ data: [UInt8], of file: File) throws(Refusal) {
        let recordSize = file.recordSize ?? 0
        switch file.structure {
        case .linearVariable:
            guard !data.isEmpty, data.count <= recordSize else { throw .wrongLength }
        default:
            guard data.count == recordSize else { throw .wrongLength }
        }
    }

    /// Refuses growth of a linear variable EF beyond its own size or its DF's space.
    private func checkRoom(_ growth: Int, for file: File, at path: [UInt16]) throws(Refusal) {
        guard growth > 0 else { return }
        if let size = file.size {
            let used = file.records.reduce(0) { $0 + $1.count }
            guard used + growth <= size else { throw .notEnoughMemory }
        } else {
            guard hasRoom(for: growth, in: Self.parent(of: path)) else { throw .notEnoughMemory }
        }
    }
}
