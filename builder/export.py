"""Stage 3, export: the submission notebook, one self-contained file.

Every import of a `code/` module is replaced by that module's source (once, dependencies
first), the `sys.path` set-up disappears, Quarto markdown becomes plain Jupyter markdown with
numbers written out, and the outputs of the build's execution are kept.
"""

from __future__ import annotations

import re

import nbformat

from .crossref import (
    CODE_SPAN,
    DIV_CLOSE,
    DIV_OPEN,
    EQ_LABEL,
    FLOAT_KINDS,
    HEADER,
    KINDS,
    MD_TABLE,
    PROOF_CLASSES,
    REF,
    THEOREM_KINDS,
    Numbering,
    attributes,
    div_attributes,
    label,
)
from .execute import executed_chunks, outputs_by_label
from .modules import (
    chunk_source,
    code_modules,
    inline_plan,
    module_cells,
    preamble_chunks,
)
from .read import PAGEBREAK, BuildError, Chunk, Document, next_fence, resolve_inline
from .weave import float_ident, stream_text

CALLOUT_TITLES = {
    "note": "Note",
    "tip": "Tip",
    "warning": "Warning",
    "important": "Important",
    "caution": "Caution",
}


class JupyterMarkdown:
    """Quarto markdown -> Jupyter markdown (theorems, proofs, callouts, figure and table divs,
    labels, references).  One converter reads the markdown blocks of a document in order, so a
    div opened before a chunk and closed after it is handled."""

    def __init__(self, nums: Numbering, seen: dict | None = None):
        self.nums = nums
        self.stack: list[str] = []  # kinds of the open divs
        self.seen = (
            {} if seen is None else seen
        )  # numbered headings met: (level, title)

    def __call__(self, text: str) -> str:
        nums, stack = self.nums, self.stack
        out: list[str] = []
        title: str | None = None  # a block heading waiting for its '## Title' line
        fence = None
        float_start = 0  # where the open figure/table div's content starts in `out`

        def emit(line: str):
            quote = stack.count("callout")
            out.append(("> " * quote + line).rstrip() if quote else line)

        for line in text.splitlines():
            in_code = fence is not None
            fence = next_fence(line, fence)
            if in_code or fence is not None:
                emit(line)
                continue
            stripped = line.strip()
            if title is not None:
                if not stripped:
                    continue
                h = HEADER.match(line)
                heading, title = (
                    (f"{title} ({h.group(2)})." if h else f"{title}."),
                    None,
                )
                if stack[-1] == "callout":  # as Quarto: a '## Title' line is the title
                    heading = h.group(2) if h else heading.rstrip(".")
                emit(f"{heading}*" if heading.startswith("*") else f"**{heading}**")
                if h:
                    continue
            if PAGEBREAK.match(line):
                continue
            if d := DIV_OPEN.match(stripped):
                ident, classes = attributes(div_attributes(d))
                kind = ident.split("-")[0] if ident else None
                callout = next((c for c in classes if c.startswith("callout-")), None)
                proof = next((c for c in classes if c in PROOF_CLASSES), None)
                if kind in THEOREM_KINDS:
                    stack.append("theorem")
                    title = f"{KINDS[kind]} {nums.numbers[ident]}"
                elif kind in FLOAT_KINDS:
                    stack.append(f"float:{ident}")
                    float_start = len(out)
                elif callout:
                    stack.append("callout")
                    given = re.search(r'title="([^"]*)"', div_attributes(d))
                    if given:
                        emit(f"**{_references(given.group(1), nums)}**")
                    else:
                        title = CALLOUT_TITLES.get(callout.split("-", 1)[1], "Note")
                elif ident == "refs":
                    stack.append("div")
                    emit(REFS_DIV)
                elif proof:
                    stack.append("proof" if proof == "proof" else "remark")
                    title = f"*{PROOF_CLASSES[proof]}"
                else:
                    stack.append("div")
                continue
            if stack and DIV_CLOSE.match(stripped):
                kind = stack.pop()
                if kind == "proof":
                    emit("$\\blacksquare$")
                if title is not None:  # a block with nothing in it
                    emit(f"**{title}.**")
                    title = None
                elif kind.startswith("float:"):
                    self._caption(out, float_start, kind.split(":", 1)[1])
                continue
            if h := HEADER.match(line):
                ident, classes = attributes(h.group(3))
                number = ""
                if "unnumbered" not in classes and "-" not in classes:
                    key = (len(h.group(1)), h.group(2).strip())
                    number = nums.heading_number(*key, self.seen.get(key, 0)) or ""
                    self.seen[key] = self.seen.get(key, 0) + 1
                line = f"{h.group(1)} {number + ' ' if number else ''}{h.group(2)}"
            elif m := MD_TABLE.match(stripped):
                line = f"*{nums.text(m.group(2))}: {m.group(1)}*"
            elif FIGURE_IMAGE.search(line):
                line = FIGURE_IMAGE.sub(self._figure_image, line)
            line = EQ_LABEL.sub(
                lambda m: f"\\tag{{{nums.numbers[m.group(1)]}}} $$", line
            )
            emit(_references(line, nums))
        return "\n".join(out).strip("\n")

    def _figure_image(self, m: re.Match) -> str:
        """`![cap](path){#fig-x}`: the image, then its caption with its number (a
        sub-figure's caption is "(a) cap")."""
        alt, src, ident = m.group(1), m.group(2), m.group(3)
        in_float = any(k.startswith("float:fig-") for k in self.stack)
        number = self.nums.numbers[ident]
        caption = (
            f"({number[-1]}) {alt}"
            if in_float and number[-1].isalpha()
            else f"{self.nums.text(ident)}: {alt}"
        )
        return f"![]({src})\n\n*{caption.strip()}*\n"

    def _caption(self, out: list[str], start: int, ident: str):
        """The last paragraph of a figure/table div becomes '*Figure N: caption*'."""
        end = len(out)
        while end > start and not out[end - 1].strip():
            end -= 1
        begin = end
        while begin > start and out[begin - 1].strip():
            begin -= 1
        caption = " ".join(line.strip() for line in out[begin:end])
        out[begin:] = [f"*{self.nums.text(ident)}: {caption}*"]


# [see @fig-x], [-@fig-x], [@fig-x; @fig-y], [@fig-x, suffix]: crossrefs in brackets
BRACKETED = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
BRACKET_ITEM = re.compile(r"^\s*(.*?)\s*(-?)@(\S+?)\s*(?:,.*)?$", re.S)


def _bracketed(content: str, nums: Numbering) -> str | None:
    """Quarto's wording of a bracketed group of cross-references: the kind's name and
    the number, the prefix instead of the name when one is given ("see 1"), the number
    alone after `-@`, the suffix dropped, items joined by commas; None when the group
    is not cross-references only (a citation)."""
    words = []
    for item in content.split(";"):
        m = BRACKET_ITEM.match(item)
        if not m or not REF.fullmatch("@" + m.group(3)):
            return None
        ident = label(m.group(3))
        number = nums.numbers.get(ident, "??")
        if m.group(2):
            words.append(number)
        elif m.group(1):
            words.append(f"{m.group(1)} {number}")
        else:
            words.append(nums.text(ident))
    return ", ".join(words)


def _references(line: str, nums: Numbering) -> str:
    """@refs written out as Quarto words them, code spans left as they are."""
    spans = [m.span() for m in CODE_SPAN.finditer(line)]

    def inside(m: re.Match) -> bool:
        return any(a <= m.start() < b for a, b in spans)

    def group(m: re.Match) -> str:
        words = None if inside(m) else _bracketed(m.group(1), nums)
        return m.group(0) if words is None else words

    line = BRACKETED.sub(group, line)
    spans = [m.span() for m in CODE_SPAN.finditer(line)]
    return REF.sub(
        lambda m: m.group(0) if inside(m) else nums.text(label(m.group(1))), line
    )


def jupyter_markdown(text: str, nums: Numbering) -> str:
    return JupyterMarkdown(nums)(text)


def _clean_outputs(outputs: list, nums: Numbering, asis: bool, seen: dict) -> list:
    """The outputs as the notebook keeps them: Markdown (and the stdout of an `output: asis`
    chunk, which the PDF reads as Markdown) with numbers written out."""
    kept = []
    for out in outputs:
        if out.get("output_type") in ("display_data", "execute_result"):
            out = nbformat.from_dict(dict(out))
            out["data"] = {
                k: v for k, v in out["data"].items() if k != "application/pdf"
            }
            if "text/markdown" in out["data"]:
                out["data"]["text/markdown"] = JupyterMarkdown(nums, seen)(
                    out["data"]["text/markdown"]
                )
        elif (
            asis and out.get("output_type") == "stream" and out.get("name") == "stdout"
        ):
            text = stream_text(out["text"])
            out = nbformat.v4.new_output(
                "display_data",
                data={
                    "text/markdown": JupyterMarkdown(nums, seen)(text),
                    "text/plain": text,
                },
            )
        kept.append(out)
    return kept


def float_caption(chunk: Chunk, nums: Numbering) -> str | None:
    """The caption paragraph the notebook shows under a figure or table chunk."""
    opts = chunk.options
    for kind, key in (("fig", "fig-cap"), ("tbl", "tbl-cap")):
        ident = float_ident(chunk, kind)
        if ident not in nums.numbers:
            continue
        lines = []
        subcaps = opts.get("fig-subcap") if kind == "fig" else None
        if isinstance(subcaps, list):
            lines.append(
                "; ".join(
                    f"({'abcdefghijklmnopqrstuvwxyz'[i]}) {jupyter_markdown(str(c), nums)}"
                    for i, c in enumerate(subcaps)
                )
            )
        caption = jupyter_markdown(" ".join(str(opts.get(key) or "").split()), nums)
        lines.append(f"{nums.text(ident)}: {caption}" if caption else nums.text(ident))
        return "\n\n".join(f"*{line}*" for line in lines)
    return None


CITATION = re.compile(
    r"\[[^\[\]]*?(?<![\w@])@[\w:.#$%&+?<>~/-]*\w[^\[\]]*\]|(?<![\w@\\`\[])-?@[A-Za-z_][\w:.#$%&+?<>~/-]*\w"
)
REFS_DIV = "<!-- references -->"
FIGURE_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)\{[^}]*#(fig-[\w-]+)[^}]*\}")


def _citations(text: str) -> list[str]:
    """Citations in Markdown prose (`[@key, p. 3]`, `@key`), cross-references left out."""
    found, fence = [], None
    for line in text.splitlines():
        in_code, fence = fence is not None, next_fence(line, fence)
        if in_code or fence:
            continue
        for m in CITATION.finditer(CODE_SPAN.sub("", line)):
            if not REF.search(m.group(0)) and not m.group(0).startswith("[@ref"):
                found.append(m.group(0))
    return found


def cite(cells: list, doc: Document) -> None:
    """Citations written out with pandoc's citeproc, as in the PDF, and the bibliography
    put where the `::: {#refs}` div is (or at the end)."""
    import subprocess

    from .typeset import pandoc_path

    bib = doc.meta.get("bibliography")
    markdown = [c for c in cells if c.cell_type == "markdown"]
    found = list(dict.fromkeys(x for c in markdown for x in _citations(c.source)))
    if not bib:
        if found:
            raise BuildError(
                f"{doc.path.name}: citation {found[0]} but the document has no "
                f"'bibliography:'"
            )
        return
    bibs = bib if isinstance(bib, list) else [bib]
    source = "\n\n".join(f"CITE{i}: {x}" for i, x in enumerate(found))
    args = [pandoc_path(), "-f", "markdown", "--citeproc", "--wrap=none"]
    args += ["-t", "markdown-fenced_divs-native_divs-raw_html-citations"]
    for b in bibs:
        args += ["--metadata", f"bibliography={(doc.root / b).resolve()}"]
    if "csl" in doc.meta:
        args += ["--metadata", f"csl={(doc.root / doc.meta['csl']).resolve()}"]
    result = subprocess.run(
        args, input=source + "\n\n::: {#refs}\n:::\n", capture_output=True, text=True
    )
    missing = re.findall(r"Citeproc: citation (\S+) not found", result.stderr)
    if result.returncode != 0 or missing:
        raise BuildError(
            f"{doc.path.name}: citations could not be resolved: "
            f"{', '.join(missing) or result.stderr.strip()}"
        )
    rendered, refs = {}, []
    for para in result.stdout.split("\n\n"):
        if m := re.match(r"CITE(\d+): (.*)", para, re.S):
            rendered[found[int(m.group(1))]] = m.group(2).strip()
        elif para.strip():
            refs.append(para.strip())
    bibliography = "\n\n".join(refs)
    placed = False
    for cell in markdown:
        for raw in sorted(rendered, key=len, reverse=True):
            cell.source = cell.source.replace(raw, rendered[raw])
        if REFS_DIV in cell.source:
            cell.source = cell.source.replace(REFS_DIV, bibliography)
            placed = True
    if not placed and bibliography:
        cells.append(nbformat.v4.new_markdown_cell(bibliography))


def footnotes(text: str, count: list[int]) -> str:
    """Inline footnotes `^[...]` (which Jupyter Markdown lacks) as numbered markers with
    their text at the end of the cell, numbered through the notebook as in the PDF."""
    notes, out, i = [], [], 0
    while (start := text.find("^[", i)) >= 0:
        depth, j = 0, start + 1
        while j < len(text):
            depth += {"[": 1, "]": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        if j == len(text):
            break
        count[0] += 1
        notes.append(f"{count[0]}. {' '.join(text[start + 2 : j].split())}")
        out.append(text[i:start] + f"<sup>{count[0]}</sup>")
        i = j + 1
    out.append(text[i:])
    if not notes:
        return text
    return "".join(out).rstrip() + "\n\n---\n\n" + "\n".join(notes)


def title_cell(meta: dict) -> str:
    lines = [f"# {meta.get('title', 'Report')}"]
    if meta.get("subtitle"):
        lines.append(f"**{meta['subtitle']}**")
    for key, name in (("author", "Student"), ("date", "Date")):
        if meta.get(key):
            value = meta[key]
            lines.append(
                f"**{name}:** {', '.join(value) if isinstance(value, list) else value}"
            )
    return "\n\n".join(lines)


def export(
    doc: Document, executed: nbformat.NotebookNode, nums: Numbering
) -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    modules = code_modules(doc.root)
    chunks = executed_chunks(doc)
    plan = inline_plan(chunks, modules, preamble_chunks(doc.blocks))
    outputs = outputs_by_label(executed)
    values = executed.metadata.get("inline_values", {})
    seen: dict = {}
    convert = JupyterMarkdown(nums, seen)
    cells = [md(title_cell(doc.meta))]
    for block in doc.blocks:
        if not isinstance(block, Chunk):
            text = convert(resolve_inline(block.text, values))
            if text:
                cells.append(md(text))
            continue
        if block.index not in plan:
            if block.options.get("eval", True) is False:
                cells.append(
                    md(
                        f"```python\n{block.source}\n```\n\n*(This cell is not executed.)*"
                    )
                )
            continue
        cells += module_cells(plan[block.index], modules, md, code)
        if "report-only" in block.options.get("tags", []):
            continue
        _, source = chunk_source(block, modules)
        asis = block.options.get("output") == "asis"
        cell_outputs = _clean_outputs(outputs[block.label], nums, asis, seen)
        if block.options.get("warning", True) is False:  # as in Quarto's notebook
            cell_outputs = [o for o in cell_outputs if o.get("name") != "stderr"]
        if source.strip() or cell_outputs:
            # error: true: the notebook runs on past the cell, as the build did
            tags = ["raises-exception"] if block.options.get("error") else []
            cells.append(
                code(
                    source,
                    outputs=cell_outputs,
                    metadata={"tags": tags} if tags else {},
                )
            )
        caption = float_caption(block, nums)
        if caption:
            cells.append(md(caption))
    cite(cells, doc)
    count = [0]
    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = footnotes(cell.source, count)
    count = 0
    for cell in cells:
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if out.get("output_type") == "execute_result":
                    out["execution_count"] = count
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb
