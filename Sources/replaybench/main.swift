// The replay benchmark of issue 4: what the player adds per command over a bare PC/SC loop.
//
// `swift run -c release replaybench [ROUNDS]` (pcscd with vpcd running: `bash .ci/pcscd start`).
// A simulated GlobalPlatform test card is plugged into vpcd's second reader in this process. Each
// round installs the golden precomputed brokerage bundle (30 commands, SCP03) on a fresh card
// twice, in alternating order: once with a minimal loop that sends the same APDUs (the SELECT of
// the security domain, then every bundle command) through SCardTransmit and checks nothing, and
// once with BundlePlayer (signature and structure verification, session check, T=0 handling,
// status-word checks, events, receipt). Both go through the same pcscd, vpcd and card, so the
// difference is the player's own cost. Medians over the rounds.
import APDUTypes
import BundleFormat
import CardSimulator
import CardTransport
import CardTransportPCSC
import CardTransportVPCD
import Foundation
import KeyStore
import SequenceCompiler
import SequencePlayer
import SequenceTestSupport
import SimulatorSetup
import Synchronization

/// A card slot whose card can be swapped between rounds while the link stays up.
final class SwappableCard: VirtualCard, @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private var card: any SimulatedCard

    init(_ card: any SimulatedCard) { self.card = card }

    func replace(with card: any SimulatedCard) { lock.withLock { _ in self.card = card } }
    var answerToReset: [UInt8] { lock.withLock { _ in card.answerToReset } }
    func powerOn() { lock.withLock { _ in card.reset() } }
    func powerOff() { lock.withLock { _ in card.reset() } }
    func reset() { lock.withLock { _ in card.reset() } }
    func process(_ apdu: [UInt8]) -> [UInt8] { lock.withLock { _ in card.process(bytes: apdu) } }
}

func freshCard() throws -> any SimulatedCard {
    var problems = DiagnosticBag()
    guard
        let cardData = CardDataParser.parse(
            try RepositoryLoader.source("Sequences/cards/gp-test-card.yaml"),
            diagnostics: &problems
        )
    else { fatalError("the fixture card data does not parse") }
    let keys = try KeyFile(
        text: try RepositoryLoader.source("Sequences/keys/test-keys.yaml").text,
        path: "Sequences/keys/test-keys.yaml"
    )
    let image = try SimulatorSetup.image(
        cardData: cardData,
        keys: keys,
        options: SimulatorSetup.Options(sequenceCounter: 0x2A)
    )
    return try image.makeCard()
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 40
let reader = "Virtual PCD 00 01"
let bytes = try RepositoryLoader.bytes(
    "Tests/SequenceCompilerReferenceTests/Golden/bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json"
)
let bundle = try SignedBundle.decode(bytes)
let publicKey = try BundlePublicKey(
    pemRepresentation: try RepositoryLoader.source("Sequences/keys/test-signing-key.pub.pem").text
)
let issued = bundle.payload.issuedAt.secondsSince1970
let start = ContinuousClock.now
let player = BundlePlayer(
    trustedKeys: [publicKey],
    clock: PlayerClock(
        now: { BundleTimestamp(secondsSince1970: issued + 60) },
        elapsed: { ContinuousClock.now - start }
    )
)
let aid = bundle.payload.card.identity.isdAID?.bytes ?? []
let wire: [[UInt8]] =
    [CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: aid, le: 256).bytes]
    + bundle.payload.commands.map(\.apdu)

let context = try PCSCContext()
// A card inserted within one of pcscd's polls after another left is taken for the old one: wait
// until the reader is empty first.
let emptyBy = ContinuousClock.now.advanced(by: .seconds(5))
while try context.readerStates().first(where: { $0.name == reader })?.isCardPresent == true {
    guard ContinuousClock.now < emptyBy else {
        fatalError("'\(reader)' still holds a card: is another card plugged in?")
    }
    try await Task.sleep(for: .milliseconds(50))
}
let slot = SwappableCard(try freshCard())
let link = VirtualCardLink(card: slot, port: 35964)
try link.start()
defer { link.stop() }
_ = try context.waitForCard(reader: reader, timeout: .seconds(5))
let channel = try PCSCCardChannel(reader: reader)

var bare: [Double] = []
var played: [Double] = []
let clock = ContinuousClock()
for round in 0..<(rounds + 2) {
    for playerFirst in [round % 2 == 0, round % 2 != 0] {
        slot.replace(with: try freshCard())
        let began = clock.now
        if playerFirst {
            let receipt = try await player.play(bytes: bytes, over: channel)
            precondition(receipt.outcome.status == .completed, "the player did not complete")
        } else {
            for command in wire {
                let response = try channel.transmit(bytes: command)
                precondition(response.count >= 2)
            }
        }
        let seconds =
            Double((clock.now - began).components.attoseconds) / 1e18
            + Double((clock.now - began).components.seconds)
        if round >= 2 {  // two warm-up rounds
            if playerFirst { played.append(seconds) } else { bare.append(seconds) }
        }
    }
}
let perCommandBare = median(bare) / Double(wire.count) * 1e6
let perCommandPlayed = median(played) / Double(wire.count) * 1e6
print("replaybench: \(rounds) rounds, \(wire.count) APDUs per install through pcscd/vpcd (\(reader))")
print(
    String(
        format: "  bare SCardTransmit loop: %.1f µs per command (median install %.2f ms)",
        perCommandBare,
        median(bare) * 1e3
    )
)
print(
    String(
        format: "  BundlePlayer:            %.1f µs per command (median install %.2f ms)",
        perCommandPlayed,
        median(played) * 1e3
    )
)
print(String(format: "  player overhead: %+.1f%% per command", (perCommandPlayed / perCommandBare - 1) * 100))
// The part of the overhead paid once per bundle: decoding, signature and structure checks.
var verifications: [Double] = []
for _ in 0..<rounds {
    let began = clock.now
    precondition(player.verify(bytes: bytes).isValid)
    let elapsed = clock.now - began
    verifications.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
print(
    String(
        format: "  of which verifying the bundle once: %.2f ms (%.1f µs per command)",
        median(verifications) * 1e3,
        median(verifications) / Double(wire.count) * 1e6
    )
)
