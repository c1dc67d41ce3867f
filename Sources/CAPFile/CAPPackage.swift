public import APDUTypes

/// A Java package a CAP file holds, as its Header component lists it.
///
/// A compact CAP file holds exactly one package; an extended one (Java Card 3.1) lists one or more,
/// public ones first (Java Card 3.1 JCVM, §6.4, `header_component_extended`).
public struct CAPPackage: Hashable, Sendable {
    /// The package AID.
    public var aid: ApplicationIdentifier

    /// The package version.
    public var version: CAPVersion

    /// The package name in internal form (`com/example/wallet`), when the Header gives one.
    public var name: String?

    /// Creates a package entry.
    public init(aid: ApplicationIdentifier, version: CAPVersion, name: String? = nil) {
        self.aid = aid
        self.version = version
        self.name = name
    }
}
