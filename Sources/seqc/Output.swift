import Foundation
import SequenceCompiler

/// Writing to standard output and standard error, and the canonical JSON encoding.
enum Output {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Sorted keys, pretty-printed, no escaped slashes: the same value always gives the same bytes.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// The output formats of the diagnostic-printing commands.
    enum Format: String, CaseIterable {
        case text
        case json
    }

    struct DiagnosticsReport: Encodable {
        var diagnostics: [DiagnosticRecord]
        var errors: Int
        var warnings: Int
    }

    /// Prints diagnostics as text on standard error, or as JSON on standard output.
    static func report(_ diagnostics: [Diagnostic], sources: [SourceFile], format: Format) throws {
        var bag = DiagnosticBag()
        bag.append(contentsOf: diagnostics)
        let sorted = bag.sorted
        switch format {
        case .text:
            err(DiagnosticRenderer(sources: sources).render(sorted))
        case .json:
            out(
                try json(
                    DiagnosticsReport(
                        diagnostics: sorted.map(DiagnosticRecord.init),
                        errors: sorted.count { $0.severity == .error },
                        warnings: sorted.count { $0.severity == .warning }
                    )
                )
            )
        }
    }
}
