import Crypto
import Synchronization

extension ISOFileCard {
    /// Where the card takes its challenges (RND.IC) and key material (K.IC) from.
    ///
    /// A real card has a hardware generator; tests inject ``deterministic(seed:)`` so that the same
    /// run gives the same bytes.
    public struct RandomSource: Sendable {
        private let generate: @Sendable (Int) -> [UInt8]

        /// Makes a source from a function that returns `count` bytes each call.
        ///
        /// - Parameter generate: Returns exactly `count` bytes; fresh ones on every call.
        public init(_ generate: @escaping @Sendable (_ count: Int) -> [UInt8]) {
            self.generate = generate
        }

        /// The system's cryptographically secure generator.
        public static var system: Self {
            Self { count in
                var generator = SystemRandomNumberGenerator()
                return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            }
        }

        /// A reproducible stream for tests: SHA-256 over the seed and a block counter.
        ///
        /// Not random at all: never use it for a card that leaves a test.
        ///
        /// - Parameter seed: Any bytes; the same seed gives the same stream.
        /// - Returns: A source whose calls continue one stream.
        public static func deterministic(seed: [UInt8]) -> Self {
            let stream = DeterministicStream(seed: seed)
            return Self { count in stream.next(count) }
        }

        /// The next `count` bytes.
        func bytes(_ count: Int) -> [UInt8] {
            let bytes = generate(count)
            precondition(bytes.count == count, "a random source returned \(bytes.count) bytes, not \(count)")
            return bytes
        }
    }
}

/// SHA-256(seed ‖ counter) blocks, handed out in order.
private final class DeterministicStream: Sendable {
    private struct State {
        var counter: UInt64 = 0
        var buffer: [UInt8] = []
    }

    private let seed: [UInt8]
    private let state = Mutex(State())

    init(seed: [UInt8]) {
        self.seed = seed
    }

    func next(_ count: Int) -> [UInt8] {
        state.withLock { state in
            while state.buffer.count < count {
                var block = seed
                withUnsafeBytes(of: state.counter.bigEndian) { block.append(contentsOf: $0) }
                state.buffer += SHA256.hash(data: block)
                state.counter += 1
            }
            let bytes = Array(state.buffer.prefix(count))
            state.buffer.removeFirst(count)
            return bytes
        }
    }
}
