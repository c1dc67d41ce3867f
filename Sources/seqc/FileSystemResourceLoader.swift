import Foundation
import SequenceCompiler

/// Reads includes and components from the file system, relative to the file that names them.
struct FileSystemResourceLoader: ResourceLoader {
    struct ReadError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(reason) '\(path)'" }
    }

    func load(_ path: String, relativeTo referrer: String) throws -> LoadedResource {
        let resolved = InMemoryResourceLoader.resolve(path, relativeTo: referrer)
        return LoadedResource(displayPath: resolved, bytes: try Self.read(resolved))
    }

    /// Reads a whole file, with an error that says what went wrong in words.
    static func read(_ path: String) throws -> [UInt8] {
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

    /// Reads a UTF-8 text file as a ``SourceFile`` whose display path is `path` as given.
    static func source(_ path: String) throws -> SourceFile {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(path: path, reason: "not UTF-8 text:")
        }
        return SourceFile(path: path, text: text)
    }
}
