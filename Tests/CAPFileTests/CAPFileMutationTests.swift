import CAPFile
import Testing

/// Seeded random damage to valid files: the reader must never trap or hang, and must fail only with
/// ``CAPFileError`` (which typed throws already guarantees at compile time).
struct CAPFileMutationTests {
    /// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
    /// small, fast and the same on every platform, so failures reproduce from the seed.
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

    /// The first outputs for seed 0, so the generator (and with it every seeded test) stays the same.
    @Test func splitMix64MatchesReferenceOutputs() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    /// The extended inputs use Method blocks of at most 100 bytes, so that a 600-byte file has four
    /// blocks whose offsets, counts and sizes the mutations can hit.
    @Test(arguments: [
        (name: "stored archive", seed: UInt64(1), count: 2500),
        (name: "IJC file", seed: UInt64(2), count: 2500),
        (name: "deflated fixture", seed: UInt64(3), count: 1500),
        (name: "extended archive", seed: UInt64(5), count: 2500),
        (name: "extended IJC file", seed: UInt64(6), count: 2500),
    ])
    func survivesRandomMutations(input: (name: String, seed: UInt64, count: Int)) throws {
        let builder = try CAPTestData.walletBuilder(loadFileSize: 400)
        let extended = try CAPTestData.extendedWalletBuilder(loadFileSize: 600, blockCapacity: 100)
        let original =
            switch input.name {
            case "stored archive": builder.capArchive()
            case "IJC file": builder.ijc()
            case "extended archive": extended.capArchive()
            case "extended IJC file": extended.ijc()
            default: try CAPTestData.deflatedFixture()
            }
        if input.name.hasPrefix("extended") {
            #expect(try CAPFile(bytes: original).methodBlockCount == 4)
        }
        var generator = SplitMix64(seed: input.seed)
        var failures = 0
        for _ in 0..<input.count {
            let mutated = Self.mutate(original, using: &generator)
            do {
                let cap = try CAPFile(bytes: mutated)
                #expect(cap.codeSize == cap.loadFileData(includeDescriptor: false).count)
                #expect(cap.components.first?.tag == .header)
                // Whatever was accepted reads back the same from its own load file data.
                #expect(try CAPFile(ijc: cap.loadFileData(includeDescriptor: true)).applets == cap.applets)
            } catch {
                failures += 1
                #expect(!error.description.isEmpty)
            }
        }
        // Most damage must be noticed; a few mutations (e.g. in the manifest) are harmless.
        #expect(failures > input.count / 2)
    }

    @Test func survivesRandomBytes() {
        var generator = SplitMix64(seed: 4)
        let prefixes: [[UInt8]] = [[], [0x50, 0x4B, 0x03, 0x04], [0x01]]
        for round in 0..<600 {
            let length = Int.random(in: 0..<600, using: &generator)
            var bytes = prefixes[round % prefixes.count]
            bytes += (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if round % 2 == 0 {
                // An end of central directory record that points at the random bytes.
                bytes += [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0]
                bytes += (0..<10).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            _ = try? CAPFile(bytes: bytes)
        }
    }

    /// One to three random edits: byte flips, special values, truncation, insertion, deletion or a copy.
    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &generator) where !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0:
                bytes[position] ^= UInt8.random(in: 1...255, using: &generator)
            case 1:
                bytes[position] = [0x00, 0x01, 0x7F, 0x80, 0xFF].randomElement(using: &generator) ?? 0
            case 2:
                bytes.removeSubrange(position...)
            case 3:
                let insertion = (0..<Int.random(in: 1...8, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                bytes.insert(contentsOf: insertion, at: position)
            case 4:
                bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...8, using: &generator)))
            default:
                let source = Int.random(in: 0..<bytes.count, using: &generator)
                let slice = bytes[source..<min(bytes.count, source + Int.random(in: 1...16, using: &generator))]
                bytes.replaceSubrange(position..<min(bytes.count, position + slice.count), with: slice)
            }
        }
        return bytes
    }
}
