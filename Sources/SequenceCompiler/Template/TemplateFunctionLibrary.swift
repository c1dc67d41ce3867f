import APDUTypes

/// Every function of the template language, by name.
///
/// `Docs/Template-Expressions.md` documents each one with examples, and a test evaluates those
/// examples, so this table and the documentation stay in step.
enum TemplateFunctionLibrary {
    /// The longest bytes value or string (in UTF-8 bytes) any operation may produce: the longest value
    /// a BER-TLV length of three bytes can describe, far more than any card takes.
    static let maximumLength = 0xFF_FFFF

    /// The functions, by name.
    static let functions: [String: TemplateFunction] = {
        var table: [String: TemplateFunction] = [:]
        for function in all {
            table[function.name] = function
        }
        return table
    }()

    /// The functions, in the order the documentation lists them.
    static let all: [TemplateFunction] = [
        TemplateFunction(
            name: "tlv",
            required: [.init("tag", .bytes)],
            variadic: .init("value", .bytes),
            result: .type(.bytes),
            implementation: tlv
        ),
        TemplateFunction(
            name: "dgi",
            required: [.init("tag", .bytes)],
            variadic: .init("value", .bytes),
            result: .type(.bytes),
            implementation: dgi
        ),
        TemplateFunction(
            name: "len",
            required: [.init("value", .bytes, .string)],
            result: .type(.integer),
            implementation: length
        ),
        TemplateFunction(
            name: "concat",
            required: [.init("value", .bytes, .string)],
            variadic: .init("value", accepts: .sameAsFirst),
            result: .sameAsFirst,
            implementation: concat
        ),
        TemplateFunction(
            name: "pad",
            required: [.init("value", .bytes), .init("length", .integer)],
            optional: [.init("fill", .bytes)],
            result: .type(.bytes),
            implementation: { call, diagnostics in pad(call, left: false, diagnostics: &diagnostics) }
        ),
        TemplateFunction(
            name: "lpad",
            required: [.init("value", .bytes), .init("length", .integer)],
            optional: [.init("fill", .bytes)],
            result: .type(.bytes),
            implementation: { call, diagnostics in pad(call, left: true, diagnostics: &diagnostics) }
        ),
        TemplateFunction(
            name: "pad80",
            required: [.init("value", .bytes), .init("block", .integer)],
            result: .type(.bytes),
            implementation: pad80
        ),
        TemplateFunction(
            name: "slice",
            required: [.init("value", .bytes, .string), .init("start", .integer)],
            optional: [.init("length", .integer)],
            result: .sameAsFirst,
            implementation: slice
        ),
        TemplateFunction(
            name: "bytes",
            required: [.init("value", .integer), .init("length", .integer)],
            result: .type(.bytes),
            implementation: { call, diagnostics in
                bigEndian(call, length: call.integer(1), lengthArgument: 1, diagnostics: &diagnostics)
            }
        ),
        TemplateFunction(
            name: "u8",
            required: [.init("value", .integer)],
            result: .type(.bytes),
            implementation: { call, diagnostics in bigEndian(call, length: 1, diagnostics: &diagnostics) }
        ),
        TemplateFunction(
            name: "u16",
            required: [.init("value", .integer)],
            result: .type(.bytes),
            implementation: { call, diagnostics in bigEndian(call, length: 2, diagnostics: &diagnostics) }
        ),
        TemplateFunction(
            name: "u32",
            required: [.init("value", .integer)],
            result: .type(.bytes),
            implementation: { call, diagnostics in bigEndian(call, length: 4, diagnostics: &diagnostics) }
        ),
        TemplateFunction(
            name: "int",
            required: [.init("value", .bytes)],
            result: .type(.integer),
            implementation: integer
        ),
        TemplateFunction(
            name: "bcd",
            required: [.init("value", .integer, .string)],
            optional: [.init("length", .integer)],
            result: .type(.bytes),
            implementation: bcd
        ),
        TemplateFunction(
            name: "bcdf",
            required: [.init("value", .string), .init("length", .integer)],
            result: .type(.bytes),
            implementation: bcdf
        ),
        TemplateFunction(
            name: "ascii",
            required: [.init("text", .string)],
            result: .type(.bytes),
            implementation: ascii
        ),
        TemplateFunction(
            name: "utf8",
            required: [.init("text", .string)],
            result: .type(.bytes),
            implementation: { call, _ in .bytes(Array(call.string(0).utf8)) }
        ),
        TemplateFunction(
            name: "hex",
            required: [.init("text", .string)],
            result: .type(.bytes),
            implementation: hex
        ),
        TemplateFunction(
            name: "str",
            required: [.init("value", .integer)],
            result: .type(.string),
            implementation: { call, _ in .string(String(call.integer(0))) }
        ),
        TemplateFunction(
            name: "upper",
            required: [.init("text", .string)],
            result: .type(.string),
            implementation: { call, diagnostics in
                limited(.string(call.string(0).uppercased()), at: call.range, diagnostics: &diagnostics)
            }
        ),
        TemplateFunction(
            name: "lower",
            required: [.init("text", .string)],
            result: .type(.string),
            implementation: { call, diagnostics in
                limited(.string(call.string(0).lowercased()), at: call.range, diagnostics: &diagnostics)
            }
        ),
        TemplateFunction(
            name: "aid",
            required: [.init("value", .bytes)],
            result: .type(.bytes),
            implementation: aid
        ),
        TemplateFunction(
            name: "berlen",
            required: [.init("length", .integer)],
            result: .type(.bytes),
            implementation: berlen
        ),
        TemplateFunction(
            name: "xor",
            required: [.init("left", .bytes), .init("right", .bytes)],
            result: .type(.bytes),
            implementation: xor
        ),
    ]

    // MARK: - Helpers

    /// Returns `value`, or reports it and returns `nil` when it is longer than ``maximumLength``.
    static func limited(
        _ value: TemplateValue,
        at range: SourceRange,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let length: Int
        switch value {
        case .bytes(let bytes):
            length = bytes.count
        case .string(let text):
            length = text.utf8.count
        default:
            return value
        }
        guard length <= maximumLength else {
            diagnostics.append(tooLong(length, at: range))
            return nil
        }
        return value
    }

    /// The bytes arguments from `index` on, concatenated, or `nil` (reported) when too long.
    private static func joinedBytes(
        _ call: TemplateFunction.Call,
        from index: Int,
        diagnostics: inout DiagnosticBag
    ) -> [UInt8]? {
        var total = 0
        for argument in index..<max(index, call.arguments.count) {
            total += call.bytes(argument).count
            guard total <= maximumLength else {
                diagnostics.append(tooLong(total, at: call.range))
                return nil
            }
        }
        var value: [UInt8] = []
        value.reserveCapacity(total)
        for argument in index..<max(index, call.arguments.count) {
            value += call.bytes(argument)
        }
        return value
    }

    /// Checks a requested length: from `minimum` to ``maximumLength``.
    private static func checkLength(
        _ call: TemplateFunction.Call,
        _ index: Int,
        minimum: Int,
        diagnostics: inout DiagnosticBag
    ) -> Int? {
        let length = call.integer(index)
        guard length >= minimum, length <= maximumLength else {
            diagnostics.append(
                call.invalid(index, "length \(length) is outside \(minimum)...\(maximumLength)")
            )
            return nil
        }
        return length
    }

    // MARK: - Implementations

    private static func tlv(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let tag = call.bytes(0)
        guard BERTLV.isValidTag(tag) else {
            diagnostics.append(call.invalid(0, "\(describe(tag)) is not one BER-TLV tag"))
            return nil
        }
        guard let value = joinedBytes(call, from: 1, diagnostics: &diagnostics) else {
            return nil
        }
        let encoded = tag + BERTLV.encodeLength(value.count) + value
        return limited(.bytes(encoded), at: call.range, diagnostics: &diagnostics)
    }

    private static func dgi(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let tag = call.bytes(0)
        guard tag.count == 2 else {
            diagnostics.append(call.invalid(0, "a DGI tag is 2 bytes, found \(describe(tag))"))
            return nil
        }
        guard let value = joinedBytes(call, from: 1, diagnostics: &diagnostics) else {
            return nil
        }
        guard value.count <= 0xFFFF else {
            diagnostics.append(
                .error(.templateValue, "DGI data of \(value.count) bytes is longer than 65535 bytes", at: call.range)
            )
            return nil
        }
        let length: [UInt8] =
            value.count < 0xFF ? [UInt8(value.count)] : [0xFF, UInt8(value.count >> 8), UInt8(value.count & 0xFF)]
        return .bytes(tag + length + value)
    }

    private static func length(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        if case .string(let text) = call.arguments.first {
            return .integer(text.utf8.count)
        }
        return .integer(call.bytes(0).count)
    }

    private static func concat(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        if case .string = call.arguments.first {
            var total = 0
            for index in call.arguments.indices {
                total += call.string(index).utf8.count
                guard total <= maximumLength else {
                    diagnostics.append(tooLong(total, at: call.range))
                    return nil
                }
            }
            return .string(call.arguments.indices.map { call.string($0) }.joined())
        }
        return joinedBytes(call, from: 0, diagnostics: &diagnostics).map(TemplateValue.bytes)
    }

    private static func pad(
        _ call: TemplateFunction.Call,
        left: Bool,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let value = call.bytes(0)
        var fill: UInt8 = 0x00
        if call.has(2) {
            let fillBytes = call.bytes(2)
            guard fillBytes.count == 1 else {
                diagnostics.append(call.invalid(2, "the fill is one byte, found \(describe(fillBytes))"))
                return nil
            }
            fill = fillBytes[0]
        }
        guard let length = checkLength(call, 1, minimum: 0, diagnostics: &diagnostics) else {
            return nil
        }
        guard value.count <= length else {
            diagnostics.append(call.invalid(0, "the value is \(value.count) bytes, longer than \(length)"))
            return nil
        }
        let padding = [UInt8](repeating: fill, count: length - value.count)
        return .bytes(left ? padding + value : value + padding)
    }

    private static func pad80(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let value = call.bytes(0)
        let block = call.integer(1)
        guard block >= 1, block <= 0xFF else {
            diagnostics.append(call.invalid(1, "block size \(block) is outside 1...255"))
            return nil
        }
        let padded = (value.count + 1 + block - 1) / block * block
        guard padded <= maximumLength else {
            diagnostics.append(tooLong(padded, at: call.range))
            return nil
        }
        return .bytes(value + [0x80] + [UInt8](repeating: 0x00, count: padded - value.count - 1))
    }

    private static func slice(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let start = call.integer(1)
        let lengthArgument = call.has(2) ? call.integer(2) : nil
        if case .string(let text) = call.arguments.first {
            let utf8 = Array(text.utf8)
            guard let bounds = sliceBounds(call, count: utf8.count, start: start, length: lengthArgument) else {
                diagnostics.append(
                    call.invalid(
                        1,
                        outOfRange(start: start, length: lengthArgument, count: utf8.count, unit: "bytes of UTF-8")
                    )
                )
                return nil
            }
            return TemplateEvaluator.substring(utf8, bounds, at: call.range, diagnostics: &diagnostics)
        }
        let bytes = call.bytes(0)
        guard let bounds = sliceBounds(call, count: bytes.count, start: start, length: lengthArgument) else {
            diagnostics.append(
                call.invalid(1, outOfRange(start: start, length: lengthArgument, count: bytes.count, unit: "bytes"))
            )
            return nil
        }
        return .bytes(Array(bytes[bounds]))
    }

    /// The range `start` (negative counts from the end) and `length` (default: to the end) select, if valid.
    private static func sliceBounds(_ call: TemplateFunction.Call, count: Int, start: Int, length: Int?) -> Range<Int>?
    {
        let from = start < 0 ? count + start : start
        guard from >= 0, from <= count else {
            return nil
        }
        let length = length ?? (count - from)
        guard length >= 0, length <= count - from else {
            return nil
        }
        return from..<(from + length)
    }

    private static func outOfRange(start: Int, length: Int?, count: Int, unit: String) -> String {
        guard let length else {
            return "start \(start) is out of range for a value of \(count) \(unit)"
        }
        return "start \(start) and length \(length) are out of range for a value of \(count) \(unit)"
    }

    private static func bigEndian(
        _ call: TemplateFunction.Call,
        length: Int,
        lengthArgument: Int? = nil,
        diagnostics: inout DiagnosticBag
    ) -> TemplateValue? {
        let value = call.integer(0)
        if let lengthArgument {
            guard checkLength(call, lengthArgument, minimum: 0, diagnostics: &diagnostics) != nil else {
                return nil
            }
        }
        let fits = value >= 0 && (length >= 8 || value >> (8 * length) == 0)
        guard fits else {
            let unit = length == 1 ? "byte" : "bytes"
            let largest = length >= 8 ? String(Int.max) : String((1 << (8 * length)) - 1)
            diagnostics.append(call.invalid(0, "\(value) does not fit in \(length) \(unit) (0...\(largest))"))
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: length)
        var remaining = value
        var index = length - 1
        while remaining > 0 && index >= 0 {
            bytes[index] = UInt8(remaining & 0xFF)
            remaining >>= 8
            index -= 1
        }
        return .bytes(bytes)
    }

    private static func integer(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let bytes = call.bytes(0)
        guard bytes.count <= 7 else {
            diagnostics.append(call.invalid(0, "\(bytes.count) bytes are too many for an integer (at most 7)"))
            return nil
        }
        return .integer(bytes.reduce(0) { $0 << 8 | Int($1) })
    }

    /// The decimal digits of an integer or digit-string argument, or `nil` (reported).
    private static func digits(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> [UInt8]? {
        let text: String
        switch call.arguments.first {
        case .integer(let value):
            guard value >= 0 else {
                diagnostics.append(call.invalid(0, "\(value) is negative; BCD encodes numbers from 0"))
                return nil
            }
            text = String(value)
        default:
            text = call.string(0)
        }
        var digits: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard ("0"..."9").contains(scalar) else {
                diagnostics.append(call.invalid(0, "'\(scalar)' is not a decimal digit"))
                return nil
            }
            digits.append(UInt8(scalar.value - 0x30))
        }
        return digits
    }

    /// Packs an even number of nibbles into bytes.
    private static func pack(_ nibbles: [UInt8]) -> [UInt8] {
        stride(from: 0, to: nibbles.count - 1, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    private static func bcd(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        guard let digits = digits(call, diagnostics: &diagnostics) else {
            return nil
        }
        var length = (digits.count + 1) / 2
        if call.has(1) {
            guard let requested = checkLength(call, 1, minimum: 1, diagnostics: &diagnostics) else {
                return nil
            }
            guard digits.count <= 2 * requested else {
                diagnostics.append(
                    call.invalid(0, "\(digits.count) digits do not fit in \(requested) bytes of BCD")
                )
                return nil
            }
            length = requested
        }
        guard digits.count <= maximumLength else {
            diagnostics.append(tooLong(digits.count, at: call.range))
            return nil
        }
        return .bytes(pack([UInt8](repeating: 0, count: 2 * length - digits.count) + digits))
    }

    private static func bcdf(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        guard let digits = digits(call, diagnostics: &diagnostics) else {
            return nil
        }
        guard let length = checkLength(call, 1, minimum: 1, diagnostics: &diagnostics) else {
            return nil
        }
        guard digits.count <= 2 * length else {
            diagnostics.append(call.invalid(0, "\(digits.count) digits do not fit in \(length) bytes of BCD"))
            return nil
        }
        return .bytes(pack(digits + [UInt8](repeating: 0xF, count: 2 * length - digits.count)))
    }

    private static func ascii(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let text = call.string(0)
        if let bad = text.unicodeScalars.first(where: { !$0.isASCII }) {
            diagnostics.append(call.invalid(0, "'\(bad)' (U+\(hexScalar(bad))) is not an ASCII character"))
            return nil
        }
        return .bytes(Array(text.utf8))
    }

    private static func hexScalar(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func hex(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        switch Hex.parse(call.string(0)) {
        case .success(let bytes):
            return .bytes(bytes)
        case .failure(.invalidCharacter(let character, let offset)):
            diagnostics.append(call.invalid(0, "'\(character)' at offset \(offset) is not a hex digit"))
            return nil
        case .failure(.oddLength(let digits)):
            diagnostics.append(call.invalid(0, "the text has an odd number of hex digits (\(digits))"))
            return nil
        }
    }

    private static func aid(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let bytes = call.bytes(0)
        guard let aid = ApplicationIdentifier(bytes) else {
            let limits = "\(ApplicationIdentifier.minimumLength) to \(ApplicationIdentifier.maximumLength)"
            diagnostics.append(call.invalid(0, "an AID is \(limits) bytes long, found \(bytes.count)"))
            return nil
        }
        return .bytes(aid.bytes)
    }

    private static func berlen(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let length = call.integer(0)
        guard length >= 0, length <= maximumLength else {
            diagnostics.append(call.invalid(0, "length \(length) is outside 0...\(maximumLength)"))
            return nil
        }
        return .bytes(BERTLV.encodeLength(length))
    }

    private static func xor(_ call: TemplateFunction.Call, diagnostics: inout DiagnosticBag) -> TemplateValue? {
        let left = call.bytes(0)
        let right = call.bytes(1)
        guard left.count == right.count else {
            diagnostics.append(
                call.invalid(1, "the operands are \(left.count) and \(right.count) bytes long; they must be equal")
            )
            return nil
        }
        return .bytes(zip(left, right).map { $0 ^ $1 })
    }

    /// Bytes as messages show them: `'9F7F' (2 bytes)`.
    static func describe(_ bytes: [UInt8]) -> String {
        let shown = bytes.count > 16 ? Hex.string(bytes.prefix(16)) + "…" : Hex.string(bytes)
        let unit = bytes.count == 1 ? "byte" : "bytes"
        return bytes.isEmpty ? "no bytes" : "'\(shown)' (\(bytes.count) \(unit))"
    }

    /// The error for a result longer than ``maximumLength``.
    static func tooLong(_ length: Int, at range: SourceRange) -> Diagnostic {
        .error(
            .templateValue,
            "the result would be \(length) bytes long, more than the limit of \(maximumLength)",
            at: range
        )
    }
}
