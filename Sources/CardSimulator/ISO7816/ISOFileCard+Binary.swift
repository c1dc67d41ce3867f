import APDUTypes

extension ISOFileCard {
    /// READ BINARY (ISO/IEC 7816-4 section 11.3.3) with an even INS.
    ///
    /// P1 `1 00 SFI` with P2 the offset, or the current EF with a 15-bit offset in P1-P2. Returns up
    /// to Le bytes from the offset (fewer at the end of the file, with `6282` when Le asked for more;
    /// under secure messaging at most what one protected response carries).
    func readBinary(
        _ command: CommandAPDU,
        status: SecurityStatus,
        responseLimit: Int
    ) throws(Refusal)
        -> CardResponse
    {
        let (path, offset) = try binaryTarget(command)
        guard let file = file(below: path) else { throw .fileNotFound }
        guard file.structure == .transparent else { throw .incompatibleFileStructure }
        try checkUsable(file)
        try checkAccess(.read, on: file, status: status)
        guard let le = command.le else { throw .wrongLength }
        guard offset < file.contents.count else { throw .offsetOutsideFile }
        let available = file.contents.count - offset
        let count = min(le, available, responseLimit)
        let data = Array(file.contents[offset..<offset + count])
        let shortened = count < le && le < 256 && count == available
        return CardResponse(data: data, statusWord: shortened ? StatusWord(0x6282) : .success)
    }

    /// UPDATE BINARY (ISO/IEC 7816-4 section 11.3.5) with an even INS: writes the data at the
    /// offset; data that would pass the end of the file are refused with `6A84`.
    func updateBinary(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        let (path, offset) = try binaryTarget(command)
        guard let file = file(below: path) else { throw .fileNotFound }
        guard file.structure == .transparent else { throw .incompatibleFileStructure }
        try checkUsable(file)
        try checkAccess(.update, on: file, status: status)
        let data = command.data
        guard !data.isEmpty else { throw .wrongLength }
        guard offset < file.contents.count else { throw .offsetOutsideFile }
        guard data.count <= file.contents.count - offset else { throw .notEnoughMemory }
        try modifyFile(at: path) { (file: inout File) throws(Refusal) in
            file.contents.replaceSubrange(offset..<offset + data.count, with: data)
        }
        return CardResponse(statusWord: .success)
    }

    /// The EF and the offset of READ or UPDATE BINARY; an EF named by SFI becomes the current EF.
    private func binaryTarget(_ command: CommandAPDU) throws(Refusal) -> (path: [UInt16], offset: Int) {
        if command.p1 & 0x80 != 0 {
            let sfi = command.p1 & 0x1F
            guard command.p1 & 0x60 == 0, (1...30).contains(sfi) else { throw .incorrectParameters }
            guard let path = resolve(sfi: sfi) else { throw .fileNotFound }
            makeCurrent(path, isDedicated: false)
            return (path, Int(command.p2))
        }
        guard let path = currentEF else { throw .noCurrentEF }
        return (path, Int(command.p1) << 8 | Int(command.p2))
    }
}
