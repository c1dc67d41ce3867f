public import BundleFormat

/// One step of a bundle as the player runs it: consecutive commands from the same source step.
///
/// The commands a secure channel adds (INITIALIZE UPDATE, EXTERNAL AUTHENTICATE) have no source
/// step; consecutive ones form one step whose ``number`` is `nil`.
public struct PlayerStep: Hashable, Sendable {
    /// The step's 1-based position among the bundle's steps.
    public var position: Int
    /// The 1-based source step number; `nil` for the secure channel's own commands.
    public var number: Int?
    /// The `path:line:column` of the source step.
    public var origin: String?
    /// The note of the step's first command, such as `INSTALL [for load] F0435351014252`.
    public var note: String?
    /// The indices of the step's commands in the bundle.
    public var commands: Range<Int>
    /// How many of the step's commands are LOAD commands.
    public var loadBlockCount: Int

    /// Creates a step.
    public init(
        position: Int,
        number: Int?,
        origin: String?,
        note: String?,
        commands: Range<Int>,
        loadBlockCount: Int
    ) {
        self.position = position
        self.number = number
        self.origin = origin
        self.note = note
        self.commands = commands
        self.loadBlockCount = loadBlockCount
    }

    /// `step 3 (Sequences/brokerage.yaml:64:5)`, or `secure channel` for the channel's commands.
    public var title: String {
        guard let number else { return "secure channel" }
        guard let origin else { return "step \(number)" }
        return "step \(number) (\(origin))"
    }

    /// Splits a bundle's commands into steps, in order.
    ///
    /// - Parameter commands: The bundle's commands.
    /// - Returns: One step per run of consecutive commands with the same source step.
    public static func steps(of commands: [BundleCommand]) -> [PlayerStep] {
        var steps: [PlayerStep] = []
        var start = 0
        while start < commands.count {
            let number = commands[start].step
            var end = start + 1
            while end < commands.count, commands[end].step == number { end += 1 }
            let loads = commands[start..<end].count { isLoad($0.apdu) }
            steps.append(
                PlayerStep(
                    position: steps.count + 1,
                    number: number,
                    origin: commands[start].origin,
                    note: commands[start].note,
                    commands: start..<end,
                    loadBlockCount: loads
                )
            )
            start = end
        }
        return steps
    }

    /// Whether an APDU is a GlobalPlatform LOAD: a proprietary class and instruction `E8`.
    static func isLoad(_ apdu: [UInt8]) -> Bool {
        apdu.count >= 4 && apdu[0] & 0x80 != 0 && apdu[1] == 0xE8
    }
}
