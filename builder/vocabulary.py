"""Quarto's vocabulary, declared once in `vocabulary.json` and read here: the numbered
kinds (prefix, display name, LaTeX environment), the callout kinds, the div classes, and
the chunk, execute and PDF options with their value types (Quarto 1.10.18's schema files,
`src/resources/schema/`).  Validation, numbering, the LaTeX preamble, the Lua filters
(which read the same file) and the notebook writer all take their names from here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

FILE = Path(__file__).with_name("vocabulary.json")
VOCABULARY = json.loads(FILE.read_text(encoding="utf-8"))

CROSSREF: dict[str, dict] = VOCABULARY["crossref"]  # prefix -> name, env, style
NAMES = {prefix: kind["name"] for prefix, kind in CROSSREF.items()}
THEOREMS = {prefix: kind for prefix, kind in CROSSREF.items() if "env" in kind}
FLOATS = tuple(prefix for prefix, kind in CROSSREF.items() if kind.get("float"))
UNNUMBERED: dict[str, str] = VOCABULARY["unnumbered_blocks"]  # class -> name
CALLOUTS: dict[str, dict] = VOCABULARY["callouts"]  # kind -> title, icon, colours
FORMATS = {name: set(aliases) for name, aliases in VOCABULARY["formats"].items()}

_SIMPLE = {
    "boolean": ("boolean", "true or false"),
    "text": ("text", "a caption (text)"),
    "string": ("string", "text"),
}


def entry(table: str, key: str) -> tuple[object, str]:
    """(schema, description of the allowed values) of option `key` in `table`."""
    spec = VOCABULARY[table][key]
    if isinstance(spec, str):
        return _SIMPLE[spec]
    if "same_as" in spec:
        return entry(spec["same_as"], key)
    return spec["schema"], spec["allowed"]


def fits(value, schema) -> bool:
    """Whether `value` (parsed YAML) has the type `schema` (vocabulary.json's forms:
    boolean, string, text, {enum}, {pattern}, {integer|number: [min, max]}, {list},
    {object}, {anyOf})."""
    if schema == "boolean":
        return isinstance(value, bool)
    if schema == "string":
        return isinstance(value, str)
    if schema == "text":
        return isinstance(value, str) and bool(value.strip())
    if "enum" in schema:
        return any(value == e and type(value) is type(e) for e in schema["enum"])
    if "pattern" in schema:
        return isinstance(value, str) and bool(re.fullmatch(schema["pattern"], value))
    if "integer" in schema or "number" in schema:
        low, high = schema.get("integer") or schema["number"]
        return (
            isinstance(value, int if "integer" in schema else (int, float))
            and not isinstance(value, bool)
            and (low is None or value >= low)
            and (high is None or value <= high)
        )
    if "list" in schema:
        return isinstance(value, list) and all(fits(v, schema["list"]) for v in value)
    if "object" in schema:
        fields = schema["object"]
        return (
            isinstance(value, dict)
            and set(value) == set(fields)
            and all(fits(value[k], s) for k, s in fields.items())
        )
    return any(fits(value, s) for s in schema["anyOf"])


PDF_DEFAULTS = {k: v for k, v in VOCABULARY["pdf_defaults"].items() if k[0] != "_"}


def names(table: str) -> set[str]:
    return set(VOCABULARY[table])


def preamble() -> str:
    """LaTeX for the theorem environments (numbered within sections, one counter per
    kind, as Quarto declares them; `.proof` is amsthm's) and the callout colours."""
    lines = ["\\usepackage{amsthm}"]
    styles: dict[str, list[str]] = {}
    for kind in THEOREMS.values():
        styles.setdefault(kind["style"], []).append(
            f"\\newtheorem{{{kind['env']}}}{{{kind['name']}}}[section]"
        )
    for cls, name in UNNUMBERED.items():
        if cls != "proof":
            styles.setdefault("remark", []).append(f"\\newtheorem*{{{cls}}}{{{name}}}")
    for style, declarations in styles.items():
        lines += [f"\\theoremstyle{{{style}}}", *declarations]
    for kind, callout in CALLOUTS.items():
        lines.append(f"\\definecolor{{callout-{kind}}}{{HTML}}{{{callout['color']}}}")
        lines.append(
            f"\\definecolor{{callout-{kind}-frame}}{{HTML}}{{{callout['frame']}}}"
        )
    return "\n".join(lines) + "\n"
