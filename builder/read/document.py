"""Stage 1, read: turn report.qmd into a Document of markdown blocks and python chunks.

Handles the Quarto subset the report uses, following the grammars Quarto and pandoc use:
the YAML header (and `_quarto.yml`, builder/read/options.py), `{{< include >}}` (nested, paths
relative to the including file, `/` = project root; also inside code blocks and chunks, where
the file's text is inserted as it is), `{{< meta key >}}`, `{{< pagebreak >}}`, escaped
shortcodes `{{{< x >}}}` (printed as `{{< x >}}`), pandoc's fence rules (a fence closes with
a fence of the same character at least as long), ```{python} chunks with `#|` options (one YAML
document), and `.content-visible`/`.content-hidden` divs with `when-format`/`unless-format`
(kept in the text: which output shows them is decided on the tree, parse.shown).
Every option, div and shortcode is validated (builder/read/validate.py).  Every block remembers the
file and line it came from so that errors can point at the source.
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import babel
import babel.dates
import yaml

from .. import vocabulary
from . import options as document_options
from . import validate
from .validate import BuildError, listed

VARIABLES_FILE = "_variables.yml"  # the project's values for {{< var >}}
# the path bare, or in double or single quotes (then with spaces), as Quarto's parser
INCLUDE = re.compile(
    r"""^\s*\{\{<\s*include\s+(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))\s*>\}\}\s*$"""
)
META = re.compile(r"\{\{<\s*meta\s+([\w.-]+)\s*>\}\}")
# any shortcode: {{< name args >}}, or escaped with a third brace {{{< name args >}}}
SHORTCODE = re.compile(r"(\{+)<\s*([\w-]*)([^>]*?)\s*>(\}+)")
# Quarto's inline expression: its pattern (src/core/execute-inline.ts) wants a character
# other than a backtick before the opening one, so `{python} a``{python} b` is one
# expression followed by code text there (which _check_inline refuses)
INLINE = re.compile(r"(?<!`)`\{python\}[ \t]+([^`]+?)\s*`")
AFTER_BACKTICK = re.compile(r"``\{python\}[ \t]")
PAGEBREAK = re.compile(r"^\s*\{\{<\s*pagebreak\s*>\}\}\s*$", re.M)
# an executable chunk's opening fence: ```{python}, ````{python}, ```{r} ...
LIST_ITEM = re.compile(r"^([-*+]|\(?(\d+|#|[A-Za-z]|[ivxlcdm]+)[.)])\s")  # pandoc's
HTML_COMMENT = re.compile(r"<!--|-->")  # where a comment opens or closes
OPTION_LINE = re.compile(r"#\s*\| ?")  # Quarto's optionCommentPattern, for python
CHUNK_OPEN = re.compile(r"^(`{3,})\s*\{([A-Za-z][\w-]*)\s*,?\s*([^}]*)\}\s*$")
FENCE = re.compile(r"^(```+|~~~+)")
# what looks like a chunk to its author but Quarto prints as text: a tilde fence, or text
# after the braces
NOT_A_CHUNK = re.compile(
    r"^~{3,}\s*\{[A-Za-z][^}]*\}|^`{3,}\s*\{[A-Za-z][^}]*\}\s*\S.*"
)
# an equation's alt text (Quarto 1.9+, for HTML), which its PDF leaves out
EQUATION_ALT = re.compile(r'(\$\$\s*\{#eq-[^\s}]+)\s+alt=(?:"[^"]*"|\'[^\']*\')\s*\}')
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$(\s*\{#eq-[^}]*\})?", re.S)
MATH_ENVIRONMENT = re.compile(
    r"\\begin\{(align|gather|multline|flalign|alignat|equation|eqnarray)(\*?)\}"
)
# display math that opens with one of these pandoc's LaTeX writer writes as it is, with
# no \[ \] around it (pandoc 3.9), so the environment numbers its rows as raw LaTeX does
RAW_MATH = re.compile(
    r"\s*\\begin\{(?:(?:align|gather|multline|flalign|alignat|equation)\*?|eqnarray)\}"
)


NAMES: dict[Path, str] = {}  # an included file -> its path from the document's folder


def source_name(file: Path) -> str:
    """How messages name a source file: an included one by its path from the
    document's folder (`proofs/bptt.qmd`), the document by its name."""
    return NAMES.get(file, file.name)


@dataclass
class Line:
    text: str
    file: Path
    lineno: int
    raw: bool = False  # inserted by an include inside a code block: taken as it is
    marked: str | None = None  # the text with its source position (mark_position)

    @property
    def where(self) -> str:
        return f"{source_name(self.file)}:{self.lineno}"


@dataclass
class Markdown:
    text: str
    file: Path
    line: int  # line of the first line of `text`
    origins: list = field(default_factory=list)  # (file, line) of each line of `text`
    # each line of `text` with its source position (mark_position), or None
    marks: list = field(default_factory=list)

    @property
    def marked(self) -> str:
        """`text` with source positions on its headings, divs and paragraphs."""
        lines = self.text.split("\n")
        return (
            "\n".join(m or t for m, t in zip(self.marks, lines)) if self.marks else ""
        )

    def where(self, k: int) -> str:
        """'file:line' of line `k` (from 0) of the text, across included files."""
        if k < len(self.origins):
            file, line = self.origins[k]
            return f"{source_name(file)}:{line}"
        return f"{source_name(self.file)}:{self.line + k}"

    def prose_lines(self) -> list[str]:
        """The lines of the text, those of code blocks (fences included) blank."""
        fence, lines = None, []
        for line in self.text.split("\n"):
            in_code, fence = fence is not None, next_fence(line, fence)
            lines.append("" if in_code or fence else line)
        return lines


@dataclass
class Chunk:
    source: str
    options: dict
    file: Path
    line: int  # line of the opening fence
    index: int = 0  # position among all chunks, from 0
    option_lines: list = field(default_factory=list)  # the `#|` lines as written
    fence: str = "```"

    @property
    def label(self) -> str:
        return self.options.get("label") or f"chunk-{self.index + 1}"

    def where(self) -> str:
        return f"{source_name(self.file)}:{self.line} (chunk '{self.label}')"

    def shown_source(self) -> str:
        """The code as the PDF shows it: with `echo: fenced`, inside its ```{python} fence
        with its `#|` lines (the `echo` line itself left out), as Quarto shows it.  Where
        an option is not one Quarto keeps in the cell's source (its jupyter.ts moves the
        others to the cell's metadata), or the chunk has a label (from which it makes the
        cell's id), the kept ones are written anew as YAML."""
        if self.options.get("echo") != "fenced":
            return self.source
        lines = [OPTION_LINE.sub("#| ", ln, count=1) for ln in self.option_lines if ln]
        text = "\n".join(ln[3:] for ln in lines)
        own = validate.yaml_mapping(text, "the chunk's option block", [self.where()])
        kept = vocabulary.VOCABULARY["chunk_options_in_cell_source"]
        if own.get("label") or any(key not in kept for key in own):
            own = {k: v for k, v in own.items() if k in kept}
            dumped = yaml.dump(
                own, Dumper=JsYamlDumper, sort_keys=False, allow_unicode=True, width=1e9
            )
            lines = [f"#| {line}" for line in dumped.splitlines()]
        options = [line for line in lines if not re.match(r"#\| echo\s*:", line)]
        return "\n".join([f"{self.fence}{{python}}", *options, self.source, self.fence])


class JsYamlDumper(yaml.SafeDumper):
    """YAML written as js-yaml writes it (Quarto's `stringify`): a list under a key is
    indented below it."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


@dataclass
class Document:
    path: Path
    meta: dict
    blocks: list = field(default_factory=list)
    # raw LaTeX blocks that define macros: expanded in the math of both outputs (weave.py)
    macros: list[str] = field(default_factory=list)
    settings: document_options.Settings = field(
        default_factory=document_options.Settings
    )
    # (expression, 'file:line', key) of each inline expression in the front matter
    front_inline: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def chunks(self) -> list[Chunk]:
        return [b for b in self.blocks if isinstance(b, Chunk)]

    @property
    def runs_jupyter(self) -> bool:
        """Whether Quarto runs the document with its Jupyter engine: it has a chunk, or
        says `jupyter:` or `engine: jupyter`; else its markdown engine runs nothing and
        leaves inline expressions as code."""
        engine = self.meta.get("engine")
        return engine == "jupyter" or (
            engine is None and bool(self.chunks or "jupyter" in self.meta)
        )

    def inline_expressions(self) -> list[tuple[str, str, int]]:
        """(expression, 'file:line', blocks before it) of every `{python} expr` Quarto
        evaluates: in the whole text of every Markdown block (code blocks and raw blocks
        included, as Quarto's notebook.py finds them) and in the front matter (position
        -1: the first Markdown cell's, before every chunk); none without the Jupyter
        engine."""
        if not self.runs_jupyter:
            return []
        for block in self.blocks:
            broken = isinstance(block, Markdown) and next(
                (m for m in INLINE.finditer(block.text) if "\n" in m.group(1)), None
            )
            if broken:
                k = block.text.count("\n", 0, broken.start())
                raise BuildError(
                    f"{block.where(k)}: the inline expression `{{python}} "
                    f"{' '.join(broken.group(1).split())}` runs onto the next line: "
                    "Quarto evaluates it but then prints it as code, or fails (its "
                    "kernel reads the line break); write it on one line"
                )
        front = [(expression, where, -1) for expression, where, _ in self.front_inline]
        return front + [
            (m.group(1), block.where(k), position)
            for position, block in enumerate(self.blocks)
            if isinstance(block, Markdown)
            for k, line in enumerate(block.text.split("\n"))
            for m in INLINE.finditer(line)
        ]


def resolve_inline(text: str, values: dict[str, str] | None) -> str:
    """Replace every `{python} expr` by the value the build computed for it where it
    stands (`values`: those of its block); `values` None (a document Quarto does not
    execute): left as code, as Quarto leaves it."""
    if values is None:
        return text
    return INLINE.sub(lambda m: values[m.group(1)], text)


RAW_TEX_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*\{=(latex|tex)\}\s*$")
MACRO_DEFINITIONS = ("\\newcommand", "\\renewcommand", "\\DeclareMathOperator", "\\def")


def next_fence(line: str, fence: str | None) -> str | None:
    """Track fenced code blocks (pandoc's rules): the open fence after `line`, or None
    outside any.  A fence closes with the same character, at least as many times, and
    nothing else on the line; a backtick fence's info string holds no backtick."""
    stripped = line.strip()
    if fence is not None:  # (a fence is 3 characters at least)
        closes = len(stripped) >= len(fence) and not stripped.strip(fence[0])
        return None if closes else fence
    m = FENCE.match(stripped)
    if m and m.group(1)[0] == "`" and "`" in stripped[len(m.group(1)) :]:
        return None  # ```code``` is inline code, not a fence
    return m.group(1) if m else None


def split_front_matter(
    lines: list[Line], path: Path
) -> tuple[dict, list[Line], dict[tuple, int]]:
    """The YAML header, the lines around it, and the line of each of its keys.  Blank
    lines and HTML comments may come before it, as Quarto reads it."""
    start, comment = 0, False
    while start < len(lines) and (
        comment
        or not lines[start].text.strip()
        or lines[start].text.lstrip().startswith("<!--")
    ):
        for mark in HTML_COMMENT.findall(lines[start].text):
            comment = mark == "<!--"
        start += 1
    if start == len(lines) or lines[start].text.strip() != "---":
        return {}, lines, {}
    for i in range(start + 1, len(lines)):
        if lines[i].text.rstrip() == "...":
            raise BuildError(
                f"{lines[i].where}: the YAML header ends with '...', which Quarto "
                f"does not take (it stops); end it with '---'"
            )
        if lines[i].text.strip() == "---":
            text = validate.js_yaml("\n".join(ln.text for ln in lines[start + 1 : i]))
            places = [ln.where for ln in lines[start + 1 : i]] or [lines[start].where]
            meta = validate.yaml_mapping(text, "the YAML header", places)
            rest = lines[:start] + lines[i + 1 :]
            return meta, rest, validate.yaml_lines(text, lines[start].lineno + 1)
    raise BuildError(
        f"{lines[start].where}: the YAML header opened with '---' is never closed"
    )


def _include_target(path: Path, root: Path, base: Path, n: int, target: str) -> Path:
    """The file an include names: from the project's root if it starts with `/`, else
    from the main document's folder `base`, also inside a partial (Quarto's rule)."""
    file = root / target.lstrip("/") if target.startswith("/") else base / target
    if not file.is_file():
        beside = path.parent / target
        hint = (
            f"; Quarto reads it from the main document's folder, not the partial's: "
            f"write '{os.path.relpath(beside, base)}'"
            if beside.is_file() and not target.startswith("/")
            else ""
        )
        raise BuildError(
            f"{source_name(path)}:{n}: include file '{target}' not found (looked for "
            f"{file}){hint}"
        )
    return file


def _read_text(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise BuildError(
            f"{path}: not UTF-8 text ({e.reason} at byte {e.start})"
        ) from None
    if text.startswith("\ufeff"):
        raise BuildError(
            f"{source_name(path)}:1: the file starts with a byte-order mark (U+FEFF), "
            f"which Quarto reads as text: the front matter's format options, or the "
            f"heading it starts with, would be lost; save the file as UTF-8 without it"
        )
    return text


def expand_includes(path: Path, root: Path, stack: tuple[Path, ...] = ()) -> list[Line]:
    """The lines of `path` with every include shortcode replaced by the included lines.
    Outside code the included file is read as markdown (its own includes expanded); an
    include standing alone inside a code block or chunk inserts the file's text as it is
    (Quarto 1.4+). Paths are read as `_include_target` reads them."""
    path = path.resolve()
    base = stack[0].parent if stack else path.parent
    if path in stack:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise BuildError(f"{stack[-1]}: include cycle: {chain}")
    out: list[Line] = []
    fence = None
    for n, raw in enumerate(_read_text(path).splitlines(), start=1):
        if not (inc := INCLUDE.match(raw)):
            fence = next_fence(raw, fence)
            out.append(Line(raw, path, n))
            continue
        target = next(g for g in inc.groups() if g is not None)  # without its quotes
        file = _include_target(path, root, base, n, target)
        NAMES[file] = os.path.relpath(file, base)
        if not fence:  # outside code: markdown, its own includes expanded
            out += expand_includes(file, root, (*stack, path))
            continue
        out += [
            Line(text, file, k, raw=True)
            for k, text in enumerate(_read_text(file).splitlines(), start=1)
        ]
    return out


def printed(value, what: str, where: str) -> str:
    """A metadata value as Quarto's shortcodes print it (pandoc's reading of a JSON
    value): `true`, a whole number without a point, another number as Haskell shows a
    Double (0.5, but 3.0e-3 below 0.1 and 1.2e7 from 10^7).  Raises BuildError for a
    list, mapping or null, which Quarto prints as '?invalid ... type'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float) and not 0.1 <= abs(value) < 1e7:
        sign, digits, exponent = decimal.Decimal(repr(value)).as_tuple()
        first, rest = str(digits[0]), "".join(map(str, digits[1:])).rstrip("0")
        power = len(digits) + exponent - 1
        return f"{'-' * sign}{first}.{rest or '0'}e{power}"
    if value is None or isinstance(value, (list, dict)):
        kind = {list: "list", dict: "mapping"}.get(type(value), "null")
        raise BuildError(
            f"{where}: {what} names a {kind} value, which Quarto prints as "
            f"'?invalid ... type': name one of its keys"
        )
    return str(value)


def _lookup(data: dict, key: str, what: str, where: str, source: str) -> str:
    """The value of a dotted `key` in `data`, printed as Quarto prints it."""
    value = data
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise BuildError(f"{where}: {what} names a key that {source}")
        value = value[part]
    return printed(value, what, where)


# the shortcodes that print a key's value, and what a missing key is missing from
LOOKED_UP = {
    "meta": "neither the YAML header nor _quarto.yml has",
    "var": f"the project's {VARIABLES_FILE} does not have (Quarto reads it only beside "
    "a _quarto.yml)",
}


# inline code on a line: a run of backticks, and the same run closing it (pandoc's rule)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")
# a value with none of these is the same text as Markdown and as plain text
MARKUP = re.compile(r"[*_`$\\\[\]<>~^&@]")
STRINGIFY = Path(__file__).with_name("stringify.lua")


def plain_text(value: str) -> str:
    """A Markdown value as pandoc.utils.stringify gives it: the text Quarto prints for
    `meta` and `var` in code, where no Markdown is read (`*a* $x$` gives `a x`)."""
    if not MARKUP.search(value):
        return value
    import pypandoc

    text = pypandoc.convert_text(value, str(STRINGIFY), format="markdown")
    return text.strip("\n")


def _resolve_shortcodes(line: Line, values: dict, in_code: bool = False) -> str:
    """A line of prose or of a code block with its shortcodes resolved: `meta`, `var` and
    `env` replaced by their values (`values`: the metadata, `_variables.yml` and the
    environment; in code, inline code too, as plain text), `kbd` by its key as code,
    `pagebreak` kept for the typesetter, `{{{< x >}}}` and `{{</* x */>}}` printed as
    `{{< x >}}` (the latter as written in code, as Quarto's filter reads text only); any
    other shortcode stops the build."""
    where = line.where
    spans = [m.span() for m in CODE_SPAN.finditer(line.text)] if not in_code else []

    def resolve(m: re.Match) -> str:
        code = in_code or any(a < m.start() < b for a, b in spans)
        return _resolve(m, code)

    def _resolve(m: re.Match, in_code: bool) -> str:
        opening, name, args, closing = m.groups()
        if len(opening) == 3 and len(closing) == 3:  # escaped: shown as written
            return m.group(0)[1:-1]
        if len(opening) != 2 or len(closing) != 2:
            return m.group(0)
        if not name and args.startswith("/*") and args.endswith("*/"):  # escaped too
            return m.group(0) if in_code else "{{<" + args[2:-2] + ">}}"
        words = [w.strip("\"'") for w in re.findall(r'"[^"]*"|\'[^\']*\'|\S+', args)]
        what = f"{{{{< {name} {' '.join(words)} >}}}}"
        if name in LOOKED_UP and words:
            value = _lookup(values[name], words[0], what, where, LOOKED_UP[name])
            return plain_text(value) if in_code else value
        if name == "env" and words:  # as Quarto: the default, if given, when unset
            found = values["env"].get(words[0], words[1] if len(words) > 1 else None)
            if found is None:
                raise BuildError(
                    f"{where}: {what}: no environment variable {words[0]} (Quarto "
                    f"prints ?env:{words[0]}): set it, or give a default, "
                    f'{{{{< env {words[0]} "default" >}}}}'
                )
            return found
        if name == "kbd" and words:  # a key as code, as Quarto's PDF sets it
            keys = [w for w in words if w != "mode=plain"]
            if len(keys) != 1 or "=" in keys[0]:
                raise BuildError(
                    f"{where}: {what}: keys for each system (mac=, win=, linux=) are "
                    f"not supported by the built-in renderer (Quarto 1.10.18 lists them "
                    f"in no fixed order): give one key combination"
                )
            return keys[0] if in_code else f"`{keys[0]}`"
        if name == "pagebreak" and not in_code:
            if line.text.strip() != m.group(0):
                raise BuildError(
                    f"{where}: {{{{< pagebreak >}}}} must stand alone on its line"
                )
            return m.group(0)
        if name == "include":
            raise BuildError(
                f"{where}: {{{{< include >}}}} must stand alone on its line"
            )
        if name == "pagebreak":
            raise BuildError(f"{where}: {{{{< pagebreak >}}}} inside a code block")
        raise validate.unsupported_shortcode(name, where)

    return SHORTCODE.sub(resolve, line.text)


def parse_options(
    body: list[Line], path: Path, values: dict | None = None, indent: int = 0
) -> tuple[dict, list[Line]]:
    """Split the leading `#|` lines of a chunk from its code and parse them as one YAML
    document (block scalars and lists may span lines); validate names and values; the
    shortcodes of text values (`fig-cap: "On {{< meta dataset >}}"`) resolved with
    `values`, as Quarto resolves them.  Quarto's rule for an option line: `#`, spaces,
    `|` at the start of the line (past the fence's `indent`), after any blank lines."""
    start = next((k for k, ln in enumerate(body) if ln.text.strip()), len(body))
    n = 0
    while start + n < len(body) and OPTION_LINE.match(
        _unindent(body[start + n].text, indent)
    ):
        n += 1
    if n == 0:
        return {}, body
    body = body[start:]
    text = "\n".join(
        OPTION_LINE.sub("", _unindent(ln.text, indent), count=1) for ln in body[:n]
    )
    places = [ln.where for ln in body[:n]]
    options = validate.yaml_mapping(text, "the chunk's option block", places)
    lines = validate.yaml_lines(text)

    def where(key: str) -> str:
        return body[lines.get((key,), 1) - 1].where

    for key, value in options.items():
        validate.check_chunk_options({key: value}, where(key))
        if values is not None and isinstance(value, (str, list)):
            at = body[lines.get((key,), 1) - 1]
            texts = [
                _resolve_shortcodes(replace(at, text=t), values)
                if isinstance(t, str)
                else t
                for t in listed(value)
            ]
            options[key] = texts if isinstance(value, list) else texts[0]
    validate.check_captions(options, where)
    validate.check_label(options, where)
    return options, body[n:]


# chunk languages that Quarto runs in an engine of their own (knitr, julia, Observable)
# or draws (diagrams); a chunk of any other language Quarto's Jupyter engine shows
ENGINE_LANGUAGES = ("r", "julia", "ojs", "mermaid", "dot")


def _shown_chunk(line: Line, opening: re.Match) -> Line:
    """The opening fence of a chunk of another language than python as a code block's:
    Quarto's Jupyter engine shows its code as written (its `#|` lines too) and runs
    nothing. Raises BuildError for a language Quarto runs or draws another way."""
    ticks, language, rest = opening.groups()
    if language in ENGINE_LANGUAGES:
        raise BuildError(
            f"{line.where}: '{{{language}}}' chunks are run or drawn by Quarto's own "
            f"engines (knitr, julia, Observable, diagrams), which the built-in renderer "
            f"does not have (it runs python chunks): build with Quarto"
        )
    if rest.strip():
        raise BuildError(
            f"{line.where}: options in the chunk header ('{rest.strip()}') are not "
            f"supported: write the block as a code block, ```{language}"
        )
    validate.warn(
        line.where,
        f"a '{{{language}}}' chunk is not run: its code is shown as written, as "
        f"Quarto's Jupyter engine shows it",
    )
    indent = line.text[: len(line.text) - len(line.text.lstrip())]
    return replace(line, text=f"{indent}{ticks}{language}")


def tag_options(options: dict) -> dict:
    """The options a chunk's `tags` stand for (`hide-code`: echo false, ...), in the
    tags' order, as Quarto reads them."""
    tags = options.get("tags", [])
    return {k: v for t in tags for k, v in vocabulary.CELL_TAGS.get(t, {}).items()}


def _check_chunk_code(body: list[Line]):
    """Shortcodes other than include (expanded before) inside a chunk's code."""
    for line in (ln for ln in body if not ln.raw):
        m = SHORTCODE.search(line.text)
        if m and len(m.group(1)) == len(m.group(4)) == 3:  # escaped: {{{< x >}}}
            raise BuildError(
                f"{line.where}: an escaped shortcode inside a python chunk: Quarto shows "
                f"it as written in the code but unescaped in the cell's output, which the "
                f"built-in renderer does not; build the text from parts ('{{{{' + '<'), "
                f"or build with Quarto"
            )
        if m and len(m.group(1)) >= 2 and len(m.group(4)) >= 2:
            raise BuildError(
                f"{line.where}: shortcode '{m.group(2)}' inside a python chunk is not "
                f"supported by the built-in renderer (only include, alone on its line; "
                f"Quarto shows it as written in the code and replaces it in the cell's "
                f"output): write its value into the code, or build with Quarto"
            )


def _check_inline(block: Markdown):
    """An inline expression written right after a backtick (another expression's closing
    one): Quarto leaves it as code text, unevaluated; say so where it stands."""
    for k, line in enumerate(block.prose_lines()):
        if AFTER_BACKTICK.search(line):
            raise BuildError(
                f"{block.where(k)}: an inline expression right after a backtick is not "
                "evaluated by Quarto (it needs another character before its opening "
                "backtick): put the two expressions into one, or text between them"
            )


def _text_lines(lines: list[str]):
    """(k, line) for the lines of prose (`Markdown.prose_lines`) without their code
    spans and HTML comments, which hold no math and no references."""
    comment = False
    for k, line in enumerate(lines):
        line = CODE_SPAN.sub("", re.sub(r"<!--.*?-->", "", line))
        if comment or "<!--" in line:
            comment = "-->" not in line
            line = line.split("<!--")[0] if "<!--" in line else ""
        yield k, line


def _check_display_math(block: Markdown):
    """`$$ x = \begin{align} ... $$`, or any environment in labelled display math: an
    environment of its own inside display math is a LaTeX error (Quarto's too); say so
    where it stands.  Unlabelled display math that opens with one is written as it is
    (RAW_MATH), as pandoc writes it."""
    lines = block.prose_lines()
    opened = None  # the line of a `$$` that opens display math, until it closes
    for k, line in _text_lines(lines):
        if opened is None and line.count("$$") % 2:  # opens at a line's start or end
            opened = k
        elif opened is not None and not line.strip():
            raise BuildError(
                f"{block.where(k)}: a blank line inside the display math opened at "
                f"{block.where(opened)}: it ends the math for pandoc (and Quarto), and "
                f"LaTeX then fails on what follows: remove the blank line"
            )
        elif opened is not None and "$$" in line:
            opened = None
    text = "\n".join(lines)
    for m in DISPLAY_MATH.finditer(text):
        env = MATH_ENVIRONMENT.search(m.group(1))
        if env and (m.group(2) or not RAW_MATH.match(m.group(1))):
            k = text.count("\n", 0, m.start(1) + env.start())
            name = env.group(1) + env.group(2)
            labelled = " labelled" if m.group(2) else ""
            inner = {"align": "aligned", "gather": "gathered", "alignat": "alignedat"}
            hint = inner.get(env.group(1), "aligned")
            raise BuildError(
                f"{block.where(k)}: \\begin{{{name}}} inside{labelled} display math "
                f"($$ ... $$) is a LaTeX error (amsmath: erroneous nesting; Quarto fails "
                f"on it too): write \\begin{{{hint}}} ... \\end{{{hint}}} inside the $$ "
                f"instead"
            )


# @Sec-x too, as number.py reads references
SECTION_REF = re.compile(r"(?<![\w@\\])@([Ss]ec-[\w-]*\w)")


def _check_section_references(doc: Document):
    """`@sec-x` without `number-sections: true`: Quarto prints the kind's name with no number
    (checked with Quarto 1.10.18); stop instead of printing that."""
    if doc.settings.pdf.get("number-sections", False):
        return
    for block in (b for b in doc.blocks if isinstance(b, Markdown)):
        for k, line in _text_lines(block.prose_lines()):
            if m := SECTION_REF.search(line):
                raise BuildError(
                    f"{block.where(k)}: the reference @{m.group(1)} needs numbered "
                    f"sections (without them Quarto prints its name and an empty "
                    f"number: '{vocabulary.NAMES['sec']} .'): set number-sections: true "
                    f"under format: pdf: (front matter or _quarto.yml), or refer to the "
                    f"section by name"
                )


HEADING = re.compile(r"^(#{1,6})(\s+.*?)\s*$")
# a heading's attributes, `{#id .class key=value -}` at its end, unless they are a LaTeX
# command's argument (`\\net{}`) or a span's (`[new]{.smallcaps}`)
ATTRIBUTES = re.compile(
    r"""\{((?:\s*(?:[#.][^\s{}=]+|[\w-]+=(?:"[^"]*"|'[^']*'|[^\s{}"']*)|-))*)\s*\}\s*$"""
)
ARGUMENT_OF = re.compile(r"(\\[A-Za-z]+|\])$")  # what a `{...}` right after belongs to
# the line under a table's header or a setext heading; a multiline table's first and last
UNDERLINE = re.compile(r"^\s*(-{3,}|={3,})(\s+-+)*\s*$")
TABLE_RULE = re.compile(r"^-{3,}\s*$")
# a headerless table's first and last rule, or a simple table's under its header
GAPPED_RULE = re.compile(r"^\s*-{3,}(\s+-+)+\s*$")
INDENTED = re.compile(r"^(?: {4}|\t)")  # a line of an indented code block
SETEXT = re.compile(r"^\s*(=+|-+)\s*$")  # a setext heading's underline
# a paragraph's first line: a word or number (not a list marker or a table caption), a
# citation, display math, inline code or raw LaTeX (`\x`{=latex}), emphasis, a link or
# a span (not a note, a link's definition or a linked image, which may be a figure), a
# note's reference, a parenthesis (not a list marker's), quotes, inline math,
# strike-out, a percent sign, any non-ASCII letter, an inline HTML tag (not a block's),
# an image with more text after it on its line (alone in its paragraph, its caption
# wrapped too, it is a figure, which a mark would make text)
PARAGRAPH = re.compile(
    r"^(?!(?:[A-Za-z]{1,5}|[ivxlcdm]+|[IVXLCDM]+)[.)]\s)(?!(?:[Tt]able)?:)[A-Za-z]"
    r"|^@[A-Za-z]|^\$|^`(?!``)|^\*{1,2}[^\s*]|^_{1,2}[^\s_]"
    r"|^\[(?![\^!])(?!.*\]:(?:\s|$))|^\d+(?![\d.)])|^\[\^[^\]]*\](?!:)"
    r"|^\((?!(?:\d+|#|@[\w-]*|[A-Za-z]{1,5}|[ivxlcdm]+|[IVXLCDM]+)\)(?:\s|$))"
    r"|^[\"'%]|^~~(?!~)|^[^\x00-\x7f]"
    r"|^<(?:a|abbr|b|br|code|em|i|img|kbd|mark|s|small|span|strong|sub|sup|u)\b"
    r"|^!\[[^\]]*\]\([^)]*\)(?:\{[^}]*\})?\s*[^\s{]"
)
# the quote signs and the marker of a list item (a task's box too; an example's) or a
# note, up to the text: at least one of them
ITEM = re.compile(
    r"^(?=\s*[>\[(@\w*+-])(?:\s*>\s?)*\s*(?:(?:[-*+]|\(?(?:\d+|#|[A-Za-z]"
    r"|[ivxlcdmIVXLCDM]+)[.)]|\(@[\w-]*\))\s+(?:\[[ xX]\]\s+)?|\[\^[^\]]+\]:\s+)?(?=\S)"
)
# a table's caption with attributes, `: Caption {#tbl-x}`, up to its closing brace
TABLE_CAPTION = re.compile(r"^((?:[Tt]able)?:\s.*\{[#.][^{}]*)\}\s*$")
EXAMPLE = re.compile(r"^@([\w-]+)[.)](?:\s|$)")  # pandoc's example list item `@label.`


def in_list(prose: list) -> bool:
    """The last line with text before a blank line is a list's (an item's, or indented
    in one): an indented line after the blank continues the list, not a code block."""
    last = next((ln.text for ln in reversed(prose) if ln.text.strip()), "")
    return bool(LIST_ITEM.match(last.lstrip()) or last[:1].isspace())


# a quoted attribute value that starts with white space: pandoc reads no attribute of
# the block (its `enclosed` value parser), and prints the attributes as text
SPACED_VALUE = re.compile(r"""([\w-]+)=("\s[^"]*"|'\s[^']*')""")


# `key = value` in a div's attributes, which Quarto reads as `key=value` (pandoc does
# not): the spaces around `=` outside quoted values
SPACED_EQUALS = re.compile(r"""("[^"]*"|'[^']*')|\s*=\s*""")


def _check_attributes(inner: str, line: Line) -> str:
    """`inner`, an attribute block's text, if pandoc reads it; else a located stop."""
    if m := SPACED_VALUE.search(inner):
        raise BuildError(
            f"{line.where}: the attribute {m.group(1)}={m.group(2)} starts with a "
            "space, so pandoc (and Quarto) reads none of "
            f"the attributes {{{inner.strip()}}} and prints them as text: remove the "
            "space"
        )
    return inner


def mark_fence(line: Line) -> str | None:
    """A code block's opening fence with its source position as an attribute; a raw
    block's (```{=latex}), which takes no attributes, after a position marker."""
    m = re.match(r"^(\s*(?:`{3,}|~{3,}))\s*(\{.*\}|[\w.+-]+)?\s*$", line.text)
    if not m:
        return None
    info = (m.group(2) or "").strip()
    if info.startswith("{="):  # a raw block, also indented (in a list item)
        return _after_marker(line)
    inner = info[1:-1] if info.startswith("{") else (f".{info}" if info else "")
    _check_attributes(inner, line)
    return f'{m.group(1)}{{{inner} data-pos="{line.where}"}}'


def _unindent(text: str, indent: int) -> str:
    """A code line without the indentation of its fence (as much of it as it has)."""
    return text[min(indent, len(text) - len(text.lstrip())) :]


def mark_position(line: Line, previous: str, following: str) -> str | None:
    """The line with its source position ("file:line") where pandoc keeps it in the
    document tree: a `data-pos` attribute on a div or heading, an empty span
    `[]{data-pos=...}` at the start of a paragraph (after a blank line, a heading or a div
    fence; not list items, table captions, or a table's header); a setext heading's
    text gets it as an attribute, as an ATX heading, and a table's caption `{#tbl-x}` too;
    a block marker before raw LaTeX.  None: nothing to mark.  A line marked where
    pandoc starts no block is taken back (take_back_misread_marks)."""
    pos = f'data-pos="{line.where}"'
    if div := validate.DIV_FENCE.match(line.text):
        attrs = div.group(2).strip()
        if not attrs:
            return None
        inner = _check_attributes(attrs[1:-1] if attrs[0] == "{" else "." + attrs, line)
        inner = SPACED_EQUALS.sub(lambda m: m.group(1) or "=", inner)
        indent = line.text[: div.start(1)]  # inside a list item: kept there
        return f"{indent}{div.group(1)} {{{inner} {pos}}}"
    after_block = not previous.strip() or previous.lstrip().startswith((":::", "#"))
    h = HEADING.match(line.text)
    if h or (after_block and line.text.strip() and SETEXT.match(following)):
        text = h.group(2) if h else line.text  # an ATX heading, or a setext one's text
        attrs = ATTRIBUTES.search(text)
        if attrs and ARGUMENT_OF.search(text[: attrs.start()]):
            attrs = None
        if attrs:
            text = text[: attrs.start()]
        inner = f"{_check_attributes(attrs.group(1), line) if attrs else ''} {pos}"
        return f"{h.group(1) if h else ''}{text.rstrip()} {{{inner}}}"
    item = ITEM.match(line.text)  # a list item's or a quote's first line
    if item and item.group(0).strip() and PARAGRAPH.match(line.text[item.end() :]):
        return f"{item.group(0)}[]{{{pos}}}{line.text[item.end() :]}"
    if not after_block or UNDERLINE.match(following):
        return None
    if m := EXAMPLE.match(line.text):  # no marker: it would hide the list marker
        validate.warn(
            line.where,
            f"'@{m.group(1)}{line.text[m.end(1)]}' at the start of a line is an item of "
            f"pandoc's example lists, not a reference or citation, and every "
            f"@{m.group(1)} prints the item's number (in Quarto too): put a word "
            f"before it, or write (@{m.group(1)}) for an example list",
        )
        return None
    if PARAGRAPH.match(line.text):
        return f"[]{{{pos}}}{line.text}"
    if caption := TABLE_CAPTION.match(line.text):  # pandoc keeps it on the table
        if following.strip():  # one paragraph for pandoc: the label not at its end
            raise BuildError(
                f"{line.where}: the table caption runs on into the next line, which "
                f"pandoc reads with it (Quarto then prints its {{#...}} as text, and a "
                f"reference to it as ?@label): leave a blank line after the caption"
            )
        return f"{caption.group(1)} {pos}}}"
    if line.text.startswith("\\") and not previous.strip():  # raw LaTeX: a marker
        return _after_marker(line)  # block, which after a `#` line splits a paragraph
    return None


def pandoc_path() -> str:
    """The pandoc binary every stage runs (the pypandoc-binary wheel's)."""
    import pypandoc

    return pypandoc.get_pandoc_path()


def _placed(value, in_table: bool = False):
    """The source positions of the marks pandoc read where the reader put them, in
    `value` (a part of pandoc's JSON tree): a div's, heading's, code block's or table's
    attribute, an empty span, a raw `pos` block; none in a table's cells, where a mark
    shifts the columns."""
    if isinstance(value, list):
        for item in value:
            yield from _placed(item, in_table)
        return
    if not isinstance(value, dict):
        return
    t, c = value.get("t"), value.get("c")
    if t == "RawBlock" and c[0] == "pos":
        yield c[1].strip()
    elif t in ("Div", "Header", "CodeBlock", "Table", "Span") and not in_table:
        yield dict((c[1] if t == "Header" else c[0])[2]).get("data-pos")
    yield from _placed(c if t else list(value.values()), in_table or t == "Table")


def take_back_misread_marks(blocks: list[Markdown]) -> None:
    """Take back the position marks that pandoc reads as text (a line the reader took for
    a heading, a paragraph's start or a div fence that continues a paragraph), or as
    code, math, raw LaTeX or a table's row: pandoc's reading of the marked text decides
    where a block starts, and a mark only goes where it does."""
    pandoc = [pandoc_path(), "--from", "markdown", "--to", "json"]
    for _ in range(3):  # a mark taken back may change how pandoc reads the next
        marked = {b.where(k) for b in blocks for k, m in enumerate(b.marks) if m}
        text = "\n\n".join(b.marked for b in blocks)
        tree = subprocess.run(pandoc, input=text, capture_output=True, text=True)
        if tree.returncode:  # the parse after weaving says what pandoc could not read
            return
        misread = marked - set(_placed(json.loads(tree.stdout)["blocks"]))
        if not misread:
            return
        for b in blocks:
            b.marks = [
                None if b.where(k) in misread else m for k, m in enumerate(b.marks)
            ]


QUOTED = re.compile(r"^\s*(?:>\s?)*")  # a line's quote signs, if in a block quote


def _yaml_block(text: str, previous: str, following: str, after: list[Line]) -> bool:
    """Whether `text` (a line after the front matter, between `previous` and `following`,
    `after` the lines after it) opens a YAML metadata block as pandoc reads one: `---` at
    a block's start (after a blank line, a div fence or a heading; in a quote too), the
    next line not blank, and up to `---` or `...` a YAML mapping."""
    previous = QUOTED.sub("", previous).strip()
    if QUOTED.sub("", text).rstrip() != "---" or not QUOTED.sub("", following).strip():
        return False
    if previous and not previous.startswith((":::", "#")):
        return False
    for k, line in enumerate(after):
        if QUOTED.sub("", line.text).rstrip() in ("---", "..."):
            block = "\n".join(QUOTED.sub("", ln.text) for ln in after[:k])
            try:
                return isinstance(yaml.safe_load(block), dict)
            except yaml.YAMLError:
                return False
    return False


def _after_marker(line: Line) -> str:
    """The line after a position marker block, for raw LaTeX, which takes no attribute
    (the marker indented as the line, in the same list item)."""
    indent = line.text[: len(line.text) - len(line.text.lstrip())]
    marker = f"```{{=pos}}\n{line.where}\n```".replace("\n", "\n" + indent)
    return f"{indent}{marker}\n{line.text}"


# Quarto's named date formats (src/core/date.ts: Intl.DateTimeFormat's dateStyle)
DATE_STYLES = ("full", "long", "medium", "short")
# dayjs's format tokens (with its advanced-format plugin, which Quarto loads) and, first,
# [text] written as it is; the week, week-year and time-zone-name tokens are not read
DAYJS = re.compile(
    r"\[([^\]]*)\]|Do|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|dd|d|HH|H|hh|h|kk|k|mm|m|ss"
    r"|s|SSS|A|a|ZZ|Z|Q|X|x|(wo|ww|w|WW|W|gggg|GGGG|zzz|z)"
)
NAMED = {"MMMM", "MMM", "dddd", "ddd", "dd", "Do", "A", "a"}  # words of a language
# the dates Quarto reads (src/core/date.ts, parsePandocDate): its formats in its order,
# in strptime's spelling, then ISO 8601 and the forms its format guess reads most often
DATE_INPUTS = (
    "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y", "%m-%d-%y", "%Y-%m-%d", "%d %m %Y", "%m %d, %Y",
    "ISO", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %Y", "%Y-%m",
)  # fmt: skip


def read_date(text: str) -> datetime.datetime | None:
    """The date and time `text` gives, read as Quarto reads it; None if not a date."""
    for form in DATE_INPUTS:
        try:
            if form == "ISO":
                day = datetime.datetime.fromisoformat(text)  # with a zone: local time
                return day.astimezone().replace(tzinfo=None) if day.tzinfo else day
            return datetime.datetime.strptime(text, form)
        except ValueError:
            continue
    return None


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st, ... (dayjs's English ordinal)."""
    suffix = "th" if 10 < n % 100 < 14 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10)
    return f"{n}{suffix or 'th'}"


def date_locale(lang) -> str:
    """The language Quarto writes dates in: `lang`, else its language alone (`fr` for
    `fr-BE`), where dayjs has it (vocabulary.json: dayjs_locales), else `en`."""
    lang = str(lang or "en").lower()
    known = [x for x in (lang, lang.split("-")[0]) if x in vocabulary.DAYJS_LOCALES]
    return known[0] if known else "en"


def format_date(date, fmt: str, meta: dict, where: str) -> str:
    """`date` (a date, or text Quarto reads as one: `read_date`) written by `date-format`
    (default `iso`), as Quarto writes it (src/core/date.ts): a named style (full, long,
    medium, short) as Intl.DateTimeFormat writes it in the document's language (CLDR's
    patterns, here from babel), `iso`, or dayjs tokens, in US English; a date it cannot
    read stays as written, with a warning.  Raises BuildError for dayjs's words (month,
    weekday) in another `lang` and for the week and time-zone-name tokens."""
    pattern = "YYYY-MM-DD" if fmt == "iso" else fmt
    lang = date_locale(meta.get("lang"))
    named = any(m.group() in NAMED for m in DAYJS.finditer(pattern))
    if fmt not in DATE_STYLES and named and lang != "en":
        raise BuildError(
            f"{where}: date-format '{fmt}' in a document with lang: {meta['lang']} is "
            f"not supported by the built-in renderer (Quarto writes its words in that "
            f"language): write the date out, use a style (long, ...), or build with "
            f"Quarto"
        )
    day = read_date(str(date).strip())
    if day is None:
        why = "printed as written (Quarto makes a date of what it can read in it)"
        validate.warn(where, f"date '{date}' is not a date the builder reads: {why}")
        return date
    if fmt in DATE_STYLES:
        try:
            locale = babel.Locale.parse(lang, sep="-")
        except babel.UnknownLocaleError:  # Intl's own fallback: US English
            locale = babel.Locale("en")
        return babel.dates.format_date(day, fmt, locale=locale)
    offset = day.astimezone().strftime("%z")  # the local time zone's, as dayjs's
    words = {
        "Do": _ordinal(day.day),
        "YYYY": f"{day.year}",
        "YY": f"{day.year % 100:02d}",
        "MMMM": day.strftime("%B"),
        "MMM": day.strftime("%b"),
        "M": f"{day.month}",
        "D": f"{day.day}",
        "dddd": day.strftime("%A"),
        "ddd": day.strftime("%a"),
        "dd": day.strftime("%a")[:2],
        "d": f"{day.isoweekday() % 7}",  # Sunday 0
        "H": f"{day.hour}",
        "h": f"{(day.hour - 1) % 12 + 1}",
        "k": f"{day.hour or 24}",
        "m": f"{day.minute}",
        "s": f"{day.second}",
        "SSS": f"{day.microsecond // 1000:03d}",
        "A": "AM" if day.hour < 12 else "PM",
        "a": "am" if day.hour < 12 else "pm",
        "ZZ": offset,
        "Z": f"{offset[:3]}:{offset[3:]}",
        "Q": f"{(day.month - 1) // 3 + 1}",
        "X": f"{int(day.timestamp())}",
        "x": f"{int(day.timestamp() * 1000)}",
    }
    words |= {t * 2: words[t].zfill(2) for t in "MDHhkms"}  # MM, DD, ...: two digits

    def word(m: re.Match) -> str:
        if m.group(2):
            raise BuildError(
                f"{where}: the date-format token '{m.group(2)}' (week or time zone) is "
                "not supported by the built-in renderer: write it in [brackets] if it "
                "is text, or build with Quarto"
            )
        return m.group(1) if m.group(1) is not None else words[m.group()]

    return DAYJS.sub(word, pattern)


def front_matter(
    path: Path, root: Path, project: bool, builtin_pdf: bool
) -> tuple[list[Line], document_options.Settings, dict, list]:
    """The document's lines after its front matter (includes expanded), its options
    merged over the project's (`project`: `root` holds `_quarto.yml`), the date and
    authors as the PDF prints them, the values shortcodes read ({{< meta >}},
    {{< var >}}, {{< env >}}), resolved in the metadata's own text, and the inline
    expressions of the front matter (see `Document.front_inline`)."""
    lines = expand_includes(path, root)
    meta, lines, meta_lines = split_front_matter(lines, path)
    if "authors" in meta:  # Quarto's other name for author, taken first (authors.lua)
        meta["author"] = meta.pop("authors")
        meta_lines[("author",)] = meta_lines.get(("authors",), 1)
    texts = [ln.text for ln in lines] + [str(meta)]
    used = {m.group(1).split(".")[0] for text in texts for m in META.finditer(text)}
    settings = document_options.settings(
        root, meta, meta_lines, path, used, builtin_pdf
    )
    meta = settings.meta  # the front matter over _quarto.yml, as Quarto merges them
    if meta.get("date") in ("today", "now"):  # as Quarto does (src/core/date.ts)
        meta["date"] = datetime.date.today().isoformat()
    elif meta.get("date") == "last-modified":  # the day the document was last saved
        meta["date"] = datetime.date.fromtimestamp(path.stat().st_mtime).isoformat()
    if "date" in meta:  # Quarto writes every date by date-format, "iso" by default
        key = ("date-format",) if "date-format" in meta else ("date",)
        where = f"{path.name}:{meta_lines.get(key, 1)}"
        fmt, date = meta.get("date-format", "iso"), meta["date"]
        if isinstance(date, dict):  # Quarto's date object: {value, format}
            fmt, date = date.get("format", fmt), date.get("value", "")
        meta["date"] = format_date(date, fmt, meta, where)
    authors = meta.get("author")
    if isinstance(authors, (dict, list)):  # author objects: their names, as in the PDF
        authors = listed(authors)
        meta["author"] = [a["name"] if isinstance(a, dict) else a for a in authors]
    variables = root / VARIABLES_FILE  # a project's only (Quarto: project-context.ts)
    var = (
        validate.read_yaml_file(variables)[0] if project and variables.is_file() else {}
    )
    env = {**settings.environment, **os.environ}  # the environment files' too
    values = {"meta": meta, "var": var, "env": env}
    inline = []  # `{python} expr` in the front matter's own text: Quarto evaluates it
    for key, value in meta.items():  # {{< meta >}} in the title, author, ...
        n = meta_lines.get((key,), 1)
        if isinstance(value, str):
            meta[key] = _resolve_shortcodes(Line(value, path, n), values)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            meta[key] = [_resolve_shortcodes(Line(v, path, n), values) for v in value]
        if (key,) in meta_lines:  # the front matter's own keys, not _quarto.yml's
            found = [
                (m.group(1), f"{path.name}:{n}", key)
                for text in listed(meta[key])
                if isinstance(text, str)
                for m in INLINE.finditer(text)
            ]
            if found and key not in vocabulary.PRINTED_META:
                raise BuildError(
                    f"{path.name}:{n}: inline expression `{{python}} {found[0][0]}` "
                    f"in the front matter's '{key}': the built-in renderer evaluates "
                    f"them in the keys it prints ({', '.join(vocabulary.PRINTED_META[:5])}"
                    ", ...) only; write the value, or build with Quarto"
                )
            inline += found
    return lines, settings, values, inline


def read(
    path: Path | str, root: Path | str | None = None, builtin_pdf: bool = True
) -> Document:
    """The document at `path` (project root `root`, default its folder), validated.
    `builtin_pdf=False` (Quarto makes the PDF, or no PDF is made): PDF options are left
    to Quarto instead of being checked against what the built-in typesetter supports."""
    path = Path(path).resolve()
    if not path.is_file():
        raise BuildError(f"{path}: no such file")
    root = Path(root).resolve() if root else path.parent
    names = ("_quarto.yml", "_quarto.yaml")
    in_project = any((root / n).is_file() for n in names)
    project = next((f / n for f in root.parents for n in names if (f / n).is_file()), 0)
    if project and not in_project:
        raise BuildError(
            f"{path}: a document in a subfolder of the project {project}: Quarto "
            f"reads that file for it (and runs its code from this folder, or from the "
            f"project's with execute-dir); the built-in renderer builds documents in "
            f"the project's own folder only: move it there, or build with Quarto"
        )
    lines, settings, values, front_inline = front_matter(
        path, root, in_project, builtin_pdf
    )
    doc = Document(path, settings.meta, settings=settings, front_inline=front_inline)
    prose: list[Line] = []

    def flush():
        while prose and not prose[-1].text.strip():
            prose.pop()
        while prose and not prose[0].text.strip():
            prose.pop(0)
        if prose:
            text = "\n".join(ln.text for ln in prose)
            origins = [(ln.file, ln.lineno) for ln in prose]
            block = Markdown(text, prose[0].file, prose[0].lineno, origins)
            block.marks = [ln.marked for ln in prose]
            _check_display_math(block)
            _check_inline(block)
            doc.blocks.append(block)
        prose.clear()

    i, fence, raw_tex, in_table, comment = 0, None, None, False, None
    code_block = ""  # where the code block we are in opened
    in_code_block = False  # in an indented code block (no code fence opens there)
    # where a YAML metadata block opens after the front matter
    yaml_blocks: list[str] = []
    while i < len(lines):
        line = lines[i]
        stripped = line.text.strip()
        where = line.where
        opening = CHUNK_OPEN.match(stripped) if fence is None else None
        if fence is None and not line.raw and (odd := NOT_A_CHUNK.match(stripped)):
            raise BuildError(
                f"{where}: '{odd.group(0).strip()}' does not open a chunk in Quarto "
                f"(a chunk opens with ```{{python}} alone on its line), which prints "
                f"it and its code as text; write ```{{python}}"
            )
        if opening and not line.raw and opening.group(2) != "python":
            line, opening = _shown_chunk(line, opening), None
        if opening and not line.raw:
            ticks, language, rest = opening.groups()
            if rest.strip():
                raise BuildError(
                    f"{where}: options in the chunk header ('{rest.strip()}') are not "
                    f"supported: write them as '#| key: value' lines inside the chunk"
                )
            if line.text[:1].isspace():
                before = next((p.text for p in reversed(prose) if p.text.strip()), "")
                raise BuildError(
                    f"{where}: a python chunk inside a list item (or an indented "
                    f"block) is not supported by the built-in renderer, which would set "
                    f"it after the list: unindent it, or build with Quarto"
                    if before[:1].isspace() or LIST_ITEM.match(before)
                    else f"{where}: an indented chunk fence: Quarto runs the chunk but "
                    f"prints its cell's markup as text; start the fence in column 1"
                )
            if comment:
                raise BuildError(
                    f"{where}: a python chunk inside the HTML comment opened at "
                    f"{comment}: Quarto runs it, the comment hiding its code and "
                    f"outputs, and the notebook could not show it where it runs: delete "
                    f"it, or end the comment before it and give it '#| include: false'"
                )
            flush()
            j = i + 1
            while j < len(lines) and not (
                not lines[j].raw
                and (t := lines[j].text.strip()).startswith(ticks)
                and not t.strip("`")
            ):
                j += 1
            if j == len(lines):
                raise BuildError(f"{where}: python chunk is never closed with {ticks}")
            indent = len(line.text) - len(line.text.lstrip())  # the fence's: not code
            options, body = parse_options(lines[i + 1 : j], line.file, values, indent)
            _check_chunk_code(body)
            chunk = Chunk(
                "\n".join(_unindent(ln.text, indent) for ln in body).strip("\n"),
                {**settings.execute, **tag_options(options), **options},
                line.file,
                line.lineno,
                len(doc.chunks),
                [ln.text.strip() for ln in lines[i + 1 : j - len(body)]],
                ticks,
            )
            doc.blocks.append(chunk)
            i = j + 1
            continue
        in_code = fence is not None
        if not in_code:  # pandoc's indented code block: no fence opens in it
            indented = INDENTED.match(line.text)
            after = prose[-1].text if prose else ""
            if indented and not after.strip() and not in_list(prose):
                in_code_block = True
            elif line.text.strip() and not indented:
                in_code_block = False
        if not (line.raw or in_code_block):
            fence = next_fence(line.text, fence)
        if not (in_code or fence):
            if (div := validate.DIV_FENCE.match(line.text)) and div.group(2):
                validate.check_div(div.group(2), where)
            line = replace(line, text=_resolve_shortcodes(line, values))
            line = replace(line, text=EQUATION_ALT.sub(r"\1}", line.text))
            following = lines[i + 1].text if i + 1 < len(lines) else ""
            previous = prose[-1].text if prose else ""
            if _yaml_block(line.text, previous, following, lines[i + 1 :]):
                yaml_blocks.append(where)
            # a multiline table's first or last rule, or a headerless table's (gapped)
            text = line.text
            rule = (
                "full" if TABLE_RULE.match(text) else GAPPED_RULE.match(text) and "gap"
            )
            if rule and in_table == rule:
                in_table = False
            elif rule and not in_table and following.strip() and not previous.strip():
                in_table = rule
            elif rule == "gap" and not in_table:  # under a simple table's header
                in_table = "simple"  # its rows, to a blank line
            elif in_table == "simple" and not text.strip():
                in_table = False
            if not in_table:
                line.marked = mark_position(line, previous, following)
            for mark in HTML_COMMENT.findall(line.text):  # an HTML comment's lines
                comment = where if mark == "<!--" else None
        elif fence and not line.raw and not in_code:  # a code block's opening fence
            line.marked = mark_fence(line)
            raw_tex = [] if RAW_TEX_FENCE.match(line.text) else None
            code_block = where
        elif in_code and not fence and raw_tex:  # a raw LaTeX block closed
            if any(w in "\n".join(raw_tex) for w in MACRO_DEFINITIONS):
                doc.macros.append("\n".join(raw_tex))
            raw_tex = None
        elif in_code and fence and not line.raw:  # a line inside a code block
            chunk = CHUNK_OPEN.match(line.text.strip())
            if chunk and chunk.group(2) == "python":
                validate.warn(
                    where,
                    f"a python chunk inside the code block opened at {code_block} is "
                    f"shown as text and not run; Quarto 1.10 runs it (its variables "
                    f"then exist) and shows its output there: write ```{{{{python}}}} "
                    f"to show a chunk's markup, as Quarto documents",
                )
            if raw_tex is not None:
                raw_tex.append(line.text)
            line = replace(line, text=_resolve_shortcodes(line, values, in_code=True))
        prose.append(line)
        i += 1
    flush()  # an unclosed code block: pandoc closes it at the end of the document
    take_back_misread_marks([b for b in doc.blocks if isinstance(b, Markdown)])
    if yaml_blocks and (doc.runs_jupyter or doc.meta.get("engine")):
        raise BuildError(
            f"{yaml_blocks[0]}: a YAML metadata block after the front matter: Quarto's "
            f"Jupyter engine prints its lines as text (and may drop the paragraph "
            f"before it, or fail); move its keys into the front matter"
        )
    if builtin_pdf:
        _check_section_references(doc)
    labels = [c.label for c in doc.chunks]
    for k, c in enumerate(doc.chunks):
        if c.label in labels[:k]:
            raise BuildError(
                f"{source_name(c.file)}:{c.line}: chunk label '{c.label}' is used "
                f"more than once"
            )
    return doc
