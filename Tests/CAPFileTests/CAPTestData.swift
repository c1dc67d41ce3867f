import APDUTypes
import Foundation
import Testing

@testable import CAPFile

/// Sample AIDs, builders, the checked-in fixture and helpers to take IJC files apart and rebuild them.
enum CAPTestData {
    static let packageAIDHex = "A000000151000000"
    static let appletAIDHexes = ["A00000015100000001", "A00000015100000002"]

    static func aid(_ hex: String) throws -> ApplicationIdentifier {
        try #require(ApplicationIdentifier(hex: hex))
    }

    /// A two-applet package, version 1.2, named `com/example/wallet`.
    static func walletBuilder(loadFileSize: Int? = nil, includesDescriptor: Bool = true) throws -> CAPBuilder {
        CAPBuilder(
            packageAID: try aid(packageAIDHex),
            packageVersion: CAPVersion(major: 1, minor: 2),
            appletAIDs: try appletAIDHexes.map(aid),
            packageName: "com/example/wallet",
            loadFileSize: loadFileSize,
            includesDescriptor: includesDescriptor
        )
    }

    /// The same two-applet package in the extended format of Java Card 3.1, optionally with Method
    /// blocks smaller than 65,535 bytes so that small files have several.
    static func extendedWalletBuilder(
        loadFileSize: Int? = nil,
        includesDescriptor: Bool = true,
        blockCapacity: Int? = nil
    ) throws -> CAPBuilder {
        var builder = try walletBuilder(loadFileSize: loadFileSize, includesDescriptor: includesDescriptor)
        builder.formatVersion = .extended
        if let blockCapacity {
            builder.methodBlockCapacity = blockCapacity
        }
        return builder
    }

    /// `Fixtures/wallet-deflated.cap`: deflated entries with data descriptors, a manifest, a folder entry
    /// and a Debug component (see `Fixtures/make_deflated_fixture.py`).
    static func deflatedFixture() throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/wallet-deflated.cap")
        return [UInt8](try Data(contentsOf: url))
    }

    /// The tags whose size is a `u4` in an extended file: Method, RefLocation, Descriptor and Debug.
    static let extendedSizeTags: Set<UInt8> = [7, 9, 11, 12]

    /// Splits a well-formed IJC file into `(tag, info)` pairs; `extended` reads four-byte sizes for
    /// ``extendedSizeTags``.
    static func split(_ ijc: [UInt8], extended: Bool = false) -> [(tag: UInt8, info: [UInt8])] {
        var parts: [(tag: UInt8, info: [UInt8])] = []
        var offset = 0
        while offset < ijc.count {
            let width = extended && extendedSizeTags.contains(ijc[offset]) ? 4 : 2
            guard offset + 1 + width <= ijc.count else {
                break
            }
            let size = ijc[(offset + 1)..<(offset + 1 + width)].reduce(0) { $0 << 8 | Int($1) }
            let end = min(ijc.count, offset + 1 + width + size)
            parts.append((ijc[offset], Array(ijc[(offset + 1 + width)..<end])))
            offset = end
        }
        return parts
    }

    /// Joins `(tag, info)` pairs into an IJC file, writing each size from the info length.
    static func join(_ parts: [(tag: UInt8, info: [UInt8])], extended: Bool = false) -> [UInt8] {
        parts.flatMap { part -> [UInt8] in
            let width = extended && extendedSizeTags.contains(part.tag) ? 4 : 2
            let size = (0..<width).reversed().map { UInt8((part.info.count >> (8 * $0)) & 0xFF) }
            return [part.tag] + size + part.info
        }
    }

    /// Rebuilds an IJC file after changing the info of the component with `tag`.
    static func editing(
        _ ijc: [UInt8],
        tag: UInt8,
        extended: Bool = false,
        _ edit: (inout [UInt8]) -> Void
    ) -> [UInt8] {
        var parts = split(ijc, extended: extended)
        for index in parts.indices where parts[index].tag == tag {
            edit(&parts[index].info)
        }
        return join(parts, extended: extended)
    }

    /// Replaces every occurrence of `old` with `new` (same length), to rename archive entries.
    static func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
        let old = Array(old.utf8)
        let new = Array(new.utf8)
        var bytes = bytes
        var index = 0
        while index + old.count <= bytes.count {
            if bytes[index..<(index + old.count)].elementsEqual(old) {
                bytes.replaceSubrange(index..<(index + old.count), with: new)
                index += new.count
            } else {
                index += 1
            }
        }
        return bytes
    }
}
