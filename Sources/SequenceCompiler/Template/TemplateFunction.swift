/// A function of the template language: its signature, for the checker, and its implementation.
///
/// The checker and the evaluator read the same ``parameters``, so a call that the checker accepts
/// always reaches ``implementation`` with arguments of the declared types.
struct TemplateFunction: Sendable {
    /// The types a parameter accepts.
    enum Accepts: Hashable, Sendable {
        /// Any one of these types.
        case types([TemplateType])
        /// The type of the first argument (for `concat`'s further values).
        case sameAsFirst
    }

    /// One parameter.
    struct Parameter: Hashable, Sendable {
        /// The name used in messages and documentation.
        var name: String
        /// The accepted types.
        var accepts: Accepts

        /// A parameter of one of `types`.
        init(_ name: String, _ types: TemplateType...) {
            self.name = name
            self.accepts = .types(types)
        }

        /// A parameter with any accepted-types rule.
        init(_ name: String, accepts: Accepts) {
            self.name = name
            self.accepts = accepts
        }
    }

    /// The type of a call's result.
    enum Result: Hashable, Sendable {
        /// Always this type.
        case type(TemplateType)
        /// The type of the first argument (`concat`, `slice`).
        case sameAsFirst
    }

    /// What a function's implementation is given.
    struct Call: Sendable {
        /// The function's name.
        var name: String
        /// The whole call.
        var range: SourceRange
        /// The argument values, of the declared types.
        var arguments: [TemplateValue]
        /// The range of each argument.
        var argumentRanges: [SourceRange]

        /// The range of argument `index`, or of the call when there is no such argument.
        func range(of index: Int) -> SourceRange {
            index < argumentRanges.count ? argumentRanges[index] : range
        }

        /// Whether argument `index` was given.
        func has(_ index: Int) -> Bool {
            index < arguments.count
        }

        /// Argument `index` as bytes (the checker guarantees the type; anything else reads as empty).
        func bytes(_ index: Int) -> [UInt8] {
            guard index < arguments.count, case .bytes(let value) = arguments[index] else {
                return []
            }
            return value
        }

        /// Argument `index` as an integer (the checker guarantees the type; anything else reads as 0).
        func integer(_ index: Int) -> Int {
            guard index < arguments.count, case .integer(let value) = arguments[index] else {
                return 0
            }
            return value
        }

        /// Argument `index` as a string (the checker guarantees the type; anything else reads as empty).
        func string(_ index: Int) -> String {
            guard index < arguments.count, case .string(let value) = arguments[index] else {
                return ""
            }
            return value
        }

        /// A `template.invalid-value` error about argument `index`.
        func invalid(_ index: Int, _ message: String) -> Diagnostic {
            .error(.templateValue, "\(message) in '\(name)'", at: range(of: index))
        }
    }

    /// The name the call is written with.
    var name: String
    /// The parameters every call must give.
    var required: [Parameter]
    /// The parameters a call may leave out, in order.
    var optional: [Parameter] = []
    /// The parameter that may be repeated any number of times after the others.
    var variadic: Parameter?
    /// The type of the result.
    var result: Result
    /// Computes the result from arguments of the declared types; reports `template.invalid-value`
    /// and returns `nil` when the values are impossible.
    var implementation: @Sendable (Call, inout DiagnosticBag) -> TemplateValue?

    /// The fewest arguments a call may have.
    var minimumCount: Int { required.count }

    /// The most arguments a call may have, or `nil` when there is no limit.
    var maximumCount: Int? { variadic == nil ? required.count + optional.count : nil }

    /// The parameter that argument `index` binds to, if any.
    func parameter(at index: Int) -> Parameter? {
        if index < required.count {
            return required[index]
        }
        if index < required.count + optional.count {
            return optional[index - required.count]
        }
        return variadic
    }

    /// The signature as the documentation writes it: `tlv(tag: bytes, value: bytes...) -> bytes`.
    var signature: String {
        func describe(_ parameter: Parameter) -> String {
            switch parameter.accepts {
            case .types(let types):
                return "\(parameter.name): \(types.map(\.description).joined(separator: " | "))"
            case .sameAsFirst:
                return "\(parameter.name): same as the first"
            }
        }
        var parts = required.map(describe)
        parts += optional.map { describe($0) + "?" }
        if let variadic {
            parts.append(describe(variadic) + "...")
        }
        let resultText: String
        switch result {
        case .type(let type):
            resultText = type.description
        case .sameAsFirst:
            resultText = "same as the first"
        }
        return "\(name)(\(parts.joined(separator: ", "))) -> \(resultText)"
    }
}
