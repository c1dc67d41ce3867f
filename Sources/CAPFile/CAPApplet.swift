public import APDUTypes

/// An applet declared in a CAP file's Applet component.
public struct CAPApplet: Hashable, Sendable {
    /// The applet's AID, the default instance AID when installing it.
    public var aid: ApplicationIdentifier

    /// The offset of the applet's `install` method in the Method component's `info` bytes.
    public var installMethodOffset: UInt16

    /// Creates an applet entry.
    public init(aid: ApplicationIdentifier, installMethodOffset: UInt16) {
        self.aid = aid
        self.installMethodOffset = installMethodOffset
    }
}
