"""The LaTeX log, read for the user: an error traced back to the line of report.qmd (or the
chunk) it comes from, with the log lines that explain it; `Missing character` lines turned
into build warnings naming the character and where it stands; the log kept where the
message says it is (`.cache/latex/`), since the build's work folder is deleted.
"""

from __future__ import annotations

import re
import shutil
from difflib import SequenceMatcher
from pathlib import Path
from unicodedata import name

from .. import parse
from ..read import Chunk, Document, source_name

KEPT = Path(".cache") / "latex"  # under the project root
ERROR_LINE = re.compile(r"^l\.(\d+) ?(.*)$")
LABEL = re.compile(r"\\(?:label|hypertarget)\{([^}]+)\}")
ENV_BEGIN, ENV_END = re.compile(r"\\begin\{"), re.compile(r"\\end\{")
MISSING = re.compile(
    r"Missing character: There is no (.) \(U\+([0-9A-F]+)\) in font ([^\n]*?)!?$", re.M
)


def keep(files: list[Path], root: Path) -> Path:
    """Copy the log (and the .tex it refers to) to `root/.cache/latex/`; the kept log."""
    folder = root / KEPT
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        if f.exists():
            shutil.copyfile(f, folder / f.name)
    return folder / files[0].name


def source_lines(doc: Document) -> list[tuple[str, str]]:
    """(text, 'file:line' or 'file:line (chunk ...)') for every line of the document,
    its front matter's (the title's) first; a chunk's `#|` lines are text (captions)."""
    text = doc.path.read_text(encoding="utf-8").splitlines()
    end = next((k for k, t in enumerate(text) if k and t.strip() == "---"), 0)
    out = [
        (t, f"{doc.path.name}:{k}")
        for k, t in enumerate(text[1:end] if text[:1] == ["---"] else [], 2)
    ]
    for block in doc.blocks:
        if isinstance(block, Chunk):
            for k, text in enumerate(block.option_lines, block.line + 1):
                out.append((text, f"{source_name(block.file)}:{k}"))  # a caption's
            first = block.line + 1 + len(block.option_lines)
            for k, text in enumerate(block.source.splitlines()):
                out.append(
                    (
                        text,
                        f"{source_name(block.file)}:{first + k} (chunk '{block.label}')",
                    )
                )
        else:
            for k, text in enumerate(block.text.splitlines()):
                out.append((text, block.where(k)))
    return out


def line_naming(doc: Document, text: str) -> str | None:
    """Where the first line of the document that holds `text` (a file's name) stands."""
    return next((w for t, w in source_lines(doc) if text in t), None)


def tree_lines(tree: dict) -> list[tuple[str, str]]:
    """(text, where) for every line of the tree's raw LaTeX and code (the chunks'
    outputs among them: a LaTeX output of the code), at the position marker before it."""
    out = []
    for e, where in parse.walk_at(tree["blocks"]):
        if e["t"] in ("RawBlock", "RawInline", "CodeBlock") and e["c"][0] != parse.POS:
            out += [(line, where or "?") for line in e["c"][1].splitlines()]
    return out


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> str:
    """A line's words without markup: `$\\bm{w}$` and `\\(\\bm{w}\\)` alike."""
    return " ".join(re.findall(r"[^\W_]+", re.sub(r"\\[A-Za-z]+", " ", text)))


def locate(
    tex_lines: list[str], number: int, doc: Document, tree: dict | None = None
) -> str | None:
    """The source line a line of the generated .tex comes from: the .tex line (or, going
    back, a line of the same paragraph) found in the document, verbatim or, failing
    that, by its words (Markdown and LaTeX write math and emphasis differently); else in
    the raw LaTeX and code of the document `tree` (a chunk's outputs), or by the label
    on the line (`\\label{x}`: where the element with id x stands in the tree)."""
    found = source_lines(doc) + (tree_lines(tree) if tree else [])
    lines = [(_normal(t), _words(t), w) for t, w in found]
    for n in range(number, max(number - 8, 0), -1):
        if n > len(tex_lines):
            continue
        if not tex_lines[n - 1].strip():  # the paragraph's start: look no further,
            if n < number:
                break
            continue  # unless the error is at the blank line that ended it
        tex, words = _normal(tex_lines[n - 1]), _words(tex_lines[n - 1])
        if len(tex) < 4:
            continue
        exact = [w for t, _, w in lines if t == tex]
        within = [w for t, _, w in lines if len(t) >= 4 and (tex in t or t in tex)]
        worded = [w for _, k, w in lines if len(words) >= 12 and words in k]
        if exact or within or worded:
            return (exact or within or worded)[0]
        labels = LABEL.findall(tex_lines[n - 1]) if tree else []
        if defined := [w for x in labels for w in parse.places(tree, x)[1] if w]:
            return defined[0]  # a heading's or a float's line, by its label
    here = tex_lines[number - 1] if number <= len(tex_lines) else ""
    return (
        (environment_label(tex_lines, number, tree) if tree else None)
        or nearest(here, lines)
        or nearest(paragraph(tex_lines, number), lines)  # pandoc wraps a source line
    )


def paragraph(tex_lines: list[str], number: int) -> str:
    """The .tex paragraph (between blank lines) that holds line `number`, in a line."""
    if not 0 < number <= len(tex_lines):
        return ""
    start = end = number - 1
    while start > 0 and tex_lines[start - 1].strip():
        start -= 1
    while end + 1 < len(tex_lines) and tex_lines[end + 1].strip():
        end += 1
    return " ".join(tex_lines[start : end + 1])


def nearest(tex: str, lines: list[tuple[str, str, str]]) -> str | None:
    """The source line whose words are most like the .tex line's (`lines`: as `locate`
    makes them), at least 3 words and 70% alike (difflib's ratio): a line that markup
    (`[text]{.underline}`) or the name a reference gains (before `~\\ref`) changed."""
    words = _words(tex).split()
    if len(words) < 3:
        return None
    score, where = max(
        ((SequenceMatcher(None, words, k.split()).ratio(), w) for _, k, w in lines),
        default=(0, None),
    )
    return where if score >= 0.7 else None


def environment_label(tex_lines: list[str], number: int, tree: dict) -> str | None:
    """The line of the element whose environment (a table's, an equation's) holds .tex
    line `number`, by the label at the environment's start (a table's caption)."""
    depth = 0
    for n in range(number, max(number - 80, 0), -1):
        line = tex_lines[n - 1] if n <= len(tex_lines) else ""
        depth += len(ENV_END.findall(line)) - len(ENV_BEGIN.findall(line))
        if depth < 0:  # the environment the line is in: its labels, in order
            labels = [
                x for k in range(n, number + 1) for x in LABEL.findall(tex_lines[k - 1])
            ]
            places = [w for x in labels for w in parse.places(tree, x)[1] if w]
            return places[0] if places else None
    return None


# a file LaTeX could not load: an image, an included .tex
FILE_ERROR = re.compile(
    r"Unable to load picture or PDF file '([^']+)'|File `([^']+)' not"
)


def describe_error(
    log: str, tex: Path, doc: Document | None, kept: Path, tree: dict | None = None
) -> str:
    """The first LaTeX errors, each with its log lines and the source line it comes from
    (with the document `doc`, and its `tree`)."""
    if font := re.search(r'The font "([^"]+)" cannot be found', log):
        return (
            f"the font '{font.group(1)}' is not installed (set by mainfont/monofont in "
            f"the front matter or _quarto.yml; `fc-list` shows the installed fonts)"
            f"\n(full log: {kept})"
        )
    lines = log.splitlines()
    tex_lines = tex.read_text(errors="replace").splitlines() if tex.exists() else []
    reports = []
    for i in [i for i, line in enumerate(lines) if line.startswith("!")][:3]:
        context = lines[i : i + 8]
        for j in range(i, min(i + 30, len(lines))):
            if m := ERROR_LINE.match(lines[j]):
                context = lines[i : j + 2]
                file = FILE_ERROR.search("\n".join(context))
                where = doc and (
                    file
                    and line_naming(doc, file[1] or file[2])
                    or undefined_command(
                        lines[i : i + 2],
                        doc,
                        locate(tex_lines, int(m.group(1)), doc, tree),
                    )
                )
                head = (
                    f"{where}: LaTeX error here"
                    if where
                    else "LaTeX error (not traced back to a line of the document)"
                )
                reports.append(
                    f"{head} (line {m.group(1)} of {kept.with_suffix('.tex')}):\n"
                    + "\n".join(context[:12])
                )
                break
        else:
            reports.append("LaTeX error:\n" + "\n".join(context))
    if not reports:
        reports.append("LaTeX stopped; the end of its log:\n" + "\n".join(lines[-20:]))
    return "\n".join(reports) + f"\n(full log: {kept})"


def undefined_command(error: list[str], doc: Document, located: str | None):
    """The line of a LaTeX error `located` by its .tex line; for "! Undefined control
    sequence.", unless that line uses the command (the last one TeX read: `error`'s
    second line), the first line of text that does, as TeX meets it first (in a table
    or a footnote, which the .tex line may not tell); code is not what TeX reads."""
    read = re.findall(r"\\[A-Za-z@]+", error[1] if len(error) > 1 else "")
    if not error[0].startswith("! Undefined control sequence") or not read:
        return located
    used = re.compile(re.escape(read[-1]) + r"(?![A-Za-z@])")
    uses = [w for t, w in source_lines(doc) if used.search(t) and "(chunk" not in w]
    return located if located in uses else next(iter(uses), located)


def missing_characters(log: str, doc: Document) -> list[str]:
    """One warning per character a font lacked, with the font and where the character
    stands in the document (or that code printed it)."""
    found: dict[str, set[str]] = {}
    for m in MISSING.finditer(log.replace("\r", "")):
        found.setdefault(m.group(1), set()).add(m.group(3).split(":")[0].split("/")[0])
    lines = source_lines(doc)
    warnings = []
    for char, fonts in found.items():
        where = [w for t, w in lines if char in t]
        # not written as such: a code output's, or unicode-math's for a command in text
        greek = re.match(
            r"MATHEMATICAL ITALIC (SMALL|CAPITAL) (\w\w+)$", name(char, "")
        )
        command = greek[2].lower() if greek else ""
        command = command.title() if greek and greek[1] == "CAPITAL" else command
        place = (
            "at "
            + ", ".join(where[:3])
            + (f" and {len(where) - 3} more" if len(where) > 3 else "")
            if where
            else "not written so in the document's text: from an output of the code"
            + (f", or \\{command} in the text, outside math" if command else "")
        )
        warnings.append(
            f"{where[0] if where else doc.path.name}: the character {char} "
            f"(U+{ord(char):04X}) is missing from the PDF: font {', '.join(sorted(fonts))} "
            f"has no glyph for it ({place}); set mainfont/monofont to a font that has it"
        )
    return warnings


def raw_citations(log: str, tex: Path, doc: Document, tree: dict | None) -> str:
    """A raw LaTeX `\\cite{key}`, which LaTeX prints as "?" (no bibliography package:
    citeproc reads only `[@key]`; Quarto's PDF prints "?" too): where it stands, or ""."""
    found = re.search(
        r"Citation `([^']+)' on page \d+ undefined on input line (\d+)", log
    )
    if not found:
        return ""
    key, line = found.group(1), int(found.group(2))
    lines = tex.read_text(encoding="utf-8").splitlines()
    where = locate(lines, line, doc, tree) or doc.path.name
    return (
        f"{where}: the raw LaTeX citation of '{key}' prints \"?\" in the PDF (Quarto's "
        f"too: citations are read from [@{key}] only): write [@{key}]"
    )


def describe_undefined(labels: list[str], doc: Document, tree: dict) -> str:
    """LaTeX found no target for these labels although the document defines them: name
    where each is referred to and where it is defined (from the document tree's
    positions), and why it can be missing."""
    out = []
    for label in labels:
        refs, defined = parse.places(tree, label)
        chunk = next((c for c in doc.chunks if c.options.get("label") == label), None)
        if chunk is not None:
            why = (
                f"it is the label of {chunk.where()}, whose outputs gave the PDF no "
                f"{'figure' if label.startswith('fig-') else 'table'} to caption (an "
                f"output kind the built-in renderer cannot show, or no output)"
            )
        elif not label.isascii():
            why = (
                "the label has letters outside ASCII, which the PDF's references do "
                "not find (Quarto's PDF prints ?? for it); write it in ASCII"
            )
        else:
            why = (
                f"it is defined at {defined[0] or doc.path.name} but the PDF has no "
                "numbered element there"
                if defined
                else "nothing in the document defines it"
            )
        at = ", ".join(dict.fromkeys(r or doc.path.name for r in refs[:3]))
        out.append(
            f"{at or doc.path.name}: the reference @{label} has no target in the PDF: {why}"
        )
    return "\n".join(out)
