extension ISOSecureMessaging {
    /// The most data bytes a short response carries (Le `00`).
    static let maximumShortResponseLength = 256

    /// The length of a protected command's data field for a plain data field of `plainDataLength` bytes.
    ///
    /// That is DO'87' (`01` and the padded cryptogram) or DO'85' for an odd INS, DO'97' when the
    /// command expects response data, and DO'8E'.
    ///
    /// - Parameters:
    ///   - plainDataLength: The plain command's data length; 0 for none.
    ///   - cipher: The session's cipher.
    ///   - instruction: The INS byte; odd instructions use DO'85', one byte shorter.
    ///   - expectsResponseData: Whether the plain command has an Le (cases 2 and 4).
    /// - Returns: The protected data field's length in bytes.
    public static func protectedCommandDataLength(
        plainDataLength: Int,
        cipher: Cipher,
        instruction: UInt8,
        expectsResponseData: Bool
    ) -> Int {
        var length = cryptogramObjectLength(plainDataLength: plainDataLength, cipher: cipher, instruction: instruction)
        if expectsResponseData {
            length += ISODataObject.encodedLength(valueLength: 1)
        }
        return length + ISODataObject.encodedLength(valueLength: ISODataObject.checksumLength)
    }

    /// The length of a protected response's data objects for `plainDataLength` bytes of response data.
    ///
    /// - Parameters:
    ///   - plainDataLength: The plain response data length; 0 for none.
    ///   - cipher: The session's cipher.
    ///   - instruction: The INS byte of the command answered.
    /// - Returns: The length of DO'87' (or DO'85'), DO'99' and DO'8E' together, without the status word.
    public static func protectedResponseDataLength(
        plainDataLength: Int,
        cipher: Cipher,
        instruction: UInt8
    ) -> Int {
        cryptogramObjectLength(plainDataLength: plainDataLength, cipher: cipher, instruction: instruction)
            + ISODataObject.encodedLength(valueLength: 2)
            + ISODataObject.encodedLength(valueLength: ISODataObject.checksumLength)
    }

    /// The largest plain data field whose protected command is still a short APDU (255 data bytes).
    ///
    /// Use it to cut UPDATE BINARY, UPDATE RECORD and similar data into chunks. For even INS: 239
    /// bytes with either cipher when the command has no Le; with an Le, 231 for triple DES and 223
    /// for AES.
    ///
    /// - Parameters:
    ///   - cipher: The session's cipher.
    ///   - instruction: The INS byte (odd instructions use DO'85').
    ///   - expectsResponseData: Whether the command has an Le.
    /// - Returns: The largest number of plain data bytes that fits.
    public static func maximumCommandDataLength(
        cipher: Cipher,
        instruction: UInt8,
        expectsResponseData: Bool
    ) -> Int {
        var length = 255
        while length > 0
            && protectedCommandDataLength(
                plainDataLength: length,
                cipher: cipher,
                instruction: instruction,
                expectsResponseData: expectsResponseData
            ) > 255
        {
            length -= 1
        }
        return length
    }

    /// The largest plain response whose protected form still fits a short response (256 bytes).
    ///
    /// Use it to size READ BINARY and READ RECORD chunks: 231 bytes for triple DES, 223 for AES.
    ///
    /// - Parameters:
    ///   - cipher: The session's cipher.
    ///   - instruction: The INS byte of the reading command.
    /// - Returns: The largest number of plain response data bytes that fits.
    public static func maximumResponseDataLength(cipher: Cipher, instruction: UInt8) -> Int {
        var length = maximumShortResponseLength
        while length > 0
            && protectedResponseDataLength(plainDataLength: length, cipher: cipher, instruction: instruction)
                > maximumShortResponseLength
        {
            length -= 1
        }
        return length
    }

    /// The length of DO'87' or DO'85' for `plainDataLength` bytes, or 0 for no data.
    private static func cryptogramObjectLength(plainDataLength: Int, cipher: Cipher, instruction: UInt8) -> Int {
        guard plainDataLength > 0 else {
            return 0
        }
        let cryptogramLength = (plainDataLength / cipher.blockSize + 1) * cipher.blockSize
        let valueLength = isOdd(instruction) ? cryptogramLength : cryptogramLength + 1
        return ISODataObject.encodedLength(valueLength: valueLength)
    }
}
