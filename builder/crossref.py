"""Cross-reference numbering, computed the way Quarto numbers an article.

One pass over the document gives every label (`#sec-`, `#thm-`, `{#eq-}`, `fig-`/`tbl-` chunk
labels) its number; the notebook export writes those numbers as text, and the read stage uses
the same table to reject a reference to a label that does not exist.
"""

from __future__ import annotations

import re

from .read import BuildError, Chunk, Document, next_fence

KINDS = {
    "fig": "Figure",
    "tbl": "Table",
    "eq": "Equation",
    "sec": "Section",
    "thm": "Theorem",
    "lem": "Lemma",
    "cor": "Corollary",
    "prp": "Proposition",
    "def": "Definition",
}
THEOREM_KINDS = ("thm", "lem", "cor", "prp", "def")
FLOAT_KINDS = ("fig", "tbl")  # ::: {#fig-x} around a chunk, caption last
REF = re.compile(r"(?<![\w@\\])@((?:%s)-[\w-]*\w)" % "|".join(KINDS))
HEADER = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{([^}]*)\})?\s*$")
DIV_OPEN = re.compile(r"^(:{3,})\s*\{([^}]*)\}\s*$")
DIV_CLOSE = re.compile(r"^:{3,}$")
EQ_LABEL = re.compile(r"\$\$\s*\{#(eq-[\w-]+)\}")
MD_FIGURE = re.compile(r"!\[[^\]]*\]\([^)]*\)\{[^}]*#(fig-[\w-]+)")
MD_TABLE = re.compile(r"^:\s.*\{#(tbl-[\w-]+)\}\s*$")


def attributes(text: str | None) -> tuple[str | None, list[str]]:
    """Id and classes of a pandoc attribute string like `#sec-a .unnumbered`."""
    if not text:
        return None, []
    words = text.split()
    ident = next((w[1:] for w in words if w.startswith("#")), None)
    classes = [
        w[1:] if w.startswith(".") else w
        for w in words
        if w.startswith(".") or w == "-"
    ]
    return ident, classes


class Numbering:
    def __init__(self):
        self.numbers: dict[str, str] = {}
        self.counters: dict[str, int] = {}
        self.sections: list[int] = []

    def add(self, ident: str, where: str, number: str | None = None):
        kind = ident.split("-", 1)[0]
        if ident in self.numbers:
            raise BuildError(f"{where}: label '{ident}' is defined twice")
        if number is None:
            self.counters[kind] = self.counters.get(kind, 0) + 1
            number = str(self.counters[kind])
        self.numbers[ident] = number

    def section(self, level: int) -> str:
        del self.sections[level:]
        self.sections += [0] * (level - len(self.sections))
        self.sections[level - 1] += 1
        return ".".join(map(str, self.sections))

    def text(self, ident: str) -> str:
        kind = ident.split("-", 1)[0]
        number = self.numbers[ident]
        return (
            f"{KINDS[kind]} ({number})" if kind == "eq" else f"{KINDS[kind]} {number}"
        )


def number(doc: Document) -> Numbering:
    """Number every label in document order; reject duplicates and dangling references."""
    nums = Numbering()
    refs: list[tuple[str, str]] = []
    for block in doc.blocks:
        if isinstance(block, Chunk):
            label = block.options.get("label", "")
            if label.startswith(("fig-", "tbl-")):
                nums.add(label, block.where())
            continue
        fence, depth = None, 0  # depth: open fenced divs (their headings are titles)
        for k, line in enumerate(block.text.splitlines()):
            where = f"{block.file.name}:{block.line + k}"
            in_code = fence is not None
            fence = next_fence(line, fence)
            if in_code or fence is not None:
                continue
            refs += [(m.group(1), where) for m in REF.finditer(line)]
            if depth and DIV_CLOSE.match(line.strip()):
                depth -= 1
            elif DIV_OPEN.match(line.strip()):
                depth += 1
            if (h := HEADER.match(line)) and not depth:
                ident, classes = attributes(h.group(3))
                if "unnumbered" not in classes and "-" not in classes:
                    sec = nums.section(len(h.group(1)))
                    if ident:
                        nums.add(ident, where, sec)
                elif ident:
                    nums.add(ident, where, h.group(2))
            elif d := DIV_OPEN.match(line.strip()):
                ident, _ = attributes(d.group(2))
                if ident and ident.split("-")[0] in (*THEOREM_KINDS, *FLOAT_KINDS):
                    nums.add(ident, where)
            for pattern in (EQ_LABEL, MD_FIGURE, MD_TABLE):
                for m in pattern.finditer(line):
                    nums.add(m.group(1), where)
    for ident, where in refs:
        if ident not in nums.numbers:
            raise BuildError(
                f"{where}: reference @{ident} points to no label in the document"
            )
    return nums
