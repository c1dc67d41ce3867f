import APDUTypes
import CAPFile
import Crypto

extension GlobalPlatformCard {
    /// A load begun by INSTALL [for load]: what it announced and the LOAD blocks received so far.
    struct PendingLoad {
        let loadFileAID: ApplicationIdentifier
        let securityDomain: ApplicationIdentifier
        /// The load file data block hash from INSTALL [for load]; empty when none was given.
        let hash: [UInt8]
        let loadParameters: [UInt8]
        var nextBlock = 0
        var received: [UInt8] = []
    }

    /// INSTALL [for load] (GPCS 2.3.1 section 11.5.2.3.1): load file AID, security domain AID, load file
    /// data block hash, load parameters and token, each with a one-byte length.
    func installForLoad(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        var reader = FieldReader(command.data)
        let loadFile = try reader.aid()
        let domainBytes = try reader.field()
        let hash = try reader.field()
        let parameters = try reader.field()
        _ = try reader.field()  // A token: the issuer security domain does not verify delegated management.
        try reader.expectEnd()
        let isd = stored.configuration.issuerSecurityDomainAID
        var domain = isd
        if !domainBytes.isEmpty {
            guard let aid = ApplicationIdentifier(domainBytes) else {
                throw .incorrectData
            }
            guard aid == isd || stored.applications.contains(where: { $0.aid == aid && $0.isSecurityDomain }) else {
                throw .referencedDataNotFound
            }
            domain = aid
        }
        guard [0, 20, 32, 48, 64].contains(hash.count) else {
            throw .incorrectData
        }
        guard parameters.isEmpty || BERTLV.decode(parameters) != nil else {
            throw .incorrectData
        }
        guard !isRegistered(loadFile) else {
            throw .conditionsNotSatisfied
        }
        pendingLoad = PendingLoad(loadFileAID: loadFile, securityDomain: domain, hash: hash, loadParameters: parameters)
        return CardResponse(data: [0x00], statusWord: .success)
    }

    /// LOAD (GPCS 2.3.1 section 11.6): blocks numbered from `00` (P2, modulo 256), the last with P1 `80`.
    ///
    /// The blocks concatenated are optional `E2` DAP blocks and one `C4` load file data block whose
    /// BER length must be exactly what arrives. On the last block the hash from INSTALL [for load] is
    /// checked (`6A80` on a mismatch), the components are read with ``CAPFile/CAPFile/init(ijc:)``,
    /// the package AID must be the announced load file AID, and the file is registered with its
    /// applets as executable modules. Any refusal ends the load.
    func load(_ command: CommandAPDU) throws(Refusal) -> CardResponse {
        guard var current = pendingLoad else {
            throw .conditionsNotSatisfied
        }
        pendingLoad = nil
        guard command.p1 == 0x00 || command.p1 == 0x80 else {
            throw .incorrectParameters
        }
        guard Int(command.p2) == current.nextBlock % 256 else {
            throw .incorrectParameters
        }
        guard !command.data.isEmpty else {
            throw .wrongLength
        }
        current.received += command.data
        let header = try Self.loadFileHeader(current.received)
        if let header {
            guard current.received.count <= header.start + header.length else {
                throw .incorrectData
            }
            if let capacity = stored.configuration.memoryCapacity, usedMemory + header.length > capacity {
                throw .notEnoughMemory
            }
        }
        guard command.p1 == 0x80 else {
            current.nextBlock += 1
            pendingLoad = current
            return CardResponse(statusWord: .success)
        }
        guard let header, current.received.count == header.start + header.length else {
            throw .incorrectData
        }
        let loadFileData = Array(current.received[header.start...])
        if !current.hash.isEmpty {
            guard Self.hash(loadFileData, length: current.hash.count) == current.hash else {
                throw .incorrectData
            }
        }
        let cap: CAPFile
        do throws(CAPFileError) {
            cap = try CAPFile(ijc: loadFileData)
        } catch {
            throw .incorrectData
        }
        guard cap.packageAID == current.loadFileAID else {
            throw .incorrectData
        }
        let modules = cap.applets.map(\.aid)
        guard Set(modules).count == modules.count else {
            throw .incorrectData
        }
        stored.loadFiles.append(
            LoadFile(
                aid: current.loadFileAID,
                securityDomain: current.securityDomain,
                version: [cap.packageVersion.major, cap.packageVersion.minor],
                modules: modules,
                size: loadFileData.count,
                loadParameters: current.loadParameters
            )
        )
        return CardResponse(data: [0x00], statusWord: .success)
    }

    /// The memory the registry uses: load file data and install parameters.
    var usedMemory: Int {
        stored.loadFiles.reduce(0) { $0 + $1.size } + stored.applications.reduce(0) { $0 + $1.installParameters.count }
    }

    /// Whether an AID names the issuer security domain, a load file or an application on the card.
    func isRegistered(_ aid: ApplicationIdentifier) -> Bool {
        aid == stored.configuration.issuerSecurityDomainAID || stored.loadFiles.contains { $0.aid == aid }
            || stored.applications.contains { $0.aid == aid }
    }

    /// Where the `C4` value starts in the received LOAD data and its declared length; `nil` while the
    /// header is still incomplete.
    ///
    /// `E2` DAP blocks before it are skipped: this card verifies no DAP.
    private static func loadFileHeader(_ bytes: [UInt8]) throws(Refusal) -> (start: Int, length: Int)? {
        var index = 0
        while index < bytes.count {
            let tag = bytes[index]
            guard tag == 0xC4 || tag == 0xE2 else {
                throw .incorrectData
            }
            guard index + 1 < bytes.count else { return nil }
            var length = Int(bytes[index + 1])
            var start = index + 2
            if length > 0x80 {
                let count = length & 0x7F
                guard count <= 3 else {
                    throw .incorrectData
                }
                guard start + count <= bytes.count else { return nil }
                length = bytes[start..<start + count].reduce(0) { $0 << 8 | Int($1) }
                start += count
            } else if length == 0x80 {
                throw .incorrectData
            }
            if tag == 0xC4 {
                return (start, length)
            }
            index = start + length
        }
        return nil
    }

    /// SHA-1, SHA-256, SHA-384 or SHA-512 by the length of the expected hash.
    private static func hash(_ data: [UInt8], length: Int) -> [UInt8] {
        switch length {
        case 20: Array(Insecure.SHA1.hash(data: data))
        case 32: Array(SHA256.hash(data: data))
        case 48: Array(SHA384.hash(data: data))
        default: Array(SHA512.hash(data: data))
        }
    }
}

extension GlobalPlatformCard {
    /// Reads the length-prefixed fields of INSTALL data; anything malformed is `6A80`.
    struct FieldReader {
        private let bytes: [UInt8]
        private var offset = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        /// The next field: a length byte and that many bytes.
        mutating func field() throws(Refusal) -> [UInt8] {
            guard offset < bytes.count else {
                throw .incorrectData
            }
            let length = Int(bytes[offset])
            guard offset + 1 + length <= bytes.count else {
                throw .incorrectData
            }
            defer { offset += 1 + length }
            return Array(bytes[offset + 1..<offset + 1 + length])
        }

        /// The next field, which must be an AID of 5 to 16 bytes.
        mutating func aid() throws(Refusal) -> ApplicationIdentifier {
            guard let aid = ApplicationIdentifier(try field()) else {
                throw .incorrectData
            }
            return aid
        }

        /// Checks that every byte was read.
        func expectEnd() throws(Refusal) {
            guard offset == bytes.count else {
                throw .incorrectData
            }
        }
    }
}
