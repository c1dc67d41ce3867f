public import Foundation

/// Golden-file comparison with a record switch, shared by the reference and command-line tests.
///
/// `SEQ_RECORD_GOLDEN=1 swift test` rewrites every golden the tests compare against; a missing
/// golden is written and still fails, so that nobody commits an output unread.
public enum Golden {
    /// Whether the record switch is on.
    public static var isRecording: Bool {
        ProcessInfo.processInfo.environment["SEQ_RECORD_GOLDEN"] == "1"
    }

    /// Compares `actual` with the golden file; returns a failure message (with a diff), or `nil` on a match.
    ///
    /// In record mode the file is rewritten and the comparison passes, unless the file was missing.
    public static func compare(_ actual: String, with golden: URL) -> String? {
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
            if existing == nil {
                return "recorded new golden \(golden.lastPathComponent): review and commit it"
            }
            return nil
        }
        guard let existing, existing != actual else { return nil }
        return "output differs from \(golden.lastPathComponent) (run with SEQ_RECORD_GOLDEN=1 to accept):\n"
            + LineDiff.unified(expected: existing, actual: actual)
    }
}

/// A small unified line diff for golden-file failures.
public enum LineDiff {
    /// `-` lines are in the golden, `+` lines in the new output, with two lines of context.
    public static func unified(expected: String, actual: String, context: Int = 2) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Longest common subsequence table, bounded to keep failures cheap on large files.
        guard a.count * b.count <= 25_000_000 else {
            return "(files too large to diff: \(a.count) and \(b.count) lines)"
        }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        enum Line {
            case same(String)
            case removed(String)
            case added(String)
        }
        var lines: [Line] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append(.same(a[i]))
                i += 1
                j += 1
            } else if j < b.count, i == a.count || table[i][j + 1] >= table[i + 1][j] {
                lines.append(.added(b[j]))
                j += 1
            } else {
                lines.append(.removed(a[i]))
                i += 1
            }
        }
        var shown = Set<Int>()
        for (index, line) in lines.enumerated() {
            if case .same = line { continue }
            for k in max(0, index - context)...min(lines.count - 1, index + context) { shown.insert(k) }
        }
        var out = ""
        var previous = -1
        for index in shown.sorted() {
            if index != previous + 1 { out += "@@\n" }
            switch lines[index] {
            case .same(let text): out += " \(text)\n"
            case .removed(let text): out += "-\(text)\n"
            case .added(let text): out += "+\(text)\n"
            }
            previous = index
        }
        return out
    }
}
