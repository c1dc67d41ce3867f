import SequenceCompiler
import Testing

/// Compiles inline scripts for the tests of one stage.
enum Inline {
    static let gpCard = """
        card:
          profile: globalplatform
          isd-aid: A000000151000000
          cplc: 9F7F2A479051674791910212348111001122330001000000000000000000000000000000000000000000000000
        data:
          name: JANE
          limit: 1000
          key: 00112233445566778899AABBCCDDEEFF
        """

    static let isoCard = """
        card:
          profile: iso7816
        data:
          name: JANE
          limit: 1000
        """

    /// Hex text with the spaces that make a test readable removed.
    static func hex(_ text: String) -> String {
        text.filter { $0 != " " }
    }

    static func cardData(_ text: String) throws -> CardData {
        var diagnostics = DiagnosticBag()
        let data = CardDataParser.parse(SourceFile(path: "card.yaml", text: text), diagnostics: &diagnostics)
        #expect(diagnostics.diagnostics.isEmpty, "\(diagnostics.diagnostics)")
        return try #require(data)
    }

    /// Compiles a script whose steps are given; returns the plan or records the diagnostics.
    static func compile(
        profile: CardProfile = .globalplatform,
        fields: String = "",
        components: [String: [UInt8]] = [:],
        componentDeclarations: String = "",
        steps: String,
        options: CompileOptions = CompileOptions()
    ) throws -> Compiler.CompileResult {
        let text = """
            name: inline
            version: 1.0.0
            profiles: [\(profile.rawValue)]
            \(fields)
            \(componentDeclarations)
            steps:
            \(steps)
            """
        let card = try cardData(profile == .globalplatform ? gpCard : isoCard)
        return Compiler.compile(
            SourceFile(path: "inline.yaml", text: text),
            cardData: card,
            loader: InMemoryResourceLoader(files: components),
            options: options
        )
    }

    /// The commands of a script that must compile, as listing hex.
    static func commands(
        profile: CardProfile = .globalplatform,
        fields: String = "",
        steps: String,
        options: CompileOptions = CompileOptions()
    ) throws -> [String] {
        let result = try compile(profile: profile, fields: fields, steps: steps, options: options)
        let rendered = DiagnosticRenderer(sources: result.sources).render(result.diagnostics)
        let plan = try #require(result.plan, "did not compile:\n\(rendered)")
        #expect(result.diagnostics.isEmpty, "\(rendered)")
        return plan.commands.map(\.redactedHex)
    }

    /// The diagnostics of a script, as `id@line:column` strings.
    static func problems(profile: CardProfile = .globalplatform, fields: String = "", steps: String) throws -> [String]
    {
        let result = try compile(profile: profile, fields: fields, steps: steps)
        return result.diagnostics.map {
            "\($0.id.rawValue)@\($0.range?.start.line ?? 0):\($0.range?.start.column ?? 0)"
        }
    }
}
