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


class BuildError(Exception):
    """An error in the user's input, worded for the user (file and line first)."""


def warn(where: str, message: str):
    """A build warning, on the terminal, located."""
    print(f"warning: {where}: {message}")


# --- chunk options --------------------------------------------------------------------

LABEL = re.compile(r"^[A-Za-z0-9][\w.:-]*$")  # a pandoc identifier, no spaces
BOOL = (bool,)


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _bool_or(*words):
    return lambda v: isinstance(v, bool) or v in words


# option -> (value check, description of the allowed values)
SUPPORTED_OPTIONS = {
    "label": (
        lambda v: isinstance(v, str) and bool(LABEL.match(v)),
        "a label of letters, digits, '-', '_', '.' or ':' (no spaces)",
    ),
    "echo": (_bool_or("fenced"), "true, false or fenced"),
    "output": (_bool_or("asis"), "true, false or asis"),
    "eval": (lambda v: isinstance(v, bool), "true or false"),
    "include": (lambda v: isinstance(v, bool), "true or false"),
    "warning": (lambda v: isinstance(v, bool), "true or false"),
    "error": (lambda v: isinstance(v, bool), "true or false"),
    "tags": (
        lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
        "a list of strings",
    ),
    "fig-cap": (_text, "a caption (text)"),
    "tbl-cap": (_text, "a caption (text)"),
    # sub-figures (issue 11b: typeset.py): a list of sub-captions, a column/row count
    "fig-subcap": (
        lambda v: (
            isinstance(v, list) and all(_text(c) for c in v) or v is True or _text(v)
        ),
        "a list of sub-captions, or true",
    ),
    "layout-ncol": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "a whole number >= 1",
    ),
    "layout-nrow": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "a whole number >= 1",
    ),
    "fig-pos": (
        lambda v: (
            v is False or isinstance(v, str) and bool(re.fullmatch(r"[htbpH!]+", v))
        ),
        "LaTeX placement such as H or htbp, or false",
    ),
}
# Quarto's cell options (schema cell-*.yml) for other formats (HTML, revealjs, dashboards)
# or for the knitr engine only: Quarto ignores them in a PDF made with Jupyter, so the
# builder warns and goes on.
IGNORED_IN_PDF = set(
    """code-fold code-summary code-overflow code-tools fig-alt fig-responsive
    output-location html-table-processing title padding expandable width height context
    content color""".split()
)
KNITR_ONLY = set(
    """cache cache-path cache-vars cache-globals cache-lazy cache-rebuild cache-comments
    dependson autodep tidy tidy-opts collapse prompt highlight class-source attr-source
    fig-width fig-height fig-format fig-dpi fig-asp out-width out-height fig-keep fig-show
    out-extra external sanitize interval aniopts animation-hook child file code purl
    message results comment class-output attr-output class-warning attr-warning
    class-message attr-message class-error attr-error""".split()
)
QUARTO_CELL_OPTIONS = {
    "label",
    "classes",
    "renderings",
    "tags",
    "id",
    "export",
    "cache",
    "cache-path",
    "cache-vars",
    "cache-globals",
    "cache-lazy",
    "cache-rebuild",
    "cache-comments",
    "dependson",
    "autodep",
    "title",
    "padding",
    "expandable",
    "width",
    "height",
    "context",
    "content",
    "color",
    "eval",
    "echo",
    "code-fold",
    "code-summary",
    "code-overflow",
    "code-line-numbers",
    "lst-label",
    "lst-cap",
    "tidy",
    "tidy-opts",
    "collapse",
    "prompt",
    "highlight",
    "class-source",
    "attr-source",
    "fig-width",
    "fig-height",
    "fig-cap",
    "fig-subcap",
    "fig-link",
    "fig-align",
    "fig-alt",
    "fig-env",
    "fig-pos",
    "fig-scap",
    "fig-format",
    "fig-dpi",
    "fig-asp",
    "out-width",
    "out-height",
    "fig-keep",
    "fig-show",
    "out-extra",
    "external",
    "sanitize",
    "interval",
    "aniopts",
    "animation-hook",
    "child",
    "file",
    "code",
    "purl",
    "layout",
    "layout-ncol",
    "layout-nrow",
    "layout-align",
    "layout-valign",
    "column",
    "fig-column",
    "tbl-column",
    "cap-location",
    "fig-cap-location",
    "tbl-cap-location",
    "tbl-cap",
    "tbl-subcap",
    "tbl-colwidths",
    "html-table-processing",
    "output",
    "warning",
    "error",
    "include",
    "panel",
    "output-location",
    "message",
    "results",
    "comment",
    "class-output",
    "attr-output",
    "class-warning",
    "attr-warning",
    "class-message",
    "attr-message",
    "class-error",
    "attr-error",
    "filename",
    "code-tools",
    "fig-responsive",
}


def check_chunk_options(options: dict, where: str) -> None:
    """Each option's name and value; raises BuildError naming `where` (file:line)."""
    for key, value in options.items():
        if key in SUPPORTED_OPTIONS:
            ok, allowed = SUPPORTED_OPTIONS[key]
            if not ok(value):
                raise BuildError(
                    f"{where}: chunk option '{key}: {value!r}' is not valid: "
                    f"'{key}' must be {allowed}"
                )
        elif key in IGNORED_IN_PDF:
            warn(
                where,
                f"chunk option '{key}' has no effect in a PDF (Quarto ignores "
                f"it there too)",
            )
        elif key in KNITR_ONLY:
            warn(
                where,
                f"chunk option '{key}' is for the knitr engine: Quarto ignores it "
                f"in a Jupyter (python) chunk, and so does the builder",
            )
        elif key in QUARTO_CELL_OPTIONS:
            raise BuildError(
                f"{where}: chunk option '{key}' is not supported by the built-in renderer "
                f"(supported: {', '.join(SUPPORTED_OPTIONS)}); remove it or build with "
                f"Quarto"
            )
        else:
            warn(where, f"chunk option '{key}' is not a Quarto option: ignored")


def check_captions(options: dict, where_of) -> None:
    """A caption with a label of the other float kind (`tbl-cap` with `label: fig-x`)
    stops the build.  A caption with no label, or one without a float prefix, makes an
    unnumbered-label float that Quarto still numbers ("Figure 1"), as weave.py does."""
    label = str(options.get("label", ""))
    for cap, prefix in (("fig-cap", "fig-"), ("tbl-cap", "tbl-")):
        other = "tbl-" if prefix == "fig-" else "fig-"
        if cap in options and label.startswith(other):
            raise BuildError(
                f"{where_of(cap)}: '{cap}' needs a chunk label starting with '{prefix}' "
                f"(label: {label}); a {other[:-1]}- label cannot carry a "
                f"{'figure' if cap == 'fig-cap' else 'table'} caption"
            )


# --- divs -----------------------------------------------------------------------------

ATTRIBUTE = re.compile(
    r"""\s*(?:#(?P<id>[^\s}]+)|\.(?P<cls>[^\s}]+)|(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s}]+))|(?P<bad>\S+))"""
)
DIV_FENCE = re.compile(r"^\s*(:{3,})\s*(.*?)\s*:*\s*$")
THEOREM_PREFIXES = {
    "thm",
    "lem",
    "cor",
    "prp",
    "cnj",
    "def",
    "exm",
    "exr",
    "rem",
    "sol",
}
FLOAT_PREFIXES = {"fig", "tbl"}
CALLOUTS = {"note", "tip", "warning", "important", "caution"}
DIV_CLASSES = {
    "proof",
    "remark",
    "solution",
    "content-visible",
    "content-hidden",
    "unnumbered",
}
CALLOUT_ATTRIBUTES = {
    "title": None,
    "collapse": {"true", "false"},
    "icon": {"true", "false"},
    "appearance": {"default", "simple", "minimal"},
}
CONDITION_ATTRIBUTES = {"when-format", "unless-format"}
FLOAT_ATTRIBUTES = {"layout-ncol", "layout-nrow", "fig-pos"}
# Quarto features written as div classes or ids that the builder does not implement.
QUARTO_DIV_CLASSES = {
    "panel-tabset",
    "panel-fill",
    "panel-center",
    "panel-input",
    "panel-sidebar",
    "column-margin",
    "column-body",
    "column-body-outset",
    "column-page",
    "column-page-inset",
    "column-screen",
    "column-screen-inset",
    "aside",
    "callout",
    "landscape",
    "incremental",
    "nonincremental",
    "fragment",
    "notes",
    "r-stack",
    "cell",
    "cell-output",
    "hidden",
    "code-fold",
    "border",
    "lightbox",
    "card",
    "grid",
    "g-col-6",
    "valuebox",
    "sidebar",
    "flow",
    "fill",
    "tabset",
}
QUARTO_ID_PREFIXES = {"lst", "sec"}  # a #lst- listing float, a #sec- div (section)


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
            value = next(
                v
                for v in (m.group("dq"), m.group("sq"), m.group("bare"))
                if v is not None
            )
            keys[m.group("key")] = value
    return ident, classes, keys


def check_div(attrs: str, where: str) -> tuple[str | None, list[str], dict]:
    """Validate a fenced div's attributes; returns (id, classes, attributes)."""
    ident, classes, keys = parse_attributes(attrs, where)
    allowed: set[str] = set()
    prefix = ident.split("-", 1)[0] if ident and "-" in ident else None
    if prefix in FLOAT_PREFIXES:
        allowed |= FLOAT_ATTRIBUTES
        ok, placement = SUPPORTED_OPTIONS["fig-pos"]
        if "fig-pos" in keys and not ok(keys["fig-pos"]):
            raise BuildError(
                f'{where}: fig-pos="{keys["fig-pos"]}" is not valid: must be {placement}'
            )
    elif prefix in QUARTO_ID_PREFIXES:
        raise BuildError(
            f"{where}: a div with the id '#{ident}' ({prefix}- cross-reference) is not "
            f"supported by the built-in renderer"
        )
    for cls in classes:
        if cls.startswith("callout-"):
            if cls.removeprefix("callout-") not in CALLOUTS:
                raise BuildError(
                    f"{where}: unknown callout '.{cls}' (Quarto has "
                    f"{', '.join('callout-' + c for c in sorted(CALLOUTS))})"
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
                    f"renderer (supported: when-format, unless-format)"
                )
        elif cls in QUARTO_DIV_CLASSES:
            raise BuildError(
                f"{where}: the div class '.{cls}' is a Quarto feature the built-in "
                f"renderer does not support"
            )
        elif cls not in DIV_CLASSES:
            warn(
                where,
                f"div class '.{cls}' has no effect in the PDF (Quarto ignores it "
                f"as well)",
            )
    for key in keys:
        if key not in allowed:
            raise BuildError(
                f"{where}: div attribute '{key}' is not supported by the built-in "
                f"renderer here"
                + (f" (supported: {', '.join(sorted(allowed))})" if allowed else "")
            )
    return ident, classes, keys


# Output formats a `when-format` name matches (Quarto's format aliases, abridged).
FORMAT_NAMES = {"pdf": {"pdf", "latex"}, "ipynb": {"ipynb"}}
OUTPUTS = tuple(FORMAT_NAMES)


def visible_in(classes: list[str], keys: dict) -> frozenset[str]:
    """The outputs ('pdf', 'ipynb') in which a .content-visible/-hidden div shows."""
    shown = set(OUTPUTS)
    for out in OUTPUTS:
        match_when = keys.get("when-format") in FORMAT_NAMES[out]
        match_unless = keys.get("unless-format") in FORMAT_NAMES[out]
        hit = ("when-format" not in keys or match_when) and (
            "unless-format" not in keys or not match_unless
        )
        if "content-hidden" in classes:
            hit = not hit if keys.keys() & CONDITION_ATTRIBUTES else False
        if not hit:
            shown.discard(out)
    return frozenset(shown)


# --- shortcodes -----------------------------------------------------------------------

SHORTCODES = {"include", "meta", "pagebreak"}
QUARTO_SHORTCODES = {
    "var",
    "env",
    "video",
    "embed",
    "kbd",
    "lipsum",
    "placeholder",
    "version",
    "contents",
    "brand",
    "downloadthis",
    "fa",
    "bi",
    "iconify",
}


def unsupported_shortcode(name: str, where: str) -> BuildError:
    kind = (
        "a Quarto shortcode" if name in QUARTO_SHORTCODES else "not a Quarto shortcode"
    )
    return BuildError(
        f"{where}: shortcode '{name}' is not supported by the built-in renderer ({kind}; "
        f"supported: {', '.join(sorted(SHORTCODES))}); write {{{{{{< {name} >}}}}}} to "
        f"show it literally"
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
        walk(yaml.compose(text), ())
    except yaml.YAMLError:
        pass
    return lines


# --- front matter and _quarto.yml ------------------------------------------------------

QUARTO_DOCUMENT_KEYS = set(
    """CJKmainfont CJKoptions abbreviations about abstract abstract-title adjusting
    affiliation aliases anchor-sections appendix-cite-as appendix-style article ascii
    aspectratio author author-meta axe backgroundcolor beamerarticle beameroption
    biblatexoptions biblio-config biblio-style biblio-title bibliography
    bibliographystyle block-headings body-classes brand brand-mode cache canonical-url
    category citation citation-abbreviations citation-location cite-method citecolor
    citeproc classoption code-annotations code-block-bg code-block-border-left
    code-block-height code-copy code-fold code-line-numbers code-link code-links
    code-overflow code-summary code-tools codefont colorlinks colortheme columns comments
    contrastcolor contributor copyright coverage creator crossref css csl daemon
    data-dir date date-format date-meta date-modified debug default-image-extension
    description df-print dir doi documentclass dpi editor editor_options
    email-obfuscation embed-resources enabled engine eol execute fig-align fig-asp
    fig-cap-location fig-dpi fig-format fig-height fig-pos fig-responsive fig-width
    filecolor filters font-paths fontcolor fontenc fontfamily fontfamilyoptions fontsize
    footer format freeze from funding geometry grid header-includes highlight-style
    html-math-method hyperrefoptions hyphenate identifier include-after
    include-after-body include-before include-before-body include-in-header indent
    institute ipynb ipynb-filters ipynb-output julia jupyter keep-hidden keep-ipynb
    keep-md keep-tex keep-typ keywords knitr lang language latex-auto-install
    latex-auto-mk latex-clean latex-input-paths latex-makeindex latex-max-runs
    latex-min-runs latex-output-dir latex-tinytex license lightbox lineheight
    linestretch link-bibliography link-citations linkcolor links-as-notes listings lof
    logo lot mainfont mainfontoptions margin-bottom margin-left margin-right margin-top
    mathfont mathfontoptions metadata metadata-file metadata-files microtypeoptions
    monobackgroundcolor monofont monofontoptions natbiboptions nocite notes
    number-depth number-offset number-sections output-divs output-ext output-file
    output-location page-layout pagenumbering pagestyle pagetitle papersize pdf-engine
    pdf-engine-opt pdf-engine-opts pdf-standard pdfa pointsize prefer-html
    reference-doc reference-location references resource-path resources sansfont
    sansfontoptions secnumdepth section-divs section-numbering self-contained
    shift-heading-level-by shortcodes shorthands smooth-scroll strip-comments subject
    subtitle syntax-definition syntax-definitions syntax-highlighting tbl-cap-location
    tbl-colwidths template template-partials thanks theme theorem-appearance title
    title-block-banner title-block-style title-meta title-prefix toc toc-depth
    toc-expand toc-location toc-title toccolor top-level-division urlcolor variables
    variant verbosity warning error echo output include eval wrap zotero""".split()
)
# Front-matter keys the builder reads (besides user metadata for {{< meta >}}).
SUPPORTED_META = {
    "title",
    "subtitle",
    "author",
    "date",
    "execute",
    "format",
    "jupyter",
    "bibliography",
    "csl",
    "link-citations",
    "nocite",
    "references",
}
# PDF options: where they are read (top level or under format: pdf:) and their values.
PDF_OPTIONS = {
    "toc": (lambda v: isinstance(v, bool), "true or false"),
    "toc-depth": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 6,
        "a whole number from 1 to 6",
    ),
    "number-sections": (lambda v: isinstance(v, bool), "true or false"),
    "documentclass": (_text, "a LaTeX class name"),
    "geometry": (
        lambda v: _text(v) or isinstance(v, list) and all(map(_text, v)),
        "a geometry option or a list of them (margin=2cm)",
    ),
    "fontsize": (
        lambda v: isinstance(v, str) and bool(re.fullmatch(r"\d+(\.\d+)?pt", v)),
        "a size in points such as 11pt",
    ),
    "colorlinks": (lambda v: isinstance(v, bool), "true or false"),
    "code-overflow": (lambda v: v in ("wrap", "scroll"), "wrap or scroll"),
    "fig-pos": SUPPORTED_OPTIONS["fig-pos"],  # the chunk option's values
    "mainfont": (_text, "a font name"),
    "include-in-header": (
        lambda v: all(
            isinstance(item, dict) and set(item) == {"text"} and _text(item["text"])
            for item in (v if isinstance(v, list) else [v])
        ),
        "LaTeX given as 'text: ...' (or a list of them); header files are not supported "
        "by the built-in renderer",
    ),
    "monofont": (_text, "a font name"),
    "cite-method": (
        lambda v: v == "citeproc",
        "citeproc (natbib and biblatex are not supported by the built-in renderer)",
    ),
    "pdf-engine": (lambda v: v in ("xelatex", "lualatex"), "xelatex or lualatex"),
    "keep-tex": (lambda v: isinstance(v, bool), "true or false"),
}
EXECUTE_OPTIONS = {
    k: SUPPORTED_OPTIONS[k]
    for k in ("echo", "warning", "output", "error", "eval", "include")
}
EXECUTE_IGNORED = {"freeze", "cache", "daemon", "daemon-restart", "debug", "enabled"}
PROJECT_KEYS = {
    "type",
    "render",
    "output-dir",
    "execute-dir",
    "resources",
    "pre-render",
    "post-render",
    "lib-dir",
    "preview",
    "title",
}


def _check(table: dict, key: str, value, where: str, what: str):
    ok, allowed = table[key]
    if not ok(value):
        raise BuildError(
            f"{where}: {what} '{key}: {value!r}' is not valid: must be {allowed}"
        )


def check_execute(execute, where_of, path: tuple) -> dict:
    """`execute:` options -> chunk-option defaults (validated)."""
    if execute is None:
        return {}
    if not isinstance(execute, dict):
        raise BuildError(f"{where_of(path)}: 'execute' must be a mapping of options")
    out = {}
    for key, value in execute.items():
        where = where_of(path + (key,))
        if key in EXECUTE_OPTIONS:
            _check(EXECUTE_OPTIONS, key, value, where, "execute option")
            out[key] = value
        elif key in EXECUTE_IGNORED:
            warn(
                where,
                f"execute option '{key}' does not change the document; the "
                f"built-in renderer has its own cache and ignores it",
            )
        else:
            raise BuildError(
                f"{where}: execute option '{key}' is not supported by the built-in "
                f"renderer (supported: {', '.join(EXECUTE_OPTIONS)})"
            )
    return out


def check_pdf_options(options: dict, where_of, path: tuple) -> dict:
    out = {}
    for key, value in options.items():
        where = where_of(path + (key,))
        if key in PDF_OPTIONS:
            _check(PDF_OPTIONS, key, value, where, "PDF option")
            out[key] = value
        elif key == "keep-ipynb":  # Quarto's executed notebook, read by post-render
            continue
        elif key in QUARTO_DOCUMENT_KEYS:
            raise BuildError(
                f"{where}: PDF option '{key}' is not supported by the built-in renderer "
                f"(supported: {', '.join(PDF_OPTIONS)}); remove it or build with Quarto"
            )
        else:
            warn(where, f"'{key}' is not a Quarto PDF option: ignored")
    return out


# `quarto render`'s scripts (builder/quarto_project.py) do what the builder does itself
QUARTO_HOOK = "builder/quarto_project.py"


def _builder_hook(value) -> bool:
    values = value if isinstance(value, list) else [value]
    return all(str(v).split()[:1] == [QUARTO_HOOK] for v in values)


def check_metadata(
    meta: dict, where_of, used_keys: set[str], project: bool, pdf: bool = True
) -> dict:
    """Validate front matter (or `_quarto.yml`); returns {'execute': {...}, 'pdf': {...}}
    for this level, format-specific options over top-level ones as in Quarto.
    `pdf=False`: the PDF is not made by the built-in typesetter (Quarto makes it, or none
    is made), so PDF options and Quarto's document options are left to Quarto."""
    execute, top_execute, top_pdf, fmt_pdf = {}, {}, {}, {}
    for key, value in meta.items():
        where = where_of((key,))
        if key == "execute":
            execute = check_execute(value, where_of, ("execute",))
        elif key == "format":
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
        elif key == "engine":
            if value != "jupyter":
                raise BuildError(
                    f"{where}: engine '{value}' is not supported: the built-in renderer "
                    f"runs python chunks with Jupyter (engine: jupyter)"
                )
        elif key == "jupyter":
            if value not in ("python3", "python"):
                raise BuildError(
                    f"{where}: jupyter kernel '{value}' is not supported: the "
                    f"built-in renderer runs python3"
                )
        elif key in PDF_OPTIONS:
            if pdf:
                _check(PDF_OPTIONS, key, value, where, "PDF option")
                top_pdf[key] = value
        elif key in EXECUTE_OPTIONS:  # `echo: false` at the top level, as in Quarto
            _check(EXECUTE_OPTIONS, key, value, where, "execute option")
            top_execute[key] = value
        elif key in ("title", "subtitle", "author") and not (
            isinstance(value, str)
            or key == "author"
            and isinstance(value, list)
            and all(isinstance(a, str) for a in value)
        ):
            raise BuildError(
                f"{where}: '{key}' must be text"
                + (" or a list of names" if key == "author" else "")
                + " for the built-in renderer (author fields such as affiliation are "
                "not supported)"
            )
        elif key in SUPPORTED_META or (key in QUARTO_DOCUMENT_KEYS and not pdf):
            continue
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
    return {"execute": {**top_execute, **execute}, "pdf": {**top_pdf, **fmt_pdf}}


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
    return check_pdf_options(pdf, where_of, ("format", "pdf"))


def read_yaml_file(path: Path) -> tuple[dict, dict[tuple, int]]:
    """A YAML mapping file and the line of each key; BuildError if it does not parse."""
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise BuildError(f"{path}: does not parse as YAML: {e}") from None
    if not isinstance(data, dict):
        raise BuildError(f"{path}: must be a mapping of keys to values")
    return data, yaml_lines(text)
