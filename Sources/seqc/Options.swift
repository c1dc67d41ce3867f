public import ArgumentParser
public import SequenceCompiler

extension Output.Format: ExpressibleByArgument {}
extension CompileOptions.Channel: ExpressibleByArgument {}
extension CompileOptions.SecurityLevel: ExpressibleByArgument {}

/// The secure-channel options that shape block sizes, shared by `check` and `compile`.
struct SecurityOptions: ParsableArguments {
    @Option(
        name: .customLong("scp"),
        help:
            "The secure channel the commands will travel under: auto (scp03 for GlobalPlatform cards, sm for ISO 7816 cards), none, scp01, scp02, scp03, sm."
    )
    var secureChannel: CompileOptions.Channel = .automatic

    @Option(help: "The command protection: none, mac, mac+enc.")
    var securityLevel: CompileOptions.SecurityLevel = .mac

    @Option(help: "The C-MAC length: 8, or 16 for SCP03 S16.")
    var macLength: Int = 8

    func validate() throws {
        guard macLength == 8 || macLength == 16 else {
            throw ValidationError("--mac-length must be 8 or 16")
        }
        if macLength == 16 && secureChannel != .scp03 && secureChannel != .automatic {
            throw ValidationError("--mac-length 16 exists only for scp03")
        }
    }

    var options: CompileOptions {
        CompileOptions(secureChannel: secureChannel, securityLevel: securityLevel, macLength: macLength)
    }
}
