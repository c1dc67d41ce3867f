import APDUTypes

extension ISOFileCard {
    /// CREATE FILE (ISO/IEC 7816-9 section 8.2): a new file in the current DF from an FCP template.
    ///
    /// The DF must grant `create-ef` or `create-df`; the identifier must be new in the DF (`6A89`),
    /// a DF name new on the card (`6A8A`), and the file must fit the DF's space (`6A84`). The new
    /// file becomes the current file, as ISO/IEC 7816-9 has it.
    func createFile(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        guard command.p1 == 0x00, command.p2 == 0x00 else { throw .incorrectParameters }
        let directoryPath = currentDF
        guard let directory = file(below: directoryPath) else { throw .fileNotFound }
        let newFile = try File.fromCreateFileTemplate(command.data)
        try checkUsable(directory)
        try checkAccess(newFile.isDedicated ? .createDF : .createEF, on: directory, status: status)
        guard newFile.fid != Self.masterFileIdentifier, newFile.fid != directory.fid,
            !directory.children.contains(where: { $0.fid == newFile.fid })
        else {
            throw .fileAlreadyExists
        }
        if let sfi = newFile.sfi, directory.children.contains(where: { !$0.isDedicated && $0.sfi == sfi }) {
            throw .fileAlreadyExists
        }
        if let name = newFile.dfName, dedicatedFiles().contains(where: { $0.file.dfName == name }) {
            throw .dfNameAlreadyExists
        }
        guard hasRoom(for: newFile.allocation, in: directoryPath) else { throw .notEnoughMemory }
        try modifyFile(at: directoryPath) { (directory: inout File) throws(Refusal) in
            directory.children.append(newFile)
        }
        makeCurrent(directoryPath + [newFile.fid], isDedicated: newFile.isDedicated)
        lastNameMatch = nil
        return CardResponse(statusWord: .success)
    }

    /// DELETE FILE (ISO/IEC 7816-9 section 8.3): the file named by its identifier (as SELECT with
    /// P1 `00` finds it) or the current file, with everything in it.
    ///
    /// The file must grant `delete` and its DF `delete-child`. The MF cannot be deleted (`6985`).
    /// When the current DF goes, its parent becomes current.
    func deleteFile(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        let path = try managedFile(command)
        guard !path.isEmpty else { throw .conditionsOfUseNotSatisfied }
        let parentPath = Self.parent(of: path)
        guard let target = file(below: path), let parent = file(below: parentPath) else { throw .fileNotFound }
        try checkAccess(.delete, on: target, status: status)
        try checkAccess(.deleteChild, on: parent, status: status)
        try modifyFile(at: parentPath) { (directory: inout File) throws(Refusal) in
            directory.children.removeAll { $0.fid == target.fid }
        }
        if currentDF.starts(with: path) {
            currentDF = parentPath
            currentEF = nil
            currentRecord = nil
        }
        if let currentEF, currentEF.starts(with: path) {
            self.currentEF = nil
            currentRecord = nil
        }
        if let lastNameMatch, lastNameMatch.starts(with: path) {
            self.lastNameMatch = nil
        }
        return CardResponse(statusWord: .success)
    }

    /// ACTIVATE FILE (ISO/IEC 7816-9 section 8.5): a file in the creation, initialisation or
    /// deactivated state becomes operational and activated; a terminated file stays so (`6985`).
    func activateFile(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        try changeLifeCycle(command, operation: .activate, status: status) { (state: LifeCycle) throws(Refusal) in
            guard state != .terminated else { throw .conditionsOfUseNotSatisfied }
            return .activated
        }
    }

    /// DEACTIVATE FILE (ISO/IEC 7816-9 section 8.4): an activated file becomes deactivated; a file
    /// not yet operational, or terminated, cannot be (`6985`).
    func deactivateFile(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        try changeLifeCycle(command, operation: .deactivate, status: status) { (state: LifeCycle) throws(Refusal) in
            guard state == .activated || state == .deactivated else { throw .conditionsOfUseNotSatisfied }
            return .deactivated
        }
    }

    /// TERMINATE DF (`E6`) and TERMINATE EF (`E8`) (ISO/IEC 7816-9 sections 8.6 and 8.7): the file
    /// enters the termination state for good; the INS must fit the kind of file (`6981`).
    func terminateFile(_ command: CommandAPDU, status: SecurityStatus) throws(Refusal) -> CardResponse {
        let wantsDedicated = command.ins == 0xE6
        return try changeLifeCycle(
            command,
            operation: .terminate,
            status: status,
            kind: wantsDedicated
        ) { (_: LifeCycle) throws(Refusal) in
            .terminated
        }
    }

    /// Runs a life cycle command on its file after the access check.
    private func changeLifeCycle(
        _ command: CommandAPDU,
        operation: Operation,
        status: SecurityStatus,
        kind isDedicated: Bool? = nil,
        _ transition: (LifeCycle) throws(Refusal) -> LifeCycle
    ) throws(Refusal) -> CardResponse {
        let path = try managedFile(command)
        guard let target = file(below: path) else { throw .fileNotFound }
        if let isDedicated, target.isDedicated != isDedicated {
            throw .incompatibleFileStructure
        }
        try checkAccess(operation, on: target, status: status)
        let next = try transition(target.lifeCycle)
        try modifyFile(at: path) { (file: inout File) throws(Refusal) in
            file.lifeCycle = next
        }
        return CardResponse(statusWord: .success)
    }

    /// The file of DELETE, ACTIVATE, DEACTIVATE and TERMINATE: P1-P2 `0000` with the identifier in
    /// the data field, or no data for the current file (the current EF, else the current DF).
    private func managedFile(_ command: CommandAPDU) throws(Refusal) -> [UInt16] {
        guard command.p1 == 0x00, command.p2 == 0x00 else { throw .incorrectParameters }
        switch command.data.count {
        case 0:
            return currentEF ?? currentDF
        case 2:
            guard let path = resolve(fid: Self.fid(command.data, at: 0)) else { throw .fileNotFound }
            return path
        default:
            throw .lengthInconsistentWithParameters
        }
    }
}
