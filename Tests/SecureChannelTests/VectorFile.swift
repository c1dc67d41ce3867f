import APDUTypes
import CardCrypto
import Foundation
import SecureChannel
import Testing

/// A vector file in Wycheproof's shape: a cited source and groups of numbered tests.
struct VectorFile<Test: Decodable & Sendable>: Decodable, Sendable {
    struct Group: Decodable, Sendable {
        var type: String
        var tests: [Test]
    }

    var algorithm: String
    var source: String
    var numberOfTests: Int
    var testGroups: [Group]

    /// All tests of all groups.
    var tests: [Test] { testGroups.flatMap(\.tests) }

    /// Reads `Vectors/<name>.json` next to this file, found through `#filePath`.
    static func load(_ name: String) throws -> Self {
        let data = try Data(contentsOf: VectorDirectory.url.appendingPathComponent("\(name).json"))
        let file = try JSONDecoder().decode(Self.self, from: data)
        #expect(file.tests.count == file.numberOfTests, "numberOfTests of \(name).json")
        return file
    }
}

/// Where the vector files live.
enum VectorDirectory {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")

    /// The names (without `.json`) of the files whose name starts with `prefix`.
    static func names(prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }
            .map { String($0.dropLast(5)) }
            .sorted()
    }
}

/// Hex text to bytes, failing the test on bad hex.
func bytes(_ hex: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
    try #require(Hex.bytes(hex), "not hex: \(hex)", sourceLocation: sourceLocation)
}

/// One byte from two hex digits.
func byte(_ hex: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> UInt8 {
    let value = try bytes(hex, sourceLocation: sourceLocation)
    try #require(value.count == 1, sourceLocation: sourceLocation)
    return value[0]
}

/// A key of the algorithm its length implies: 16 bytes are triple DES unless `aes` is set.
func cardKey(_ hex: String, aes: Bool) throws -> CardKey {
    try CardKey(aes ? .aes : .tripleDES, bytes: try bytes(hex))
}

/// A command APDU from hex.
func command(_ hex: String) throws -> CommandAPDU {
    try CommandAPDU(bytes: try bytes(hex))
}
