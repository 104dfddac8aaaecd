"""Stage 1, read: turn report.qmd into a Document of markdown blocks and python chunks.

Handles the Quarto subset the report uses: the YAML header, `{{< include >}}` (nested,
paths relative to the including file, `/` = project root), `{{< meta key >}}`,
`{{< pagebreak >}}`, and ```{python} chunks with `#|` options.  Every block remembers the
file and line it came from so that errors can point at the source.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SUPPORTED_OPTIONS = {
    "label",
    "fig-cap",
    "tbl-cap",
    "echo",
    "output",
    "include",
    "eval",
    "warning",
    "tags",
    "fig-subcap",  # typeset by weave.py (sub-figures)
    "layout-ncol",
    "layout-nrow",
}
INCLUDE = re.compile(r"^\s*\{\{<\s*include\s+\"?([^\s\">]+)\"?\s*>\}\}\s*$")
META = re.compile(r"\{\{<\s*meta\s+([\w.-]+)\s*>\}\}")
SHORTCODE = re.compile(r"(?<!\{)\{\{<\s*([\w-]+)[^>]*>\}\}")
INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")  # Quarto inline expression
PAGEBREAK = re.compile(r"^\s*\{\{<\s*pagebreak\s*>\}\}\s*$", re.M)
CHUNK_OPEN = re.compile(r"^```+\s*\{python([^}]*)\}\s*$")
FENCE = re.compile(r"^(```+|~~~+)")


class BuildError(Exception):
    """An error in the user's input, worded for the user (file and line first)."""


@dataclass
class Line:
    text: str
    file: Path
    lineno: int


@dataclass
class Markdown:
    text: str
    file: Path
    line: int


@dataclass
class Chunk:
    source: str
    options: dict
    file: Path
    line: int  # line of the opening fence
    index: int = 0  # position among all chunks, from 0

    @property
    def label(self) -> str:
        return self.options.get("label") or f"chunk-{self.index + 1}"

    def where(self) -> str:
        return f"{self.file.name}:{self.line} (chunk '{self.label}')"


@dataclass
class Document:
    path: Path
    meta: dict
    blocks: list = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def chunks(self) -> list[Chunk]:
        return [b for b in self.blocks if isinstance(b, Chunk)]

    def inline_expressions(self) -> list[tuple[str, str, int]]:
        """(expression, 'file:line', blocks before it) of every `{python} expr` in the prose."""
        found = []
        for position, block in enumerate(self.blocks):
            if isinstance(block, Markdown):
                fence = None
                for k, line in enumerate(block.text.splitlines()):
                    in_code, fence = fence is not None, next_fence(line, fence)
                    if not (in_code or fence):
                        found += [
                            (
                                m.group(1),
                                f"{block.file.name}:{block.line + k}",
                                position,
                            )
                            for m in INLINE.finditer(line)
                        ]
        return found


def resolve_inline(text: str, values: dict[str, str]) -> str:
    """Replace every `{python} expr` by the value the build computed for it."""
    return INLINE.sub(lambda m: values[m.group(1)], text)


def next_fence(line: str, fence: str | None) -> str | None:
    """Track fenced code blocks: the open fence after `line`, or None outside any."""
    stripped = line.strip()
    m = FENCE.match(stripped)
    if fence is None:
        return m.group(1) if m else None
    closes = (
        m
        and stripped[0] == fence[0]
        and len(stripped) >= len(fence)
        and not stripped.strip(fence[0])
    )
    return None if closes else fence


def split_front_matter(lines: list[Line], path: Path) -> tuple[dict, list[Line]]:
    if not lines or lines[0].text.strip() != "---":
        return {}, lines
    for i in range(1, len(lines)):
        if lines[i].text.strip() in ("---", "..."):
            try:
                meta = yaml.safe_load("\n".join(l.text for l in lines[1:i])) or {}
            except yaml.YAMLError as e:
                raise BuildError(
                    f"{path}: the YAML header does not parse: {e}"
                ) from None
            if not isinstance(meta, dict):
                raise BuildError(
                    f"{path}: the YAML header must be a mapping of keys to values"
                )
            return meta, lines[i + 1 :]
    raise BuildError(f"{path}:1: the YAML header opened with '---' is never closed")


def expand_includes(path: Path, root: Path, stack: tuple[Path, ...] = ()) -> list[Line]:
    """The lines of `path` with every include shortcode replaced by the included lines."""
    path = path.resolve()
    if path in stack:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise BuildError(f"{stack[-1]}: include cycle: {chain}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise BuildError(
            f"{path}: not UTF-8 text ({e.reason} at byte {e.start})"
        ) from None
    out: list[Line] = []
    fence = None
    for n, raw in enumerate(text.splitlines(), start=1):
        inc = None if fence else INCLUDE.match(raw)
        fence = next_fence(raw, fence)
        if not inc:
            out.append(Line(raw, path, n))
            continue
        target = inc.group(1)
        file = (
            root / target.lstrip("/")
            if target.startswith("/")
            else path.parent / target
        )
        if not file.is_file():
            raise BuildError(
                f"{path}:{n}: include file '{target}' not found (looked for {file})"
            )
        out.extend(expand_includes(file, root, (*stack, path)))
    return out


def _resolve_shortcodes(line: Line, meta: dict) -> str:
    def meta_value(m: re.Match) -> str:
        value = meta
        for key in m.group(1).split("."):
            if not isinstance(value, dict) or key not in value:
                raise BuildError(
                    f"{line.file}:{line.lineno}: {{{{< meta {m.group(1)} >}}}} "
                    f"names a key that the YAML header does not have"
                )
            value = value[key]
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    text = META.sub(meta_value, line.text)
    for m in SHORTCODE.finditer(text):
        if m.group(1) != "pagebreak":
            raise BuildError(
                f"{line.file}:{line.lineno}: shortcode '{m.group(1)}' is not "
                f"supported by the built-in renderer (supported: include, meta, pagebreak)"
            )
    return text


def parse_options(body: list[Line], path: Path) -> tuple[dict, list[Line]]:
    """Split the leading `#|` lines of a chunk from its code and parse them as YAML."""
    n = 0
    while n < len(body) and body[n].text.lstrip().startswith("#|"):
        n += 1
    if n == 0:
        return {}, body
    text = "\n".join(l.text.lstrip()[2:].removeprefix(" ") for l in body[:n])
    try:
        options = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise BuildError(
            f"{body[0].file}:{body[0].lineno}: chunk options do not parse as YAML: {e}"
        ) from None
    if not isinstance(options, dict):
        raise BuildError(
            f"{body[0].file}:{body[0].lineno}: chunk options must be 'key: value' lines"
        )
    for key in options:
        if key not in SUPPORTED_OPTIONS:
            print(
                f"warning: {body[0].file.name}:{body[0].lineno}: chunk option '{key}' is ignored "
                f"by the built-in renderer"
            )
    return options, body[n:]


def read(path: Path | str, root: Path | str | None = None) -> Document:
    path = Path(path).resolve()
    if not path.is_file():
        raise BuildError(f"{path}: no such file")
    root = Path(root).resolve() if root else path.parent
    lines = expand_includes(path, root)
    meta, lines = split_front_matter(lines, path)
    if meta.get("date") == "today":  # as Quarto does
        meta["date"] = datetime.date.today().isoformat()
    doc = Document(path, meta)
    prose: list[Line] = []

    def flush():
        if any(l.text.strip() for l in prose):
            text = "\n".join(l.text for l in prose).strip("\n")
            doc.blocks.append(Markdown(text, prose[0].file, prose[0].lineno))
        prose.clear()

    i, fence = 0, None
    while i < len(lines):
        line = lines[i]
        stripped = line.text.strip()
        if fence is None and CHUNK_OPEN.match(stripped):
            flush()
            j = i + 1
            while j < len(lines) and lines[j].text.strip() != "```":
                j += 1
            if j == len(lines):
                raise BuildError(
                    f"{line.file}:{line.lineno}: python chunk is never closed with ```"
                )
            options, body = parse_options(lines[i + 1 : j], line.file)
            chunk = Chunk(
                "\n".join(l.text for l in body).strip("\n"),
                options,
                line.file,
                line.lineno,
                len(doc.chunks),
            )
            doc.blocks.append(chunk)
            i = j + 1
            continue
        in_code = fence is not None
        fence = next_fence(line.text, fence)
        if not (in_code or fence):
            line = Line(_resolve_shortcodes(line, meta), line.file, line.lineno)
        prose.append(line)
        i += 1
    flush()
    seen = set()
    for c in doc.chunks:
        if c.label in seen:
            raise BuildError(
                f"{c.file}:{c.line}: chunk label '{c.label}' is used more than once"
            )
        seen.add(c.label)
    return doc
