import Testing

@testable import CardCrypto

/// Many tasks using the shared OpenSSL objects at once get the same answers as one task alone.
struct ConcurrencyTests {
    /// What one task computes: every primitive, `rounds` times, over inputs derived from the round number.
    private static func work(rounds: Int) throws -> [[UInt8]] {
        let aes = try CardKey(.aes, bytes: [UInt8](hex: "2B7E151628AED2A6ABF7158809CF4F3C"))
        let tripleDES = try CardKey(.tripleDES, bytes: [UInt8](hex: "D1C28C601652A4770D67AD82D2D2E1C4"))
        let des = try CardKey(.des, bytes: [UInt8](hex: "0123456789ABCDEF"))
        let zeroIV8 = [UInt8](repeating: 0, count: 8)
        let zeroIV16 = [UInt8](repeating: 0, count: 16)
        var results: [[UInt8]] = []
        results.reserveCapacity(rounds * 6)
        for round in 0..<rounds {
            let block = (0..<32).map { UInt8(truncatingIfNeeded: round &* 31 &+ $0) }
            results.append(try AESCMAC.authenticationCode(for: block, using: aes))
            results.append(try aes.encrypt(block, mode: .cbc(iv: zeroIV16)))
            results.append(try tripleDES.encrypt(block, mode: .ecb))
            results.append(try des.encrypt(block, mode: .cbc(iv: zeroIV8)))
            results.append(try RetailMAC.authenticationCode(for: block, using: tripleDES, iv: zeroIV8))
            results.append(try SCP03KDF.derive(key: aes, constant: 4, context: block, lengthInBits: 128))
        }
        return results
    }

    /// 8 concurrent tasks, each computing 1,000 rounds of CMACs, encryptions and retail MACs.
    @Test func concurrentTasksMatchSequentialResult() async throws {
        let rounds = 1_000
        let expected = try Self.work(rounds: rounds)
        let results = try await withThrowingTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<8 {
                group.addTask { try Self.work(rounds: rounds) }
            }
            var all: [[[UInt8]]] = []
            for try await result in group {
                all.append(result)
            }
            return all
        }
        #expect(results.count == 8)
        for result in results {
            #expect(result == expected)
        }
    }

    /// Runtimes made and dropped while others work: each has its own library context.
    @Test func privateRuntimesComeAndGo() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    for _ in 0..<20 {
                        let runtime = OpenSSLRuntime(loadingLegacyProvider: index % 2 == 0)
                        let key = try CardKey(.des, bytes: [UInt8](hex: "0123456789ABCDEF"))
                        let ciphertext = try key.crypt(
                            [UInt8](hex: "4E6F772069732074"),
                            mode: .ecb,
                            encrypting: true,
                            runtime: runtime
                        )
                        #expect(ciphertext.hex == "3FA40E8A984D4815")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
