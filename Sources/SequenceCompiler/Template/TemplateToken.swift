/// One token of a template expression, with its place in the template string's text.
struct TemplateToken: Hashable, Sendable {
    /// What the token is.
    enum Kind: Hashable, Sendable {
        /// A decimal integer literal, as written (the parser converts it, so that a too-large one gets a range).
        case integer(String)
        /// A `0x` bytes literal.
        case bytes([UInt8])
        /// A quoted string literal, escapes resolved.
        case string(String)
        /// A name: a field, a component, a member or a function.
        case identifier(String)
        /// `(`, `)`, `[`, `]`, `:`, `,`, `.`, `+`, `-` and `||`.
        case leftParenthesis, rightParenthesis, leftBracket, rightBracket, colon, comma, dot, plus, minus, concatenate
        /// The closing `}}` of the segment.
        case end
    }

    /// What the token is.
    var kind: Kind
    /// The token's scalars in the whole template string's text.
    var offsets: Range<Int>

    /// The token as messages quote it.
    var spelling: String {
        switch kind {
        case .integer(let digits):
            return digits
        case .bytes(let bytes):
            return "0x"
                + bytes.map { byte in
                    let digits = String(byte, radix: 16, uppercase: true)
                    return digits.count == 1 ? "0" + digits : digits
                }.joined()
        case .string:
            return "string literal"
        case .identifier(let name):
            return name
        case .leftParenthesis:
            return "("
        case .rightParenthesis:
            return ")"
        case .leftBracket:
            return "["
        case .rightBracket:
            return "]"
        case .colon:
            return ":"
        case .comma:
            return ","
        case .dot:
            return "."
        case .plus:
            return "+"
        case .minus:
            return "-"
        case .concatenate:
            return "||"
        case .end:
            return "}}"
        }
    }

    /// The token as a message names it: `'+'`, `'serial'` or `a string literal`.
    var quoted: String {
        if case .string = kind {
            return "a string literal"
        }
        return "'\(spelling)'"
    }
}
