import APDUTypes

/// Reads a card-data YAML file: the card's identification data and its per-card record.
///
/// ```yaml
/// card:
///   profile: globalplatform
///   isd-aid: A000000151000000
///   iin: 42 01 02
///   cin: 45 01 02 03 04 05 06 07
///   kdd: 0102030405060708090A
///   cplc: 9F7F2A4790...          # the GET DATA answer, or a mapping of CPLC fields
/// data:
///   customer: { name: Jane Doe, limit: 50000 }
/// ```
public enum CardDataParser {
    /// Parses card data; problems are diagnostics pointing into the card-data file.
    public static func parse(_ source: SourceFile, diagnostics: inout DiagnosticBag) -> CardData? {
        guard let root = YAMLLoader.compose(source, diagnostics: &diagnostics),
            let top = MappingReader(root, allowed: DocumentKeys.cardData, what: "card data", diagnostics: &diagnostics)
        else {
            return nil
        }
        var data = CardData(source: source)
        if let cardNode = top.value("card"),
            let card = MappingReader(
                cardNode,
                allowed: DocumentKeys.cardIdentification,
                what: "'card'",
                diagnostics: &diagnostics
            )
        {
            data.profile = card.name("profile", as: CardProfile.self, diagnostics: &diagnostics)
            let simple: [(String, FieldSource)] = [
                ("isd-aid", .issuerSecurityDomain), ("iin", .iin), ("cin", .cin), ("kdd", .keyDiversificationData),
            ]
            for (key, source) in simple {
                if let scalar = card.scalar(key, diagnostics: &diagnostics) {
                    data.identification[source] = .scalar(scalar.text, scalar.range)
                }
            }
            if let cplcNode = card.value("cplc") {
                parseCPLC(cplcNode, into: &data, &diagnostics)
            }
        }
        if let record = top.value("data") {
            data.record = value(record)
        }
        return data
    }

    private static func value(_ node: YAMLNode) -> CardDataValue {
        if let pairs = node.mappingPairs {
            return .mapping(pairs.map { (key: $0.key.scalarString ?? "", value: value($0.value)) })
        }
        if let items = node.sequenceItems {
            return .list(items.map(value))
        }
        let scalar = node.scalarValue
        return .scalar(scalar?.text ?? "", scalar?.range ?? node.range)
    }

    private static func parseCPLC(_ node: YAMLNode, into data: inout CardData, _ diagnostics: inout DiagnosticBag) {
        if let scalar = node.scalarValue {
            guard var bytes = Hex.bytes(scalar.text) else {
                diagnostics.append(.error(.invalidHex, "'cplc' is not hex bytes", at: scalar.range))
                return
            }
            if bytes.count == CPLCField.totalLength + 3, bytes.starts(with: [0x9F, 0x7F, 0x2A]) {
                bytes.removeFirst(3)
            }
            guard bytes.count == CPLCField.totalLength else {
                diagnostics.append(
                    .error(
                        .fieldValue,
                        "'cplc' must be \(CPLCField.totalLength) bytes (or 9F7F2A followed by them), found \(bytes.count)",
                        at: scalar.range
                    )
                )
                return
            }
            for field in CPLCField.allCases {
                let slice = Array(bytes[field.offset..<field.offset + field.length])
                data.identification[.cplc(field)] = .bytes(slice, scalar.range)
            }
            return
        }
        let allowed = CPLCField.allCases.map(\.rawValue)
        guard let map = MappingReader(node, allowed: allowed, what: "'cplc'", diagnostics: &diagnostics) else { return }
        // Each field is hex, as in the CPLC value itself, so both forms give the same bytes.
        for field in CPLCField.allCases {
            guard let scalar = map.scalar(field.rawValue, diagnostics: &diagnostics) else { continue }
            guard let bytes = Hex.bytes(scalar.text), bytes.count == field.length else {
                diagnostics.append(
                    .error(
                        .fieldValue,
                        "CPLC field '\(field.rawValue)' is \(field.length) bytes of hex, found '\(scalar.text)'",
                        at: scalar.range
                    )
                )
                continue
            }
            data.identification[.cplc(field)] = .bytes(bytes, scalar.range)
        }
    }
}
