import APDUTypes
public import CAPFile

/// A component file after reading: a parsed CAP file or raw bytes.
public enum LoadedComponent: Hashable, Sendable {
    /// A CAP or IJC file.
    case cap(CAPFile)
    /// Raw contents (from a binary or hex file).
    case bytes([UInt8])

    /// The value templates see under the component's name.
    ///
    /// A CAP file is `{package: {aid, version, name}, applets: [{aid}], size}`; raw contents are
    /// `{data, size}`.
    var templateValue: TemplateValue {
        switch self {
        case .cap(let cap):
            .record([
                "package": .record([
                    "aid": .bytes(cap.packageAID.bytes),
                    "version": .string(cap.packageVersion.description),
                    "name": .string(cap.packageName ?? ""),
                ]),
                "applets": .list(cap.applets.map { .record(["aid": .bytes($0.aid.bytes)]) }),
                "size": .integer(cap.loadFileData(includeDescriptor: false).count),
            ])
        case .bytes(let bytes):
            .record(["data": .bytes(bytes), "size": .integer(bytes.count)])
        }
    }

    /// The type templates see for a component of this kind.
    static func templateType(for kind: ComponentDeclaration.Kind) -> TemplateType {
        switch kind {
        case .cap:
            .record([
                "package": .record(["aid": .bytes, "version": .string, "name": .string]),
                "applets": .list(.record(["aid": .bytes])),
                "size": .integer,
            ])
        case .binary, .hex:
            .record(["data": .bytes, "size": .integer])
        }
    }
}

/// Reads and parses the components a document declares, through the caller's ``ResourceLoader``.
enum ComponentLoader {
    /// Loads every component; problems become diagnostics at the component's declaration.
    ///
    /// - Returns: The loaded components by name, and the bytes read (in declaration order) for the source digest.
    static func load(
        _ document: SequenceDocument,
        loader: any ResourceLoader,
        diagnostics: inout DiagnosticBag
    ) -> (components: [String: LoadedComponent], digestInput: [[UInt8]]) {
        var components: [String: LoadedComponent] = [:]
        var digestInput: [[UInt8]] = []
        var seen: [String: SourceRange] = [:]
        for declaration in document.components {
            let name = declaration.name.value
            if let first = seen[name] {
                diagnostics.append(
                    .error(
                        .duplicateKey,
                        "component '\(name)' is declared twice",
                        at: declaration.name.range,
                        notes: [.init("first declared here", at: first)]
                    )
                )
                continue
            }
            seen[name] = declaration.name.range
            if document.fields.contains(where: { $0.name.value == name }) {
                diagnostics.append(
                    .error(
                        .duplicateKey,
                        "component '\(name)' has the name of a field; templates could not tell them apart",
                        at: declaration.name.range
                    )
                )
                continue
            }
            let resource: LoadedResource
            do {
                resource = try loader.load(declaration.path.value, relativeTo: declaration.path.range.start.path)
            } catch {
                diagnostics.append(
                    .error(
                        .componentUnreadable,
                        "cannot read component '\(name)' from '\(declaration.path.value)': \(error)",
                        at: declaration.path.range
                    )
                )
                continue
            }
            digestInput.append(resource.bytes)
            switch declaration.kind {
            case .cap:
                do {
                    components[name] = .cap(try CAPFile(bytes: resource.bytes))
                } catch {
                    diagnostics.append(
                        .error(
                            .componentCorrupt,
                            "component '\(name)' ('\(declaration.path.value)'): \(error)",
                            at: declaration.path.range
                        )
                    )
                }
            case .binary:
                components[name] = .bytes(resource.bytes)
            case .hex:
                guard let text = String(validating: resource.bytes, as: UTF8.self) else {
                    diagnostics.append(
                        .error(.componentCorrupt, "component '\(name)' is not hex text", at: declaration.path.range)
                    )
                    continue
                }
                switch Hex.parse(text) {
                case .success(let bytes):
                    components[name] = .bytes(bytes)
                case .failure(let error):
                    diagnostics.append(
                        .error(
                            .componentCorrupt,
                            "component '\(name)' is not hex text: \(Self.describe(error))",
                            at: declaration.path.range
                        )
                    )
                }
            }
        }
        return (components, digestInput)
    }

    static func describe(_ error: Hex.ParseError) -> String {
        switch error {
        case .invalidCharacter(let character, let offset): "'\(character)' at offset \(offset) is not a hex digit"
        case .oddLength(let digits): "odd number of hex digits (\(digits))"
        }
    }
}
