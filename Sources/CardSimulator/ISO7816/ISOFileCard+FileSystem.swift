extension ISOFileCard {
    /// The file at a path below the MF (the MF for an empty path).
    func file(below path: [UInt16]) -> File? {
        var file = masterFile
        for fid in path {
            guard let child = file.children.first(where: { $0.fid == fid }) else {
                return nil
            }
            file = child
        }
        return file
    }

    /// Changes the file at a path below the MF in place.
    ///
    /// - Returns: What `body` returns, or `nil` when there is no such file.
    @discardableResult
    func modifyFile<Result>(
        at path: [UInt16],
        _ body: (inout File) throws(Refusal) -> Result
    ) throws(Refusal)
        -> Result?
    {
        try Self.modify(&masterFile, path: path[...], body)
    }

    private static func modify<Result>(
        _ file: inout File,
        path: ArraySlice<UInt16>,
        _ body: (inout File) throws(Refusal) -> Result
    ) throws(Refusal) -> Result? {
        guard let fid = path.first else {
            return try body(&file)
        }
        guard let index = file.children.firstIndex(where: { $0.fid == fid }) else {
            return nil
        }
        return try modify(&file.children[index], path: path.dropFirst(), body)
    }

    /// The path of the DF that holds a file (the path without its last identifier).
    static func parent(of path: [UInt16]) -> [UInt16] {
        Array(path.dropLast())
    }

    /// A file the current DF can reach by identifier (SELECT with P1 `00`, ISO/IEC 7816-4 section
    /// 7.1.1): the MF by `3F00`, a file in the current DF, the current DF itself, its parent, or a
    /// file in its parent.
    func resolve(fid: UInt16) -> [UInt16]? {
        if fid == Self.masterFileIdentifier {
            return []
        }
        let current = currentDF
        if let directory = file(below: current) {
            if directory.children.contains(where: { $0.fid == fid }) {
                return current + [fid]
            }
            if !current.isEmpty, directory.fid == fid {
                return current
            }
        }
        guard !current.isEmpty else {
            return nil
        }
        let parent = Self.parent(of: current)
        if let parentFile = file(below: parent) {
            if !parent.isEmpty, parentFile.fid == fid {
                return parent
            }
            if parentFile.children.contains(where: { $0.fid == fid }) {
                return parent + [fid]
            }
        }
        return nil
    }

    /// The EF with a short EF identifier in the current DF.
    func resolve(sfi: UInt8) -> [UInt16]? {
        guard let directory = file(below: currentDF),
            let child = directory.children.first(where: { !$0.isDedicated && $0.sfi == sfi })
        else {
            return nil
        }
        return currentDF + [child.fid]
    }

    /// Every DF in the order of a depth-first walk from the MF, with its path.
    func dedicatedFiles() -> [(path: [UInt16], file: File)] {
        var result: [(path: [UInt16], file: File)] = []
        func walk(_ file: File, _ path: [UInt16]) {
            guard file.isDedicated else { return }
            result.append((path, file))
            for child in file.children {
                walk(child, path + [child.fid])
            }
        }
        walk(masterFile, [])
        return result
    }

    /// Whether `extra` more bytes fit in the DF at `path`: in it and in every DF above it up to the
    /// first one with a size of its own.
    func hasRoom(for extra: Int, in path: [UInt16]) -> Bool {
        guard extra > 0 else { return true }
        var path = path
        while true {
            guard let directory = file(below: path) else { return false }
            if let size = directory.size {
                return directory.usedSpace + extra <= size
            }
            guard !path.isEmpty else { return true }
            path = Self.parent(of: path)
        }
    }

    /// Refuses an operation that the file's security attributes do not grant (`6982`).
    func checkAccess(_ operation: Operation, on file: File, status: SecurityStatus) throws(Refusal) {
        guard file.lifeCycle.enforcesSecurity, let attributes = file.securityAttributes else {
            return
        }
        guard attributes.allows(operation, status: status) else {
            throw .securityStatusNotSatisfied
        }
    }

    /// Refuses to read or change a file that is deactivated or terminated (`6985`).
    func checkUsable(_ file: File) throws(Refusal) {
        switch file.lifeCycle {
        case .deactivated, .terminated:
            throw .conditionsOfUseNotSatisfied
        case .creation, .initialisation, .activated:
            break
        }
    }

    /// Makes a file current: a DF becomes the current DF, an EF the current EF in its DF.
    func makeCurrent(_ path: [UInt16], isDedicated: Bool) {
        if isDedicated {
            currentDF = path
            currentEF = nil
        } else {
            currentDF = Self.parent(of: path)
            currentEF = path
        }
        currentRecord = nil
    }
}
