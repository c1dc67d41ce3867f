import CardTransport
import CardTransportPCSC

/// The PC/SC glue of `seqplay`: the one file that knows about readers.
enum ReaderSelection {
    /// A reader and what it holds.
    struct Reader {
        var name: String
        var hasCard: Bool
        var answerToReset: [UInt8]
    }

    /// A connected card: the channel, and the transport protocol for the trace.
    struct Connection {
        var channel: PCSCCardChannel
        var readerName: String
        var protocolName: String
        var answerToReset: [UInt8]

        /// Ends the connection, resetting the card so no secure channel session outlives the run.
        func close() {
            channel.disconnect(resetCard: true)
        }
    }

    /// Every reader pcscd knows, in its order.
    static func readers() throws(CardTransportError) -> [Reader] {
        try PCSCContext().readerStates().map {
            Reader(name: $0.name, hasCard: $0.hasCard, answerToReset: $0.answerToReset)
        }
    }

    /// Connects to the card in the named reader, or in the first reader that has one.
    static func connect(reader: String?) throws(CardTransportError) -> Connection {
        let channel = try PCSCContext().connect(reader: reader)
        return Connection(
            channel: channel,
            readerName: channel.readerName,
            protocolName: channel.activeProtocol.description,
            answerToReset: channel.answerToReset
        )
    }
}
