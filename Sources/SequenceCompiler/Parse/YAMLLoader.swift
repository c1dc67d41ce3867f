import Yams

/// Turns YAML text into a node tree, converting Yams errors into diagnostics with positions.
enum YAMLLoader {
    /// Composes one YAML document, or reports `parse.yaml-syntax` / `parse.duplicate-key` and returns `nil`.
    static func compose(_ source: SourceFile, diagnostics: inout DiagnosticBag) -> YAMLNode? {
        do {
            guard let node = try Yams.compose(yaml: source.text) else {
                diagnostics.append(
                    .error(
                        .wrongType,
                        "the file is empty; expected a mapping",
                        at: SourceRange(start: SourceLocation(path: source.path, line: 1, column: 1), length: 1)
                    )
                )
                return nil
            }
            return YAMLNode(node: node, path: source.path)
        } catch let error as YamlError {
            diagnostics.append(diagnostic(for: error, in: source))
            return nil
        } catch {
            diagnostics.append(
                .error(
                    .yamlSyntax,
                    "cannot read YAML: \(error)",
                    at: SourceRange(start: SourceLocation(path: source.path, line: 1, column: 1), length: 1)
                )
            )
            return nil
        }
    }

    private static func diagnostic(for error: YamlError, in source: SourceFile) -> Diagnostic {
        func at(_ mark: Mark) -> SourceRange {
            SourceRange(
                start: SourceLocation(path: source.path, line: max(mark.line, 1), column: max(mark.column, 1)),
                length: 1
            )
        }
        let start = SourceRange(start: SourceLocation(path: source.path, line: 1, column: 1), length: 1)
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let notes = context.map { [Diagnostic.Note($0.text, at: at($0.mark))] } ?? []
            return .error(.yamlSyntax, "invalid YAML: \(problem)", at: at(mark), notes: notes)
        case .reader(let problem, _, _, _):
            return .error(.yamlSyntax, "invalid YAML: \(problem)", at: start)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return .error(.duplicateKey, "duplicate key \(names) in one mapping", at: at(context.mark))
        default:
            return .error(.yamlSyntax, "invalid YAML: \(error)", at: start)
        }
    }
}
