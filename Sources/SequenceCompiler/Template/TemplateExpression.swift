/// A parsed template expression: the inside of one `{{ … }}` segment.
///
/// Every node keeps the source range of its text, so that each diagnostic points at the exact
/// sub-expression. Nesting is limited to ``TemplateParser/maximumDepth`` levels, so the recursive
/// passes over the tree cannot exhaust the stack.
struct TemplateExpression: Hashable, Sendable {
    /// An operator of a sum.
    enum ArithmeticOperator: Hashable, Sendable {
        /// `+`.
        case add
        /// `-`.
        case subtract
    }

    /// One `+ operand` or `- operand` after the first operand of a sum.
    struct Term: Hashable, Sendable {
        /// `+` or `-`.
        var operation: ArithmeticOperator
        /// The operand on the right of the operator.
        var operand: TemplateExpression
    }

    /// What the expression is.
    indirect enum Kind: Hashable, Sendable {
        /// An integer literal such as `42`.
        case integer(Int)
        /// A bytes literal such as `0x9F7F`.
        case bytes([UInt8])
        /// A string literal such as `'AB'`.
        case string(String)
        /// A reference to a name in the scope, such as `serial`.
        case name(String)
        /// `base.name`; `nameRange` is the range of the member's name.
        case member(TemplateExpression, name: String, nameRange: SourceRange)
        /// `base[index]`.
        case index(TemplateExpression, TemplateExpression)
        /// `base[start:end]`, either bound optional.
        case slice(TemplateExpression, start: TemplateExpression?, end: TemplateExpression?)
        /// `-operand`.
        case negate(TemplateExpression)
        /// `first + a - b …`, kept flat so that long sums do not nest.
        case sum(TemplateExpression, [Term])
        /// `a || b || …`, kept flat so that long concatenations do not nest.
        case concatenation([TemplateExpression])
        /// `name(arguments…)`; `nameRange` is the range of the function's name.
        case call(String, nameRange: SourceRange, arguments: [TemplateExpression])
        /// Text that did not parse; a diagnostic has already been reported, and every later pass
        /// treats the node as having any type and no value, so that it causes no further diagnostics.
        case error
    }

    /// What the expression is.
    var kind: Kind
    /// The expression's text, parentheses included.
    var range: SourceRange

    /// The names from the scope the expression refers to, in source order.
    var references: [(name: String, range: SourceRange)] {
        var found: [(name: String, range: SourceRange)] = []
        collectReferences(into: &found)
        return found
    }

    private func collectReferences(into found: inout [(name: String, range: SourceRange)]) {
        switch kind {
        case .integer, .bytes, .string, .error:
            break
        case .name(let name):
            found.append((name, range))
        case .member(let base, _, _), .negate(let base):
            base.collectReferences(into: &found)
        case .index(let base, let index):
            base.collectReferences(into: &found)
            index.collectReferences(into: &found)
        case .slice(let base, let start, let end):
            base.collectReferences(into: &found)
            start?.collectReferences(into: &found)
            end?.collectReferences(into: &found)
        case .sum(let first, let terms):
            first.collectReferences(into: &found)
            for term in terms {
                term.operand.collectReferences(into: &found)
            }
        case .concatenation(let operands):
            for operand in operands {
                operand.collectReferences(into: &found)
            }
        case .call(_, _, let arguments):
            for argument in arguments {
                argument.collectReferences(into: &found)
            }
        }
    }
}
