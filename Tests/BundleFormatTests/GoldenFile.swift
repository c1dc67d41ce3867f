import Foundation

/// Golden-file comparison with the record switch `SEQ_RECORD_GOLDEN=1`, as the reference tests do.
///
/// A missing golden is written and the comparison still fails, so no output lands unread; a
/// mismatch reports the first differing line.
enum GoldenFile {
    static var isRecording: Bool {
        ProcessInfo.processInfo.environment["SEQ_RECORD_GOLDEN"] == "1"
    }

    /// Compares `actual` with the file; returns a failure message, or `nil` on a match.
    static func compare(_ actual: String, with golden: URL) -> String? {
        let existing = try? String(contentsOf: golden, encoding: .utf8)
        if isRecording || existing == nil {
            do {
                try FileManager.default.createDirectory(
                    at: golden.deletingLastPathComponent(),
                    withIntermediateDirectories: true
                )
                try actual.write(to: golden, atomically: true, encoding: .utf8)
            } catch {
                return "cannot write golden \(golden.path): \(error)"
            }
            return existing == nil ? "recorded new golden \(golden.lastPathComponent): review and commit it" : nil
        }
        guard let existing, existing != actual else {
            return nil
        }
        let expectedLines = existing.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line =
            zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(expectedLines.count, actualLines.count)
        let expectedText = line < expectedLines.count ? String(expectedLines[line]) : "(end of file)"
        let actualText = line < actualLines.count ? String(actualLines[line]) : "(end of file)"
        return """
            output differs from \(golden.lastPathComponent) at line \(line + 1) \
            (run with SEQ_RECORD_GOLDEN=1 to accept):
            - \(expectedText)
            + \(actualText)
            """
    }
}
