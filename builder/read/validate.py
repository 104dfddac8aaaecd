"""What the built-in renderer accepts: chunk options and their values, div classes and
attributes, shortcodes, front-matter and `_quarto.yml` keys.

The rule (developers' guide): what is supported behaves as in Quarto; a Quarto feature the
builder does not implement stops the build with file, line and name; what Quarto itself
ignores (an unknown key, an HTML-only option) gives a warning with file and line.
The vocabularies below are Quarto 1.x's (its option schema: cell-*.yml, document-*.yml,
project.yml); the builder implements the `SUPPORTED_*` subsets.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .. import diagnostics, vocabulary


class BuildError(Exception):
    """An error in the user's input, worded for the user (file and line first)."""


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2's core schema, as Quarto reads YAML (js-yaml): `true` and `false` the
    only booleans (`yes`, `on` are text), `1e-3` a number, no base-60 numbers; dates as
    in YAML 1.1 (js-yaml reads them too); a key written twice in one mapping is an
    error, as js-yaml's "duplicated mapping key" (a `<<` merge may still override)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                if key.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicated mapping key '{key.value}'",
                        key.start_mark,
                    )
                seen.add(key.value)
        return super().construct_mapping(node, deep)


_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float")}
Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+", "-+0123456789"),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+.0123456789",
    ),
):
    Yaml12Loader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), list(_first)
    )


warn = diagnostics.warn


def listed(value) -> list:
    """`value` if a list, else a list of it alone (a YAML value or list of values)."""
    return value if isinstance(value, list) else [value]


# --- chunk options --------------------------------------------------------------------

SUPPORTED_OPTIONS = vocabulary.names("chunk_options")
QUARTO_CELL_OPTIONS = vocabulary.names("chunk_options_quarto")
# the options Quarto ignores in a python chunk of a PDF, and why
IGNORED_OPTIONS = [
    (
        vocabulary.names("chunk_options_ignored_in_pdf"),
        "has no effect in a PDF (Quarto ignores it there too)",
    ),
    (
        vocabulary.names("chunk_options_knitr_only"),
        "is for the knitr engine: Quarto ignores it in a Jupyter (python) chunk, and "
        "so does the builder",
    ),
]


def check_value(table: str, key: str, value, where: str, what: str):
    """Raise BuildError when `value` is not of the type `key` has in `table`; a value
    Quarto's schema allows but the built-in renderer does not is said to be so."""
    schema, allowed = vocabulary.entry(table, key)
    if vocabulary.fits(value, schema):
        return
    quarto = vocabulary.VOCABULARY[table][key]
    quarto = quarto.get("quarto") if isinstance(quarto, dict) else None
    if quarto and vocabulary.fits(value, quarto):
        raise BuildError(
            f"{where}: {what} '{key}: {value!r}' is valid Quarto, but the built-in "
            f"renderer supports only {allowed} for '{key}': build with Quarto"
        )
    must = f"'{key}' must be" if what == "chunk option" else "must be"
    raise BuildError(
        f"{where}: {what} '{key}: {value!r}' is not valid: {must} {allowed}"
    )


def check_chunk_options(options: dict, where: str) -> None:
    """Each option's name and value; raises BuildError naming `where` (file:line)."""
    for key, value in options.items():
        check_escapes(key, value, where)
        ignored = [why for names, why in IGNORED_OPTIONS if key in names]
        if key in SUPPORTED_OPTIONS:
            check_value("chunk_options", key, value, where, "chunk option")
        elif key in QUARTO_CELL_OPTIONS and not ignored:
            raise BuildError(
                f"{where}: chunk option '{key}' is not supported by the built-in renderer "
                f"(supported: {', '.join(sorted(SUPPORTED_OPTIONS))}); remove it or build with "
                f"Quarto"
            )
        else:
            why = ignored[0] if ignored else "is not a Quarto option: ignored"
            warn(where, f"chunk option '{key}' {why}")


def check_label(options: dict, where_of) -> None:
    """A chunk label of a numbered kind with capital letters (`fig-MyPlot`) stops the
    build: Quarto lower-cases a chunk's label, so a reference to it finds nothing."""
    label = options.get("label")
    kind = label.split("-")[0] if isinstance(label, str) else None
    if kind in vocabulary.CROSSREF and label != label.lower():
        raise BuildError(
            f"{where_of('label')}: chunk label '{label}': Quarto lower-cases a chunk's "
            f"label (to '{label.lower()}'), so @{label} finds nothing; write it in "
            f"lower case"
        )


def check_captions(options: dict, where_of) -> None:
    """A caption with a label of the other float kind (`tbl-cap` with `label: fig-x`), or
    a listing inside a listing (`label: lst-x` with `lst-label` or `filename`), or
    sub-captions without their kind's label stop the build.  A caption with no label,
    or one without a float prefix, makes an unnumbered-label float that Quarto still
    numbers, as weave.py does."""
    label = str(options.get("label", ""))
    for prefix, other, name in (("fig-", "tbl-", "figure"), ("tbl-", "fig-", "table")):
        cap, subcap = f"{prefix}cap", f"{prefix}subcap"
        if cap in options and label.startswith(other):
            raise BuildError(
                f"{where_of(cap)}: '{cap}' needs a chunk label starting with '{prefix}' "
                f"(label: {label}); a {other} label cannot carry a {name} caption"
            )
        if subcap in options and not label.startswith(prefix):
            raise BuildError(
                f"{where_of(subcap)}: '{subcap}' needs a chunk label starting with "
                f"'{prefix}' (#| label: {prefix}...): without one, Quarto's PDF makes no "
                f"sub-{name}s of them (it drops or misnumbers the sub-captions)"
            )
        if subcap in options and cap not in options:
            raise BuildError(
                f"{where_of(subcap)}: '{subcap}' without '{cap}': Quarto 1.10's PDF "
                f"loses the sub-captions (it prints '(a)', '(b)' with no words, or "
                f"numbers each {name} apart) and may leave @{label} unresolved; give "
                f"'{cap}' too"
            )
    if label.startswith("lst-") and "filename" in options:
        raise BuildError(
            f"{where_of('filename')}: a chunk labelled '{label}' is a listing captioned "
            f"by lst-cap; a filename would put a second listing inside it: give the "
            f"listing as lst-label and lst-cap instead of the label, or build with Quarto"
        )
    if label.startswith("lst-") and "lst-label" in options:
        raise BuildError(
            f"{where_of('lst-label')}: a chunk labelled '{label}' is a listing already "
            f"(Quarto makes the whole cell one, captioned by lst-cap); lst-label would "
            f"put a second listing inside it: give only one of the two"
        )


# --- divs -----------------------------------------------------------------------------

ATTRIBUTE = re.compile(
    r"""\s*(?:#(?P<id>[^\s}]+)|\.(?P<cls>[^\s}]+)|(?P<key>[\w-]+)\s*=\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>[^\s}]+))|(?P<bad>\S+))"""
)
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation
DIV_FENCE = re.compile(r"^\s*(:{3,})\s*(.*?)\s*:*\s*$")
FLOAT_PREFIXES = set(vocabulary.FLOATS)
DIV_CLASSES = set(vocabulary.VOCABULARY["div_classes"])
DIV_ATTRIBUTES_IGNORED = vocabulary.VOCABULARY["div_attributes_ignored_in_pdf"]
CALLOUT_ATTRIBUTES = vocabulary.VOCABULARY["callout_attributes"]
CONDITION_ATTRIBUTES = set(vocabulary.VOCABULARY["condition_attributes"])
FLOAT_ATTRIBUTES = set(vocabulary.VOCABULARY["float_attributes"])
THEOREM_ATTRIBUTES = set(vocabulary.VOCABULARY["theorem_attributes"])
THEOREM_IGNORED = set(vocabulary.VOCABULARY["theorem_attributes_ignored_in_pdf"])
# Quarto features written as div classes or ids that the builder does not implement.
QUARTO_DIV_CLASSES = set(vocabulary.VOCABULARY["quarto_div_classes"])
QUARTO_ID_PREFIXES = set(vocabulary.VOCABULARY["quarto_id_prefixes"])


def parse_attributes(text: str, where: str) -> tuple[str | None, list[str], dict]:
    """Id, classes and key=value pairs of a pandoc attribute block `{#id .cls k=v}`."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    elif text:  # `::: name` is pandoc's short form of `::: {.name}`
        text = "." + text if " " not in text else text
    ident, classes, keys = None, [], {}
    for m in ATTRIBUTE.finditer(text):
        if m.group("bad"):
            raise BuildError(
                f"{where}: cannot read the div attribute '{m.group('bad')}'"
            )
        if m.group("id"):
            ident = m.group("id")
        elif m.group("cls"):
            classes.append(m.group("cls"))
        elif m.group("key"):
            value = next(v for v in m.group("dq", "sq", "bare") if v is not None)
            keys[m.group("key")] = ESCAPED.sub(r"\1", value)  # as pandoc reads it
    return ident, classes, keys


def check_span(classes: list[str], where: str) -> None:
    """A span's classes: Quarto's margin and page columns (`[..]{.aside}`,
    `.column-margin`: a margin note in Quarto's PDF) stop the build, as the divs do."""
    for cls in classes:
        if cls == "aside" or cls.startswith("column-") and cls in QUARTO_DIV_CLASSES:
            raise BuildError(
                f"{where}: the span class '.{cls}' is a Quarto feature the built-in "
                f"renderer does not support (Quarto's PDF sets it in the margin): "
                f"remove the class (the text stays in its line), or build with Quarto"
            )


def _theorem_attributes(keys: dict, where: str) -> set[str]:
    """The attributes a theorem or proof takes: name= (its title, as a leading heading),
    and those Quarto ignores there (a callout's title=), with a warning."""
    for key in THEOREM_IGNORED & set(keys):
        warn(
            where,
            f"'{key}' on a theorem or proof has no effect (Quarto ignores it as well): "
            f"its title is name=\"...\" or a leading '## heading'",
        )
    return THEOREM_ATTRIBUTES | THEOREM_IGNORED


# LaTeX that changes how a counter of the cross-references counts or prints its numbers
COUNTER_CHANGE = re.compile(
    r"\\(?:setcounter|addtocounter|stepcounter|refstepcounter|numberwithin|counterwithin)"
    r"\*?\s*\{(\w+)\}|\\(?:renewcommand\*?\s*\{?|def\s*|let\s*)\\the([a-z]+)"
    r"|\\begin\{(subequations)\}"
)
CROSSREF_COUNTERS = set(vocabulary.COUNTERS)


# in the header: equations, figures or tables numbered within the top-level section
# ("2.1"), as the theorem kinds are; \numberwithin is amsmath's
WITHIN = re.compile(
    r"\\(?:numberwithin|counterwithin)\s*\{(equation|figure|table)\}\s*\{section\}"
)


def numbered_within(header: str) -> set[str]:
    """The cross-reference kinds the header's LaTeX numbers within the section."""
    return {vocabulary.COUNTERS[counter] for counter in WITHIN.findall(header)}


def check_counters(
    tex: str, where: str, file: str | None = None, header: bool = False
) -> None:
    """Stop on raw LaTeX (of the body or the `header`) that changes a counter the
    cross-references use: the numbers of the PDF and the notebook could not be known
    (but for WITHIN in the header, which numbering counts with). `where`: the place of
    `tex`; `file`: the name of the file `tex` is, named with the line of the command
    instead."""
    for m in COUNTER_CHANGE.finditer(tex):
        counter, printed, env = m.groups()
        if header and WITHIN.match(tex, m.start()):
            continue
        if env or (counter or printed) in CROSSREF_COUNTERS:
            if file:
                where = f"{file}:{tex.count(chr(10), 0, m.start()) + 1}"
            shown = m.group(0) + "}" * (m.group(0).count("{") - m.group(0).count("}"))
            what = "its equations numbered 1a, 1b, ..." if env else counter or printed
            raise BuildError(
                f"{where}: raw LaTeX {shown} changes a counter the cross-references "
                f"use ({what}), so the numbers of the PDF and the notebook cannot be "
                f"known: remove it"
            )


def check_yaml_latex(texts: list[str], where: str) -> None:
    """Stop on LaTeX given in YAML (`header-includes`, `text:` includes) that opens more
    braces than it closes: an unquoted ` #2` there starts a YAML comment and cuts the
    rest off (LaTeX then fails in the preamble, at no line of the document; Quarto's
    too).  The first entry so cut is named."""

    def unclosed(tex: str) -> bool:
        plain = re.sub(r"\\[{}]", "", tex)
        return plain.count("{") > plain.count("}")

    if unclosed("\n".join(texts)):
        tex = next((t for t in texts if unclosed(t)), texts[-1])
        raise BuildError(
            f"{where}: the LaTeX '{' '.join(tex.split())[:60]}' opens a brace it does not "
            "close: in YAML a space and # start a comment, which cut the entry short "
            "(an argument ' #2'); write it as a block (`|`, the LaTeX on the lines "
            "below) or in quotes"
        )


def check_div(attrs: str, where: str) -> tuple[str | None, list[str], dict]:
    """Validate a fenced div's attributes; returns (id, classes, attributes)."""
    ident, classes, keys = parse_attributes(attrs, where)
    allowed: set[str] = set()
    prefix = ident.split("-", 1)[0] if ident and "-" in ident else None
    if prefix in FLOAT_PREFIXES:
        allowed |= FLOAT_ATTRIBUTES
        for key in FLOAT_ATTRIBUTES & set(keys):  # typed as the chunk option
            schema, allowed_values = vocabulary.entry("chunk_options", key)
            try:
                value = yaml.load(keys[key], Loader=Yaml12Loader)
            except yaml.YAMLError:
                value = keys[key]
            if not vocabulary.fits(value, schema):
                raise BuildError(
                    f'{where}: {key}="{keys[key]}" is not valid: must be '
                    f"{allowed_values}"
                )
    elif prefix in vocabulary.THEOREMS:
        allowed |= _theorem_attributes(keys, where)
    elif prefix in vocabulary.CALLOUT_REFS:
        callout = f"callout-{vocabulary.CALLOUT_REFS[prefix]}"
        if callout not in classes:
            raise BuildError(
                f"{where}: the label '#{ident}' numbers a callout: the div needs the "
                f"class '.{callout}'"
            )
    elif prefix in QUARTO_ID_PREFIXES:
        raise BuildError(
            f"{where}: a div with the id '#{ident}' ({prefix}- cross-reference) is not "
            f"supported by the built-in renderer"
        )
    # with data-latex, the first class names a LaTeX environment (filters/latex-divs.lua)
    environment = classes[:1] if {"latex", "data-latex"} & set(keys) else []
    allowed |= {"latex", "data-latex"} if environment else set()
    for cls in classes:
        if cls in environment:
            continue
        if cls.startswith("callout-"):
            if cls.removeprefix("callout-") not in vocabulary.CALLOUTS:
                raise BuildError(
                    f"{where}: unknown callout '.{cls}' (Quarto has "
                    f"{', '.join('callout-' + c for c in sorted(vocabulary.CALLOUTS))})"
                )
            allowed |= set(CALLOUT_ATTRIBUTES)
            for key, values in CALLOUT_ATTRIBUTES.items():
                if values and key in keys and keys[key] not in values:
                    raise BuildError(
                        f'{where}: callout attribute {key}="{keys[key]}" is not valid '
                        f"(one of: {', '.join(sorted(values))})"
                    )
        elif cls in ("content-visible", "content-hidden"):
            allowed |= CONDITION_ATTRIBUTES
            extra = [
                k
                for k in keys
                if k.startswith(("when-", "unless-")) and k not in CONDITION_ATTRIBUTES
            ]
            if extra:
                raise BuildError(
                    f"{where}: '{extra[0]}' on .{cls} is not supported by the built-in "
                    f"renderer (supported: when-format, unless-format): use those, keep "
                    f"or remove the content by hand, or build with Quarto"
                )
        elif cls in vocabulary.UNNUMBERED:
            allowed |= _theorem_attributes(keys, where)
        elif cls in QUARTO_DIV_CLASSES:
            raise BuildError(
                f"{where}: the div class '.{cls}' is a Quarto feature the built-in "
                f"renderer does not support: remove the class (its content is then set "
                f"as plain text), or build with Quarto"
            )
        elif cls not in DIV_CLASSES:
            # `.column width=`: Quarto's PDF stacks the columns
            allowed |= set(DIV_ATTRIBUTES_IGNORED.get(cls, []))
            warn(
                where,
                f"div class '.{cls}' has no effect in the PDF (Quarto ignores it "
                f"as well)",
            )
    for key in keys:
        if key in FLOAT_ATTRIBUTES and key not in allowed:
            raise BuildError(
                f"{where}: div attribute '{key}' is supported by the built-in renderer "
                f"only on a figure or table div (#fig-... or #tbl-..., with a caption); "
                f"Quarto lays out the blocks of any div: label the div, remove the "
                f"attribute, or build with Quarto"
            )
        if key in THEOREM_ATTRIBUTES and key not in allowed:
            raise BuildError(
                f"{where}: div attribute '{key}' names a theorem, which its label makes "
                f"(#thm-x, #lem-x, ...); Quarto prints a div without one as plain text "
                f"and ignores '{key}': label the div, or remove the attribute"
            )
        if key not in allowed:
            raise BuildError(
                f"{where}: div attribute '{key}' is not supported by the built-in "
                f"renderer here"
                + (f" (supported: {', '.join(sorted(allowed))})" if allowed else "")
            )
    return ident, classes, keys


# Output formats a `when-format` name matches (Quarto's format aliases, abridged).
FORMAT_NAMES = vocabulary.FORMATS


def visible_in(classes: list[str], keys: dict) -> frozenset[str]:
    """The outputs ('pdf', 'ipynb') in which a .content-visible/-hidden div shows."""
    hidden = "content-hidden" in classes
    if hidden and not keys.keys() & CONDITION_ATTRIBUTES:
        return frozenset()
    return frozenset(
        out
        for out, names in FORMAT_NAMES.items()
        if hidden
        != (
            ("when-format" not in keys or keys["when-format"] in names)
            and ("unless-format" not in keys or keys["unless-format"] not in names)
        )
    )


# --- shortcodes -----------------------------------------------------------------------

SHORTCODES = set(vocabulary.VOCABULARY["shortcodes"])
QUARTO_SHORTCODES = set(vocabulary.VOCABULARY["quarto_shortcodes"])


def unsupported_shortcode(name: str, where: str) -> BuildError:
    kind = "a" if name in QUARTO_SHORTCODES else "not a"
    return BuildError(
        f"{where}: shortcode '{name}' is not supported by the built-in renderer ({kind} "
        f"Quarto shortcode; supported: {', '.join(sorted(SHORTCODES))}); write "
        f"{{{{{{< {name} >}}}}}} to show it literally"
    )


# --- YAML with the line of every key -------------------------------------------------


def yaml_lines(text: str, first_line: int = 1) -> dict[tuple, int]:
    """For every mapping key in a YAML text, its path (tuple of keys) -> line number."""
    lines: dict[tuple, int] = {}

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = path + (k.value,)
                lines[key] = k.start_mark.line + first_line
                walk(v, key)

    try:
        walk(yaml.compose(text, Loader=Yaml12Loader), ())
    except yaml.YAMLError:
        pass
    return lines


# --- front matter and _quarto.yml ------------------------------------------------------

QUARTO_DOCUMENT_KEYS = set(vocabulary.VOCABULARY["document_keys"])
# options of other formats (HTML, revealjs, typst, ...), which Quarto ignores in a PDF
OTHER_FORMATS = set(vocabulary.VOCABULARY["document_keys_other_formats"])
# Front-matter keys the builder reads (besides user metadata for {{< meta >}}), and
# those that change neither Quarto's PDF nor the notebook (their values checked): the
# editor's mode, Quarto's own run (TeX installs, clean-up, messages, version), and
# metadata its PDF leaves out (types from Quarto 1.10.18's schema; affiliations: its
# authors.lua)
SUPPORTED_META = set(vocabulary.VOCABULARY["metadata_supported"])
WITHOUT_EFFECT = vocabulary.names("metadata_without_effect")
PDF_OPTIONS = list(vocabulary.VOCABULARY["pdf_options"])
EXECUTE_OPTIONS = vocabulary.VOCABULARY["execute_options"]
EXECUTE_IGNORED = set(vocabulary.VOCABULARY["execute_ignored"])
PROJECT_KEYS = set(vocabulary.VOCABULARY["project_keys"])


def _options(options: dict, table: list, what: str, where_of, path: tuple, other):
    """The options of `table` in `options`, each value checked; `other(key, where)`
    deals with each of the rest (a warning or a BuildError)."""
    out = {}
    for key, value in options.items():
        where = where_of(path + (key,))
        if key in table:
            name = "pdf_options" if table is PDF_OPTIONS else "chunk_options"
            check_value(name, key, value, where, what)
            out[key] = value
        else:
            other(key, where)
    return out


def check_execute(execute, where_of, path: tuple) -> dict:
    """`execute:` options -> chunk-option defaults (validated)."""
    if execute is None:
        return {}
    if not isinstance(execute, dict):
        raise BuildError(f"{where_of(path)}: 'execute' must be a mapping of options")
    if execute.get("enabled") is True:  # Quarto's default; `false` runs no chunk
        execute = {k: v for k, v in execute.items() if k != "enabled"}

    def other(key, where):
        if key not in EXECUTE_IGNORED:
            raise BuildError(
                f"{where}: execute option '{key}' is not supported by the built-in "
                f"renderer (supported: {', '.join(EXECUTE_OPTIONS)})"
            )
        warn(
            where,
            f"execute option '{key}' does not change the document; the "
            f"built-in renderer has its own cache and ignores it",
        )

    return _options(execute, EXECUTE_OPTIONS, "execute option", where_of, path, other)


def check_pdf_options(options: dict, where_of, path: tuple) -> dict:
    """`format: pdf:` options (validated); `keep-ipynb` is Quarto's executed notebook,
    read by post-render, and left out."""

    def other(key, where):
        if key == "keep-ipynb":
            return
        if key in OTHER_FORMATS:
            return warn(where, not_for_pdf(key))
        if key in QUARTO_DOCUMENT_KEYS:
            raise BuildError(
                f"{where}: PDF option '{key}' is not supported by the built-in renderer "
                f"(supported: {', '.join(PDF_OPTIONS)}); remove it or build with Quarto"
            )
        warn(where, f"'{key}' is not a Quarto PDF option: ignored")

    return _options(options, PDF_OPTIONS, "PDF option", where_of, path, other)


QUARTO_KEYS = QUARTO_DOCUMENT_KEYS | OTHER_FORMATS
CROSSREF_IGNORED_IN_PDF = set(vocabulary.VOCABULARY["crossref_ignored_in_pdf"])
CROSSREF_KEYS = set(vocabulary.VOCABULARY["crossref_keys"])  # Quarto's schema's


def not_for_pdf(key: str) -> str:
    return (
        f"'{key}' is an option of other formats than PDF (Quarto's schema): Quarto "
        f"ignores it in a PDF, and so does the built-in renderer"
    )


# `quarto render`'s scripts (builder/write/quarto.py) do what the builder does itself
QUARTO_HOOK = "builder/write/quarto.py"


def _builder_hook(value) -> bool:
    return all(str(v).split()[:1] == [QUARTO_HOOK] for v in listed(value))


# what a double-quoted YAML escape leaves of `$\alpha$` (BEL), `$\ell$` (ESC), `$\theta$`
# (a tab before "heta"), `$\beta$` (backspace)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\t(?=[A-Za-z])")
ESCAPES = dict(zip("\a\b\t\v\f\r\x1b", "abtvfre"))  # control character -> escape


def check_escapes(key: str, value, where: str) -> None:
    """A text value holding a control character, which YAML makes of a LaTeX macro in
    double quotes: raises BuildError naming `where` (the key's file:line)."""
    if isinstance(value, dict):
        value = list(value.values())
    for v in listed(value):
        if isinstance(v, (dict, list)):
            check_escapes(key, v, where)
        elif isinstance(v, str) and (m := CONTROL.search(v)):
            c, rest = m.group()[0], re.match(r"[A-Za-z]*", v[m.start() + 1 :]).group()
            escape = f"\\{ESCAPES[c]}" if c in ESCAPES else f"U+{ord(c):04X}"
            meant = f" where '{escape}{rest}' was meant" if c in ESCAPES else ""
            raise BuildError(
                f"{where}: '{key}' holds the control character {escape}{meant}: YAML "
                f"reads a backslash in double quotes as an escape; write the text in "
                f"single quotes, or double the backslash"
            )


def check_metadata(
    meta: dict, where_of, used_keys: set[str], project: bool, pdf: bool = True
) -> dict:
    """Validate front matter (or `_quarto.yml`); returns {'execute': {...}, 'pdf': {...}}
    for this level, format-specific options over top-level ones as in Quarto.
    `pdf=False`: the PDF is not made by the built-in typesetter (Quarto makes it, or none
    is made), so PDF options and Quarto's document options are left to Quarto."""
    execute, top_execute, top_pdf, fmt_pdf, fmt_execute = {}, {}, {}, {}, {}
    for key, value in meta.items():
        where = where_of((key,))
        check_escapes(key, value, where)
        if key == "execute":
            execute = check_execute(value, where_of, ("execute",))
        elif key == "format":
            fmt_execute = _format_execute(value, where_of)
            fmt_pdf = _format_pdf(value, where_of) if pdf else {}
        elif key == "project" and project:
            if not isinstance(value, dict):
                raise BuildError(f"{where}: 'project' must be a mapping")
            for pkey, pvalue in value.items():
                pwhere = where_of(("project", pkey))
                if pkey == "type" and pvalue != "default":
                    raise BuildError(
                        f"{pwhere}: project type '{pvalue}' is not supported by the "
                        f"built-in renderer (only 'default': one document)"
                    )
                if pkey in ("pre-render", "post-render") and not _builder_hook(pvalue):
                    raise BuildError(
                        f"{pwhere}: '{pkey}' scripts are not run by the "
                        f"built-in renderer"
                    )
                if pkey not in PROJECT_KEYS:
                    warn(
                        pwhere,
                        f"project option '{pkey}' is ignored by the built-in renderer",
                    )
        elif key == "crossref":
            check_crossref(value, where_of)
        elif key in ("callout-appearance", "callout-icon"):  # every callout's default
            allowed = CALLOUT_ATTRIBUTES[key.split("-")[1]]
            if str(value).lower() not in allowed:
                raise BuildError(
                    f"{where}: '{key}' must be one of {', '.join(allowed)}"
                )
        elif key == "engine":
            if value != "jupyter":
                raise BuildError(
                    f"{where}: engine '{value}' is not supported: the built-in renderer "
                    f"runs python chunks with Jupyter (engine: jupyter)"
                )
        elif key == "jupyter":  # true, a kernel's name, or {kernelspec: {name: ...}}
            spec = value.get("kernelspec") if isinstance(value, dict) else None
            name = (spec or {}).get("name") if isinstance(value, dict) else value
            if name is not True and name not in ("python3", "python"):
                raise BuildError(
                    f"{where}: jupyter kernel '{name}' is not supported: the "
                    f"built-in renderer runs python3"
                    + ("" if name else " (write jupyter: python3)")
                )
        elif key in PDF_OPTIONS:
            if pdf:
                check_value("pdf_options", key, value, where, "PDF option")
                top_pdf[key] = value
        elif key in EXECUTE_OPTIONS:  # `echo: false` at the top level, as in Quarto
            check_value("chunk_options", key, value, where, "execute option")
            top_execute[key] = value
        elif key in ("title", "subtitle", "abstract", "author", "date-format") and not (
            isinstance(value, str) or key == "author" and _authors(value)
        ):
            names = ", a list of names, or authors each with a 'name:' that is text"
            names = names if key == "author" else ""
            raise BuildError(
                f"{where}: '{key}' must be text{names} for the built-in renderer"
            )
        elif key in WITHOUT_EFFECT:
            check_value("metadata_without_effect", key, value, where, "option")
        elif key in SUPPORTED_META or (key in QUARTO_KEYS and not pdf):
            continue
        elif key in OTHER_FORMATS:
            warn(where, not_for_pdf(key))
        elif key in QUARTO_DOCUMENT_KEYS:
            raise BuildError(
                f"{where}: the Quarto option '{key}' is not supported by the built-in "
                f"renderer; remove it or build with Quarto"
            )
        elif key not in used_keys and not project:
            warn(
                where,
                f"'{key}' is not a Quarto option and no {{{{< meta {key} >}}}} "
                f"uses it: ignored",
            )
    execute = {**top_execute, **execute, **fmt_execute}
    return {"execute": execute, "pdf": {**top_pdf, **fmt_pdf}}


def _authors(value) -> bool:
    """An author list the PDF can show: names, or author objects with a `name:` (their
    other fields, such as affiliations, Quarto's PDF leaves out too)."""
    return all(
        isinstance(a, str) or isinstance(a, dict) and isinstance(a.get("name"), str)
        for a in listed(value)
    )


# emphasis, code, math, links, escapes or HTML in a text pandoc reads as Markdown
MARKDOWN_SIGN = re.compile(r"[*`~^$\\<\[\]]|(?<!\w)_|_(?!\w)")


def check_crossref(value, where_of) -> None:
    """`crossref:` options the built-in path supports: `<kind>-title` and
    `<kind>-prefix` (text) of every numbered kind; those Quarto ignores in a PDF warn;
    any other stops the build."""
    if not isinstance(value, dict):
        raise BuildError(f"{where_of(('crossref',))}: 'crossref' must be a mapping")
    kinds = vocabulary.CROSSREF
    for key, text in value.items():
        where = where_of(("crossref", key))
        kind, _, what = str(key).rpartition("-")
        if key not in CROSSREF_KEYS:
            raise BuildError(
                f"{where}: '{key}' is not a crossref option of Quarto's (its schema "
                f"stops the render: 'invalid YAML'); remove it"
            )
        if key in CROSSREF_IGNORED_IN_PDF:
            chapters = key == "chapters" and text is True  # \newtheorem{...}[chapter]
            warn(
                where,
                "crossref option 'chapters' has no effect in a PDF but on theorem-like "
                "blocks: Quarto numbers them within chapters, which this class has not "
                "(its LaTeX fails: \"No counter 'chapter' defined\"); the built-in "
                "renderer numbers them within sections: remove the option"
                if chapters
                else f"crossref option '{key}' has no effect in a PDF, as in Quarto",
            )
            continue
        if key == "title-delim":  # its text follows the number in callout titles too
            if str(text) not in vocabulary.TITLE_DELIMS:
                warn(
                    where,
                    f"crossref option 'title-delim' has no effect on captions in a PDF "
                    f"with '{text}', as in Quarto (there: "
                    f"{', '.join(repr(k) for k in vocabulary.TITLE_DELIMS)})",
                )
            continue
        if kind not in kinds or what not in ("title", "prefix"):
            raise BuildError(
                f"{where}: crossref option '{key}' is not supported by the built-in "
                f"renderer (supported: <kind>-title and <kind>-prefix where Quarto has "
                f"them, kinds {', '.join(kinds)}); remove it or build with Quarto"
            )
        if not isinstance(text, str):
            raise BuildError(f"{where}: crossref option '{key}' must be text")
        if what == "title" and MARKDOWN_SIGN.search(text):
            raise BuildError(
                f"{where}: crossref option '{key}' is Markdown ('{text}'), which "
                f"Quarto sets as such (bold, math); the built-in renderer takes plain "
                f"text only: write it without, or build with Quarto"
            )


def _format_pdf(value, where_of) -> dict:
    if isinstance(value, str):
        return {}
    if not isinstance(value, dict):
        raise BuildError(
            f"{where_of(('format',))}: 'format' must be a format name or a "
            f"mapping of formats to options"
        )
    pdf = value.get("pdf")
    if pdf is None or pdf == "default":
        return {}
    if not isinstance(pdf, dict):
        raise BuildError(
            f"{where_of(('format', 'pdf'))}: 'pdf' must be a mapping of options"
        )
    pdf = {k: v for k, v in pdf.items() if k != "execute" and k not in EXECUTE_OPTIONS}
    return check_pdf_options(pdf, where_of, ("format", "pdf"))


def _format_execute(value, where_of) -> dict:
    """Execution options of the PDF format (`format: pdf: echo: false`, or under its
    `execute:`), over the document's own, as Quarto reads them."""
    pdf = value.get("pdf") if isinstance(value, dict) else None
    if not isinstance(pdf, dict):
        return {}
    path = ("format", "pdf")
    out = check_execute(pdf.get("execute"), where_of, (*path, "execute"))
    given = {k: pdf[k] for k in EXECUTE_OPTIONS if k in pdf}
    return out | _options(
        given, EXECUTE_OPTIONS, "execute option", where_of, path, None
    )


# js-yaml, which reads the front matter and project files in Quarto, takes tabs after a
# key's colon as spaces, PyYAML stops at them; chunk options, which Quarto reads with
# PyYAML, keep them.
KEY_TAB = re.compile(r"^([ ]*(?:- )*[^\s#'\"][^:#'\"]*:)\t+", re.M)


def js_yaml(text: str) -> str:
    """`text` with the tabs after a key's colon written as one space, as js-yaml reads
    them (`title:<TAB>"A"` is `title: "A"`)."""
    return KEY_TAB.sub(r"\1 ", text)


def yaml_mapping(text: str, what: str, places: list[str]) -> dict:
    """`text` parsed as a YAML mapping ({} when empty). BuildError naming `what` (e.g.
    "the YAML header") if it does not parse, at the place (`file:line`, one per line of
    `text` in `places`) of the line YAML stopped at, with that line; or at the first
    place if it is not a mapping."""
    try:
        data = yaml.load(text, Loader=Yaml12Loader) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        if mark is None or not getattr(e, "problem", None):
            raise BuildError(
                f"{places[0]}: {what} does not parse as YAML: {e}"
            ) from None
        lines = text.splitlines() or [""]
        k, start = (
            min(m.line, len(lines) - 1, len(places) - 1)
            for m in (mark, getattr(e, "context_mark", None) or mark)
        )
        context = getattr(e, "context", None) or ""
        if start < k and "end of stream" in e.problem and context.startswith("while "):
            raise BuildError(  # an unclosed quote or bracket: where it opens
                f"{places[start]}: {what} does not parse as YAML: "
                f"{context.split(' ', 2)[-1]} that starts in '{lines[start].strip()}' "
                f"is never closed"
            ) from None
        raise BuildError(
            f"{places[k]}: {what} does not parse as YAML: {e.problem}, in "
            f"'{lines[k].strip()}'"
        ) from None
    if not isinstance(data, dict):
        raise BuildError(f"{places[0]}: {what} must be 'key: value' lines (a mapping)")
    return data


def read_yaml_file(path: Path) -> tuple[dict, dict[tuple, int]]:
    """A YAML mapping file and the line of each key; BuildError if it does not parse."""
    text = js_yaml(path.read_text(encoding="utf-8"))
    places = [f"{path}:{k}" for k in range(1, text.count("\n") + 2)]
    return yaml_mapping(text, "this file", places), yaml_lines(text)
