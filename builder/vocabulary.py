"""Quarto's vocabulary, declared once in `vocabulary.json` and read here: the numbered
kinds (prefix, display name, LaTeX environment), the callout kinds, the div classes, and
the chunk, execute and PDF options with their value types (Quarto 1.10.18's schema files,
`src/resources/schema/`).  Validation, numbering, the LaTeX preamble, the Lua filters
(which read the same file) and the notebook writer all take their names from here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema

FILE = Path(__file__).with_name("vocabulary.json")
VOCABULARY = json.loads(FILE.read_text(encoding="utf-8"))

CROSSREF: dict[str, dict] = VOCABULARY["crossref"]  # prefix -> name, env, style
NAMES = {prefix: kind["name"] for prefix, kind in CROSSREF.items()}
THEOREMS = {prefix: kind for prefix, kind in CROSSREF.items() if "env" in kind}
FLOATS = tuple(prefix for prefix, kind in CROSSREF.items() if kind.get("float"))
# LaTeX's counter of a kind -> the kind ("equation" -> "eq"), the theorem kinds' too
COUNTERS = {
    kind.get("counter") or kind["env"]: p
    for p, kind in CROSSREF.items()
    if "counter" in kind or "env" in kind
}
# cross-referenceable callouts (#nte-x on a .callout-note): prefix -> callout kind
CALLOUT_REFS = {p: kind["callout"] for p, kind in CROSSREF.items() if "callout" in kind}
UNNUMBERED: dict[str, str] = VOCABULARY["unnumbered_blocks"]  # class -> name
LAYOUT = ("layout-ncol", "layout-nrow", "layout")  # the options that lay out a float
DAYJS_LOCALES = set(VOCABULARY["dayjs_locales"])  # the languages Quarto writes dates in
CALLOUTS: dict[str, dict] = VOCABULARY["callouts"]  # kind -> title, icon, colours
_WRITE = FILE.parent / "write"  # the macro lists beside the writers
# the macros Jupyter's MathJax knows (tools/mathjax_macros.mjs)
MATHJAX = set(json.loads((_WRITE / "mathjax.json").read_text())["macros"])
# the macros the classic notebook's MathJax 2.7 knows, and those of the extensions it
# loads on \require{...} (tools/mathjax2_macros.py): the notebook's math renders in both
_MATHJAX2 = json.loads((_WRITE / "mathjax2.json").read_text())
REQUIRED = {  # macro -> the MathJax 2 extension that defines it
    name: extension
    for extension, names in _MATHJAX2["extensions"].items()
    for name in names
    if name in MATHJAX and name not in _MATHJAX2["macros"]
}
JUPYTER_MATH = MATHJAX & set(_MATHJAX2["macros"]) | set(REQUIRED)
# the macros unicode-math defines again at \begin{document} (tools/unicode_math_macros.py)
UNICODE_MATH = set(json.loads((_WRITE / "unicode-math.json").read_text())["macros"])
# the front-matter keys handed to pandoc, which the PDF prints (or uses: citations)
PRINTED_META = tuple(VOCABULARY["metadata_printed"])
CELL_TAGS = {k: v for k, v in VOCABULARY["cell_tags"].items() if k != "_about"}
FORMATS = {name: set(aliases) for name, aliases in VOCABULARY["formats"].items()}

_SIMPLE = {  # shorthand of an option's schema: (JSON Schema, the values in words)
    "boolean": ({"type": "boolean"}, "true or false"),
    "text": ({"type": "string", "pattern": "\\S"}, "a caption (text)"),
    "string": ({"type": "string"}, "text"),
}
# JSON Schema, as YAML values are typed: an integer is never a float such as 2.0
_VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: type(value) is int
    ),
)


def entry(table: str, key: str) -> tuple[dict, str]:
    """(JSON Schema, description of the allowed values) of option `key` in `table`."""
    spec = VOCABULARY[table][key]
    if isinstance(spec, str):
        return _SIMPLE[spec]
    if "same_as" in spec:  # as the option of that name in another table
        return entry(spec["same_as"], key)
    if "like" in spec:  # as another option of this table
        return entry(table, spec["like"])
    return spec["schema"], spec["allowed"]


def fits(value, schema: dict) -> bool:
    """Whether `value` (parsed YAML) is valid for the JSON Schema `schema`."""
    return _VALIDATOR(schema).is_valid(value)


LANGUAGES: dict[str, dict] = {  # lang -> Quarto's words
    code: words for code, words in VOCABULARY["languages"].items() if code[0] != "_"
}
# the English words, restored before a document's own are set (use_document)
_ENGLISH = copy.deepcopy(
    {k: VOCABULARY[k] for k in ("crossref", "callouts", "unnumbered_blocks", "titles")}
)
# numbered kinds whose title Quarto's language files give as an environment's
_ENVIRONMENT_TITLES = {"rem": "remark", "sol": "solution"}


def language(lang) -> dict:
    """Quarto's words for `lang` (`de-CH`, else `de`); {} for English or one Quarto
    does not translate (it falls back to English too)."""
    lang = str(lang or "")
    return LANGUAGES.get(lang) or LANGUAGES.get(lang.split("-")[0]) or {}


def use_document(meta: dict) -> None:
    """Set the document's words, as Quarto words them, in this module's tables (read by
    every stage, and by the Lua filters through `document_file`): `lang:` (Quarto's
    language files) and `crossref:` `<kind>-title` (captions, headings) and
    `<kind>-prefix` (references; default: the language's prefix, else its title).
    `meta`: the merged front matter and `_quarto.yml` (`Document.settings.meta`)."""
    for table in ("crossref", "callouts"):  # in place: THEOREMS holds these entries
        for name, entry in VOCABULARY[table].items():
            entry.update(_ENGLISH[table][name])
    UNNUMBERED.update(_ENGLISH["unnumbered_blocks"])
    VOCABULARY["titles"].update(_ENGLISH["titles"])
    words = language(meta.get("lang"))
    crossref = meta.get("crossref") if isinstance(meta.get("crossref"), dict) else {}
    for prefix, kind in CROSSREF.items():
        env = _ENVIRONMENT_TITLES.get(prefix)
        key = f"environment-{env}-title" if env else f"crossref-{prefix}-title"
        # a callout's kind: its title the callout's, its prefix the English name; so
        # for a kind titled by an environment's words (no crossref-<kind>-title)
        callout = CALLOUT_REFS.get(prefix)
        english = kind["name"]
        title = words.get(f"callout-{callout}-title" if callout else key, english)
        kind["name"] = str(crossref.get(f"{prefix}-title", title))
        own = _ENGLISH["crossref"][prefix].get("prefix")  # alg's "alg.": not its name
        default = words.get(
            f"crossref-{prefix}-prefix", own or (english if callout or env else title)
        )
        kind["prefix"] = str(crossref.get(f"{prefix}-prefix", default))
        NAMES[prefix] = kind["prefix"]
    for kind, callout in CALLOUTS.items():
        callout["title"] = words.get(f"callout-{kind}-title", callout["title"])
    for cls in UNNUMBERED:
        UNNUMBERED[cls] = words.get(f"environment-{cls}-title", UNNUMBERED[cls])
    titles = VOCABULARY["titles"]
    titles["toc"] = words.get("toc-title-document", titles["toc"])
    for key in ("lof", "lot"):  # the lists of figures and tables
        titles[key] = words.get(f"crossref-{key}-title", titles[key])
    # after the number in a cross-referenced callout's title, as written (Quarto's
    # quarto-post/latex.lua); captions: caption_delim()
    titles["delim"] = str(crossref.get("title-delim", titles["delim"]))


def document_file(path: Path) -> Path:
    """Write the vocabulary with the document's words (use_document) to `path`, for the
    Lua filters (typeset.py passes it in BUILDER_VOCABULARY)."""
    path.write_text(json.dumps(VOCABULARY, ensure_ascii=False), encoding="utf-8")
    return path


PDF_DEFAULTS = {k: v for k, v in VOCABULARY["pdf_defaults"].items() if k[0] != "_"}
TITLE_DELIMS = {k: v for k, v in VOCABULARY["title_delims"].items() if k != "_about"}


def caption_delim() -> tuple[str, str]:
    """The document's separator after the number of a caption (`crossref: title-delim`):
    (LaTeX's labelsep, the notebook's text); colon for a value Quarto's PDF ignores."""
    return tuple(TITLE_DELIMS.get(VOCABULARY["titles"]["delim"], TITLE_DELIMS[":"]))


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
    lines += [  # listings: Quarto's float (crossref/meta.lua)
        "\\floatstyle{ruled}",
        "\\newfloat{codelisting}{h}{lop}",
        f"\\floatname{{codelisting}}{{{CROSSREF['lst']['name']}}}",
    ]
    names = {
        "figurename": CROSSREF["fig"]["name"],
        "tablename": CROSSREF["tbl"]["name"],
        "proofname": UNNUMBERED["proof"],  # amsthm's, in the document's language
        "listfigurename": VOCABULARY["titles"]["lof"],
        "listtablename": VOCABULARY["titles"]["lot"],
    }
    lines.append(f"\\captionsetup{{labelsep={caption_delim()[0]}}}")  # title-delim
    lines.append(  # as Quarto (crossref/meta.lua): after the language's own names
        "\\AtBeginDocument{"
        + "".join(f"\\renewcommand*\\{c}{{{n}}}" for c, n in names.items())
        + "}"
    )
    for prefix in CALLOUT_REFS:  # as Quarto numbers them: a counter per kind
        counter = f"quartocallout{prefix}no"
        lines.append(
            f"\\newcounter{{{counter}}}\\newcommand{{\\quartocallout{prefix}}}[1]"
            f"{{\\refstepcounter{{{counter}}}\\label{{#1}}}}"
        )
    for kind, callout in CALLOUTS.items():
        lines.append(f"\\definecolor{{callout-{kind}}}{{HTML}}{{{callout['color']}}}")
        lines.append(
            f"\\definecolor{{callout-{kind}-frame}}{{HTML}}{{{callout['frame']}}}"
        )
    return "\n".join(lines) + "\n"
