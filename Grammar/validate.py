#!/usr/bin/env python3
"""Validates the repository's YAML files against the published schemas in Grammar/.

Checked:
  Sequences/*.yaml                                      sequence.schema.json
  Tests/SequenceCompilerReferenceTests/Inputs/valid/*.yaml   sequence.schema.json
  Sequences/common/*.yaml                               sequence.schema.json#/$defs/include-document
  Sequences/cards/*.yaml                                card-data.schema.json
  every `examples` entry in both schemas                the subschema it is attached to
  Tests/SequenceCompilerReferenceTests/Golden/bundle.*.bundle.json   bundle.schema.json

YAML is read with PyYAML's BaseLoader, which keeps every scalar as a string: that is how the
compiler sees them (it reads Yams nodes, where `0101` is the text "0101", not the number 65
or 101). Exit status: 0 when everything is valid, 1 when something is not, 2 when the tools
are missing.

Usage: python3 Grammar/validate.py [--as sequence|include|card-data] [FILE ...]
Given files, only those are validated, each against the schema its location implies (or --as).
"""

import argparse
import json
import sys
from pathlib import Path

try:
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"validate.py: error: {error}; install the Python packages 'jsonschema' (4.18 or later) and 'PyYAML'", file=sys.stderr)
    sys.exit(2)

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "Grammar"
SEQUENCE_URI = "urn:cardseq:sequence.schema.json"
CARD_DATA_URI = "urn:cardseq:card-data.schema.json"


def load_schema(name):
    with open(GRAMMAR / name, encoding="utf-8") as handle:
        return json.load(handle)


SEQUENCE_SCHEMA = load_schema("sequence.schema.json")
CARD_DATA_SCHEMA = load_schema("card-data.schema.json")
REGISTRY = Registry().with_resources(
    [
        (SEQUENCE_URI, Resource.from_contents(SEQUENCE_SCHEMA)),
        (CARD_DATA_URI, Resource.from_contents(CARD_DATA_SCHEMA)),
    ]
)


def validator(uri, pointer=""):
    """A validator for the subschema at `pointer` (a JSON pointer, "" for the whole schema)."""
    return Draft202012Validator({"$ref": uri + "#" + pointer}, registry=REGISTRY)


KINDS = {
    "sequence": ("a sequence document", validator(SEQUENCE_URI)),
    "include": ("an included step list", validator(SEQUENCE_URI, "/$defs/include-document")),
    "card-data": ("card data", validator(CARD_DATA_URI)),
}


def display(path):
    """The path relative to the repository root when inside it."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def kind_of(path):
    """Which schema a file is checked against, by where it lies: include lists in Sequences/common/,
    card data in Sequences/cards/, sequence documents everywhere else."""
    relative = display(path)
    if relative.startswith("Sequences/common/"):
        return "include"
    if relative.startswith("Sequences/cards/"):
        return "card-data"
    return "sequence"


def default_files():
    patterns = [
        "Sequences/*.yaml",
        "Sequences/common/*.yaml",
        "Sequences/cards/*.yaml",
        "Tests/SequenceCompilerReferenceTests/Inputs/valid/*.yaml",
    ]
    return [path for pattern in patterns for path in sorted(ROOT.glob(pattern))]


def describe_path(path):
    """`steps[3].install.privileges[0]` from a jsonschema error path."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def line_of(node, path):
    """The 1-based line of the YAML node at `path`, or of the deepest node found on the way."""
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value if key.value == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def branches(error):
    """The errors of an anyOf/oneOf failure, grouped by the alternative they belong to."""
    groups = {}
    for sub in error.context or []:
        groups.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    return list(groups.values())


def wrong_kind(error):
    """Whether the error only says the value is of another kind (a list where a mapping is wanted)."""
    if error.relative_path:
        return False
    if error.validator == "type":
        return True
    if error.validator in ("anyOf", "oneOf") and error.context:
        return all(any(wrong_kind(sub) for sub in group) for group in branches(error))
    return False


def instance_at(document, path):
    for part in path:
        document = document[part]
    return document


def explain(error, hint=None, document=None):
    """(path, message) pairs that say what is wrong, descending into the alternatives of anyOf and
    oneOf to the one meant for this kind of value."""
    if isinstance(error.schema, dict) and isinstance(error.schema.get("description"), str):
        hint = error.schema["description"]
    path = list(error.absolute_path)
    schema_path = list(error.schema_path)
    if error.validator in ("anyOf", "oneOf") and error.context:
        candidates = [group for group in branches(error) if not any(wrong_kind(sub) for sub in group)]
        leaves = [leaf for group in candidates for sub in group for leaf in explain(sub, hint, document)]
        if leaves:
            deepest = max(len(leaf[0]) for leaf in leaves)
            return [next(leaf for leaf in leaves if len(leaf[0]) == deepest)]
        return [(path, error.message + (f" ({hint})" if hint else ""))]
    if "propertyNames" in schema_path:
        if error.validator == "pattern":
            rule = "letters, digits and '_', not starting with a digit"
            return [(path, f"name {error.instance!r} is not an identifier ({rule})")]
        return [(path + [error.instance], f"key {error.instance!r} is not allowed here")]
    if error.schema is False and schema_path and schema_path[-1] == "properties" and document is not None:
        # A key that is declared `false` for this variant; jsonschema reports it at the mapping, so
        # find the key by the identity of its value.
        mapping = instance_at(document, path)
        keys = [key for key, value in mapping.items() if value is error.instance] if isinstance(mapping, dict) else []
        if len(keys) == 1:
            return [(path + keys, f"key {keys[0]!r} does not apply here")]
        return [(path, f"a key with the value {error.instance!r} does not apply here")]
    if error.validator in ("pattern", "enum", "const") and hint:
        return [(path, f"{error.instance!r} is not valid here: {hint}")]
    return [(path, error.message)]


def validate_file(path, kind=None):
    """Problems in one file, as printable lines."""
    relative = display(path)
    what, checker = KINDS[kind or kind_of(path)]
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.BaseLoader)
        document = yaml.load(text, Loader=yaml.BaseLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return [f"{relative}: error: cannot read: {error}"]
    if root is None:
        return [f"{relative}: error: the file is empty; expected {what}"]
    problems = []
    found = [leaf for error in checker.iter_errors(document) for leaf in explain(error, document=document)]
    for path_parts, text in sorted(found, key=lambda leaf: (line_of(root, leaf[0]), describe_path(leaf[0]))):
        problems.append(f"{relative}:{line_of(root, path_parts)}: error: {describe_path(path_parts)}: {text}")
    return problems


def examples(schema, pointer=""):
    """Every (pointer, example) pair in a schema."""
    if isinstance(schema, dict):
        for example in schema.get("examples", []):
            yield pointer, example
        for key, value in schema.items():
            if key != "examples":
                yield from examples(value, pointer + "/" + key.replace("~", "~0").replace("/", "~1"))
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from examples(value, f"{pointer}/{index}")


def validate_examples():
    """Problems in the schemas' own examples, each checked against the subschema that carries it."""
    problems = []
    for name, uri, schema in [
        ("sequence.schema.json", SEQUENCE_URI, SEQUENCE_SCHEMA),
        ("card-data.schema.json", CARD_DATA_URI, CARD_DATA_SCHEMA),
    ]:
        for pointer, example in examples(schema):
            for error in validator(uri, pointer).iter_errors(example):
                for path, text in explain(error, document=example):
                    problems.append(
                        f"Grammar/{name}: error: example at '{pointer or '/'}': {describe_path(path)}: {text}"
                    )
    return problems


def validate_golden_bundles():
    """Problems in the golden signed bundles, checked against bundle.schema.json."""
    checker = Draft202012Validator(load_schema("bundle.schema.json"))
    problems = []
    paths = sorted(ROOT.glob("Tests/SequenceCompilerReferenceTests/Golden/bundle.*.bundle.json"))
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        for error in checker.iter_errors(document):
            problems.append(f"{display(path)}: error: {describe_path(list(error.absolute_path))}: {error.message}")
    return problems, len(paths)


def main(arguments):
    parser = argparse.ArgumentParser(description="Validate YAML files against the schemas in Grammar/.")
    parser.add_argument("--as", dest="kind", choices=sorted(KINDS), help="the schema for every FILE given")
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to validate (default: the repository's)")
    options = parser.parse_args(arguments)
    files = [Path(name) for name in options.files] if options.files else default_files()
    problems = validate_examples()
    bundle_count = 0
    if not options.files:
        bundle_problems, bundle_count = validate_golden_bundles()
        problems += bundle_problems
    for path in files:
        problems += validate_file(path, options.kind)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        summary = f"{len(problems)} problem(s) in {len(files)} file(s) and the schemas' examples"
        print(f"validate.py: {summary}", file=sys.stderr)
        return 1
    print(f"validate.py: {len(files)} file(s), {bundle_count} golden bundle(s) and every schema example are valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
