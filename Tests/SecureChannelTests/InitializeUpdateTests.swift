import APDUTypes
import CardCrypto
import SecureChannel
import Testing

/// Building INITIALIZE UPDATE and parsing, or refusing, the card's response.
struct InitializeUpdateTests {
    static let scp02 = "00008147580F3D2988D8FF020005BD1A6BE9D3D575BD9E5774FB6A25"
    static let scp03 = "00003244342976208448010370734ECDCA19E446A30BC253BCE97DB991000436"

    /// `80 50 KVN 00 Lc challenge 00`, with 8 or 16 challenge bytes only.
    @Test func buildsTheCommand() throws {
        let command = try InitializeUpdate.command(keyVersion: 0x30, hostChallenge: try bytes("8E1552D0513C60F3"))
        #expect(command.bytes.hexString == "80503000088E1552D0513C60F300")
        #expect(throws: SecureChannelError(code: .invalidArgument, reason: "")) {
            try InitializeUpdate.command(keyVersion: 0, hostChallenge: [1, 2, 3, 4, 5, 6, 7])
        }
    }

    /// The three layouts: SCP02 with its counter, SCP03 S8 with counter, SCP03 S16 with counter.
    @Test func parsesEachLayout() throws {
        let scp02 = try InitializeUpdate.Response(parsing: try bytes(Self.scp02))
        #expect(scp02.protocolIdentifier == 2)
        #expect(scp02.keyVersion == 0xFF)
        #expect(scp02.sequenceCounter == [0x00, 0x05])
        #expect(scp02.cardChallenge.hexString == "BD1A6BE9D3D5")
        #expect(scp02.cardCryptogram.hexString == "75BD9E5774FB6A25")
        #expect(scp02.implementationOption == nil)

        let scp03 = try InitializeUpdate.Response(parsing: try bytes(Self.scp03), expectedKeyVersion: 0x01)
        #expect(scp03.keyDiversificationData.hexString == "00003244342976208448")
        #expect(scp03.implementationOption == 0x70)
        #expect(scp03.cardChallenge.hexString == "734ECDCA19E446A3")
        #expect(scp03.cardCryptogram.hexString == "0BC253BCE97DB991")
        #expect(scp03.sequenceCounter == [0x00, 0x04, 0x36])

        let s16 = try InitializeUpdate.Response(
            parsing: try bytes(
                "A1A012430585513120853003710617A2C34D50B562F7DECFC3DBF58A649EF733B7486D813C92E4CA61E5102F9100082A"
            )
        )
        #expect(s16.cardChallenge.count == 16)
        #expect(s16.cardCryptogram.hexString == "9EF733B7486D813C92E4CA61E5102F91")
        #expect(s16.sequenceCounter == [0x00, 0x08, 0x2A])
    }

    /// Responses of a wrong length, with an unknown identifier or with reserved option bits, and the error each gives.
    static let malformed: [(String, SecureChannelError.Code)] = [
        ("", SecureChannelError.Code.malformedResponse),
        ("00008147580F3D2988D8FF", .malformedResponse),
        (String(scp02.dropLast(2)), .malformedResponse),
        (scp02 + "00", .malformedResponse),
        ("00008359017652074673FF0163A28A974047A95AE4B396BD96866D", .malformedResponse),
        (String(scp03.dropLast(2)), .malformedResponse),
        (scp03 + "00", .malformedResponse),
        (String(scp03.dropLast(6)), .malformedResponse),
        ("000000000000000000000103", .malformedResponse),
        ("00000346020614090044010360CF7B1ACE86B043D6C3F8E7CD08769A70000001", .malformedResponse),
        ("00003244342976208448010371734ECDCA19E446A30BC253BCE97DB991000436", .malformedResponse),
        ("00008147580F3D2988D8FF040005BD1A6BE9D3D575BD9E5774FB6A25", .unsupportedProtocol),
        ("00008147580F3D2988D8FF000005BD1A6BE9D3D575BD9E5774FB6A25", .unsupportedProtocol),
        ("00003244342976208448010378734ECDCA19E446A30BC253BCE97DB991000436", .unsupportedProtocol),
        ("000032443429762084480103F0734ECDCA19E446A30BC253BCE97DB991000436", .unsupportedProtocol),
    ]

    /// Every wrong length, unknown identifier and reserved option bit.
    @Test(arguments: malformed)
    func refusesMalformedResponses(_ hex: String, _ code: SecureChannelError.Code) throws {
        #expect(throws: SecureChannelError(code: code, reason: "")) {
            try InitializeUpdate.Response(parsing: try bytes(hex))
        }
    }

    /// A card that answers with another key version than requested is refused; key version 0 accepts any.
    @Test func checksTheKeyVersion() throws {
        #expect(throws: SecureChannelError(code: .unexpectedKeyVersion, reason: "")) {
            try InitializeUpdate.Response(parsing: try bytes(Self.scp03), expectedKeyVersion: 0x30)
        }
        #expect(try InitializeUpdate.Response(parsing: try bytes(Self.scp03), expectedKeyVersion: 0).keyVersion == 0x01)
    }

    /// The session refuses another protocol than configured, an error status word and a response without one.
    @Test func sessionRefusesUnusableResponses() throws {
        let trace = try TraceCase.named("trace-scp03-gppro-jcop4-dump").vector
        for (response, code) in [
            (Self.scp02 + "9000", SecureChannelError.Code.protocolMismatch),
            ("6A88", .unexpectedStatusWord),
            ("90", .malformedResponse),
            (Self.scp03 + "6982", .unexpectedStatusWord),
        ] {
            var session = try trace.makeSession()
            let responseBytes = try bytes(response)
            do {
                try session.receiveInitializeUpdateResponse(responseBytes)
                Issue.record("\(response) must be refused")
            } catch {
                #expect(error.code == code, "\(response)")
            }
            let failure = session.failure
            #expect(failure?.code == code)
        }
    }
}
