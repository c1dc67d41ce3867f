import Crypto

/// The compiler's entry points: check a script, or compile it for one card into a command plan.
///
/// Pure functions of their inputs: no file I/O (files come through the ``ResourceLoader``), no
/// clock, no randomness, so the same inputs always give the same plan.
public enum Compiler {
    /// What `check` found.
    public struct CheckResult: Sendable {
        /// The parsed document, if the YAML could be read at all.
        public var document: SequenceDocument?
        /// Every diagnostic, in the order found.
        public var diagnostics: [Diagnostic]
        /// Every source file read (for excerpts).
        public var sources: [SourceFile]
        /// Whether any error was reported.
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// What `compile` produced.
    public struct CompileResult: Sendable {
        /// The plan, when there were no errors.
        public var plan: CommandPlan?
        /// Every diagnostic, in the order found.
        public var diagnostics: [Diagnostic]
        /// Every source file read (for excerpts), the card data included.
        public var sources: [SourceFile]
        /// Whether any error was reported.
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Checks a script without card data: structure, names, types, literals and components.
    ///
    /// - Parameters:
    ///   - source: The script.
    ///   - loader: Reads includes and components.
    ///   - options: The secure-channel facts that set block sizes.
    /// - Returns: The parsed document and every diagnostic.
    public static func check(
        _ source: SourceFile,
        loader: any ResourceLoader,
        options: CompileOptions = CompileOptions()
    ) -> CheckResult {
        var diagnostics = DiagnosticBag()
        var parser = DocumentParser(loader: loader)
        guard let document = parser.parse(source, diagnostics: &diagnostics) else {
            return CheckResult(
                document: nil,
                diagnostics: diagnostics.diagnostics,
                sources: [source] + parser.includedSources
            )
        }
        let loaded = ComponentLoader.load(document, loader: loader, diagnostics: &diagnostics)
        UnusedFields.check(document, diagnostics: &diagnostics)
        for profile in document.profiles.map(\.value) {
            _ = lowerSteps(
                document,
                profile: profile,
                fieldValues: nil,
                components: loaded.components,
                options: options.resolved(for: profile),
                diagnostics: &diagnostics
            )
        }
        return CheckResult(
            document: document,
            diagnostics: diagnostics.diagnostics,
            sources: [source] + document.includedSources
        )
    }

    /// A script parsed once, with its includes and components read, ready to compile for many cards.
    ///
    /// A server keeps one per catalogue entry: parsing the YAML and reading the CAP file then
    /// happen once, and each card costs only resolving, lowering, securing and signing.
    public struct PreparedSequence: Sendable {
        /// The parsed document, or `nil` when the YAML could not be read.
        public var document: SequenceDocument?
        /// The loaded components by name.
        var components: [String: LoadedComponent]
        /// What templates see of each loaded component, by name.
        var componentValues: [String: TemplateValue]
        /// The load file data and hash of every LOAD step: facts of the CAP files, not of the card.
        var loadFiles: [PreparedLoadFile.Key: PreparedLoadFile]
        /// SHA-256 over the script, its includes and its components.
        public var sourceDigest: [UInt8]
        /// The problems found while preparing.
        public var diagnostics: [Diagnostic]
        /// Every source read.
        public var sources: [SourceFile]
        /// Whether preparing found an error.
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Parses a script and reads its includes and components, once.
    ///
    /// - Parameters:
    ///   - source: The script.
    ///   - loader: Reads includes and components.
    /// - Returns: The prepared script; compile it with ``compile(_:cardData:options:)``.
    public static func prepare(_ source: SourceFile, loader: any ResourceLoader) -> PreparedSequence {
        var diagnostics = DiagnosticBag()
        var parser = DocumentParser(loader: loader)
        guard let document = parser.parse(source, diagnostics: &diagnostics) else {
            return PreparedSequence(
                document: nil,
                components: [:],
                componentValues: [:],
                loadFiles: [:],
                sourceDigest: [],
                diagnostics: diagnostics.diagnostics,
                sources: [source] + parser.includedSources
            )
        }
        let loaded = ComponentLoader.load(document, loader: loader, diagnostics: &diagnostics)
        var hasher = SHA256()
        for text in ([source] + document.includedSources).map(\.text) {
            hasher.update(data: Array(text.utf8))
        }
        for bytes in loaded.digestInput {
            hasher.update(data: bytes)
        }
        return PreparedSequence(
            document: document,
            components: loaded.components,
            componentValues: loaded.components.mapValues(\.templateValue),
            loadFiles: PreparedLoadFile.all(in: document, components: loaded.components),
            sourceDigest: Array(hasher.finalize()),
            diagnostics: diagnostics.diagnostics,
            sources: [source] + document.includedSources
        )
    }

    /// Compiles a script for one card into its plain command plan.
    ///
    /// - Parameters:
    ///   - source: The script.
    ///   - cardData: The card's identification data and per-card record.
    ///   - loader: Reads includes and components.
    ///   - options: The secure-channel facts that set block sizes.
    /// - Returns: The plan when there were no errors, and every diagnostic.
    public static func compile(
        _ source: SourceFile,
        cardData: CardData,
        loader: any ResourceLoader,
        options: CompileOptions = CompileOptions()
    ) -> CompileResult {
        compile(prepare(source, loader: loader), cardData: cardData, options: options)
    }

    /// Compiles a prepared script for one card into its plain command plan.
    ///
    /// - Parameters:
    ///   - prepared: The script, parsed once by ``prepare(_:loader:)``.
    ///   - cardData: The card's identification data and per-card record.
    ///   - options: The secure-channel facts that set block sizes.
    /// - Returns: The plan when there were no errors, and every diagnostic (the preparation's included).
    public static func compile(
        _ prepared: PreparedSequence,
        cardData: CardData,
        options: CompileOptions = CompileOptions()
    ) -> CompileResult {
        var diagnostics = DiagnosticBag()
        diagnostics.append(contentsOf: prepared.diagnostics)
        let cardSources = cardData.source.map { [$0] } ?? []
        let sources = prepared.sources + cardSources
        guard let document = prepared.document else {
            return CompileResult(plan: nil, diagnostics: diagnostics.diagnostics, sources: sources)
        }
        let profile = chooseProfile(document, cardData: cardData, diagnostics: &diagnostics)
        let values = FieldResolver.resolve(
            document.fields,
            cardData: cardData,
            cardDataPath: cardData.source?.path ?? "card data",
            diagnostics: &diagnostics
        )
        guard let profile, !diagnostics.hasErrors else {
            return CompileResult(plan: nil, diagnostics: diagnostics.diagnostics, sources: sources)
        }
        let options = options.resolved(for: profile)
        let steps = lowerSteps(
            document,
            profile: profile,
            fieldValues: values,
            components: prepared.components,
            componentValues: prepared.componentValues,
            loadFiles: prepared.loadFiles,
            options: options,
            diagnostics: &diagnostics
        )
        guard !diagnostics.hasErrors else {
            return CompileResult(plan: nil, diagnostics: diagnostics.diagnostics, sources: sources)
        }
        let plan = CommandPlan(
            sequence: document.name.value,
            version: document.version.value,
            sourceDigest: prepared.sourceDigest,
            profile: profile,
            options: options,
            steps: steps
        )
        return CompileResult(plan: plan, diagnostics: diagnostics.diagnostics, sources: sources)
    }

    private static func chooseProfile(
        _ document: SequenceDocument,
        cardData: CardData,
        diagnostics: inout DiagnosticBag
    ) -> CardProfile? {
        let targeted = document.profiles.map(\.value)
        if let profile = cardData.profile {
            guard targeted.contains(profile.value) else {
                diagnostics.append(
                    .error(
                        .profileMismatch,
                        "the card is a '\(profile.value.rawValue)' card but sequence '\(document.name.value)' targets \(targeted.map { "'\($0.rawValue)'" }.joined(separator: ", "))",
                        at: profile.range
                    )
                )
                return nil
            }
            return profile.value
        }
        if targeted.count == 1 {
            return targeted[0]
        }
        if !targeted.isEmpty {
            diagnostics.append(
                .error(
                    .profileMismatch,
                    "sequence '\(document.name.value)' targets several card profiles; the card data must give 'card: profile:'",
                    at: document.profiles[0].range
                )
            )
        }
        return nil
    }

    /// Lowers every step the profile supports; `fieldValues` is `nil` in check mode.
    private static func lowerSteps(
        _ document: SequenceDocument,
        profile: CardProfile,
        fieldValues: [String: TemplateValue]?,
        components: [String: LoadedComponent],
        componentValues: [String: TemplateValue]? = nil,
        loadFiles: [PreparedLoadFile.Key: PreparedLoadFile] = [:],
        options: CompileOptions,
        diagnostics: inout DiagnosticBag
    ) -> [PlannedStep] {
        var types: [String: TemplateType] = [:]
        var values: [String: TemplateValue] = fieldValues ?? [:]
        for field in document.fields {
            types[field.name.value] = FieldResolver.templateType(of: field.type)
        }
        var declared: [String: ComponentDeclaration] = [:]
        for component in document.components where declared[component.name.value] == nil {
            declared[component.name.value] = component
            types[component.name.value] = LoadedComponent.templateType(for: component.kind)
            if let value = componentValues?[component.name.value] ?? components[component.name.value]?.templateValue {
                values[component.name.value] = value
            }
        }
        let resolver = ValueResolver(
            types: types,
            values: values,
            fieldNames: Set(document.fields.map(\.name.value)),
            secretFields: Set(document.fields.filter(\.isSecret).map(\.name.value)),
            knowsFields: fieldValues != nil
        )
        let lowering = Lowering(
            profile: profile,
            options: options,
            resolver: resolver,
            components: components,
            declaredComponents: declared,
            loadFiles: loadFiles
        )
        var steps: [PlannedStep] = []
        for (offset, step) in document.steps.enumerated() {
            guard step.action.keyword.profiles.contains(profile) else {
                let supported = step.action.keyword.profiles.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
                diagnostics.append(
                    .error(
                        .profileStep,
                        "step '\(step.action.keyword.rawValue)' is for \(supported) cards, not '\(profile.rawValue)' cards",
                        at: step.range
                    )
                )
                continue
            }
            guard let commands = lowering.lower(step, diagnostics: &diagnostics) else { continue }
            steps.append(
                PlannedStep(
                    index: offset + 1,
                    keyword: step.action.keyword,
                    name: step.name,
                    origin: step.range,
                    commands: commands
                )
            )
        }
        return steps
    }
}
