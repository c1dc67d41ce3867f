import Foundation
public import SequenceCompiler

/// The applications the server installs: each a script prepared once, with its components read.
///
/// An entry is found by the name clients ask for. Preparing parses the YAML and reads the CAP
/// files at start, so a script with an error stops the server before it serves anything, and
/// each install costs only resolving, lowering, securing and signing.
public struct Catalogue: Sendable {
    /// One application.
    public struct Entry: Sendable {
        /// The name clients ask for, such as `brokerage`.
        public var name: String
        /// The script's display path.
        public var scriptPath: String
        /// The script's `version`.
        public var version: String
        /// The card profiles the script supports.
        public var profiles: [CardProfile]
        /// The names of the script's components (CAP files and contents).
        public var components: [String]
        /// Whether a card that has the application gets it again (`true`) or is answered
        /// "already installed" (`false`, the default).
        public var reinstall: Bool
        /// The script, parsed once.
        public var prepared: Compiler.PreparedSequence

        /// Creates an entry from a prepared script.
        ///
        /// - Parameters:
        ///   - name: The name clients ask for; the script's own `name` when `nil`.
        ///   - reinstall: Whether a card that has the application gets it again.
        ///   - prepared: The script, prepared by ``Compiler/prepare(_:loader:)``.
        /// - Throws: ``ServerSetupError`` when the script has errors.
        public init(
            name: String? = nil,
            reinstall: Bool = false,
            prepared: Compiler.PreparedSequence
        ) throws(ServerSetupError) {
            guard let document = prepared.document, !prepared.hasErrors else {
                let text = DiagnosticRenderer(sources: prepared.sources, showsExcerpts: false).render(
                    prepared.diagnostics
                )
                throw ServerSetupError(
                    .catalogue,
                    "the script '\(prepared.sources.first.map(\.path) ?? "?")' does not compile:\n\(text)"
                )
            }
            self.name = name ?? document.name.value
            self.scriptPath = document.source.path
            self.version = document.version.value
            self.profiles = document.profiles.map(\.value)
            self.components = document.components.map(\.name.value)
            self.reinstall = reinstall
            self.prepared = prepared
        }

        /// Whether the script installs onto GlobalPlatform cards.
        public var supportsGlobalPlatform: Bool {
            profiles.isEmpty || profiles.contains(.globalplatform)
        }
    }

    /// Where a catalogue entry comes from: a script path, a name and the reinstall choice.
    public struct Specification: Codable, Hashable, Sendable {
        /// The name clients ask for; the script's own `name` when absent.
        public var name: String?
        /// The script's path, relative to the catalogue file (or the working directory).
        public var script: String
        /// Whether a card that has the application gets it again; `false` when absent.
        public var reinstall: Bool?

        /// Creates a specification.
        public init(name: String? = nil, script: String, reinstall: Bool? = nil) {
            self.name = name
            self.script = script
            self.reinstall = reinstall
        }
    }

    /// The entries by name.
    public private(set) var entries: [String: Entry]

    /// Creates a catalogue.
    ///
    /// - Throws: ``ServerSetupError`` when two entries share a name.
    public init(entries: [Entry]) throws(ServerSetupError) {
        var byName: [String: Entry] = [:]
        for entry in entries {
            guard byName[entry.name] == nil else {
                throw ServerSetupError(.catalogue, "two catalogue entries are named '\(entry.name)'")
            }
            byName[entry.name] = entry
        }
        self.entries = byName
    }

    /// The entry clients ask for by `name`.
    public subscript(name: String) -> Entry? { entries[name] }

    /// The embedded default: `brokerage`, `piv` and `loyalty` from a `Sequences` directory, none reinstalling.
    ///
    /// - Parameter sequencesDirectory: The directory holding the scripts.
    /// - Returns: The specifications.
    public static func defaultSpecifications(sequencesDirectory: String) -> [Specification] {
        let names = ["brokerage", "piv", "loyalty"]
        return names.map { name in
            Specification(
                name: name,
                script: InMemoryResourceLoader.resolve("\(name).yaml", relativeTo: sequencesDirectory + "/")
            )
        }
    }

    /// Reads a catalogue file: JSON `{"applications": [{"name": …, "script": …, "reinstall": …}]}`.
    ///
    /// Script paths are relative to the catalogue file's directory.
    ///
    /// - Throws: ``ServerSetupError`` when the file cannot be read or is not such JSON.
    public static func specifications(catalogueFile path: String) throws(ServerSetupError) -> [Specification] {
        struct File: Decodable {
            var applications: [Specification]
        }
        let bytes: [UInt8]
        do {
            bytes = try FileResourceLoader.read(path)
        } catch {
            throw ServerSetupError(.catalogue, "\(error)")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw ServerSetupError(
                .catalogue,
                "'\(path)' is not a catalogue (JSON with 'applications': [{name, script, reinstall}]): \(error)"
            )
        }
        return file.applications.map { specification in
            var resolved = specification
            resolved.script = InMemoryResourceLoader.resolve(specification.script, relativeTo: path)
            return resolved
        }
    }

    /// Prepares every script of the specifications from the file system.
    ///
    /// - Throws: ``ServerSetupError`` for an unreadable script, a script with errors or a name used twice.
    public static func load(
        _ specifications: [Specification],
        loader: any ResourceLoader = FileResourceLoader()
    )
        throws(ServerSetupError) -> Catalogue
    {
        var entries: [Entry] = []
        for specification in specifications {
            let source: SourceFile
            do {
                source = try FileResourceLoader.source(specification.script)
            } catch {
                throw ServerSetupError(.catalogue, "\(error)")
            }
            entries.append(
                try Entry(
                    name: specification.name,
                    reinstall: specification.reinstall ?? false,
                    prepared: Compiler.prepare(source, loader: loader)
                )
            )
        }
        return try Catalogue(entries: entries)
    }
}
