import Foundation
public import SequenceCompiler

/// Reads scripts, includes and components from the file system, relative to the file that names them.
///
/// The server's catalogue reads through it once at start; the compiler itself never touches the disk.
public struct FileResourceLoader: ResourceLoader {
    /// Why a file could not be read.
    public struct ReadError: Error, CustomStringConvertible {
        /// The path that was read.
        public var path: String
        /// What went wrong, in words.
        public var reason: String
        /// `reason 'path'`.
        public var description: String { "\(reason) '\(path)'" }
    }

    /// Creates a loader.
    public init() {}

    /// Reads the file `path` names, relative to the directory of `referrer`.
    public func load(_ path: String, relativeTo referrer: String) throws -> LoadedResource {
        let resolved = InMemoryResourceLoader.resolve(path, relativeTo: referrer)
        return LoadedResource(displayPath: resolved, bytes: try Self.read(resolved))
    }

    /// Reads a whole file.
    ///
    /// - Throws: ``ReadError`` for a missing file, a directory or an unreadable file.
    public static func read(_ path: String) throws(ReadError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw ReadError(path: path, reason: "is a directory:")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(path: path, reason: "cannot read")
        }
        return [UInt8](data)
    }

    /// Reads a UTF-8 text file as a source file whose display path is `path` as given.
    ///
    /// - Throws: ``ReadError`` when the file cannot be read or is not UTF-8.
    public static func source(_ path: String) throws(ReadError) -> SourceFile {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(path: path, reason: "not UTF-8 text:")
        }
        return SourceFile(path: path, text: text)
    }
}
