import Foundation

extension GlobalPlatformCard {
    /// Everything a GlobalPlatform card keeps across power cycles: its configuration as it is now
    /// (keys, counters, life cycle), its registry (load files, applications and what they were
    /// personalized with) and its authentication retry state.
    ///
    /// An open secure channel, a load in progress and the current selection are not part of the image:
    /// they end when the card loses power, as on a real card. ``encoded()`` writes stable JSON (sorted
    /// keys, bytes as upper-case hex), so an image can be a file that changes only where the card did.
    public struct Image: Hashable, Sendable {
        /// The format name written into every image: `cardseq-gp-card-image/1`.
        public static let currentFormat = "cardseq-gp-card-image/1"

        /// The card's configuration as it is now.
        public var configuration: Configuration
        /// The executable load files, in load order.
        public var loadFiles: [LoadFile]
        /// The applications and supplementary security domains, in install order.
        public var applications: [Application]
        /// The STORE DATA blocks the issuer security domain itself received.
        public var securityDomainData: [StoreDataBlock]
        /// EXTERNAL AUTHENTICATE commands with a wrong host cryptogram since the last good one.
        public var consecutiveAuthenticationFailures: Int
        /// How many challenges ``CardChallengeSource/seeded(_:)`` has produced.
        public var challengeCounter: Int

        /// Creates the image of a fresh card: the configuration, an empty registry, no failures.
        ///
        /// - Parameter configuration: The card's configuration.
        public init(configuration: Configuration) {
            self.configuration = configuration
            self.loadFiles = []
            self.applications = []
            self.securityDomainData = []
            self.consecutiveAuthenticationFailures = 0
            self.challengeCounter = 0
        }

        /// Whether wrong host cryptograms have blocked the secure channel for good.
        public var isAuthenticationBlocked: Bool {
            consecutiveAuthenticationFailures >= configuration.authenticationRetryLimit
        }

        /// The image as stable JSON: sorted keys, pretty-printed, bytes as upper-case hex.
        ///
        /// - Returns: UTF-8 JSON text ending with a newline.
        /// - Throws: ``GlobalPlatformCardError/Code/invalidImage`` only if encoding fails.
        public func encoded() throws(GlobalPlatformCardError) -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            do {
                return Array(try encoder.encode(self)) + [0x0A]
            } catch {
                throw .invalidImage("the image cannot be encoded: \(error)")
            }
        }

        /// Reads an image written by ``encoded()`` and checks its configuration.
        ///
        /// - Parameter bytes: The JSON text.
        /// - Throws: ``GlobalPlatformCardError/Code/invalidImage`` for bytes that are not an image of this
        ///   format, ``GlobalPlatformCardError/Code/invalidConfiguration`` for a configuration the card cannot run.
        public init(decoding bytes: [UInt8]) throws(GlobalPlatformCardError) {
            do {
                self = try JSONDecoder().decode(Image.self, from: Data(bytes))
            } catch let error as GlobalPlatformCardError {
                throw error
            } catch let DecodingError.dataCorrupted(context) {
                throw .invalidImage("\(Self.path(context.codingPath)): \(context.debugDescription)")
            } catch let DecodingError.keyNotFound(key, context) {
                throw .invalidImage("\(Self.path(context.codingPath + [key])) is missing")
            } catch let DecodingError.typeMismatch(_, context) {
                throw .invalidImage("\(Self.path(context.codingPath)) has the wrong type")
            } catch let DecodingError.valueNotFound(_, context) {
                throw .invalidImage("\(Self.path(context.codingPath)) is null")
            } catch {
                throw .invalidImage("the bytes are not a card image: \(error)")
            }
            try configuration.validate()
        }

        private static func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty
                ? "the image"
                : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
                    .joined(separator: ".")
        }
    }
}
