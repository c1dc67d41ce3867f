/// Reads the files a document refers to (includes and components) on the compiler's behalf.
///
/// The compiler does no file I/O of its own: `seqc` passes a loader over the file system, tests
/// pass one over a dictionary, and the server one over its catalogue.
public protocol ResourceLoader: Sendable {
    /// Reads the file that `path`, as written in `referrer`, names.
    ///
    /// - Parameters:
    ///   - path: The path as the author wrote it, relative to the referring file.
    ///   - referrer: The display path of the file that names it.
    /// - Returns: The file's display path (for diagnostics) and its bytes.
    /// - Throws: Any error; its description is shown to the author.
    func load(_ path: String, relativeTo referrer: String) throws -> LoadedResource
}

/// A file read by a ``ResourceLoader``.
public struct LoadedResource: Sendable {
    /// The path shown in diagnostics.
    public var displayPath: String
    /// The file's bytes.
    public var bytes: [UInt8]

    /// Creates a loaded resource.
    public init(displayPath: String, bytes: [UInt8]) {
        self.displayPath = displayPath
        self.bytes = bytes
    }
}

/// A loader over an in-memory table of files, keyed by display path; paths resolve like POSIX paths.
public struct InMemoryResourceLoader: ResourceLoader {
    /// The files, by normalized display path.
    public var files: [String: [UInt8]]

    /// Creates a loader over the given files.
    public init(files: [String: [UInt8]]) {
        var normalized: [String: [UInt8]] = [:]
        for (path, bytes) in files { normalized[Self.normalize(path)] = bytes }
        self.files = normalized
    }

    /// The error for a file that is not in the table.
    public struct NotFound: Error, CustomStringConvertible {
        /// The missing path.
        public var path: String
        /// `no such file`.
        public var description: String { "no such file '\(path)'" }
    }

    /// Reads a file from the table.
    public func load(_ path: String, relativeTo referrer: String) throws -> LoadedResource {
        let resolved = Self.resolve(path, relativeTo: referrer)
        guard let bytes = files[resolved] else {
            throw NotFound(path: resolved)
        }
        return LoadedResource(displayPath: resolved, bytes: bytes)
    }

    /// Joins `path` to the directory of `referrer` unless it is absolute, then removes `.` and `..`.
    public static func resolve(_ path: String, relativeTo referrer: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        var directory = referrer.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/"
        )
        if referrer.hasPrefix("/") && directory.isEmpty { directory = "/" }
        return normalize(directory.isEmpty ? path : directory + "/" + path)
    }

    /// Removes `.` and resolvable `..` parts and doubled slashes.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }
}
