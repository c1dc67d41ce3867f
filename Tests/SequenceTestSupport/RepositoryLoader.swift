import Foundation
public import SequenceCompiler

/// Reads files for the compiler from the repository, with display paths relative to its root
/// (`Sequences/brokerage.yaml`), so goldens do not depend on where the checkout lives.
public struct RepositoryLoader: ResourceLoader {
    /// Creates a loader rooted at the repository.
    public init() {}

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "no such file '\(path)'" }
    }

    /// Reads `path` relative to the referring file.
    public func load(_ path: String, relativeTo referrer: String) throws -> LoadedResource {
        let resolved = InMemoryResourceLoader.resolve(path, relativeTo: referrer)
        return LoadedResource(displayPath: resolved, bytes: try Self.bytes(resolved))
    }

    /// The bytes of a file given by its path relative to the repository root.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        let url = RepositoryPaths.root.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(path: relativePath)
        }
        return [UInt8](data)
    }

    /// A source file by its path relative to the repository root.
    public static func source(_ relativePath: String) throws -> SourceFile {
        SourceFile(path: relativePath, text: String(decoding: try bytes(relativePath), as: UTF8.self))
    }

    /// The files in a directory (relative to the root) with the given extension, sorted, as relative paths.
    public static func files(in directory: String, withExtension ext: String) -> [String] {
        let url = RepositoryPaths.root.appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { directory + "/" + $0 }
    }
}
