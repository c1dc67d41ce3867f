public import APDUTypes

/// An applet declared in a CAP file's Applet component.
public struct CAPApplet: Hashable, Sendable {
    /// The applet's AID, the default instance AID when installing it.
    public var aid: ApplicationIdentifier

    /// The offset of the applet's `install` method in its Method component block.
    ///
    /// In a compact file the Method component is one block, so this is an offset into its `info`.
    public var installMethodOffset: UInt16

    /// The index of the Method component block that holds the `install` method.
    ///
    /// Always 0 in a compact file; an extended file's Applet component names the block
    /// (`install_method_component_block_index`, Java Card 3.1 JCVM, §6.6).
    public var installMethodBlockIndex: UInt8

    /// Creates an applet entry.
    ///
    /// - Parameters:
    ///   - aid: The applet AID.
    ///   - installMethodOffset: The offset of the `install` method in its Method component block.
    ///   - installMethodBlockIndex: The block holding the `install` method, 0 in compact files.
    public init(aid: ApplicationIdentifier, installMethodOffset: UInt16, installMethodBlockIndex: UInt8 = 0) {
        self.aid = aid
        self.installMethodOffset = installMethodOffset
        self.installMethodBlockIndex = installMethodBlockIndex
    }
}
