import APDUTypes

extension ISOFileCard {
    /// One file of the card: the MF, a DF or an EF, with its contents and its children.
    ///
    /// A value: the card keeps the tree of files, and ``ISOFileCard/file(at:)`` hands out copies.
    public struct File: Hashable, Sendable {
        /// How a file is organised (ISO/IEC 7816-4 section 7.4.5, table 12).
        public enum Structure: String, Codable, CaseIterable, Hashable, Sendable {
            /// A dedicated file (the MF or a DF): a directory.
            case dedicated
            /// A transparent EF: a string of bytes.
            case transparent
            /// A linear EF of fixed-size records, all of which exist from creation.
            case linearFixed = "linear-fixed"
            /// A linear EF of records of varying size, appended one by one.
            case linearVariable = "linear-variable"
            /// A cyclic EF of fixed-size records: record 1 is the newest, appending replaces the oldest when full.
            case cyclic

            /// Whether the file holds records.
            public var isRecordStructure: Bool {
                switch self {
                case .linearFixed, .linearVariable, .cyclic: true
                case .dedicated, .transparent: false
                }
            }
        }

        /// The file identifier, such as `0x5101`.
        public var fid: UInt16
        /// How the file is organised.
        public var structure: Structure
        /// The file descriptor (the value of data object `82`) as created: descriptor byte, data
        /// coding byte and record facts.
        public var descriptor: [UInt8]
        /// The DF name (`84`), for DFs.
        public var dfName: [UInt8]?
        /// The short EF identifier (`88`), 1 to 30, for EFs.
        public var sfi: UInt8?
        /// The life cycle status.
        public var lifeCycle: LifeCycle
        /// The compact security attributes (`8C`); `nil` allows every operation.
        public var securityAttributes: SecurityAttributes?
        /// The size given at creation: the data size of an EF (`80`) or the space of a DF (`81`),
        /// which for the MF is the card's memory.
        public var size: Int?
        /// The (maximum) record size of a record EF.
        public var recordSize: Int?
        /// The number of records of a linear fixed or cyclic EF, or the most a linear variable EF takes.
        public var maximumRecordCount: Int?
        /// The bytes of a transparent EF.
        public var contents: [UInt8]
        /// The records of a record EF: index 0 is record 1 (for a cyclic EF, the newest).
        public var records: [[UInt8]]
        /// The files in a DF, in the order they were created.
        public var children: [File]
        /// Further data objects of the FCP as received, such as proprietary ones; returned by SELECT.
        public var proprietaryParameters: [UInt8]

        /// Makes a file.
        ///
        /// - Parameters:
        ///   - fid: The file identifier.
        ///   - structure: How the file is organised.
        ///   - descriptor: The file descriptor bytes; `nil` for the usual ones of `structure`.
        ///   - dfName: The DF name, for DFs.
        ///   - sfi: The short EF identifier, for EFs.
        ///   - lifeCycle: The life cycle status.
        ///   - securityAttributes: The compact security attributes, or `nil` to allow everything.
        ///   - size: The data size of an EF or the space of a DF.
        ///   - recordSize: The (maximum) record size of a record EF.
        ///   - maximumRecordCount: The number of records of a fixed or cyclic EF.
        ///   - contents: The bytes of a transparent EF; `nil` for `size` zero bytes.
        ///   - records: The records of a record EF; `nil` for the records a new EF has (zero-filled
        ///     records for a linear fixed EF, none otherwise).
        ///   - children: The files in a DF.
        ///   - proprietaryParameters: Further FCP data objects, encoded.
        public init(
            fid: UInt16,
            structure: Structure,
            descriptor: [UInt8]? = nil,
            dfName: [UInt8]? = nil,
            sfi: UInt8? = nil,
            lifeCycle: LifeCycle = .activated,
            securityAttributes: SecurityAttributes? = nil,
            size: Int? = nil,
            recordSize: Int? = nil,
            maximumRecordCount: Int? = nil,
            contents: [UInt8]? = nil,
            records: [[UInt8]]? = nil,
            children: [File] = [],
            proprietaryParameters: [UInt8] = []
        ) {
            self.fid = fid
            self.structure = structure
            self.descriptor = descriptor ?? Self.defaultDescriptor(structure, recordSize, maximumRecordCount)
            self.dfName = dfName
            self.sfi = sfi
            self.lifeCycle = lifeCycle
            self.securityAttributes = securityAttributes
            self.size = size
            self.recordSize = recordSize
            self.maximumRecordCount = maximumRecordCount
            self.contents = contents ?? (structure == .transparent ? [UInt8](repeating: 0, count: size ?? 0) : [])
            if let records {
                self.records = records
            } else if structure == .linearFixed, let recordSize, let maximumRecordCount {
                self.records = [[UInt8]](
                    repeating: [UInt8](repeating: 0, count: recordSize),
                    count: maximumRecordCount
                )
            } else {
                self.records = []
            }
            self.children = children
            self.proprietaryParameters = proprietaryParameters
        }

        /// Whether the file is the MF or a DF.
        public var isDedicated: Bool { structure == .dedicated }

        /// The file control parameters as SELECT returns them: the `62` template.
        public var controlParameters: [UInt8] {
            var body: [UInt8] = []
            if let size {
                var sizeBytes = [UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
                var high = size >> 16
                while high > 0 {
                    sizeBytes.insert(UInt8(truncatingIfNeeded: high), at: 0)
                    high >>= 8
                }
                body += BERTLV.encode(tag: isDedicated ? 0x81 : 0x80, value: sizeBytes)
            }
            body += BERTLV.encode(tag: 0x82, value: descriptor)
            body += BERTLV.encode(tag: 0x83, value: [UInt8(fid >> 8), UInt8(fid & 0xFF)])
            if let dfName {
                body += BERTLV.encode(tag: 0x84, value: dfName)
            }
            if let sfi {
                body += BERTLV.encode(tag: 0x88, value: [sfi << 3])
            }
            body += BERTLV.encode(tag: 0x8A, value: [lifeCycle.byte])
            if let securityAttributes {
                body += BERTLV.encode(tag: 0x8C, value: securityAttributes.bytes)
            }
            body += proprietaryParameters
            return BERTLV.encode(tag: 0x62, value: body)
        }

        /// The bytes the file takes from its DF's space.
        ///
        /// A DF with a size takes that size; a DF without one shares its parent's space and takes
        /// what its files take. A linear variable EF without a size takes what its records take.
        var allocation: Int {
            switch structure {
            case .dedicated:
                size ?? usedSpace
            case .transparent:
                size ?? contents.count
            case .linearFixed, .cyclic:
                (recordSize ?? 0) * (maximumRecordCount ?? 0)
            case .linearVariable:
                size ?? records.reduce(0) { $0 + $1.count }
            }
        }

        /// The bytes a DF's files take.
        var usedSpace: Int {
            children.reduce(0) { $0 + $1.allocation }
        }

        private static func defaultDescriptor(_ structure: Structure, _ recordSize: Int?, _ count: Int?) -> [UInt8] {
            let recordSizeBytes = [
                UInt8(truncatingIfNeeded: (recordSize ?? 0) >> 8), UInt8(truncatingIfNeeded: recordSize ?? 0),
            ]
            switch structure {
            case .dedicated:
                return [0x38]
            case .transparent:
                return [0x01, 0x21]
            case .linearFixed:
                return [0x02, 0x21] + recordSizeBytes + [UInt8(truncatingIfNeeded: count ?? 0)]
            case .linearVariable:
                return [0x04, 0x21] + recordSizeBytes
            case .cyclic:
                return [0x06, 0x21] + recordSizeBytes + [UInt8(truncatingIfNeeded: count ?? 0)]
            }
        }
    }
}
