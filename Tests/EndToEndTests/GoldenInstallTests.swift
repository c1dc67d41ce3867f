import APDUTypes
import BundleFormat
import CardCrypto
import CardSimulator
import CardTransport
import CardTransportPCSC
import KeyStore
import SecureChannel
import SequenceCompiler
import SequencePlayer
import SequenceTestSupport
import Testing

/// The golden bundles of every `Sequences/` script, replayed by the player through the real pcscd
/// and vpcd onto a simulated card, and the card's state read back through the same reader.
extension ThroughTheReader {
    @Suite
    struct GoldenInstallTests {
        /// One golden bundle and the card it was compiled for.
        struct Case: Sendable, CustomTestStringConvertible {
            var bundle: String
            var card: String
            var sequenceCounter: Int = 0
            var fixedCardChallenge: [UInt8]?
            /// What the card holds afterwards, read through the reader.
            var expectation: Expectation

            enum Expectation: Sendable {
                /// GET STATUS in a new session lists this application instance.
                case application(String)
                /// The card's registry (an implicit key set opens no explicit session) holds this instance.
                case implicitApplication(String)
                /// The key set the bundle replaced no longer opens a session.
                case keySetReplaced(UInt8)
                /// The loyalty holder file holds the card's data.
                case loyaltyFiles
            }

            var testDescription: String { bundle }
        }

        static let secondCardChallenge: [UInt8] = [0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6]

        static let cases: [Case] = [
            Case(
                bundle: "bundle.brokerage.gp-test-card.scp03.bundle.json",
                card: "Sequences/cards/gp-test-card.yaml",
                sequenceCounter: 0x29,
                expectation: .application("F04353510142524B010042ACF3")
            ),
            Case(
                bundle: "bundle.brokerage.gp-test-card.scp03-precomputed.bundle.json",
                card: "Sequences/cards/gp-test-card.yaml",
                sequenceCounter: 0x2A,
                expectation: .application("F04353510142524B010042ACF3")
            ),
            Case(
                bundle: "bundle.brokerage.gp-second-card.scp02.bundle.json",
                card: "Sequences/cards/gp-second-card.yaml",
                sequenceCounter: 0x42,
                fixedCardChallenge: secondCardChallenge,
                expectation: .application("F04353510142524B0100C0FFEE")
            ),
            Case(
                bundle: "bundle.piv.gp-test-card.scp03.bundle.json",
                card: "Sequences/cards/gp-test-card.yaml",
                sequenceCounter: 0x29,
                expectation: .application("A000000308000010000100")
            ),
            Case(
                bundle: "bundle.piv.gp-second-card.scp02.bundle.json",
                card: "Sequences/cards/gp-second-card.yaml",
                sequenceCounter: 0x42,
                fixedCardChallenge: secondCardChallenge,
                expectation: .application("A000000308000010000100")
            ),
            Case(
                bundle: "bundle.rotate-keys.gp-test-card.scp03.bundle.json",
                card: "Sequences/cards/gp-test-card.yaml",
                sequenceCounter: 0x29,
                expectation: .keySetReplaced(0x30)
            ),
            Case(
                bundle: "bundle.loyalty.iso-test-card.sm.bundle.json",
                card: "Sequences/cards/iso-test-card.yaml",
                expectation: .loyaltyFiles
            ),
        ]

        /// Every golden bundle is listed here, so a new one cannot go untested through the reader.
        @Test func everyGoldenBundleIsInstalledThroughTheReader() {
            let golden = RepositoryLoader.files(
                in: "Tests/SequenceCompilerReferenceTests/Golden",
                withExtension: "json"
            )
            .map { $0.split(separator: "/").last.map(String.init) ?? $0 }
            .filter { $0.hasPrefix("bundle.") }
            let covered = Set(Self.cases.map(\.bundle) + Self.notYetOnTheSimulator)
            #expect(Set(golden) == covered)
        }

        /// Golden bundles the simulated card cannot take yet, with the reason in the closing note.
        static let notYetOnTheSimulator = ["bundle.brokerage.gp-second-card.scp02-implicit.bundle.json"]

        @Test(arguments: cases)
        func installsThroughPCSCAndTheCardShowsIt(_ testCase: Case) async throws {
            let card = try Fixture.card(
                testCase.card,
                sequenceCounter: testCase.sequenceCounter,
                fixedCardChallenge: testCase.fixedCardChallenge
            )
            let bytes = try Fixture.golden(testCase.bundle)
            let bundle = try SignedBundle.decode(bytes)
            try await withCardInReader(card) { channel in
                let receipt = try await Fixture.player().play(bytes: bytes, over: channel)
                #expect(receipt.outcome.status == .completed)
                #expect(receipt.outcome.commandsRun == bundle.payload.commands.count)
                // Each status word is one its command accepts: 9000, or 6A88/6A82 for deleting what a
                // new card does not hold yet.
                for answered in receipt.commands {
                    let word = try #require(Hex.bytes(answered.statusWord))
                    let statusWord = StatusWord(sw1: word[0], sw2: word[1])
                    #expect(bundle.payload.commands[answered.index].expect.contains { $0.matches(statusWord) })
                    #expect(statusWord == .success || [0x6A88, 0x6A82].contains(statusWord.rawValue))
                }

                switch testCase.expectation {
                case .application(let aid):
                    let listing = try await Self.getStatus(channel, cardPath: testCase.card)
                    #expect(Hex.string(listing).contains("4F" + String(format2: aid.count / 2) + aid))
                case .implicitApplication(let aid):
                    let installed = try #require(card as? GlobalPlatformCard).applications.map {
                        Hex.string($0.aid.bytes)
                    }
                    #expect(installed.contains(aid))
                    // GET DATA 00C1 through the reader: the counter moved on with the session.
                    let counter = try await channel.transmit(
                        CommandAPDU(cla: 0x80, ins: 0xCA, p1: 0x00, p2: 0xC1, le: 256)
                    )
                    #expect(Hex.string(counter.data).hasSuffix("0044"))
                case .keySetReplaced(let version):
                    let probe = CommandAPDU(
                        cla: 0x80,
                        ins: 0x50,
                        p1: version,
                        p2: 0x00,
                        data: [UInt8](repeating: 1, count: 8),
                        le: 256
                    )
                    let select = CommandAPDU(
                        cla: 0x00,
                        ins: 0xA4,
                        p1: 0x04,
                        p2: 0x00,
                        data: try Hex.require("A000000151000000"),
                        le: 256
                    )
                    #expect(try await channel.transmit(select).statusWord == .success)
                    #expect(try await channel.transmit(probe).statusWord == StatusWord(0x6A88))
                case .loyaltyFiles:
                    for fid: [UInt8] in [[0x3F, 0x00], [0x51, 0x00], [0x51, 0x01]] {
                        let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x00, p2: 0x0C, data: fid)
                        #expect(try await channel.transmit(select).statusWord == .success)
                    }
                    let read = try await channel.transmit(CommandAPDU(cla: 0x00, ins: 0xB0, p1: 0, p2: 0, le: 256))
                    #expect(read.statusWord == .success)
                    #expect(Hex.string(read.data).hasPrefix("5A086280123456789012"))
                }
            }
        }

        /// Opens a new session with the issuer's keys through the reader and lists the applications.
        static func getStatus(_ channel: some CardChannel, cardPath: String) async throws -> [UInt8] {
            let cardData = try Fixture.cardData(cardPath)
            let identity = CardIdentity(
                isdAID: cardData.bytes(for: .issuerSecurityDomain),
                iin: cardData.bytes(for: .iin),
                cin: cardData.bytes(for: .cin),
                keyDiversificationData: cardData.bytes(for: .keyDiversificationData)
            )
            let selected = try Fixture.keyFile().keySet(for: identity)
            var configuration = selected.configuration
            configuration.securityLevel = [.commandMAC]
            var session = try SecureChannelSession(
                keys: selected.keys,
                configuration: configuration,
                hostChallenge: [0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11]
            )
            let aid = try #require(identity.isdAID)
            let select = CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: aid, le: 256)
            #expect(try await channel.transmit(select).statusWord == .success)
            guard let initializeUpdate = session.initializeUpdateCommand else {
                Issue.record("no INITIALIZE UPDATE command")
                return []
            }
            let answer = try await channel.transmit(initializeUpdate)
            try session.receiveInitializeUpdateResponse(answer.bytes)
            let authenticate = try session.externalAuthenticateCommand()
            #expect(try await channel.transmit(authenticate).statusWord == .success)
            let getStatus = CommandAPDU(cla: 0x80, ins: 0xF2, p1: 0x40, p2: 0x02, data: [0x4F, 0x00], le: 256)
            let wrapped = try session.wrap(getStatus)
            let listing = try await channel.transmit(wrapped)
            #expect(listing.statusWord == .success)
            return listing.data
        }
    }

}

extension String {
    /// A byte as two upper-case hex digits.
    init(format2 value: Int) {
        self = Hex.string([UInt8(value)])
    }
}

extension Hex {
    /// Hex text that must decode.
    static func require(_ text: String) throws -> [UInt8] {
        try #require(Hex.bytes(text))
    }
}
