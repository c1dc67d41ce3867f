/// The secure-channel facts that shape a plan's commands (block sizes, chunking) before any key is used.
public struct CompileOptions: Hashable, Sendable, Codable {
    /// The secure channel the commands will travel under.
    public enum Channel: String, CaseIterable, Hashable, Sendable, Codable {
        /// The profile's usual channel: SCP03 for GlobalPlatform cards, secure messaging for ISO 7816 cards.
        case automatic = "auto"
        /// No secure channel: plain commands (development cards only).
        case none
        /// SCP01, for VISA Open Platform cards.
        case scp01
        /// SCP02.
        case scp02
        /// SCP03.
        case scp03
        /// ISO 7816-4 secure messaging, for file-oriented cards.
        case sm
    }

    /// The command protection the channel applies.
    public enum SecurityLevel: String, CaseIterable, Hashable, Sendable, Codable {
        /// No MAC and no encryption.
        case none
        /// C-MAC on every command.
        case mac
        /// C-MAC and encryption of every command's data (C-DEC/C-ENC).
        case macEncrypt = "mac+enc"
    }

    /// The secure channel.
    public var secureChannel: Channel
    /// The command protection.
    public var securityLevel: SecurityLevel
    /// The C-MAC length in bytes: 8, or 16 for SCP03 "S16".
    public var macLength: Int

    /// Creates options.
    public init(secureChannel: Channel = .automatic, securityLevel: SecurityLevel = .mac, macLength: Int = 8) {
        self.secureChannel = secureChannel
        self.securityLevel = securityLevel
        self.macLength = macLength
    }

    /// The largest plain data field one short command can carry once the channel has added its
    /// MAC and padding: the LOAD block size and UPDATE BINARY chunk chosen when the author gives none.
    ///
    /// The C-MAC takes `macLength` of the 255 bytes. Encryption pads to the cipher block (8 for DES
    /// in SCP01/SCP02, 16 for AES in SCP03) and always adds at least one padding byte (ISO/IEC
    /// 9797-1 method 2). ISO secure messaging wraps the data in a `87` object (tag, two length
    /// bytes, padding indicator) and the MAC in an `8E` object (tag, length, 8 bytes) and a `97`
    /// object for Le (3 bytes).
    public var maximumDataLength: Int {
        let short = 255
        let secureChannel = self.secureChannel == .automatic ? .scp03 : self.secureChannel
        guard secureChannel != .none, securityLevel != .none else { return short }
        switch secureChannel {
        case .sm:
            let room = short - 10 - 3
            guard securityLevel == .macEncrypt else { return room - 3 }
            let block = 16
            return ((room - 4) / block) * block - 1
        default:
            let room = short - macLength
            guard securityLevel == .macEncrypt else { return room }
            let block = secureChannel == .scp03 ? 16 : 8
            return (room / block) * block - 1
        }
    }

    /// The options with an automatic channel replaced by the profile's usual one.
    public func resolved(for profile: CardProfile) -> CompileOptions {
        var options = self
        if options.secureChannel == .automatic {
            options.secureChannel = profile == .iso7816 ? .sm : .scp03
        }
        if options.secureChannel != .scp03 {
            options.macLength = 8
        }
        return options
    }

    /// `scp03 mac` style description for listings.
    public var summary: String {
        secureChannel == .none
            ? "none"
            : "\(secureChannel.rawValue) \(securityLevel.rawValue)"
                + (macLength != 8 ? " s\(macLength)" : "")
    }
}
