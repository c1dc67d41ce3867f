public import BundleFormat
import Foundation

/// Where the server reads time and draws randomness: the system's by default, fixed values in tests.
///
/// Everything the server decides from time (session expiry, bundle validity) and from randomness
/// (session ids, host challenges, bundle ids) goes through this value, so a test can make a
/// session expire or pin every byte of a bundle.
public struct ServerEnvironment: Sendable {
    /// The current time.
    public var now: @Sendable () -> BundleTimestamp
    /// `count` random bytes; the system's cryptographically secure generator by default.
    public var randomBytes: @Sendable (_ count: Int) -> [UInt8]

    /// Creates an environment.
    ///
    /// - Parameters:
    ///   - now: The clock.
    ///   - randomBytes: The source of random bytes; host challenges and session ids come from
    ///     it, so in production it must be a cryptographically secure generator.
    public init(
        now: @escaping @Sendable () -> BundleTimestamp,
        randomBytes: @escaping @Sendable (_ count: Int) -> [UInt8]
    ) {
        self.now = now
        self.randomBytes = randomBytes
    }

    /// The system clock and the system's secure random generator.
    public static var system: ServerEnvironment {
        ServerEnvironment(
            now: { BundleTimestamp(secondsSince1970: Int64(Date.now.timeIntervalSince1970)) },
            randomBytes: { count in
                var generator = SystemRandomNumberGenerator()
                return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
        )
    }
}
