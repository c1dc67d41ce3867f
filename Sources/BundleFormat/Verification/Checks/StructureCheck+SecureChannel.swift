import APDUTypes

extension StructureCheck {
    /// The INS of INITIALIZE UPDATE.
    static let initializeUpdateINS: UInt8 = 0x50
    /// The INS of EXTERNAL AUTHENTICATE.
    static let externalAuthenticateINS: UInt8 = 0x82

    /// The fields of an INITIALIZE UPDATE response, cut by protocol.
    struct InitializeUpdateResponse {
        var kdd: [UInt8]
        var keyVersion: UInt8
        var protocolNumber: UInt8
        var iParameter: UInt8?
        var cardChallenge: [UInt8]
        var sequenceCounter: [UInt8]?

        /// Cuts a response, or returns `nil` when its length does not fit the protocol.
        ///
        /// SCP01: KDD (10) ‖ key information (2) ‖ card challenge (8) ‖ cryptogram (8).
        /// SCP02: KDD (10) ‖ key information (2) ‖ sequence counter (2) ‖ card challenge (6) ‖ cryptogram (8).
        /// SCP03: KDD (10) ‖ key information (3) ‖ card challenge (8 or 16) ‖ cryptogram (same)
        /// ‖ sequence counter (3, when the card uses pseudo-random challenges).
        init?(_ bytes: [UInt8], scp: BundleSecureChannel.GlobalPlatformSession.SCP) {
            func cut(_ range: Range<Int>) -> [UInt8] { Array(bytes[range]) }
            switch scp {
            case .scp01:
                guard bytes.count == 28 else { return nil }
                self.init(
                    kdd: cut(0..<10),
                    keyVersion: bytes[10],
                    protocolNumber: bytes[11],
                    iParameter: nil,
                    cardChallenge: cut(12..<20),
                    sequenceCounter: nil
                )
            case .scp02:
                guard bytes.count == 28 else { return nil }
                self.init(
                    kdd: cut(0..<10),
                    keyVersion: bytes[10],
                    protocolNumber: bytes[11],
                    iParameter: nil,
                    cardChallenge: cut(14..<20),
                    sequenceCounter: cut(12..<14)
                )
            case .scp03:
                let challengeLength: Int
                let hasCounter: Bool
                switch bytes.count {
                case 29: (challengeLength, hasCounter) = (8, false)
                case 32: (challengeLength, hasCounter) = (8, true)
                case 45: (challengeLength, hasCounter) = (16, false)
                case 48: (challengeLength, hasCounter) = (16, true)
                default: return nil
                }
                let counterStart = 13 + 2 * challengeLength
                self.init(
                    kdd: cut(0..<10),
                    keyVersion: bytes[10],
                    protocolNumber: bytes[11],
                    iParameter: bytes[12],
                    cardChallenge: cut(13..<13 + challengeLength),
                    sequenceCounter: hasCounter ? cut(counterStart..<counterStart + 3) : nil
                )
            }
        }

        private init(
            kdd: [UInt8],
            keyVersion: UInt8,
            protocolNumber: UInt8,
            iParameter: UInt8?,
            cardChallenge: [UInt8],
            sequenceCounter: [UInt8]?
        ) {
            self.kdd = kdd
            self.keyVersion = keyVersion
            self.protocolNumber = protocolNumber
            self.iParameter = iParameter
            self.cardChallenge = cardChallenge
            self.sequenceCounter = sequenceCounter
        }
    }

    /// The problems of a GlobalPlatform session description.
    static func problems(
        in session: BundleSecureChannel.GlobalPlatformSession,
        card: BundleCard,
        commands: [BundleCommand]
    ) -> [BundleError] {
        var problems: [BundleError] = []
        let scp = session.scp.rawValue.uppercased()
        let exchange = session.initializeUpdate
        if session.mode == .implicit {
            // No INITIALIZE UPDATE, no EXTERNAL AUTHENTICATE: the first command's C-MAC opens the
            // session, which implicit initiation limits to C-MAC.
            if session.scp != .scp02 || session.iParameter & 0x02 == 0 {
                problems.append(.invalidStructure("implicit initiation is SCP02 with i = 0A, 0B, 1A or 1B"))
            }
            if session.securityLevel != .cMAC {
                problems.append(.invalidStructure("an implicitly initiated session has security level 01 (C-MAC)"))
            }
            for command in commands {
                if let apdu = try? command.commandAPDU(),
                    apdu.ins == initializeUpdateINS || apdu.ins == externalAuthenticateINS,
                    apdu.cla & 0x80 != 0
                {
                    problems.append(
                        .commandInvalid(
                            "an implicitly initiated session has no INITIALIZE UPDATE or EXTERNAL AUTHENTICATE",
                            index: command.index
                        )
                    )
                }
            }
            return problems
        }

        // The INITIALIZE UPDATE command: 80 50 KVN 00 Lc host-challenge [Le].
        if let command = try? CommandAPDU(bytes: exchange.command) {
            if command.ins != initializeUpdateINS || command.cla & 0xFC != 0x80 || command.p2 != 0x00 {
                problems.append(.invalidStructure("initializeUpdate.command is not INITIALIZE UPDATE (80 50 .. 00)"))
            }
            if command.p1 != session.keyVersion && command.p1 != 0x00 {
                problems.append(
                    .invalidStructure("INITIALIZE UPDATE asks for key version \(command.p1), not \(session.keyVersion)")
                )
            }
            if command.data != session.hostChallenge {
                problems.append(.invalidStructure("hostChallenge differs from the INITIALIZE UPDATE data"))
            }
        } else {
            problems.append(.invalidStructure("initializeUpdate.command is not an ISO 7816-4 command"))
        }

        // The response: the card challenge, counter, key version and KDD must agree.
        if let response = InitializeUpdateResponse(exchange.response, scp: session.scp) {
            if response.cardChallenge != session.cardChallenge {
                problems.append(.invalidStructure("cardChallenge differs from the INITIALIZE UPDATE response"))
            }
            if response.sequenceCounter != session.sequenceCounter {
                problems.append(.invalidStructure("sequenceCounter differs from the INITIALIZE UPDATE response"))
            }
            if response.keyVersion != session.keyVersion {
                problems.append(
                    .invalidStructure("the response's key version \(response.keyVersion) is not \(session.keyVersion)")
                )
            }
            if response.protocolNumber != session.scp.number {
                problems.append(.invalidStructure("the response names protocol \(response.protocolNumber), not \(scp)"))
            }
            if let i = response.iParameter, i != session.iParameter {
                problems.append(.invalidStructure("the response's i parameter differs from iParameter"))
            }
            if let kdd = card.identity.kdd, kdd != response.kdd {
                problems.append(.invalidStructure("card.kdd differs from the INITIALIZE UPDATE response"))
            }
        } else {
            problems.append(.invalidStructure("initializeUpdate.response has the wrong length for \(scp)"))
        }

        if session.scp == .scp03 && session.hostChallenge.count != session.cardChallenge.count {
            problems.append(.invalidStructure("SCP03 host and card challenges differ in length"))
        }
        if session.scp != .scp03 && session.hostChallenge.count != 8 {
            problems.append(.invalidStructure("the \(scp) host challenge is 8 bytes"))
        }

        // The first commands: EXTERNAL AUTHENTICATE, after INITIALIZE UPDATE when precomputed.
        var authenticatePosition = 0
        if session.mode == .precomputed {
            authenticatePosition = 1
            if session.scp == .scp01 {
                problems.append(.invalidStructure("SCP01 has no sequence counter, so it cannot be precomputed"))
            }
            if let first = commands.first, first.apdu != exchange.command {
                problems.append(
                    .commandInvalid("a precomputed bundle starts with initializeUpdate.command", index: 0)
                )
            }
        }
        if commands.count > authenticatePosition {
            let command = try? commands[authenticatePosition].commandAPDU()
            if command?.ins != externalAuthenticateINS || (command?.cla ?? 0) & 0x84 != 0x84 {
                problems.append(
                    .commandInvalid(
                        "the session's first secured command is EXTERNAL AUTHENTICATE (84 82)",
                        index: authenticatePosition
                    )
                )
            } else if command?.p1 != session.securityLevel.rawValue {
                problems.append(
                    .commandInvalid(
                        "EXTERNAL AUTHENTICATE sets a security level other than securityLevel",
                        index: authenticatePosition
                    )
                )
            }
        } else {
            problems.append(.invalidStructure("a \(session.mode.rawValue) \(scp) bundle needs EXTERNAL AUTHENTICATE"))
        }
        return problems
    }
}
