import SequencePlayer
import Synchronization

/// Shows a run's progress on standard error: a bar redrawn in place on a terminal, one plain
/// line per step otherwise, and the APDU trace when asked for.
final class ProgressDisplay: Sendable {
    private struct State {
        /// Whether the bar is on screen and must be cleared before other output.
        var barShown = false
    }

    private let state = Mutex(State())
    private let terminal: Bool
    private let trace: APDUTrace?

    /// Creates a display.
    ///
    /// - Parameters:
    ///   - terminal: Whether standard error is a terminal (redraw the bar in place).
    ///   - trace: The trace writer, when `--trace` was given.
    init(terminal: Bool, trace: APDUTrace?) {
        self.terminal = terminal
        self.trace = trace
    }

    /// Handles one player event.
    func handle(_ event: PlayerEvent) {
        state.withLock { state in
            switch event {
            case .exchange(let exchange):
                guard let trace else { return }
                clear(&state)
                Output.err(trace.lines(for: exchange).joined(separator: "\n") + "\n")
            case .started(let progress):
                if terminal {
                    draw(progress, &state)
                } else {
                    Output.err(
                        "playing \(progress.commandCount) commands in \(progress.stepCount) steps "
                            + "(\(progress.byteCount) bytes)\n"
                    )
                }
            case .stepStarted(let step, let progress):
                if terminal {
                    draw(progress, &state)
                } else {
                    Output.err(Self.stepLine(step, of: progress.stepCount, at: progress))
                }
            case .commandSent(_, let progress), .commandAnswered(_, _, _, let progress):
                if terminal { draw(progress, &state) }
            case .finished(let progress):
                if terminal {
                    draw(progress, &state)
                    Output.err("\n")
                    state.barShown = false
                }
            }
        }
    }

    /// Clears the bar, so a message starts on a clean line.
    func clearLine() {
        state.withLock { clear(&$0) }
    }

    private func clear(_ state: inout State) {
        guard state.barShown else { return }
        Output.err("\r\u{1B}[K")
        state.barShown = false
    }

    private func draw(_ progress: PlayerProgress, _ state: inout State) {
        Output.err("\r\u{1B}[K" + Self.bar(progress))
        state.barShown = true
    }

    /// `[##########----------] 12/29 commands · step 3/5 · LOAD 9/21 · 2.3/6.1 KB · 0.4 s`.
    static func bar(_ progress: PlayerProgress) -> String {
        let width = 20
        let filled = progress.commandCount == 0 ? width : progress.commandsCompleted * width / progress.commandCount
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        text += "\(progress.commandsCompleted)/\(progress.commandCount) commands"
        if let step = progress.step {
            text += " · step \(step.position)/\(progress.stepCount)"
            if let block = progress.loadBlock, step.loadBlockCount > 0 {
                text += " · LOAD \(block)/\(step.loadBlockCount)"
            }
        }
        text += " · \(kilobytes(progress.bytesSent))/\(kilobytes(progress.byteCount)) KB"
        return text + " · \(seconds(progress.elapsed)) s"
    }

    /// `step 3/5: step 3 (Sequences/brokerage.yaml:64:5) 'INSTALL [for load] …', 22 commands, 21 LOAD blocks`.
    static func stepLine(_ step: PlayerStep, of count: Int, at progress: PlayerProgress) -> String {
        var text = "step \(step.position)/\(count): \(step.title)"
        if let note = step.note { text += " '\(note)'" }
        text += ", \(step.commands.count) command" + (step.commands.count == 1 ? "" : "s")
        if step.loadBlockCount > 0 { text += ", \(step.loadBlockCount) LOAD blocks" }
        return text + " (at \(seconds(progress.elapsed)) s)\n"
    }

    /// One decimal: `6.1`.
    static func kilobytes(_ bytes: Int) -> String {
        let tenths = (bytes * 10 + 512) / 1024
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `1.25 s` from one second on, `12.3 ms` below.
    static func durationText(microseconds: Int64) -> String {
        guard microseconds < 1_000_000 else { return seconds(.microseconds(microseconds)) + " s" }
        let tenths = microseconds / 100
        return "\(tenths / 10).\(tenths % 10) ms"
    }

    /// Two decimals: `0.42`.
    static func seconds(_ duration: Duration) -> String {
        let (whole, attoseconds) = duration.components
        let hundredths = attoseconds / 10_000_000_000_000_000
        return "\(whole)." + (hundredths < 10 ? "0" : "") + "\(hundredths)"
    }
}
