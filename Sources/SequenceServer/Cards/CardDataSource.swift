import APDUTypes
import Foundation
public import SequenceCompiler
import SequenceProtocol

/// The issuer's per-card data: for a probed card, the record the install's templates read.
public protocol CardDataSource: Sendable {
    /// The card data for a probed card.
    ///
    /// - Parameter card: What the card said in the probe.
    /// - Returns: The card's identification data and per-card record.
    /// - Throws: ``ServerError`` with ``SequenceProtocol/ErrorCode/unknownCard`` when no record
    ///   matches the card, or more than one does.
    func cardData(for card: ProbedCard) throws(ServerError) -> CardData

    /// The card data for a probed file-oriented card.
    ///
    /// - Parameter card: What the card's EF.GDO said in the probe.
    /// - Returns: The card's identification data and per-card record.
    /// - Throws: ``ServerError`` with ``SequenceProtocol/ErrorCode/unknownCard`` when no record
    ///   matches the card, or more than one does.
    func cardData(for card: ProbedFileCard) throws(ServerError) -> CardData
}

extension CardDataSource {
    /// A source without file-oriented cards: no record matches.
    public func cardData(for card: ProbedFileCard) throws(ServerError) -> CardData {
        throw ServerError(.unknownCard, "this card-data source holds no file-oriented cards")
    }
}

/// Card-data files (`Sequences/cards/*.yaml` by default), read once at start and matched to
/// probed cards by their identification data.
///
/// A file matches a GlobalPlatform card when every identification value it gives (`isd-aid`,
/// `iin`, `cin`, `kdd`) equals what the card said, and at least one of them is individual to
/// the card (`cin` or `kdd`): a file with only an ISD AID would match every card of a batch.
/// `iin`, `cin` and `kdd` may be written as the value or as the whole data object
/// (`45 08 …`); both compare equal. Files with `profile: iso7816` are not matched to
/// GlobalPlatform cards; they are matched to file-oriented cards by the CIN (and the IIN and card
/// number) in the card's EF.GDO.
public struct CardDataDirectory: CardDataSource {
    /// One card-data file.
    public struct Record: Sendable {
        /// The file's path.
        public var path: String
        /// The parsed data.
        public var data: CardData

        /// Creates a record.
        public init(path: String, data: CardData) {
            self.path = path
            self.data = data
        }
    }

    /// The records, in file name order.
    public private(set) var records: [Record]

    /// Creates a source from parsed records.
    public init(records: [Record]) {
        self.records = records
    }

    /// Reads every `*.yaml` file of a directory.
    ///
    /// - Parameter directory: The directory.
    /// - Throws: ``ServerSetupError`` with code ``ServerSetupError/Code/cardData`` when the
    ///   directory or a file cannot be read, or a file has errors.
    public init(directory: String) throws(ServerSetupError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ServerSetupError(.cardData, "cannot list the card-data directory '\(directory)'")
        }
        var records: [Record] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = InMemoryResourceLoader.resolve(name, relativeTo: directory + "/")
            let source: SourceFile
            do {
                source = try FileResourceLoader.source(path)
            } catch {
                throw ServerSetupError(.cardData, "\(error)")
            }
            var diagnostics = DiagnosticBag()
            let data = CardDataParser.parse(source, diagnostics: &diagnostics)
            guard let data, !diagnostics.hasErrors else {
                let text = DiagnosticRenderer(sources: [source], showsExcerpts: false).render(diagnostics.diagnostics)
                throw ServerSetupError(.cardData, "the card-data file '\(path)' has errors:\n\(text)")
            }
            records.append(Record(path: path, data: data))
        }
        self.records = records
    }

    /// The record of the one file that matches the card, completed with what the probe read.
    ///
    /// The file's values win; the probe adds the ones the file does not give (the KDD, the
    /// CPLC fields, the IIN and CIN), so templates can use them.
    public func cardData(for card: ProbedCard) throws(ServerError) -> CardData {
        let matches = records.filter { Self.matches($0.data, card) }
        guard let match = matches.first else {
            throw ServerError(
                .unknownCard,
                "no card-data record matches the card (ISD \(Hex.string(card.isdAID.bytes))"
                    + (card.cin.map { ", CIN \(Hex.string($0))" } ?? "")
                    + ", KDD \(Hex.string(card.keyDiversificationData)))"
            )
        }
        guard matches.count == 1 else {
            throw ServerError(
                .unknownCard,
                "\(matches.count) card-data records match the card equally: "
                    + matches.map { "'\($0.path)'" }.joined(separator: ", ")
            )
        }
        var data = match.data
        func fill(_ source: FieldSource, _ bytes: [UInt8]?) {
            guard data.identification[source] == nil, let bytes else { return }
            data.identification[source] = .bytes(bytes, nil)
        }
        fill(.issuerSecurityDomain, card.isdAID.bytes)
        fill(.keyDiversificationData, card.keyDiversificationData)
        fill(.iin, card.iin)
        fill(.cin, card.cin)
        if let cplc = card.cplc, cplc.count == CPLCField.totalLength {
            for field in CPLCField.allCases {
                fill(.cplc(field), Array(cplc[field.offset..<field.offset + field.length]))
            }
        }
        return data
    }

    /// The record of the one `profile: iso7816` file that matches a file-oriented card, completed
    /// with the IIN and CIN its EF.GDO gave.
    ///
    /// A file matches when it gives the card's CIN, its IIN (if it gives one) equals the card's,
    /// and its record's `card-number` (if it has one and the card's EF.GDO gives data object
    /// `5A`) is the card's number.
    public func cardData(for card: ProbedFileCard) throws(ServerError) -> CardData {
        let matches = records.filter { Self.matches($0.data, card) }
        guard let match = matches.first else {
            throw ServerError(
                .unknownCard,
                "no card-data record of a file-oriented card matches the card ("
                    + (card.iin.map { "IIN \(Hex.string($0)), " } ?? "") + "CIN \(Hex.string(card.cin)))"
            )
        }
        guard matches.count == 1 else {
            throw ServerError(
                .unknownCard,
                "\(matches.count) card-data records match the card equally: "
                    + matches.map { "'\($0.path)'" }.joined(separator: ", ")
            )
        }
        var data = match.data
        if data.identification[.iin] == nil, let iin = card.iin {
            data.identification[.iin] = .bytes(iin, nil)
        }
        if data.identification[.cin] == nil {
            data.identification[.cin] = .bytes(card.cin, nil)
        }
        return data
    }

    /// Whether a file-oriented card's data file names the card read from EF.GDO.
    static func matches(_ data: CardData, _ card: ProbedFileCard) -> Bool {
        guard data.profile?.value == .iso7816 else { return false }
        guard let cin = data.bytes(for: .cin).map({ Self.value(of: $0, tag: 0x45) }), cin == card.cin else {
            return false
        }
        if let iin = data.bytes(for: .iin).map({ Self.value(of: $0, tag: 0x42) }), iin != card.iin {
            return false
        }
        if let number = card.cardNumber, let written = Self.cardNumber(in: data.record),
            Self.compressedNumeric(written) != number
        {
            return false
        }
        return true
    }

    /// The first `card-number` scalar of a record, depth first in source order, as the simulator
    /// writes it into EF.GDO.
    static func cardNumber(in value: CardDataValue?) -> String? {
        guard case .mapping(let entries)? = value else { return nil }
        for entry in entries {
            if entry.key == "card-number", case .scalar(let text, _) = entry.value {
                return text
            }
        }
        for entry in entries {
            if let found = cardNumber(in: entry.value) {
                return found
            }
        }
        return nil
    }

    /// Digits as compressed numeric, two a byte, an odd count padded with `F` (EMV Book 3, section 4.3).
    static func compressedNumeric(_ digits: String) -> [UInt8]? {
        var nibbles: [UInt8] = []
        for character in digits {
            guard character.isASCII, let digit = character.wholeNumberValue else { return nil }
            nibbles.append(UInt8(digit))
        }
        guard !nibbles.isEmpty else { return nil }
        if nibbles.count % 2 == 1 {
            nibbles.append(0x0F)
        }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    /// Whether a file's identification values all equal the card's, with one individual value among them.
    static func matches(_ data: CardData, _ card: ProbedCard) -> Bool {
        if data.profile?.value == .iso7816 { return false }
        let isd = data.bytes(for: .issuerSecurityDomain)
        let iin = data.bytes(for: .iin).map { Self.value(of: $0, tag: 0x42) }
        let cin = data.bytes(for: .cin).map { Self.value(of: $0, tag: 0x45) }
        let kdd = data.bytes(for: .keyDiversificationData).map { Self.value(of: $0, tag: 0xCF) }
        guard cin != nil || kdd != nil else { return false }
        if let isd, isd != card.isdAID.bytes { return false }
        if let iin, iin != card.iin { return false }
        if let cin, cin != card.cin { return false }
        if let kdd, kdd != card.keyDiversificationData { return false }
        return true
    }

    /// The value of a data object written whole (`45 08 …`), or the bytes as given.
    static func value(of bytes: [UInt8], tag: UInt8) -> [UInt8] {
        if bytes.count >= 2, bytes[0] == tag, Int(bytes[1]) == bytes.count - 2 {
            return Array(bytes.dropFirst(2))
        }
        return bytes
    }
}
