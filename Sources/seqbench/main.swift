// seqbench: what compiling, securing and signing a bundle costs, against the raw cryptography
// that the same bundle needs, measured in the same run.
//
//     swift run -c release seqbench [iterations] [scp03|scp02]
//
// Scenario (issue 3): Sequences/brokerage.yaml with a 32 KB CAP, compiled for the first test
// card under SCP03 (C-MAC + C-ENC, level 03) and for the second under SCP02 i=15 (C-MAC + C-DEC,
// VISA2 keys). The baseline does the cryptographic work of the same bundle directly through
// CardCrypto and swift-crypto, over the same byte counts: session keys and cryptograms, one
// encryption and one MAC per command, the DEK encryption of secrets, SHA-256 of the sources and
// the Ed25519 signature. Timings are this thread's CPU time, so that other processes on a shared
// machine do not count: each round runs the raw crypto and both compiles back to back, one
// warm-up round is dropped, and each figure is the median of 5 rounds (a ratio is the median of
// the rounds' ratios). Naming one scenario runs only that one, for profilers.

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
/// An optional second argument, `scp03` or `scp02`, runs only that scenario (for profilers);
/// `memory-1mb` measures the peak memory of compiling a bundle for a 1 MiB extended CAP.
let only = CommandLine.arguments.dropFirst(2).first

func read(_ path: String) throws -> [UInt8] {
    try RepositoryLoader.bytes(path)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// The CPU time this thread has used, in seconds: other processes on a shared machine do not count.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The CPU seconds per call of `body`, over `iterations` calls.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = threadCPUSeconds()
    for _ in 0..<iterations { try body() }
    return (threadCPUSeconds() - start) / Double(iterations)
}

/// Per round: the raw crypto, then each compile, back to back, so that all see the same machine.
///
/// Returns the median CPU seconds per call of each body and, for each compile, the median over
/// the rounds of its ratio to the raw crypto of the same round. One warm-up round is not counted.
func measureInterleaved(
    rounds: Int = 5,
    raw: () throws -> Void,
    _ bodies: [() throws -> Void]
) rethrows -> (raw: Double, seconds: [Double], ratios: [Double]) {
    var rawTimes: [Double] = []
    var times = [[Double]](repeating: [], count: bodies.count)
    var ratios = [[Double]](repeating: [], count: bodies.count)
    for round in 0...rounds {
        let rawTime = try timed(raw)
        let roundTimes = try bodies.map { body in try timed(body) }
        guard round > 0 else { continue }
        rawTimes.append(rawTime)
        for (index, time) in roundTimes.enumerated() {
            times[index].append(time)
            ratios[index].append(time / rawTime)
        }
    }
    return (median(rawTimes), times.map(median), ratios.map(median))
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

func loader(capSize: Int, extended: Bool = false) throws -> InMemoryResourceLoader {
    let cap = CAPBuilder(
        packageAID: packageAID,
        packageVersion: CAPVersion(major: 2, minor: 1),
        appletAIDs: [appletAID],
        loadFileSize: capSize,
        formatVersion: extended ? .extended : .version22
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

print(
    "seqbench: brokerage.yaml, 32 KB CAP, \(iterations) bundles per round, thread CPU time, "
        + "medians of 5 interleaved rounds, one core"
)
for (label, card, scp03) in [
    ("SCP03 C-MAC+C-ENC (AES-128)", "Sequences/cards/gp-test-card.yaml", true),
    ("SCP02 C-MAC+C-DEC (3DES, VISA2)", "Sequences/cards/gp-second-card.yaml", false),
] where only.map({ label.lowercased().hasPrefix($0.lowercased()) }) ?? true {
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
    let prepared = Compiler.prepare(script, loader: files)
    let measured = try measureInterleaved(
        raw: {
            try rawCrypto(plan: plan, cardKeys: cardKeys, scp03: scp03, payloadBytes: payloadBytes, sources: sources)
        },
        [
            { _ = try BundleCompiler.compile(script, cardData: cardData, loader: files, request: bundleRequest) },
            { _ = try BundleCompiler.compile(prepared, cardData: cardData, request: bundleRequest) },
        ]
    )
    let cryptoSeconds = measured.raw
    let (compileSeconds, preparedSeconds) = (measured.seconds[0], measured.seconds[1])
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
        measured.ratios[0]
    )
    let perCard = String(
        format: "  prepared once, per card: %.1f bundles/s (%.2f ms), ratio %.2fx",
        1 / preparedSeconds,
        preparedSeconds * 1000,
        measured.ratios[1]
    )
    print(summary)
    print(fromText)
    print(perCard)
}

// `seqbench 1 memory-1mb`: peak memory of one SCP03 bundle compile for a 1 MiB load file (a Java
// Card 3.1 extended CAP), alone in its process so nothing else raises the peak.
if only == "memory-1mb" {
    let size = 1 << 20
    let (cardData, bundleRequest) = try request(for: "Sequences/cards/gp-test-card.yaml")
    let before = peakResidentMegabytes()
    let result = try BundleCompiler.compile(
        script,
        cardData: cardData,
        loader: try loader(capSize: size, extended: true),
        request: bundleRequest
    )
    let bundle = try unwrapped(result.bundle)
    print(
        String(
            format:
                "extended CAP, %d bytes of load file data: %d commands, bundle %d bytes, peak RSS %.1f MB (%.1f MB before)",
            size,
            bundle.payload.commands.count,
            bundle.encoded().count,
            peakResidentMegabytes(),
            before
        )
    )
    exit(0)
}

// Peak memory for the largest load file a compact CAP can hold (Method component ≤ 65,535 bytes).
if only != nil { exit(0) }
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
