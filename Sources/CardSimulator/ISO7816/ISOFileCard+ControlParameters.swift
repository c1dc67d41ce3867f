import APDUTypes

extension ISOFileCard.File {
    /// Data objects of an FCP that carry security attributes this card cannot enforce.
    ///
    /// They are the proprietary format (`86`), the expanded format (`8B`, `A0`-`A2`, `AB`, `AC`) and
    /// channel security (`8E`). A card that ignored them would leave files open, so CREATE FILE
    /// refuses them.
    private static let unsupportedSecurityTags: Set<[UInt8]> = [
        [0x86], [0x8B], [0x8E], [0xA0], [0xA1], [0xA2], [0xAB], [0xAC],
    ]

    /// Reads the data field of CREATE FILE: an FCP template `62` (ISO/IEC 7816-4 table 10,
    /// ISO/IEC 7816-9 section 8.2).
    ///
    /// `82` (file descriptor) and `83` (file identifier) are required, and `80` (size) for a
    /// transparent EF; `81` gives a DF its space, `84` its name, `88` an EF its SFI, `8A` the life
    /// cycle status (activated when absent), `8C` the compact security attributes. Other data
    /// objects are kept as they are and returned by SELECT.
    ///
    /// - Parameter data: The command data field.
    /// - Returns: The new file, empty.
    /// - Throws: ``ISOFileCard/Refusal/incorrectData`` (`6A80`) for anything malformed or inconsistent.
    static func fromCreateFileTemplate(_ data: [UInt8]) throws(ISOFileCard.Refusal) -> Self {
        guard let outer = BERTLV.decode(data), outer.count == 1, outer[0].tag == [0x62],
            let objects = BERTLV.decode(outer[0].value)
        else {
            throw .incorrectData
        }
        var seen: Set<[UInt8]> = []
        var dataSize: Int?
        var totalSize: Int?
        var descriptor: [UInt8]?
        var fid: UInt16?
        var dfName: [UInt8]?
        var sfiValue: [UInt8]?
        var lifeCycle = ISOFileCard.LifeCycle.activated
        var securityAttributes: ISOFileCard.SecurityAttributes?
        var proprietary: [UInt8] = []
        for object in objects {
            guard seen.insert(object.tag).inserted, !unsupportedSecurityTags.contains(object.tag) else {
                throw .incorrectData
            }
            let value = object.value
            switch object.tag {
            case [0x80], [0x81]:
                guard (1...3).contains(value.count) else { throw .incorrectData }
                let size = value.reduce(0) { $0 << 8 | Int($1) }
                if object.tag == [0x80] { dataSize = size } else { totalSize = size }
            case [0x82]:
                descriptor = value
            case [0x83]:
                guard value.count == 2 else { throw .incorrectData }
                fid = UInt16(value[0]) << 8 | UInt16(value[1])
            case [0x84]:
                guard (1...16).contains(value.count) else { throw .incorrectData }
                dfName = value
            case [0x88]:
                guard value.count <= 1 else { throw .incorrectData }
                sfiValue = value
            case [0x8A]:
                guard value.count == 1, let state = ISOFileCard.LifeCycle(byte: value[0]) else {
                    throw .incorrectData
                }
                lifeCycle = state
            case [0x8C]:
                guard let attributes = ISOFileCard.SecurityAttributes(compact: value) else { throw .incorrectData }
                securityAttributes = attributes
            default:
                do throws(BERTLV.EncodingError) {
                    proprietary += try BERTLV.encode(tag: object.tag, value: value)
                } catch {
                    throw .incorrectData
                }
            }
        }
        guard let descriptor, let fid, fid != 0x3FFF, fid != 0xFFFF else {
            throw .incorrectData
        }
        let shape = try Shape(descriptor: descriptor)
        var sfi: UInt8?
        if let byte = sfiValue?.first, byte != 0 {
            guard byte & 0x07 == 0, (1...30).contains(byte >> 3) else { throw .incorrectData }
            sfi = byte >> 3
        }
        let size: Int?
        switch shape.structure {
        case .dedicated:
            guard sfiValue == nil else { throw .incorrectData }
            size = totalSize ?? dataSize
        case .transparent:
            guard dfName == nil, let given = dataSize ?? totalSize else { throw .incorrectData }
            size = given
        case .linearFixed, .linearVariable, .cyclic:
            guard dfName == nil else { throw .incorrectData }
            size = dataSize
        }
        return Self(
            fid: fid,
            structure: shape.structure,
            descriptor: descriptor,
            dfName: dfName,
            sfi: sfi,
            lifeCycle: lifeCycle,
            securityAttributes: securityAttributes,
            size: size,
            recordSize: shape.recordSize,
            maximumRecordCount: shape.recordCount,
            proprietaryParameters: proprietary
        )
    }

    /// What a file descriptor (`82`) says: the structure and, for record EFs, the record size and count.
    private struct Shape {
        var structure: Structure
        var recordSize: Int?
        var recordCount: Int?

        /// Reads the descriptor byte (ISO/IEC 7816-4 table 12), the data coding byte, the maximum
        /// record size (one or two bytes) and the number of records (one or two bytes).
        init(descriptor: [UInt8]) throws(ISOFileCard.Refusal) {
            guard (1...6).contains(descriptor.count), descriptor[0] & 0x80 == 0 else {
                throw .incorrectData
            }
            let byte = descriptor[0]
            switch (byte >> 3) & 0x07 {
            case 0b111:
                guard byte & 0x07 == 0, descriptor.count <= 2 else { throw .incorrectData }
                structure = .dedicated
                return
            case 0b000, 0b001:
                break
            default:
                throw .incorrectData
            }
            switch byte & 0x07 {
            case 0x01:
                structure = .transparent
                return
            case 0x02, 0x03:
                structure = .linearFixed
            case 0x04, 0x05:
                structure = .linearVariable
            case 0x06, 0x07:
                structure = .cyclic
            default:
                throw .incorrectData
            }
            switch descriptor.count {
            case 3:
                recordSize = Int(descriptor[2])
            case 4, 5, 6:
                recordSize = Int(descriptor[2]) << 8 | Int(descriptor[3])
            default:
                throw .incorrectData
            }
            switch descriptor.count {
            case 5:
                recordCount = Int(descriptor[4])
            case 6:
                recordCount = Int(descriptor[4]) << 8 | Int(descriptor[5])
            default:
                break
            }
            guard let recordSize, recordSize > 0 else { throw .incorrectData }
            if structure != .linearVariable {
                guard let recordCount, recordCount > 0 else { throw .incorrectData }
            } else if recordCount == 0 {
                throw .incorrectData
            }
        }
    }
}
