import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Mutual authentication and session establishment, terminal and card sides.
struct ISOMutualAuthenticationTests {
    /// ICAO Doc 9303 Part 11 appendix D.3: EXTERNAL AUTHENTICATE from RND.IFD ‖ RND.IC ‖ K.IFD, the
    /// card's answer, KS_ENC/KS_MAC from K.IFD ⊕ K.IC and the SSC from the challenges' low halves.
    @Test func icaoWorkedExample() throws {
        let session = try VectorFile<ISOSessionVector>.load("iso-sm-icao9303-bac-session").tests[0]
        let vector = try #require(session.authentication)
        let mrzInformation = try #require(vector.mrzInformation)
        #expect(ISOBasicAccessControl.keySeed(mrzInformation: mrzInformation).hexString == vector.accessKeySeed)
        let accessKeys = try ISOBasicAccessControl.accessKeys(mrzInformation: mrzInformation)
        try checkBothSides(vector, accessKeys: accessKeys)
        #expect(vector.ksEnc == session.ksEnc)
        #expect(vector.initialCounter == session.initialCounter)
    }

    /// Generated with Python `cryptography`: BAC with other inputs, and cardseq's AES variant for AES-128/192/256.
    @Test func generatedAuthentications() throws {
        let file = try VectorFile<ISOMutualAuthenticationVector>.load("iso-sm-generated-mutual-authentication")
        #expect(file.tests.count == 4)
        for vector in file.tests {
            let accessKeys = try ISOSecureMessaging.Keys.derive(
                fromSeed: try bytes(vector.accessKeySeed),
                cipher: try ISOVectorSupport.cipher(vector.cipher),
                keyLength: try bytes(vector.kEnc).count
            )
            #expect(accessKeys.encryption.revealedKeyBytes.hexString == vector.kEnc)
            #expect(accessKeys.mac.revealedKeyBytes.hexString == vector.kMac)
            try checkBothSides(vector, accessKeys: accessKeys)
        }
    }

    private func checkBothSides(_ vector: ISOMutualAuthenticationVector, accessKeys: ISOSecureMessaging.Keys) throws {
        let terminal = try ISOMutualAuthentication.Terminal(
            accessKeys: accessKeys,
            cardChallenge: try bytes(vector.rndIC),
            terminalChallenge: try bytes(vector.rndIFD),
            terminalKeyMaterial: try bytes(vector.kIFD)
        )
        let command = try terminal.command()
        #expect(command.description == vector.command, "EXTERNAL AUTHENTICATE, tcId \(vector.tcId ?? 0)")

        let card = try ISOMutualAuthentication.Card(
            accessKeys: accessKeys,
            cardChallenge: try bytes(vector.rndIC),
            cardKeyMaterial: try bytes(vector.kIC)
        )
        let (response, cardSession) = try card.respond(to: command)
        #expect(response.description == vector.response, "card's answer, tcId \(vector.tcId ?? 0)")

        let terminalSession = try terminal.establish(response: try ISOVectorSupport.response(vector.response))
        for session in [terminalSession, cardSession] {
            #expect(session.keys.encryption.revealedKeyBytes.hexString == vector.ksEnc)
            #expect(session.keys.mac.revealedKeyBytes.hexString == vector.ksMac)
            #expect(session.counter.description == vector.initialCounter)
        }
        #expect(terminalSession == cardSession)
    }

    /// GET CHALLENGE asks for 8 bytes.
    @Test func getChallenge() {
        #expect(ISOMutualAuthentication.getChallengeCommand.description == "0084000008")
    }

    /// A card with other access keys rejects the terminal; a terminal rejects an altered or refused answer.
    @Test func rejectsWrongKeysAndAlteredAnswers() throws {
        let keys = try ISOBasicAccessControl.accessKeys(mrzInformation: "L898902C<369080619406236")
        let otherKeys = try ISOBasicAccessControl.accessKeys(mrzInformation: "L898902C<369080619406237")
        let challenge = try bytes("4608F91988702212")
        let terminal = try ISOMutualAuthentication.Terminal(
            accessKeys: keys,
            cardChallenge: challenge,
            terminalChallenge: try bytes("781723860C06C226"),
            terminalKeyMaterial: try bytes("0B795240CB7049B01C19B33E32804F0B")
        )
        let command = try terminal.command()

        let wrongCard = try ISOMutualAuthentication.Card(
            accessKeys: otherKeys,
            cardChallenge: challenge,
            cardKeyMaterial: [UInt8](repeating: 7, count: 16)
        )
        expectISOError(.hostCryptogramMismatch) { try wrongCard.respond(to: command) }

        let otherChallengeCard = try ISOMutualAuthentication.Card(
            accessKeys: keys,
            cardChallenge: try bytes("0000000000000001"),
            cardKeyMaterial: [UInt8](repeating: 7, count: 16)
        )
        expectISOError(.hostCryptogramMismatch, "a replayed EXTERNAL AUTHENTICATE for another challenge") {
            try otherChallengeCard.respond(to: command)
        }

        let good = try bytes("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")
        for index in good.indices {
            var altered = good
            altered[index] ^= 0x80
            expectISOError(.cardCryptogramMismatch, "byte \(index)") {
                try terminal.establish(response: CardResponse(data: altered, statusWord: .success))
            }
        }
        expectISOError(.unexpectedStatusWord) {
            try terminal.establish(response: CardResponse(data: [], statusWord: StatusWord(0x6300)))
        }
        expectISOError(.malformedResponse) {
            try terminal.establish(response: CardResponse(data: Array(good.dropLast()), statusWord: .success))
        }

        // The card answers with the right keys but another terminal's challenge: a reflected answer.
        let otherTerminal = try ISOMutualAuthentication.Terminal(
            accessKeys: keys,
            cardChallenge: challenge,
            terminalChallenge: try bytes("0102030405060708"),
            terminalKeyMaterial: try bytes("0B795240CB7049B01C19B33E32804F0B")
        )
        expectISOError(.cardCryptogramMismatch) {
            try otherTerminal.establish(response: CardResponse(data: good, statusWord: .success))
        }
    }

    /// Challenges are 8 bytes and key material 16.
    @Test func rejectsWrongLengths() throws {
        let keys = try ISOBasicAccessControl.accessKeys(mrzInformation: "L898902C<369080619406236")
        expectISOError(.invalidArgument) {
            try ISOMutualAuthentication.Terminal(
                accessKeys: keys,
                cardChallenge: [1, 2, 3],
                terminalChallenge: [UInt8](repeating: 0, count: 8),
                terminalKeyMaterial: [UInt8](repeating: 0, count: 16)
            )
        }
        expectISOError(.invalidArgument) {
            try ISOMutualAuthentication.Card(
                accessKeys: keys,
                cardChallenge: [UInt8](repeating: 0, count: 8),
                cardKeyMaterial: [UInt8](repeating: 0, count: 8)
            )
        }
    }
}
