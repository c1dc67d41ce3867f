import CAPFile
import Crypto

/// The load file data a LOAD step sends and the hash INSTALL [for load] carries for it.
///
/// Both depend on the CAP file alone, not on the card, so a prepared sequence works them out once
/// (``Compiler/prepare(_:loader:)``) instead of once per card.
struct PreparedLoadFile: Sendable {
    /// Which load file: the component, with or without its Descriptor component, and which hash.
    struct Key: Hashable, Sendable {
        /// The CAP component's name.
        var component: String
        /// Whether the Descriptor component is part of the load file.
        var includesDescriptor: Bool
        /// The hash INSTALL [for load] carries.
        var hash: LoadFileHash
    }

    /// The load file data block, components in load order.
    var data: [UInt8]
    /// Its hash, empty for ``LoadFileHash/none``.
    var hash: [UInt8]

    /// The load file of a CAP file and its hash.
    init(cap: CAPFile, includesDescriptor: Bool, hash kind: LoadFileHash) {
        data = cap.loadFileData(includeDescriptor: includesDescriptor)
        hash = Self.hash(data, kind)
    }

    /// The hash of load file data.
    static func hash(_ data: [UInt8], _ kind: LoadFileHash) -> [UInt8] {
        switch kind {
        case .none: []
        case .sha1: Array(Insecure.SHA1.hash(data: data))
        case .sha256: Array(SHA256.hash(data: data))
        }
    }

    /// The load files of every LOAD step of a document whose component is a loaded CAP file.
    static func all(
        in document: SequenceDocument,
        components: [String: LoadedComponent]
    ) -> [Key: PreparedLoadFile] {
        var files: [Key: PreparedLoadFile] = [:]
        for step in document.steps {
            guard case .load(let load) = step.action, case .cap(let cap)? = components[load.component.value] else {
                continue
            }
            let key = Key(
                component: load.component.value,
                includesDescriptor: load.includesDescriptor,
                hash: load.hash.value
            )
            if files[key] == nil {
                files[key] = PreparedLoadFile(
                    cap: cap,
                    includesDescriptor: load.includesDescriptor,
                    hash: load.hash.value
                )
            }
        }
        return files
    }
}
