public import APDUTypes

/// The plain command plan for one card: every command of every step, before any secure channel.
///
/// The plan is what the golden `.apdu` listings pin byte for byte, and what the secure-channel
/// stage turns into a signed bundle.
public struct CommandPlan: Hashable, Sendable {
    /// The sequence's name.
    public var sequence: String
    /// The sequence's version.
    public var version: String
    /// SHA-256 over the script, its includes and its components, in the order read.
    public var sourceDigest: [UInt8]
    /// The card profile the plan was lowered for.
    public var profile: CardProfile
    /// The options the plan was lowered with.
    public var options: CompileOptions
    /// The steps, each with its commands.
    public var steps: [PlannedStep]

    /// Every command in order.
    public var commands: [PlannedCommand] { steps.flatMap(\.commands) }
}

/// One source step and the commands it became.
public struct PlannedStep: Hashable, Sendable {
    /// The 1-based position of the step in the expanded step list.
    public var index: Int
    /// The step's action key.
    public var keyword: StepKeyword
    /// The author's name for the step.
    public var name: String?
    /// Where the step is written.
    public var origin: SourceRange
    /// The commands, in order.
    public var commands: [PlannedCommand]
}

/// Part of a command's data field.
public enum DataSegment: Hashable, Sendable {
    /// Bytes that may be shown and logged.
    case plain([UInt8])
    /// Secret bytes (keys, encrypted personalization data): never printed, logged or stored in clear.
    case secret([UInt8])
    /// The 3-byte key check value of a key, computed by the secure-channel stage from the clear key.
    case keyCheckValue(KeyItem.KeyType, key: [UInt8])

    /// The segment's length in the plain command.
    public var count: Int {
        switch self {
        case .plain(let bytes), .secret(let bytes): bytes.count
        case .keyCheckValue: 3
        }
    }
}

/// What the secure-channel stage must do to a command's data besides MAC and session encryption.
public enum DataProtection: String, Hashable, Sendable, Codable {
    /// Nothing special.
    case none
    /// Encrypt the secret segments under the data encryption key (STORE DATA with P1 bits `11`).
    case encryptSecrets = "encrypt-secrets"
    /// PUT KEY: encrypt each key under the data encryption key and fill in key check values.
    case keyBlocks = "key-blocks"
}

/// One command of the plan.
public struct PlannedCommand: Hashable, Sendable {
    /// The class byte, before the secure channel sets its bits.
    public var cla: UInt8
    /// The instruction byte.
    public var ins: UInt8
    /// Parameter 1.
    public var p1: UInt8
    /// Parameter 2.
    public var p2: UInt8
    /// The data field, in segments.
    public var data: [DataSegment]
    /// The expected length, or `nil` for none.
    public var le: Int?
    /// The status words that let the sequence go on.
    public var expect: [StatusPattern]
    /// A short note for listings, such as `LOAD block 3/12`.
    public var note: String?
    /// What the secure stage must do to the data.
    public var protection: DataProtection
    /// Whether the author marked the command sensitive (secret segments make it sensitive anyway).
    public var markedSensitive: Bool

    /// Creates a command.
    public init(
        cla: UInt8,
        ins: UInt8,
        p1: UInt8,
        p2: UInt8,
        data: [DataSegment] = [],
        le: Int? = nil,
        expect: [StatusPattern] = [.success],
        note: String? = nil,
        protection: DataProtection = .none,
        markedSensitive: Bool = false
    ) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
        self.expect = expect
        self.note = note
        self.protection = protection
        self.markedSensitive = markedSensitive
    }

    /// Whether the client must not log this command's data.
    public var isSensitive: Bool {
        markedSensitive || data.contains { if case .plain = $0 { false } else { true } }
    }

    /// The length of the data field.
    public var dataLength: Int { data.reduce(0) { $0 + $1.count } }

    /// The command with secrets in clear and key check values absent: only for the secure stage.
    public var clearDataForSecureStage: [UInt8] {
        data.flatMap { segment -> [UInt8] in
            switch segment {
            case .plain(let bytes), .secret(let bytes): bytes
            case .keyCheckValue: []
            }
        }
    }

    /// The command as a listing shows it: upper-case hex, `**` for each secret byte, `??` for each
    /// key-check-value byte that the secure stage fills in.
    public var redactedHex: String {
        var header: [UInt8] = [cla, ins, p1, p2]
        let length = dataLength
        let extended = length > CommandAPDU.maximumShortDataLength || (le ?? 0) > 256
        if length > 0 {
            header += extended ? [0x00, UInt8(length >> 8), UInt8(length & 0xFF)] : [UInt8(length)]
        }
        var text = Hex.string(header)
        for segment in data {
            switch segment {
            case .plain(let bytes): text += Hex.string(bytes)
            case .secret(let bytes): text += String(repeating: "**", count: bytes.count)
            case .keyCheckValue: text += "??????"
            }
        }
        if let le {
            if extended {
                let value = le == 65536 ? 0 : le
                text += Hex.string((length == 0 ? [0x00] : []) + [UInt8(value >> 8), UInt8(value & 0xFF)])
            } else {
                text += Hex.string([le == 256 ? 0 : UInt8(le)])
            }
        }
        return text
    }

    /// The complete command APDU, when it has no secret or pending part.
    public var apdu: CommandAPDU? {
        var bytes: [UInt8] = []
        for segment in data {
            guard case .plain(let plain) = segment else { return nil }
            bytes += plain
        }
        return CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: bytes, le: le)
    }
}
