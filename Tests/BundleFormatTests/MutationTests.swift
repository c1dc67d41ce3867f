import BundleFormat
import Testing

/// Random mutations of an encoded bundle: never a crash; success only when nothing that
/// matters changed.
struct MutationTests {
    static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "0", "-1", "1e9", "9007199254740993",
        "\"format\"", "\"signature\"", "\\u0000", "\\ud800", "\u{FF}", " ", "\n", "AA", "aa", "X",
    ].map { Array($0.utf8) }

    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var out = bytes
        let rounds = Int.random(in: 1...3, using: &generator)
        for _ in 0..<rounds where !out.isEmpty {
            let position = Int.random(in: 0..<out.count, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0:
                out[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
            case 1:
                out.remove(at: position)
            case 2:
                out.insert(UInt8.random(in: 0...255, using: &generator), at: position)
            case 3:
                let token = tokens[Int.random(in: 0..<tokens.count, using: &generator)]
                out.insert(contentsOf: token, at: position)
            case 4:
                let end = min(out.count, position + Int.random(in: 1...40, using: &generator))
                out.removeSubrange(position..<end)
            case 5:
                let end = min(out.count, position + Int.random(in: 1...40, using: &generator))
                out.insert(contentsOf: out[position..<end], at: Int.random(in: 0...out.count, using: &generator))
            default:
                out = Array(out.prefix(position))
            }
        }
        return out
    }

    @Test func fiveThousandMutationsNeverCrashAndNeverPassChanged() throws {
        let bundle = try TestFixtures.bundle()
        let bytes = bundle.encoded()
        let verifier = try TestFixtures.verifier()
        var generator = SplitMix64(seed: 0xC0FFEE)
        var accepted = 0
        var codes: [BundleError.Code: Int] = [:]
        for _ in 0..<5000 {
            let mutated = Self.mutate(bytes, using: &generator)
            let result = verifier.verify(bytes: mutated)
            if result.isValid {
                // Only layout changes (whitespace, escapes) may pass, and they decode to the same bundle.
                #expect(result.bundle == bundle)
                #expect(result.bundle?.signedBytes == bundle.signedBytes)
                accepted += 1
            } else {
                #expect(!result.failures.isEmpty)
                for code in result.codes {
                    codes[code, default: 0] += 1
                }
            }
        }
        #expect(accepted < 1000)
        #expect(codes[.malformedBundle, default: 0] > 1000)
        #expect(codes[.signatureInvalid, default: 0] > 10)
    }
}
