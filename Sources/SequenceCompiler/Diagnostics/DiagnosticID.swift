/// The stable identifier of every diagnostic the compiler can report.
///
/// Identifiers are `stage.kebab-name`; once released an identifier keeps its meaning and is never
/// reused. `Docs/Diagnostics.md` lists every one with an example, and a test keeps the two in step.
public enum DiagnosticID: String, CaseIterable, Hashable, Sendable, Codable {
    // Parse: the YAML and the shape of the document.
    /// The text is not valid YAML.
    case yamlSyntax = "parse.yaml-syntax"
    /// A mapping key the language does not define here.
    case unknownKey = "parse.unknown-key"
    /// A required key is absent.
    case missingKey = "parse.missing-key"
    /// The same key twice in one mapping.
    case duplicateKey = "parse.duplicate-key"
    /// A node of the wrong kind or a scalar of the wrong type.
    case wrongType = "parse.wrong-type"
    /// A value outside the set of names allowed here.
    case unknownValue = "parse.unknown-value"
    /// Text that should be hex bytes and is not.
    case invalidHex = "parse.invalid-hex"
    /// A step with no action or with more than one.
    case stepAction = "parse.step-action"

    // Includes.
    /// An included file cannot be read.
    case includeUnreadable = "include.unreadable"
    /// A file includes itself, directly or through others.
    case includeCycle = "include.cycle"

    // Fields.
    /// A declared field that no template uses.
    case fieldUnused = "field.unused"
    /// A field declaration whose bounds are impossible (minimum over maximum, negative length).
    case fieldBounds = "field.invalid-bounds"
    /// A field source that names no card identification data or per-card record.
    case fieldSource = "field.unknown-source"
    /// The card data lacks a value the sequence needs.
    case fieldMissingValue = "field.missing-value"
    /// A card-data value of the wrong type or outside its declared bounds.
    case fieldValue = "field.invalid-value"

    // Templates.
    /// A `{{` with no matching `}}`.
    case templateUnterminated = "template.unterminated"
    /// An expression that does not follow the grammar.
    case templateSyntax = "template.syntax"
    /// A reference to a name that is neither a declared field nor a component.
    case templateUnknownName = "template.unknown-name"
    /// A call to a function the language does not have.
    case templateUnknownFunction = "template.unknown-function"
    /// A function called with the wrong number of arguments.
    case templateArgumentCount = "template.argument-count"
    /// An operand or argument of the wrong type.
    case templateType = "template.type-mismatch"
    /// A well-typed expression whose value is impossible (slice out of range, integer too large).
    case templateValue = "template.invalid-value"

    // Values in steps.
    /// An AID that is not 5 to 16 bytes long.
    case aidLength = "value.aid-length"
    /// A number outside the range the command allows.
    case valueRange = "value.out-of-range"
    /// A value of the wrong length for its place (FID, tag, key).
    case valueLength = "value.wrong-length"
    /// Data too long for one APDU where the command cannot be split.
    case dataTooLong = "value.too-long"
    /// A key value that does not come from a secret field, so it could be printed or logged.
    case keyNotSecret = "value.key-not-secret"

    // Components.
    /// A component file that cannot be read.
    case componentUnreadable = "component.unreadable"
    /// A CAP or IJC file that is not well-formed.
    case componentCorrupt = "component.corrupt"
    /// A step names a component the document does not declare, or one of the wrong kind.
    case componentUnknown = "component.unknown"

    // Profiles.
    /// A step that the targeted card profiles do not support.
    case profileStep = "profile.step-not-supported"
    /// The card's profile is not one the sequence targets, or the card data does not say which of several.
    case profileMismatch = "profile.mismatch"
}
