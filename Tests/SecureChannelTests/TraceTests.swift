import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Every recorded session in `Vectors/trace-*.json`, replayed three ways.
struct TraceTests {
    /// The whole session byte for byte: INITIALIZE UPDATE, keys, cryptograms, EXTERNAL AUTHENTICATE, commands, responses.
    @Test(arguments: try TraceCase.all())
    func replaysTrace(_ trace: TraceCase) throws {
        try TraceReplay.replay(trace.vector)
    }

    /// Each command again from a fresh session, wrapping only the commands before it.
    @Test(arguments: try TraceCase.all())
    func replaysTraceSplitAcrossCommandBoundaries(_ trace: TraceCase) throws {
        try TraceReplay.replayPrefixes(trace.vector)
    }

    /// A one-bit change in one command's data changes its MAC and every later MAC.
    @Test(arguments: try TraceCase.all())
    func tamperingPropagatesThroughTheChain(_ trace: TraceCase) throws {
        try TraceReplay.checkTamperPropagation(trace.vector)
    }
}
