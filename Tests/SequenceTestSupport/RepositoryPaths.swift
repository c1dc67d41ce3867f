public import Foundation

/// Paths into the repository, found from this file's location so tests work from any directory.
public enum RepositoryPaths {
    /// The repository root.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SequenceTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// `Sequences/`.
    public static var sequences: URL { root.appendingPathComponent("Sequences") }
    /// `Grammar/`.
    public static var grammar: URL { root.appendingPathComponent("Grammar") }
    /// `Docs/`.
    public static var docs: URL { root.appendingPathComponent("Docs") }
}
