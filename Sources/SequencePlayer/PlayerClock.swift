public import BundleFormat
import Foundation

/// The two clocks the player reads: wall time for the bundle's validity period and the receipt,
/// and a monotonic clock for durations.
///
/// The player holds no clock of its own, so tests pass a clock that stands still or steps by a
/// fixed amount and get the same receipt every time.
public struct PlayerClock: Sendable {
    /// The current wall-clock time, for ``BundleVerifier``'s validity check and the receipt.
    public var now: @Sendable () -> BundleTimestamp
    /// Time elapsed since some fixed origin; only differences are used.
    public var elapsed: @Sendable () -> Duration

    /// Creates a clock from its two readings.
    ///
    /// - Parameters:
    ///   - now: Returns the current wall-clock time.
    ///   - elapsed: Returns a monotonic reading; only differences between readings are used.
    public init(
        now: @escaping @Sendable () -> BundleTimestamp,
        elapsed: @escaping @Sendable () -> Duration
    ) {
        self.now = now
        self.elapsed = elapsed
    }

    /// The system's clocks: `Date()` for wall time and `ContinuousClock` for durations.
    public static var system: PlayerClock {
        let clock = ContinuousClock()
        let origin = clock.now
        return PlayerClock(
            now: { BundleTimestamp(Date()) },
            elapsed: { clock.now - origin }
        )
    }
}

extension Duration {
    /// The duration in whole microseconds, rounded down.
    var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// The duration in whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        wholeMicroseconds / 1000
    }
}
