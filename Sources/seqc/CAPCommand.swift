import APDUTypes
import ArgumentParser
import CAPFile
import Foundation

/// `seqc cap`: inspect Java Card CAP and IJC files, and generate test ones.
struct CAPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cap",
        abstract: "Inspect Java Card CAP files and generate test ones.",
        subcommands: [Inspect.self, Generate.self]
    )
}

extension CAPCommand {
    /// The output formats of `seqc cap inspect`.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    /// `seqc cap inspect FILE`: prints what a CAP or IJC file holds.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a CAP or IJC file's package, applets and components.",
            discussion: """
                Reads a .cap archive or an .ijc file and prints the package AID and version, the CAP \
                format version, the applets, each component with its size (tag and size bytes \
                included) and the load file size with and without the Descriptor component.

                Example: seqc cap inspect wallet.cap --format json
                """
        )

        @Argument(help: "The .cap or .ijc file to read.")
        var file: String

        @Option(help: "The output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            let cap = try CAPCommand.read(file)
            let report = Report(cap)
            switch format {
            case .text:
                print(report.text, terminator: "")
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            }
        }
    }

    /// `seqc cap generate`: writes a structurally valid test CAP or IJC file of a chosen size.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a structurally valid test CAP or IJC file of a chosen size.",
            discussion: """
                The file has filler bytecode that is not meant to run; its load file data (without \
                Descriptor) is exactly --size bytes long.

                Example: seqc cap generate --package-aid A000000151000000 --applet A00000015100000001 \
                --size 32768 --output wallet.cap
                """
        )

        @Option(help: ArgumentHelp("The package AID, 5 to 16 bytes of hex.", valueName: "hex"))
        var packageAID: String

        @Option(name: .customLong("applet"), help: ArgumentHelp("An applet AID in hex; repeatable.", valueName: "hex"))
        var applets: [String] = []

        @Option(
            name: .customLong("package-version"),
            help: ArgumentHelp("The package version, major.minor.", valueName: "version")
        )
        var packageVersion = "1.0"

        @Option(help: ArgumentHelp("The load file size in bytes, without Descriptor.", valueName: "bytes"))
        var size: Int?

        @Flag(help: "Add a Descriptor component.")
        var descriptor = false

        @Flag(help: "Write an .ijc file (components concatenated) instead of a .cap archive.")
        var ijc = false

        @Option(help: ArgumentHelp("The file to write.", valueName: "path"))
        var output: String

        func validate() throws {
            _ = try builder()
        }

        func run() throws {
            let builder = try builder()
            let bytes = ijc ? builder.ijc() : builder.capArchive()
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: output))
            } catch {
                CAPCommand.printError("\(output): error: cannot write file: \(error.localizedDescription)")
                throw ExitCode.failure
            }
            let size = builder.components().filter { $0.tag != .descriptor }.reduce(0) { $0 + $1.bytes.count }
            print("wrote \(output): \(bytes.count) bytes, load file data \(size) bytes")
        }

        /// The builder for the options, or a `ValidationError` naming the bad option.
        private func builder() throws -> CAPBuilder {
            guard let packageAID = ApplicationIdentifier(hex: packageAID) else {
                throw ValidationError("--package-aid '\(packageAID)' is not an AID (5 to 16 bytes of hex)")
            }
            var appletAIDs: [ApplicationIdentifier] = []
            for text in applets {
                guard let aid = ApplicationIdentifier(hex: text) else {
                    throw ValidationError("--applet '\(text)' is not an AID (5 to 16 bytes of hex)")
                }
                appletAIDs.append(aid)
            }
            guard appletAIDs.count <= CAPBuilder.maximumAppletCount else {
                throw ValidationError("at most \(CAPBuilder.maximumAppletCount) --applet options are allowed")
            }
            guard let version = CAPVersion(packageVersion) else {
                throw ValidationError("--package-version '\(packageVersion)' is not major.minor, e.g. 1.0")
            }
            let builder = CAPBuilder(
                packageAID: packageAID,
                packageVersion: version,
                appletAIDs: appletAIDs,
                loadFileSize: size,
                includesDescriptor: descriptor
            )
            let range = builder.loadFileSizeRange
            if let size, !range.contains(size) {
                throw ValidationError(
                    "--size must be \(range.lowerBound) to \(range.upperBound) bytes for this package "
                        + "(a compact CAP file's Method component holds at most 65535 bytes)"
                )
            }
            return builder
        }
    }

    /// Reads and parses a CAP or IJC file, printing `PATH: error: ...` and failing when it cannot.
    static func read(_ path: String) throws -> CAPFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("\(path): error: cannot read file")
            throw ExitCode.failure
        }
        do {
            return try CAPFile(bytes: [UInt8](data))
        } catch {
            printError("\(path): error: \(error.description)")
            throw ExitCode.failure
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// What `inspect` prints, as text or JSON.
    struct Report: Encodable {
        struct Applet: Encodable {
            var aid: String
            var installMethodOffset: UInt16
        }

        struct Component: Encodable {
            var name: String
            var tag: UInt8
            var size: Int
        }

        var packageAID: String
        var packageVersion: String
        var capFormatVersion: String
        var packageName: String?
        var applets: [Applet]
        var components: [Component]
        var loadFileSize: Int
        var loadFileSizeWithDescriptor: Int

        init(_ cap: CAPFile) {
            packageAID = cap.packageAID.description
            packageVersion = cap.packageVersion.description
            capFormatVersion = cap.capFormatVersion.description
            packageName = cap.packageName
            applets = cap.applets.map { Applet(aid: $0.aid.description, installMethodOffset: $0.installMethodOffset) }
            components = cap.components.map { Component(name: $0.tag.name, tag: $0.tag.rawValue, size: $0.bytes.count) }
            loadFileSize = cap.codeSize
            loadFileSizeWithDescriptor = cap.loadFileSizeWithDescriptor
        }

        var text: String {
            var lines = [
                "package AID:      \(packageAID)",
                "package version:  \(packageVersion)",
                "CAP format:       \(capFormatVersion)",
            ]
            if let packageName {
                lines.append("package name:     \(packageName)")
            }
            lines.append(applets.isEmpty ? "applets:          none (library package)" : "applets:")
            for applet in applets {
                lines.append("  \(applet.aid)  install method at offset \(applet.installMethodOffset)")
            }
            lines.append("components:       (bytes, tag and size included)")
            for component in components {
                let name = component.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                lines.append("  \(name) \(component.size)")
            }
            lines.append("load file size:   \(loadFileSize) bytes, \(loadFileSizeWithDescriptor) with Descriptor")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
