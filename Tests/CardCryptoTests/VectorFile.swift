import Foundation
import Testing

@testable import CardCrypto

/// A file of known-answer vectors in Wycheproof's shape, read from `Vectors/` next to this file.
///
/// The files are excluded from the test target and found through `#filePath`, so they stay plain
/// data that `Vectors/check_vectors.py` can check independently.
struct VectorFile: Decodable, Sendable {
    struct TestGroup: Decodable, Sendable {
        var type: String
        var mode: String?
        var cipher: String?
        var padding: String?
        var keyAlgorithm: String?
        var blockSize: Int?
        var keySize: Int?
        var tests: [TestCase]
    }

    struct TestCase: Decodable, Sendable {
        var tcId: Int
        var comment: String
        var key: String?
        var iv: String?
        var msg: String?
        var ct: String?
        var tag: String?
        var padded: String?
        var constant: String?
        var context: String?
        var out: String?
        var kcv: String?
        var error: String?
        var result: String
    }

    var algorithm: String
    var source: String
    var numberOfTests: Int
    var testGroups: [TestGroup]

    /// The folder holding the vector files.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")

    /// Reads and decodes one vector file, checking its declared number of tests.
    static func load(_ name: String) throws -> VectorFile {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let file = try JSONDecoder().decode(VectorFile.self, from: data)
        let count = file.testGroups.reduce(0) { $0 + $1.tests.count }
        guard count == file.numberOfTests, !file.source.isEmpty else {
            throw VectorError.inconsistentFile(name)
        }
        return file
    }

    /// Every test of a file, each with its group, as arguments for a parameterized test.
    static func vectors(_ name: String, groupType: String? = nil) throws -> [Vector] {
        let file = try load(name)
        return file.testGroups.filter { groupType == nil || $0.type == groupType }.flatMap { group in
            group.tests.map { Vector(file: name, algorithm: file.algorithm, group: group, test: $0) }
        }
    }
}

/// One test case with the group and file it came from.
struct Vector: Sendable, CustomTestStringConvertible {
    var file: String
    var algorithm: String
    var group: VectorFile.TestGroup
    var test: VectorFile.TestCase

    var testDescription: String { "\(file) #\(test.tcId): \(test.comment)" }

    /// Whether the expected output is the right one (`valid`) or a tampered one that must not match.
    var isValid: Bool { test.result == "valid" }

    /// The hex field named by `path`, which must be present.
    func bytes(_ path: KeyPath<VectorFile.TestCase, String?>) throws -> [UInt8] {
        guard let text = test[keyPath: path] else {
            throw VectorError.missingField(testDescription)
        }
        return try [UInt8](hex: text)
    }

    /// The key field as a ``CardKey`` of the algorithm the file or group names.
    func key() throws -> CardKey {
        let bytes = try bytes(\.key)
        let family = group.keyAlgorithm ?? group.cipher ?? algorithm
        if family.hasPrefix("AES") || algorithm.hasPrefix("SCP03") || group.type == "Kdf3Test" {
            return try CardKey(.aes, bytes: bytes)
        }
        return try CardKey(bytes.count == 8 ? .des : .tripleDES, bytes: bytes)
    }

    /// The single-byte `constant` field.
    func constant() throws -> UInt8 {
        let bytes = try bytes(\.constant)
        guard bytes.count == 1 else {
            throw VectorError.missingField(testDescription)
        }
        return bytes[0]
    }
}

enum VectorError: Error {
    case inconsistentFile(String)
    case missingField(String)
    case badHex(String)
}

extension [UInt8] {
    /// Parses hex digits (upper or lower case, no separators).
    init(hex: String) throws {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else {
            throw VectorError.badHex(hex)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else {
                throw VectorError.badHex(hex)
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The bytes as upper-case hex.
    var hex: String {
        map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}

/// A small deterministic generator (SplitMix64), so random split points and keys repeat from run to run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Ways to cut a message into pieces for the incremental MAC APIs.
enum Splits {
    /// The whole message, one byte at a time, and `randomCount` random cuts (some with empty pieces).
    static func of(_ message: [UInt8], seed: UInt64, randomCount: Int = 16) -> [[ArraySlice<UInt8>]] {
        var splits: [[ArraySlice<UInt8>]] = [[message[...]], message.indices.map { message[$0...$0] }]
        var generator = SplitMix64(seed: seed)
        for _ in 0..<randomCount {
            var cuts = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                Int.random(in: 0...message.count, using: &generator)
            }
            cuts.append(contentsOf: [0, message.count])
            cuts.sort()
            splits.append(zip(cuts, cuts.dropFirst()).map { message[$0..<$1] })
        }
        return splits
    }

    /// Random bytes from a seeded generator.
    static func randomBytes(_ count: Int, using generator: inout SplitMix64) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
