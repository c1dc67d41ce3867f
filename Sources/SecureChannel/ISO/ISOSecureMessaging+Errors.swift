import APDUTypes

// The errors of ISO/IEC 7816-4 secure messaging, made in one place so that their codes are chosen once.
//
// Reasons name what failed (which data object, which check) and public values such as status words,
// instruction bytes and lengths; never key bytes, MAC inputs, MACs or plaintext.
extension SecureChannelError {
    /// On the card side: the DO'8E' checksum of a command does not verify.
    @inline(never)
    static func isoCommandMACMismatch(file: String = #fileID, line: UInt = #line) -> Self {
        Self(
            code: .commandMACMismatch,
            reason: "the DO'8E' checksum of the command does not verify: the command was altered, is a replay, "
                + "skipped a command, or was protected with other keys; secure messaging ends",
            file: file,
            line: line
        )
    }

    /// On the card side: a command does not have the layout of a protected command.
    @inline(never)
    static func isoMalformedCommand(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .malformedCommand, reason: reason, file: file, line: line)
    }

    /// On the host side: the DO'8E' checksum of a response does not verify.
    @inline(never)
    static func isoResponseMACMismatch(file: String = #fileID, line: UInt = #line) -> Self {
        Self(
            code: .responseMACMismatch,
            reason: "the DO'8E' checksum of the response does not verify: the response was altered, is a replay, "
                + "or the send sequence counters are out of step; secure messaging ends",
            file: file,
            line: line
        )
    }

    /// On the host side: a response does not have the layout of a protected response.
    @inline(never)
    static func isoMalformedResponse(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .malformedResponse, reason: reason, file: file, line: line)
    }

    /// On the host side: the card answered with a bare status word, so it did not protect the response.
    @inline(never)
    static func isoUnprotectedResponse(
        _ statusWord: StatusWord,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        let meaning = statusWord.meaning.map { " (\($0))" } ?? ""
        return Self(
            code: .unexpectedStatusWord,
            reason: "the card answered \(statusWord)\(meaning) without secure messaging data objects; "
                + "a card ends secure messaging this way (6987: objects missing, 6988: objects incorrect), "
                + "so the session cannot continue",
            file: file,
            line: line
        )
    }

    /// On the card side: the terminal's authentication cryptogram does not verify.
    @inline(never)
    static func isoTerminalCryptogramMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .hostCryptogramMismatch, reason: reason, file: file, line: line)
    }
}
