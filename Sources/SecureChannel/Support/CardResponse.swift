public import APDUTypes

extension CardResponse {
    /// Splits a response APDU into data and status word.
    ///
    /// - Parameter bytes: The response APDU: data followed by SW1 SW2.
    /// - Throws: ``SecureChannelError/Code/malformedResponse`` when there are fewer than 2 bytes.
    public init(bytes: [UInt8]) throws(SecureChannelError) {
        guard let response = CardResponse.parse(bytes) else {
            throw .malformedResponse("a response APDU ends with a 2-byte status word; got \(bytes.count) bytes")
        }
        self = response
    }
}
