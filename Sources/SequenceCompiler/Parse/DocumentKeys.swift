/// The keys the language allows in each kind of mapping.
///
/// The parser reads these lists, and a test checks them against `Grammar/sequence.schema.json`,
/// so the published schema and the compiler cannot drift apart.
public enum DocumentKeys {
    /// The top level of a sequence document.
    public static let document = ["name", "version", "description", "profiles", "fields", "components", "steps"]
    /// The top level of an included step list.
    public static let include = ["description", "steps"]
    /// A field declaration.
    public static let field = [
        "type", "length", "min-length", "max-length", "min", "max", "from", "secret", "default", "description",
    ]
    /// A component declaration.
    public static let component = ["cap", "binary", "hex", "description"]
    /// Keys every step may have besides its action.
    public static let stepCommon = ["name", "expect"]
    /// The keys of each step's mapping form.
    public static let steps: [StepKeyword: [String]] = [
        .select: ["aid", "fid", "path", "returns"],
        .delete: ["aid", "related", "missing-ok"],
        .load: [
            "component", "load-file-aid", "security-domain", "block-size", "hash", "descriptor", "parameters", "token",
        ],
        .install: [
            "package", "module", "instance", "privileges", "privilege-bytes", "parameters", "system", "selectable",
            "token",
        ],
        .personalize: ["instance", "data"],
        .storeData: ["data"],
        .putKey: ["version", "replaces", "first-key", "keys"],
        .setStatus: ["scope", "aid", "state"],
        .putData: ["tag", "data", "proprietary"],
        .apdu: ["command", "sensitive"],
        .createFile: [
            "type", "fid", "name", "size", "record-size", "records", "sfi", "life-cycle", "security", "extra",
        ],
        .updateBinary: ["data", "offset", "sfi", "chunk"],
        .updateRecord: ["record", "data", "sfi"],
        .appendRecord: ["data", "sfi"],
        .deleteFile: ["fid"],
        .activateFile: ["fid"],
    ]
    /// A STORE DATA item.
    public static let dataItem = ["dgi", "tlv", "raw", "value", "encrypted"]
    /// A PUT KEY key.
    public static let keyItem = ["type", "value"]
    /// The top level of a card-data file.
    public static let cardData = ["card", "data"]
    /// The `card` mapping of a card-data file.
    public static let cardIdentification = ["profile", "isd-aid", "iin", "cin", "kdd", "cplc"]
}
