// seqbench: what compiling, securing and signing a bundle costs, against the raw cryptography
// that the same bundle needs, measured in the same run.
//
//     swift run -c release seqbench [iterations]
//
// Scenario (issue 3): Sequences/brokerage.yaml with a 32 KB CAP, compiled for the first test
// card under SCP03 (C-MAC + C-ENC, level 03) and for the second under SCP02 i=15 (C-MAC + C-DEC,
// VISA2 keys). The baseline does the cryptographic work of the same bundle directly through
// CardCrypto and swift-crypto, over the same byte counts: session keys and cryptograms, one
// encryption and one MAC per command, the DEK encryption of secrets, SHA-256 of the sources and
// the Ed25519 signature. Timings are medians of several rounds on one core.

import APDUTypes
import BundleFormat
import CAPFile
import CardCrypto
import Crypto
import Foundation
import KeyStore
import SecureChannel
import SequenceCompiler
import SequenceTestSupport

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 40

func read(_ path: String) throws -> [UInt8] {
    try RepositoryLoader.bytes(path)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// Runs `body` `iterations` times per round for 5 rounds; the median seconds per call.
func measure(_ body: () throws -> Void) rethrows -> Double {
    var rounds: [Double] = []
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { try body() }
        rounds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(iterations))
    }
    return median(rounds)
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

struct Scenario {
    var name: String
    var card: String
    var sequenceCounter: [UInt8]
}

let script = try RepositoryLoader.source("Sequences/brokerage.yaml")
let packageAID = try unwrapped(ApplicationIdentifier(hex: "F0435351014252"))
let appletAID = try unwrapped(ApplicationIdentifier(hex: "F04353510142524B01"))
func unwrapped<T>(_ value: T?) throws -> T {
    guard let value else { throw CocoaError(.coderInvalidValue) }
    return value
}

func loader(capSize: Int) throws -> InMemoryResourceLoader {
    let cap = CAPBuilder(
        packageAID: packageAID,
        packageVersion: CAPVersion(major: 2, minor: 1),
        appletAIDs: [appletAID],
        loadFileSize: capSize
    ).capArchive()
    return InMemoryResourceLoader(files: [
        "Sequences/brokerage.yaml": Array(script.text.utf8),
        "Sequences/common/gp-preamble.yaml": try read("Sequences/common/gp-preamble.yaml"),
        "Sequences/brokerage/brokerage.cap": cap,
    ])
}

let keyFile = try KeyFile(text: try RepositoryLoader.source("Sequences/keys/test-keys.yaml").text, path: "keys")
let signer = try Ed25519BundleSigner(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))
let hostChallenge: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]

func request(for cardPath: String) throws -> (CardData, BundleCompiler.Request) {
    var problems = DiagnosticBag()
    guard let cardData = CardDataParser.parse(try RepositoryLoader.source(cardPath), diagnostics: &problems) else {
        throw CocoaError(.coderInvalidValue)
    }
    let identity = CardIdentity(
        isdAID: cardData.bytes(for: .issuerSecurityDomain),
        iin: cardData.bytes(for: .iin),
        cin: cardData.bytes(for: .cin),
        keyDiversificationData: cardData.bytes(for: .keyDiversificationData)
    )
    let selected = try keyFile.keySet(for: identity)
    let cardKeys = try selected.cardKeys(for: identity)
    let kdd = try unwrapped(identity.keyDiversificationData)
    let response: [UInt8]
    if case .scp03 = selected.configuration.scp {
        response = try TestCard.scp03Response(
            keys: cardKeys,
            kdd: kdd,
            i: 0x70,
            sequenceCounter: [0, 0, 0x2A],
            aid: try unwrapped(selected.configuration.securityDomainAID),
            hostChallenge: hostChallenge
        )
    } else {
        response = try TestCard.scp02Response(
            keys: cardKeys,
            kdd: kdd,
            sequenceCounter: [0x00, 0x42],
            cardChallenge: [0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6],
            hostChallenge: hostChallenge
        )
    }
    return (
        cardData,
        BundleCompiler.Request(
            keys: selected.keys,
            configuration: selected.configuration,
            hostChallenge: hostChallenge,
            initializeUpdateResponse: response,
            signer: signer,
            issuedAt: BundleTimestamp(secondsSince1970: 1_798_761_600),
            bundleID: [UInt8](repeating: 0xB0, count: 16)
        )
    )
}

/// The raw cryptography of one bundle, over the same byte counts as the bundle's plain plan.
func rawCrypto(plan: CommandPlan, cardKeys: StaticKeys, scp03: Bool, payloadBytes: [UInt8], sources: [[UInt8]]) throws {
    var digest = SHA256()
    for source in sources { digest.update(data: source) }
    _ = digest.finalize()
    let zero16 = [UInt8](repeating: 0, count: 16)
    let zero8 = [UInt8](repeating: 0, count: 8)
    if scp03 {
        let context = hostChallenge + [UInt8](repeating: 0x42, count: 8)
        let sENC = try SCP03KDF.deriveKey(from: cardKeys.enc, constant: 0x04, context: context)
        let sMAC = try SCP03KDF.deriveKey(from: cardKeys.mac, constant: 0x06, context: context)
        _ = try SCP03KDF.derive(key: sMAC, constant: 0x00, context: context, lengthInBits: 64)
        _ = try SCP03KDF.derive(key: sMAC, constant: 0x01, context: context, lengthInBits: 64)
        var chain = zero16
        for command in plan.commands {
            var data = command.clearDataForSecureStage
            if !data.isEmpty {
                let iv = try sENC.encrypt(zero16, mode: .ecb)
                data = try sENC.encrypt(Padding.iso9797Method2(data, blockSize: 16), mode: .cbc(iv: iv))
            }
            var mac = try AESCMAC(key: sMAC)
            mac.update(chain)
            mac.update([
                command.cla | 0x04, command.ins, command.p1, command.p2, UInt8(truncatingIfNeeded: data.count + 8),
            ])
            mac.update(data)
            chain = try mac.finalize()
        }
    } else {
        let sENC = try CardKey(
            .tripleDES,
            bytes: try cardKeys.enc.encrypt(
                [0x01, 0x82, 0, 0x42] + [UInt8](repeating: 0, count: 12),
                mode: .cbc(iv: zero8)
            )
        )
        let sMAC = try CardKey(
            .tripleDES,
            bytes: try cardKeys.mac.encrypt(
                [0x01, 0x01, 0, 0x42] + [UInt8](repeating: 0, count: 12),
                mode: .cbc(iv: zero8)
            )
        )
        _ = try CBCMAC.authenticationCode(
            for: Padding.iso9797Method2(hostChallenge + zero8, blockSize: 8),
            using: sENC,
            iv: zero8
        )
        _ = try CBCMAC.authenticationCode(
            for: Padding.iso9797Method2(hostChallenge + zero8, blockSize: 8),
            using: sENC,
            iv: zero8
        )
        var icv = zero8
        let icvKey = try sMAC.firstDESKey()
        for command in plan.commands {
            let plain = command.clearDataForSecureStage
            let header: [UInt8] = [
                command.cla | 0x04, command.ins, command.p1, command.p2, UInt8(truncatingIfNeeded: plain.count + 8),
            ]
            let mac = try RetailMAC.authenticationCode(
                for: Padding.iso9797Method2(header + plain, blockSize: 8),
                using: sMAC,
                iv: icv
            )
            icv = try icvKey.encrypt(mac, mode: .ecb)
            if !plain.isEmpty {
                _ = try sENC.encrypt(Padding.iso9797Method2(plain, blockSize: 8), mode: .cbc(iv: zero8))
            }
        }
    }
    _ = try signer.sign(payloadBytes)
}

print("seqbench: brokerage.yaml, 32 KB CAP, \(iterations) bundles per round, median of 5 rounds, one core")
for (label, card, scp03) in [
    ("SCP03 C-MAC+C-ENC (AES-128)", "Sequences/cards/gp-test-card.yaml", true),
    ("SCP02 C-MAC+C-DEC (3DES, VISA2)", "Sequences/cards/gp-second-card.yaml", false),
] {
    let files = try loader(capSize: 32 * 1024)
    let (cardData, bundleRequest) = try request(for: card)
    let first = try BundleCompiler.compile(script, cardData: cardData, loader: files, request: bundleRequest)
    guard let bundle = first.bundle, let plan = first.plan else {
        print("\(label): compile failed: \(first.diagnostics)")
        continue
    }
    let identity = CardIdentity(isdAID: nil, keyDiversificationData: bundle.payload.card.identity.kdd)
    let selected = try keyFile.keySet(for: CardIdentity(isdAID: bundle.payload.card.identity.isdAID?.bytes))
    let cardKeys = try selected.cardKeys(for: identity)
    let payloadBytes = bundle.payload.canonicalBytes()
    let sources = [Array(script.text.utf8), files.files["Sequences/brokerage/brokerage.cap"] ?? []]
    let compileSeconds = try measure {
        _ = try BundleCompiler.compile(script, cardData: cardData, loader: files, request: bundleRequest)
    }
    let prepared = Compiler.prepare(script, loader: files)
    let preparedSeconds = try measure {
        _ = try BundleCompiler.compile(prepared, cardData: cardData, request: bundleRequest)
    }
    let cryptoSeconds = try measure {
        try rawCrypto(plan: plan, cardKeys: cardKeys, scp03: scp03, payloadBytes: payloadBytes, sources: sources)
    }
    let commands = bundle.payload.commands.count
    let summary = String(
        format: "%@: %d commands; raw crypto %.2f ms",
        label,
        commands,
        cryptoSeconds * 1000
    )
    let fromText = String(
        format: "  from the YAML text: %.1f bundles/s (%.2f ms), ratio %.2fx",
        1 / compileSeconds,
        compileSeconds * 1000,
        compileSeconds / cryptoSeconds
    )
    let perCard = String(
        format: "  prepared once, per card: %.1f bundles/s (%.2f ms), ratio %.2fx",
        1 / preparedSeconds,
        preparedSeconds * 1000,
        preparedSeconds / cryptoSeconds
    )
    print(summary)
    print(fromText)
    print(perCard)
}

// Peak memory for the largest load file a compact CAP can hold (Method component ≤ 65,535 bytes).
let largest = CAPBuilder(packageAID: packageAID, appletAIDs: [appletAID]).loadFileSizeRange.upperBound
let (cardData, bundleRequest) = try request(for: "Sequences/cards/gp-test-card.yaml")
let before = peakResidentMegabytes()
_ = try BundleCompiler.compile(script, cardData: cardData, loader: try loader(capSize: largest), request: bundleRequest)
print(
    String(
        format: "largest compact CAP (%d bytes of load file data): peak RSS %.1f MB (%.1f MB before)",
        largest,
        peakResidentMegabytes(),
        before
    )
)
