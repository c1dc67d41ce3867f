import APDUTypes
import CAPFile
import Foundation
import Testing

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

    /// `Fixtures/wallet-deflated.cap`: deflated entries with data descriptors, a manifest, a folder entry
    /// and a Debug component (see `Fixtures/make_deflated_fixture.py`).
    static func deflatedFixture() throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/wallet-deflated.cap")
        return [UInt8](try Data(contentsOf: url))
    }

    /// Splits a well-formed IJC file into `(tag, info)` pairs.
    static func split(_ ijc: [UInt8]) -> [(tag: UInt8, info: [UInt8])] {
        var parts: [(tag: UInt8, info: [UInt8])] = []
        var offset = 0
        while offset + 3 <= ijc.count {
            let size = Int(ijc[offset + 1]) << 8 | Int(ijc[offset + 2])
            let end = min(ijc.count, offset + 3 + size)
            parts.append((ijc[offset], Array(ijc[(offset + 3)..<end])))
            offset = end
        }
        return parts
    }

    /// Joins `(tag, info)` pairs into an IJC file, writing each size from the info length.
    static func join(_ parts: [(tag: UInt8, info: [UInt8])]) -> [UInt8] {
        parts.flatMap { [$0.tag, UInt8(($0.info.count >> 8) & 0xFF), UInt8($0.info.count & 0xFF)] + $0.info }
    }

    /// Rebuilds an IJC file after changing the info of the component with `tag`.
    static func editing(_ ijc: [UInt8], tag: UInt8, _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var parts = split(ijc)
        for index in parts.indices where parts[index].tag == tag {
            edit(&parts[index].info)
        }
        return join(parts)
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
