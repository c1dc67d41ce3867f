/// Names of the ISO 7816-4 and GlobalPlatform instructions that install scripts use.
///
/// The class byte decides between the two families where they share an INS: bit 8 set means a
/// proprietary (GlobalPlatform) class, clear an interindustry (ISO) class.
enum InstructionName {
    /// The instruction's name, with a word on P1 where it matters, or `nil` when unknown.
    static func name(cla: UInt8, ins: UInt8, p1: UInt8) -> String? {
        let proprietary = cla & 0x80 != 0
        if proprietary, let name = globalPlatform(ins: ins, p1: p1) {
            return name
        }
        return interindustry(ins: ins, p1: p1)
    }

    private static func globalPlatform(ins: UInt8, p1: UInt8) -> String? {
        switch ins {
        case 0x50: "INITIALIZE UPDATE"
        case 0x82: "EXTERNAL AUTHENTICATE"
        case 0xE6: "INSTALL" + installPurpose(p1)
        case 0xE8: p1 & 0x80 != 0 ? "LOAD (last block)" : "LOAD"
        case 0xE4: "DELETE"
        case 0xE2: "STORE DATA"
        case 0xD8: "PUT KEY"
        case 0xF0: "SET STATUS"
        case 0xF2: "GET STATUS"
        case 0xCA, 0xCB: "GET DATA"
        case 0x78: "END R-MAC SESSION"
        case 0x7A: "BEGIN R-MAC SESSION"
        default: nil
        }
    }

    private static func installPurpose(_ p1: UInt8) -> String {
        var purposes: [String] = []
        if p1 & 0x02 != 0 { purposes.append("load") }
        if p1 & 0x04 != 0 { purposes.append("install") }
        if p1 & 0x08 != 0 { purposes.append("make selectable") }
        if p1 & 0x10 != 0 { purposes.append("extradition") }
        if p1 & 0x20 != 0 { purposes.append("personalization") }
        if p1 & 0x40 != 0 { purposes.append("registry update") }
        return purposes.isEmpty ? "" : " [for " + purposes.joined(separator: " and ") + "]"
    }

    private static func interindustry(ins: UInt8, p1: UInt8) -> String? {
        switch ins {
        case 0xA4: p1 == 0x04 ? "SELECT (by name)" : "SELECT"
        case 0x04: "DEACTIVATE FILE"
        case 0x0E: "ERASE BINARY"
        case 0x20: "VERIFY"
        case 0x22: "MANAGE SECURITY ENVIRONMENT"
        case 0x24: "CHANGE REFERENCE DATA"
        case 0x2A: "PERFORM SECURITY OPERATION"
        case 0x2C: "RESET RETRY COUNTER"
        case 0x44: "ACTIVATE FILE"
        case 0x46: "GENERATE ASYMMETRIC KEY PAIR"
        case 0x70: "MANAGE CHANNEL"
        case 0x82: "EXTERNAL AUTHENTICATE"
        case 0x84: "GET CHALLENGE"
        case 0x86, 0x87: "GENERAL AUTHENTICATE"
        case 0x88: "INTERNAL AUTHENTICATE"
        case 0xB0, 0xB1: "READ BINARY"
        case 0xB2, 0xB3: "READ RECORD"
        case 0xC0: "GET RESPONSE"
        case 0xCA, 0xCB: "GET DATA"
        case 0xD0, 0xD1: "WRITE BINARY"
        case 0xD2: "WRITE RECORD"
        case 0xD6, 0xD7: "UPDATE BINARY"
        case 0xDA, 0xDB: "PUT DATA"
        case 0xDC, 0xDD: "UPDATE RECORD"
        case 0xE0: "CREATE FILE"
        case 0xE2: "APPEND RECORD"
        case 0xE4: "DELETE FILE"
        case 0xE6: "TERMINATE DF"
        case 0xE8: "TERMINATE EF"
        case 0xFE: "TERMINATE CARD USAGE"
        default: nil
        }
    }
}
