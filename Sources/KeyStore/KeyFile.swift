import APDUTypes
import CardCrypto
public import SecureChannel
import Yams

/// A development key file: YAML key sets, each with the cards it applies to.
///
/// ```yaml
/// key-sets:
///   - name: test-scp03
///     match: { isd-aid: A000000151000000 }   # all given must match; none matches every card
///     scp: scp03                             # scp01, scp02 (then also i: "15") or scp03
///     security-level: mac+enc                # mac, mac+enc, mac+enc+rmac, mac+enc+rmac+renc, or a byte
///     key-version: 0x30
///     diversification: none                  # none, visa2, emv-cps11, kdf3
///     keys: { algorithm: aes, enc: 4041…4F, mac: 4041…4F, dek: 4041…4F }   # or key: 4041…4F
///   - name: test-sm                          # a file-oriented card: ISO 7816-4 secure messaging
///     match: { iin: 420277 }
///     scp: sm
///     key-reference: 0x00                    # EXTERNAL AUTHENTICATE P2; 00 by default
///     keys: { algorithm: 3des, enc: …, mac: … }  # the access keys K_ENC and K_MAC (3des or aes)
/// ```
///
/// Production keys belong in a hardware token behind ``KeyProvider``; this file is for development
/// and tests. Errors name `path:line:column` and never quote key values.
public struct KeyFile: KeyProvider {
    /// One key set of the file.
    public struct Entry: Sendable {
        /// The key set's name.
        public var name: String
        /// The criteria a card must meet: ISD AID, IIN and CIN as given in the file.
        public var match: CardIdentity
        /// The keys as stored.
        public var keys: StaticKeys
        /// The channel parameters.
        public var configuration: SecureChannelSession.Configuration
    }

    /// The GlobalPlatform key sets, in file order.
    public private(set) var entries: [Entry]

    /// The secure messaging access key sets (`scp: sm`), in file order.
    public private(set) var accessKeyEntries: [AccessKeyEntry]

    /// One secure messaging key set of the file.
    public struct AccessKeyEntry: Sendable {
        /// The key set's name.
        public var name: String
        /// The criteria a card must meet.
        public var match: CardIdentity
        /// The access keys and key reference.
        public var accessKeys: SelectedAccessKeys
    }

    /// Parses a key file.
    ///
    /// - Parameters:
    ///   - text: The YAML text.
    ///   - path: The path shown in error messages.
    /// - Throws: ``KeyStoreError`` with code ``KeyStoreError/Code/malformedKeyFile`` or
    ///   ``KeyStoreError/Code/invalidKeys``, naming the position.
    public init(text: String, path: String) throws(KeyStoreError) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw KeyStoreError(.malformedKeyFile, "\(path): the key file is empty")
            }
            root = node
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError(.malformedKeyFile, "\(path): not valid YAML: \(error)")
        }
        let reader = Reader(path: path)
        let top = try reader.mapping(root, what: "the key file", allowed: ["key-sets"])
        guard let sets = top["key-sets"]?.sequence else {
            throw reader.error(root, "expected 'key-sets:' with a list of key sets")
        }
        var entries: [Entry] = []
        var accessKeyEntries: [AccessKeyEntry] = []
        for node in sets {
            if case .mapping(let mapping) = node, mapping["scp"]?.scalar?.string == "sm" {
                accessKeyEntries.append(try reader.accessKeyEntry(node))
            } else {
                entries.append(try reader.entry(node))
            }
        }
        var seen: Set<String> = []
        for name in entries.map(\.name) + accessKeyEntries.map(\.name) where !seen.insert(name).inserted {
            throw KeyStoreError(.malformedKeyFile, "\(path): two key sets are named '\(name)'")
        }
        self.entries = entries
        self.accessKeyEntries = accessKeyEntries
    }

    /// The most specific secure messaging key set whose criteria the card meets.
    ///
    /// - Throws: ``KeyStoreError/Code/noMatchingKeySet`` or ``KeyStoreError/Code/ambiguousKeySet``.
    public func accessKeys(for card: CardIdentity) throws(KeyStoreError) -> SelectedAccessKeys {
        try Self.best(accessKeyEntries.map { ($0.match, $0.name, $0) }, for: card).accessKeys
    }

    /// The candidate whose criteria match the most identification data; all given criteria must match.
    private static func best<Value>(
        _ candidates: [(CardIdentity, String, Value)],
        for card: CardIdentity
    )
        throws(KeyStoreError) -> Value
    {
        var best: [(value: Value, name: String, score: Int)] = []
        for (match, name, value) in candidates {
            guard let score = Self.score(match, card) else { continue }
            if let top = best.first?.score, score < top { continue }
            if let top = best.first?.score, score > top { best.removeAll() }
            best.append((value, name, score))
        }
        guard let chosen = best.first else {
            throw KeyStoreError(.noMatchingKeySet, "no key set matches the card (\(Self.describe(card)))")
        }
        guard best.count == 1 else {
            let names = best.map { "'\($0.name)'" }.joined(separator: ", ")
            throw KeyStoreError(
                .ambiguousKeySet,
                "key sets \(names) match the card equally well; make one more specific"
            )
        }
        return chosen.value
    }

    /// The most specific key set whose criteria the card meets.
    ///
    /// - Throws: ``KeyStoreError/Code/noMatchingKeySet`` or ``KeyStoreError/Code/ambiguousKeySet``.
    public func keySet(for card: CardIdentity) throws(KeyStoreError) -> SelectedKeySet {
        let entry = try Self.best(entries.map { ($0.match, $0.name, $0) }, for: card)
        return SelectedKeySet(name: entry.name, keys: entry.keys, configuration: entry.configuration)
    }

    /// How many criteria match, or `nil` when one of them does not.
    private static func score(_ match: CardIdentity, _ card: CardIdentity) -> Int? {
        var score = 0
        for (wanted, actual) in [(match.isdAID, card.isdAID), (match.iin, card.iin), (match.cin, card.cin)] {
            guard let wanted else { continue }
            guard wanted == actual else { return nil }
            score += 1
        }
        return score
    }

    private static func describe(_ card: CardIdentity) -> String {
        let parts: [(String, [UInt8]?)] = [("ISD AID", card.isdAID), ("IIN", card.iin), ("CIN", card.cin)]
        let known = parts.compactMap { name, value in value.map { "\(name) \(Hex.string($0))" } }
        return known.isEmpty ? "no identification data" : known.joined(separator: ", ")
    }
}

/// Reads the nodes of a key file with positions in every error.
private struct Reader {
    let path: String

    func error(_ node: Node, _ message: String) -> KeyStoreError {
        let place = node.mark.map { "\(path):\($0.line):\($0.column)" } ?? path
        return KeyStoreError(.malformedKeyFile, "\(place): \(message)")
    }

    func mapping(_ node: Node, what: String, allowed: [String]) throws(KeyStoreError) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw error(node, "expected a mapping for \(what)")
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, allowed.contains(name) else {
                let name = key.scalar?.string ?? "?"
                throw error(key, "unknown key '\(name)' in \(what); expected one of \(allowed.joined(separator: ", "))")
            }
            result[name] = value
        }
        return result
    }

    func string(_ node: Node?, _ what: String, in parent: Node) throws(KeyStoreError) -> String {
        guard let node else { throw error(parent, "missing '\(what)'") }
        guard let text = node.scalar?.string, !text.isEmpty else { throw error(node, "expected a value for '\(what)'") }
        return text
    }

    func bytes(_ node: Node?, _ what: String, in parent: Node) throws(KeyStoreError) -> [UInt8] {
        let text = try string(node, what, in: parent)
        guard let bytes = Hex.bytes(text) else {
            // Never quote the value: it may be a key.
            throw error(node ?? parent, "'\(what)' is not hex bytes")
        }
        return bytes
    }

    func byte(_ node: Node?, _ what: String, in parent: Node) throws(KeyStoreError) -> UInt8 {
        let text = try string(node, what, in: parent)
        let digits = text.hasPrefix("0x") || text.hasPrefix("0X") ? String(text.dropFirst(2)) : text
        let radix = text.hasPrefix("0x") || text.hasPrefix("0X") ? 16 : 10
        guard let value = UInt8(digits, radix: radix) else {
            throw error(node ?? parent, "'\(what)' must be a byte (0 to 255, or 0x00 to 0xFF), found '\(text)'")
        }
        return value
    }

    func entry(_ node: Node) throws(KeyStoreError) -> KeyFile.Entry {
        let fields = try mapping(
            node,
            what: "a key set",
            allowed: [
                "name", "match", "scp", "i", "security-level", "key-version", "diversification", "keys", "description",
            ]
        )
        let name = try string(fields["name"], "name", in: node)
        let match = try self.match(fields["match"])
        let scpName = try string(fields["scp"], "scp", in: node)
        let scp: SecureChannelProtocol
        switch scpName {
        case "scp01": scp = .scp01(i: try fields["i"].map { (n) throws(KeyStoreError) in try hexByte(n, "i") } ?? 0x05)
        case "scp02": scp = .scp02(i: try fields["i"].map { (n) throws(KeyStoreError) in try hexByte(n, "i") } ?? 0x15)
        case "scp03": scp = .scp03
        default: throw error(fields["scp"] ?? node, "'scp' must be scp01, scp02, scp03 or sm, found '\(scpName)'")
        }
        let level = try securityLevel(fields["security-level"], in: node)
        let keyVersion = try byte(fields["key-version"], "key-version", in: node)
        let diversificationName = fields["diversification"]?.scalar?.string ?? "none"
        let diversifications: [String: KeyDiversification] = [
            "none": .none, "visa2": .visa2, "emv-cps11": .emvCPS11, "kdf3": .kdf3,
        ]
        guard let diversification = diversifications[diversificationName] else {
            throw error(
                fields["diversification"] ?? node,
                "'diversification' must be none, visa2, emv-cps11 or kdf3, found '\(diversificationName)'"
            )
        }
        let keys = try staticKeys(fields["keys"], keyVersion: keyVersion, scp: scp, in: node)
        return KeyFile.Entry(
            name: name,
            match: match,
            keys: keys,
            configuration: SecureChannelSession.Configuration(
                scp: scp,
                securityLevel: level,
                diversification: diversification,
                securityDomainAID: match.isdAID.flatMap { ApplicationIdentifier($0) }
            )
        )
    }

    func accessKeyEntry(_ node: Node) throws(KeyStoreError) -> KeyFile.AccessKeyEntry {
        let fields = try mapping(
            node,
            what: "a secure messaging key set",
            allowed: ["name", "match", "scp", "key-reference", "keys", "description"]
        )
        let name = try string(fields["name"], "name", in: node)
        let match = try self.match(fields["match"])
        let keyReference = try fields["key-reference"].map { (n) throws(KeyStoreError) in
            try byte(n, "key-reference", in: node)
        }
        guard let keysNode = fields["keys"] else { throw error(node, "missing 'keys'") }
        let keyFields = try mapping(keysNode, what: "'keys'", allowed: ["algorithm", "key", "enc", "mac"])
        let algorithmName = keyFields["algorithm"]?.scalar?.string ?? "3des"
        let algorithm: CardKey.Algorithm
        switch algorithmName {
        case "aes": algorithm = .aes
        case "3des", "des3": algorithm = .tripleDES
        default:
            throw error(keyFields["algorithm"] ?? keysNode, "'algorithm' must be aes or 3des, found '\(algorithmName)'")
        }
        func key(_ role: String) throws(KeyStoreError) -> CardKey {
            guard let source = keyFields[role] ?? keyFields["key"] else {
                throw error(keysNode, "missing '\(role)' (or one 'key' for both)")
            }
            let written = keyFields[role] != nil ? role : "key"
            let value = try bytes(source, written, in: keysNode)
            do {
                return try CardKey(algorithm, bytes: value)
            } catch {
                throw KeyStoreError(
                    .invalidKeys,
                    "\(path):\(source.mark?.line ?? 0):\(source.mark?.column ?? 0): '\(written)' is \(value.count) bytes, not a valid \(algorithmName) key length"
                )
            }
        }
        let keys: ISOSecureMessaging.Keys
        do {
            keys = try ISOSecureMessaging.Keys(encryption: try key("enc"), mac: try key("mac"))
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError(.invalidKeys, "\(path): key set '\(name)': \(error)")
        }
        return KeyFile.AccessKeyEntry(
            name: name,
            match: match,
            accessKeys: SelectedAccessKeys(name: name, keys: keys, keyReference: keyReference ?? 0x00)
        )
    }

    func match(_ matchNode: Node?) throws(KeyStoreError) -> CardIdentity {
        var match = CardIdentity()
        guard let matchNode else { return match }
        let criteria = try mapping(matchNode, what: "'match'", allowed: ["isd-aid", "iin", "cin"])
        match.isdAID = try criteria["isd-aid"].map { (n) throws(KeyStoreError) in try bytes(n, "isd-aid", in: matchNode)
        }
        match.iin = try criteria["iin"].map { (n) throws(KeyStoreError) in try bytes(n, "iin", in: matchNode) }
        match.cin = try criteria["cin"].map { (n) throws(KeyStoreError) in try bytes(n, "cin", in: matchNode) }
        return match
    }

    func hexByte(_ node: Node, _ what: String) throws(KeyStoreError) -> UInt8 {
        guard let text = node.scalar?.string,
            let bytes = Hex.bytes(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text),
            bytes.count == 1
        else {
            throw error(node, "'\(what)' must be one hex byte such as \"15\"")
        }
        return bytes[0]
    }

    func securityLevel(_ node: Node?, in parent: Node) throws(KeyStoreError) -> SecurityLevel {
        let text = try string(node, "security-level", in: parent)
        let names: [String: SecurityLevel] = [
            "none": [], "mac": [.commandMAC], "mac+enc": [.commandMAC, .commandEncryption],
            "mac+rmac": [.commandMAC, .responseMAC], "mac+enc+rmac": [.commandMAC, .commandEncryption, .responseMAC],
            "mac+enc+rmac+renc": [.commandMAC, .commandEncryption, .responseMAC, .responseEncryption],
        ]
        if let level = names[text] { return level }
        if let bytes = Hex.bytes(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text), bytes.count == 1 {
            return SecurityLevel(rawValue: bytes[0])
        }
        throw error(
            node ?? parent,
            "'security-level' must be one of \(names.keys.sorted().joined(separator: ", ")) or a byte such as \"33\""
        )
    }

    func staticKeys(
        _ node: Node?,
        keyVersion: UInt8,
        scp: SecureChannelProtocol,
        in parent: Node
    ) throws(KeyStoreError) -> StaticKeys {
        guard let node else { throw error(parent, "missing 'keys'") }
        let fields = try mapping(node, what: "'keys'", allowed: ["algorithm", "key", "enc", "mac", "dek"])
        let algorithmName = fields["algorithm"]?.scalar?.string ?? (scp == .scp03 ? "aes" : "3des")
        let algorithm: CardKey.Algorithm
        switch algorithmName {
        case "aes": algorithm = .aes
        case "3des", "des3": algorithm = .tripleDES
        default: throw error(fields["algorithm"] ?? node, "'algorithm' must be aes or 3des, found '\(algorithmName)'")
        }
        func key(_ name: String) throws(KeyStoreError) -> CardKey {
            let source = fields[name] ?? fields["key"]
            guard let source else { throw error(node, "missing '\(name)' (or one 'key' for all three)") }
            let written = fields[name] != nil ? name : "key"
            let value = try bytes(source, written, in: node)
            do {
                return try CardKey(algorithm, bytes: value)
            } catch {
                throw KeyStoreError(
                    .invalidKeys,
                    "\(self.path):\(source.mark?.line ?? 0):\(source.mark?.column ?? 0): '\(written)' is \(value.count) bytes, not a valid \(algorithmName) key length"
                )
            }
        }
        return StaticKeys(enc: try key("enc"), mac: try key("mac"), dek: try key("dek"), keyVersion: keyVersion)
    }
}
