"""Cross-reference numbering, computed the way Quarto numbers a PDF with `number-sections`.

The numbers come from the document as executed (`weave.py`): labels and headings that code
prints, sub-figures and captioned outputs count where they end up.  One pass gives every label
its number; the notebook export writes those numbers as text, the typesetter checks that LaTeX
arrived at the same ones, and a reference to a label that does not exist stops the build with
its file and line.

Quarto 1.10 (checked by rendering): sections 1, 1.1, ...; theorem-like blocks numbered within
the top-level section, each kind with its own counter ("Theorem 3.1", "Lemma 3.1"); equations,
figures and tables numbered through the document ("Equation 1", "Figure 2", "Table 1");
sub-figures "Figure 1a"; references are the kind's name, a space and the number.
"""

from __future__ import annotations

import re

from .read import BuildError, Document, next_fence

# prefix: (LaTeX environment, name, amsthm style), as Quarto defines them
THEOREMS = {
    "thm": ("theorem", "Theorem", "plain"),
    "lem": ("lemma", "Lemma", "plain"),
    "cor": ("corollary", "Corollary", "plain"),
    "prp": ("proposition", "Proposition", "plain"),
    "cnj": ("conjecture", "Conjecture", "plain"),
    "def": ("definition", "Definition", "definition"),
    "exm": ("example", "Example", "definition"),
    "exr": ("exercise", "Exercise", "definition"),
    "rem": ("refremark", "Remark", "remark"),
    "sol": ("refsolution", "Solution", "remark"),
}
THEOREM_KINDS = tuple(THEOREMS)
# unnumbered blocks: class -> name
PROOF_CLASSES = {"proof": "Proof", "remark": "Remark", "solution": "Solution"}
KINDS = {
    "fig": "Figure",
    "tbl": "Table",
    "eq": "Equation",
    "sec": "Section",
    **{k: v[1] for k, v in THEOREMS.items()},
}
FLOAT_KINDS = ("fig", "tbl")  # ::: {#fig-x} around a chunk, caption last
# @fig-x, and @Fig-x at the start of a sentence (Quarto words both "Figure 1")
REF = re.compile(
    r"(?<![\w@\\])@((?:%s)-[\w-]*\w)"
    % "|".join(k for kind in KINDS for k in (kind, kind.capitalize()))
)
CITE = re.compile(r"(?<![\w@\\`])@([A-Za-z_][\w:.#$%&+?<>~/-]*\w|\{[^}]+\})")
HEADER = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{([^}]*)\})?\s*$")
DIV_OPEN = re.compile(r"^(:{3,})\s*(?:\{([^}]*)\}|([A-Za-z][\w-]*))\s*$")


def div_attributes(match: re.Match) -> str:
    """The attribute text of a DIV_OPEN match: `::: {#id .cls k=v}`, or pandoc's short
    form `::: cls` (a single class)."""
    return match.group(2) if match.group(2) is not None else "." + match.group(3)


DIV_CLOSE = re.compile(r"^:{3,}$")
EQ_LABEL = re.compile(r"\$\$\s*\{#(eq-[\w-]+)\}")
MD_FIGURE = re.compile(r"!\[[^\]]*\]\([^)]*\)\{[^}]*#(fig-[\w-]+)")
# a table caption, `: Caption {#tbl-x}` or pandoc's `Table: Caption {#tbl-x}`
MD_TABLE = re.compile(r"^(?:Table)?:\s+(.*?)\s*\{#(tbl-[\w-]+)\}\s*$")
CODE_SPAN = re.compile(r"(`+).*?\1")
CAPTIONED_IMAGE = re.compile(r"^!\[[^\]]+\]\([^)]*\)(\{(?![^}]*#fig-)[^}]*\})?$")


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


def kind_of(ident: str) -> str:
    return ident.split("-", 1)[0]


class Numbering:
    """Every label's number, kept the way LaTeX counts (see the module docstring).
    Without `number_sections` (Quarto's default) headings have no number and theorem-like
    blocks are "Theorem 0.1", "Theorem 0.2", ..., restarting at each top-level section, as
    in Quarto's PDF."""

    def __init__(self, number_sections: bool = True):
        self.number_sections = number_sections
        self.numbers: dict[str, str] = {}
        self.unnumbered: set[str] = set()  # headings with {.unnumbered}: their text
        self.counters: dict[str, int] = {}
        self.sections: list[int] = []
        self.headings: dict[tuple[int, str], list[str]] = {}

    def add(self, ident: str | None, where: str, number: str | None = None) -> str:
        if ident in self.numbers:
            raise BuildError(f"{where}: label '{ident}' is defined twice")
        if number is None:
            kind = kind_of(ident)
            self.counters[kind] = self.counters.get(kind, 0) + 1
            number = str(self.counters[kind])
            if kind in THEOREMS:  # numbered within the top-level section
                top = self.sections[0] if self.sections and self.number_sections else 0
                number = f"{top}.{number}"
        if ident:
            self.numbers[ident] = number
        return number

    def step(self, kind: str):
        """A numbered float without a label: LaTeX counts it, so do we."""
        self.counters[kind] = self.counters.get(kind, 0) + 1

    def heading(self, level: int, title: str, number: str):
        """Remember a numbered heading's number by (level, title, occurrence)."""
        key = (level, title.strip())
        self.headings.setdefault(key, []).append(number)

    def heading_number(self, level: int, title: str, occurrence: int) -> str | None:
        found = self.headings.get((level, title.strip()), [])
        return found[occurrence] if occurrence < len(found) else None

    def section(self, level: int) -> str:
        del self.sections[level:]
        self.sections += [0] * (level - len(self.sections))
        self.sections[level - 1] += 1
        if level == 1:  # \newtheorem{...}[section]: a new section restarts them
            for kind in THEOREMS:
                self.counters.pop(kind, None)
        return ".".join(map(str, self.sections)) if self.number_sections else ""

    def text(self, ident: str) -> str:
        """How Quarto words a reference: "Equation 1", "Theorem 3.1", "Figure 1a"."""
        return f"{KINDS[kind_of(ident)]} {self.numbers[ident]}"

    def referable(self, ident: str) -> bool:
        return ident in self.numbers and "--" not in ident


def label(ref: str) -> str:
    """The label a reference names: `Fig-x` (capitalised) names `fig-x`."""
    return ref[:1].lower() + ref[1:]


def references(line: str) -> list[str]:
    """The labels the cross-references of one line of prose name (code spans left out)."""
    return [label(m.group(1)) for m in REF.finditer(CODE_SPAN.sub("", line))]


def number_segments(segments, chunks=(), number_sections=True) -> Numbering:
    """Number every label of the woven document (`weave.Segment`s) in order; reject
    duplicates and references to labels that do not exist (read.py stops a reference to
    a section when sections are not numbered)."""
    nums = Numbering(number_sections)
    refs: list[tuple[str, str]] = []
    # open divs: "block" (theorem, proof, callout), "figure:<n>", "div"
    stack: list[str] = []
    previous = ""  # the last non-blank line
    title_next = False  # the first line of a block may be its '## Title'
    subfigures = 0
    for seg in segments:
        fence = None
        for k, line in enumerate(seg.text.splitlines()):
            where = seg.where(k)
            in_code = fence is not None
            fence = next_fence(line, fence)
            if in_code or fence is not None:
                title_next = False
                continue
            stripped, before = line.strip(), previous
            if not stripped:
                continue
            previous = stripped
            refs += [(ident, where) for ident in references(line)]
            if stack and DIV_CLOSE.match(stripped):
                stack.pop()
                title_next = False
                continue
            if d := DIV_OPEN.match(stripped):
                ident, classes = attributes(div_attributes(d))
                kind = kind_of(ident) if ident else None
                if kind in THEOREMS:
                    nums.add(ident, where)
                    stack.append("block")
                    title_next = True
                elif kind == "fig":
                    stack.append("figure:" + nums.add(ident, where))
                    subfigures = 0
                elif kind == "tbl":
                    nums.add(ident, where)
                    stack.append("div")
                elif any(
                    c in PROOF_CLASSES or c.startswith("callout") for c in classes
                ):
                    stack.append("block")
                    # a leading '## Title' is the block's title, unless title= gives one
                    # (Quarto: the heading is then an ordinary section heading)
                    title_next = "title=" not in div_attributes(d)
                else:
                    stack.append("div")
                continue
            h = HEADER.match(line)
            if h and title_next:  # a block's name, not a section
                title_next = False
                continue
            title_next = False
            if h:
                ident, classes = attributes(h.group(3))
                if "unnumbered" not in classes and "-" not in classes:
                    sec = nums.section(len(h.group(1)))
                    nums.heading(len(h.group(1)), h.group(2), sec)
                    if ident:
                        nums.add(ident, where, sec)
                        if not number_sections:
                            nums.unnumbered.add(ident)
                elif ident:
                    nums.add(ident, where, h.group(2))
                    nums.unnumbered.add(ident)
                continue
            for m in EQ_LABEL.finditer(line):
                nums.add(m.group(1), where)
            parent = next((s for s in reversed(stack) if s.startswith("figure:")), None)
            for m in MD_FIGURE.finditer(line):
                if parent:  # a sub-figure: 1a, 1b, ...
                    subfigures += 1
                    letter = "abcdefghijklmnopqrstuvwxyz"[subfigures - 1]
                    nums.add(m.group(1), where, parent[len("figure:") :] + letter)
                else:
                    nums.add(m.group(1), where)
            if m := MD_TABLE.match(stripped):
                nums.add(m.group(2), where)
            elif stripped.startswith((": ", "Table: ")) and before.startswith(
                ("|", "+", "-")
            ):
                nums.step("tbl")  # a captioned table without a label is numbered too
            if not parent and CAPTIONED_IMAGE.match(stripped):
                nums.step("fig")  # pandoc makes a numbered figure of it
    for ident, where in refs:
        if not nums.referable(ident):
            raise BuildError(
                f"{where}: reference @{ident} points to no label in the document"
                + _why(ident, chunks)
            )
    return nums


def _why(ident: str, chunks) -> str:
    """Why a chunk with that label put nothing labelled in the document."""
    for chunk in chunks:
        if chunk.options.get("label") == ident:
            opts = chunk.options
            reason = next(
                (
                    f"{k}: false"
                    for k in ("eval", "include", "output")
                    if opts.get(k) is False
                ),
                "its outputs hold nothing labelled",
            )
            return f" (the chunk at {chunk.where()} has {reason})"
    return ""


def number(doc: Document, executed=None) -> Numbering:
    """Number the document as executed (`executed`: the notebook from execute.py); without
    it, from the source alone (labels that code prints are then not known)."""
    from .typeset import pdf_option
    from .weave import Segment, weave

    numbered = bool(pdf_option(doc, "number-sections", False))
    if executed is not None:
        return number_segments(weave(doc, executed).segments, doc.chunks, numbered)
    segments = []
    for block in doc.blocks:
        if hasattr(block, "text"):
            segments.append(Segment(block.text, block.file.name, block.line))
        else:
            label = block.options.get("label", "")
            stub = {"fig": f"::: {{#{label}}}\n:::", "tbl": f": table {{#{label}}}"}
            if kind_of(label) in stub:
                where = (block.file.name, block.line, block)
                segments.append(Segment(stub[kind_of(label)], *where))
    return number_segments(segments, doc.chunks, numbered)
