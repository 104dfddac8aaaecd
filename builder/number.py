"""Cross-reference numbers, from the document tree (parse.py) as LaTeX will number it.

One walk of the tree in document order counts what LaTeX counts, as Quarto's PDF has it:
sections 1, 1.1, ... (letters after `\\appendix`); blocks of the theorem kinds numbered
within the top-level section, one counter per kind ("3.1"; "0.1" without
`number-sections`); equations, figures and tables through the document (or within the
section too, by `\\numberwithin` in the header), sub-figures "1a".
Raw LaTeX counts too: `equation`, `align` and the other display environments (rows with
`\\nonumber` or `\\notag` left out), `\\caption` in raw `figure`/`table` environments,
raw theorem environments, `\\section`, and the `\\label`s among them.  A reference to a
label that does not exist, or whose number cannot be known (a raw label outside anything
numbered, counters set by hand), stops the build with the file, the line and the construct.
The PDF and the notebook use these numbers; typeset.py checks LaTeX's against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import vocabulary
from .diagnostics import warn
from .parse import (
    CONDITIONAL,
    WITH_ATTR,
    attr,
    callout_titles,
    children,
    position,
    shown,
    stringify,
    strip,
    walk,
    walk_at,
)
from .read import BuildError, options, validate

THEOREMS = vocabulary.THEOREMS
NAMES = vocabulary.NAMES
ENV_KIND = {kind["env"]: prefix for prefix, kind in THEOREMS.items()}
# LaTeX display environments that number their rows (multline: one number)
ROWS = {"align", "gather", "flalign", "alignat", "eqnarray", "multline", "equation"}
FLOAT_ENVS = {"figure": "fig", "table": "tbl", "longtable": "tbl"}
RAW_TOKEN = re.compile(
    r"\\(begin|end)\{([A-Za-z]+)(\*?)\}|\\label\{([^}]*)\}|\\(appendix)\b"
    r"|\\(nonumber|notag|tag)\b|(\\\\)|\\caption\b"
    r"|\\(sub)*section(\*?)(?![A-Za-z])"
)
TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")
# `$$ ... $$ {#eq-x}`: the label pandoc leaves as text after the math (any characters
# but braces and spaces, as Quarto's crossref filter takes them: eq-kl:def, eq-kl.v2)
EQ_LABEL = re.compile(r"\{#(eq-[^}\s]+)\}")
AUTOREF = re.compile(r"\\autoref\{(eq-[^}]*)\}")  # hyperref's words for an equation
QUARTO_CODE_ATTRIBUTES = vocabulary.VOCABULARY["code_block_attributes_quarto"]


@dataclass
class Numbering:
    """Every label's number ("1", "3.1", "2b"), where it stands, and the numbers of the
    numbered headings by source position."""

    number_sections: bool = True
    numbers: dict = field(default_factory=dict)  # label -> number
    where: dict = field(default_factory=dict)  # label -> "file:line"
    unnumbered: set = field(default_factory=set)  # labels with no number of their own
    unknown: dict = field(default_factory=dict)  # raw labels: why no number is known
    headings: dict = field(default_factory=dict)  # "file:line" -> [number, ...]
    tagged: dict = field(default_factory=dict)  # raw LaTeX -> [it with \tag{n}s, ...]
    figures: dict = field(default_factory=dict)  # raw LaTeX -> [[its figures' n], ...]

    def text(self, ident: str, caption: bool = False) -> str:
        """How Quarto words a reference: the kind's prefix (a caption: its title), a
        space and the number (the number alone for an empty prefix)."""
        kind = ident.split("-", 1)[0]
        name = vocabulary.CROSSREF[kind]["name"] if caption else NAMES[kind]
        return f"{name} {self.numbers[ident]}".strip()

    def referable(self, ident: str) -> bool:
        return ident in self.numbers and "--" not in ident


def label(ref: str) -> str:
    """The label a reference names: `Fig-x` (capitalised) names `fig-x`."""
    return ref[:1].lower() + ref[1:]


def is_crossref(ident: str) -> bool:
    """Whether a citation id is a cross-reference (`@fig-x`, `@Thm-y`)."""
    prefix = label(ident).split("-", 1)[0]
    return "-" in ident and prefix in NAMES


# a code annotation's marker at a line's end, after a comment character (Quarto's
# code-annotation.lua)
ANNOTATION = re.compile(r"(#|//|--|%)\s*<\d+>[ \t]*$", re.M)


def alph(n: int, where: str = "?") -> str:
    """A counter as LaTeX's `\\Alph` writes it after `\\appendix`: A, B, ...; nothing
    for 0 (a theorem before the appendix's first section, or no numbered sections).
    Raises BuildError past 26, where LaTeX stops with "Counter too large"."""
    if n > 26:
        raise BuildError(
            f"{where}: the {n}th of a counter LaTeX writes as a letter (a section after "
            f"\\appendix, or a sub-figure or sub-table): LaTeX stops past Z ('Counter "
            f"too large'); split the appendix or the float"
        )
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n - 1] if n else ""


class Counter:
    def __init__(
        self,
        output: str,
        number_sections: bool,
        titles: dict,
        depth: int,
        koma: bool,
        within: set[str] = frozenset(),
    ):
        self.output = output
        # kinds numbered within the top-level section: the theorems', and those of a
        # \numberwithin in the header
        self.within = set(THEOREMS) | within
        self.koma = koma  # the document class is KOMA-Script's (Quarto's scrartcl)
        self.depth = depth  # number-depth: deeper headings have no number
        self.nums = Numbering(number_sections)
        self.counters: dict = {}  # kind -> count; "<env>-caption" -> a number
        self.sections: list[int] = []
        # LaTeX's \@currentlabel outside groups: the last section's number
        self.current = ""
        self.appendix = False
        self.pos = "?"
        # kind -> (number, label) of the float div of that kind we are in
        self.floats: dict[str, tuple[str, str]] = {}
        self.subs = 0  # sub-figures or sub-tables so far in that div
        self.refs: list[tuple[str, str]] = []
        self.titles = titles  # callout title= text -> its inlines
        self.hidden: set[str] = set()  # labels in content this output does not show
        self.raw_labels: set[str] = set()  # labels that raw LaTeX defines
        self.autorefs: list[tuple[str, str]] = []  # raw \autoref{eq-...}, where
        self.in_table: str | bool = False  # the label of the table float we are in

    # --- counting ---------------------------------------------------------------
    def add(self, ident: str, number: str | None = None, kind: str | None = None):
        if ident in self.nums.numbers:
            first = self.nums.where[ident]
            raise BuildError(
                f"{self.pos}: label '{ident}' is defined twice (first at {first})"
            )
        if number is None:
            number = self.step(kind or ident.split("-", 1)[0])
        self.nums.numbers[ident] = number
        self.nums.where[ident] = self.pos
        return number

    def step(self, kind: str) -> str:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        number = str(self.counters[kind])
        if kind in self.within:  # numbered within the top-level section
            top = self.sections[0] if self.sections and self.nums.number_sections else 0
            if self.appendix:
                top = alph(top, self.pos)
            number = f"{top}.{number}"
        return number

    def section(self, level: int, starred: bool = False) -> str:
        """A heading's number ("" for none), its counters stepped as LaTeX steps them:
        a numbered heading restarts the counters within it (deeper headings, and at
        level 1 the theorem kinds: \\newtheorem{...}[section]); Quarto's KOMA class
        restarts them also at a heading it does not number (`{.unnumbered}`, or any
        without number-sections), the standard classes do not."""
        counted = self.nums.number_sections and not starred
        if counted or self.koma:
            del self.sections[level:]
            if level == 1:
                for kind in self.within:
                    self.counters.pop(kind, None)
        if not counted:
            return ""
        self.sections += [0] * (level - len(self.sections))
        self.sections[level - 1] += 1
        parts = list(map(str, self.sections))
        if self.appendix:
            parts[0] = alph(self.sections[0], self.pos)
        self.current = ".".join(parts)
        return self.current

    # --- the walk ---------------------------------------------------------------
    def blocks(self, blocks: list, titled: bool = False):
        """Walk blocks; `titled`: a leading heading is the block's title, not a section."""
        for block in blocks:
            if position(block) is not None and block["t"] == "RawBlock":
                self.pos = position(block)
                continue
            if titled and block["t"] == "Header":
                self.pos = position(block) or self.pos
                self.inlines(block["c"][2])
            else:
                self.block(block)
            titled = False

    def block(self, block: dict):
        t = block["t"]
        if t in ("Div", "Header", "RawBlock"):  # a marker block too, in a list item
            self.pos = position(block) or self.pos
        if t == "Div":
            self.div(block)
        elif t == "Header":
            self.header(block)
        elif t == "Figure":
            self.figure_block(block)
        elif t == "Table":
            self.table(block)
        elif t == "RawBlock":
            if block["c"][0] in ("latex", "tex"):
                self.raw(block["c"][1])
        elif t in ("Para", "Plain"):
            self.inlines(block["c"])
        elif t == "CodeBlock":
            self.code_block(block)
        else:  # lists, quotes, definitions, line blocks (a rule has no children)
            self.children(block.get("c"))

    def code_block(self, block: dict):
        """A code block's attributes: a listing (#lst- and lst-cap), or a `filename`
        (Quarto makes an unlabelled listing of it, numbered); Quarto's other code-block
        options are not supported here (a located error); other attributes pandoc keeps,
        unused."""
        ident, classes, keys = attr(block)
        self.pos = keys.get("data-pos", self.pos)
        if "filename" in keys and (cls := CONDITIONAL & set(classes)):
            raise BuildError(
                f"{self.pos}: a code block with filename= and .{cls.pop()}: Quarto's PDF "
                f"keeps its listing caption and drops the code; put the condition on "
                f"a div around the block instead"
            )
        quarto = [k for k in keys if k in QUARTO_CODE_ATTRIBUTES]
        if ident.startswith("lst-") and "lst-cap" in keys:  # a listing, as Quarto's
            self.add(ident)
        elif "filename" in keys and not ident.startswith("lst-"):
            self.unlabelled(block, "lst")
        elif "lst-cap" in keys or ident.startswith("lst-"):
            raise BuildError(
                f"{self.pos}: a listing needs both a #lst- label and lst-cap "
                f"(here: {'#' + ident if ident else 'no label'}"
                f"{', lst-cap' if 'lst-cap' in keys else ', no lst-cap'})"
            )
        if quarto:
            raise BuildError(
                f"{self.pos}: '{quarto[0]}' on a code block is a Quarto listing option "
                f"the built-in renderer does not support: remove it, or build with Quarto"
            )
        if marker := ANNOTATION.search(block["c"][1]):
            raise BuildError(
                f"{self.pos}: '{marker.group().strip()}' is a Quarto code annotation "
                f"(circled numbers explained by the list after the code), which the "
                f"built-in renderer does not support: remove it, or build with Quarto"
            )

    def div(self, div: dict):
        ident, classes, keys = attr(div)
        content = div["c"][1]
        if not shown(div, self.output):  # the labels in it: the other output's
            self.hidden |= labels_in(div)
            return
        kind = ident.split("-", 1)[0] if "-" in ident else None
        if "title" in keys:  # a callout's title=, read by pandoc (parse.callout_titles)
            self.inlines(self.titles.get(keys["title"], []))
        if kind in THEOREMS:
            self.add(ident)
            self.blocks(content, titled=True)
        elif kind == "fig":
            if "fig" in self.floats:
                raise BuildError(
                    f"{self.pos}: the figure div #{ident} is inside another figure "
                    f"div: sub-figures written as divs are not supported by the built-in "
                    f"renderer; give each sub-figure as an image with its own label "
                    f"inside the figure div (![caption](file){{#{ident}}}), or build "
                    f"with Quarto"
                )
            self.chunk_cells(kind, ident, keys, content)
            self.inside(kind, ident, content)
        elif kind == "tbl":
            self.chunk_cells(kind, ident, keys, content)
            self.table_layout(ident, keys, content)
            self.inside(kind, ident, content)
        elif kind == "lst":  # a chunk labelled lst- (weave.py)
            self.add(ident)
            self.blocks(content)
        else:
            if kind in vocabulary.CALLOUT_REFS:  # numbered, a counter per kind
                self.add(ident)
            callout = any(c.startswith("callout") for c in classes)
            table = self.in_table or self.floats.get("tbl", ("", ""))[1]
            if callout and table:
                raise BuildError(
                    f"{self.pos}: a callout inside the table #{table}: Quarto's PDF "
                    f"sets it as a plain quote with a bold title (no box, no icon) in "
                    f"a captioned table; move it out of the table, or build with Quarto"
                )
            special = callout or any(c in vocabulary.UNNUMBERED for c in classes)
            # a leading '## Title' is the block's title, unless title= gives one
            self.blocks(content, titled=special and "title" not in keys)

    def header(self, header: dict):
        level, (ident, classes, _), inlines = header["c"]
        ident = ident if is_crossref(ident) else ""  # not pandoc's automatic ids
        deep = self.nums.number_sections and level > self.depth  # below number-depth
        if "unnumbered" in classes or deep:
            if deep and "unnumbered" not in classes:
                self.nums.headings.setdefault(self.pos, []).append("")
            if not deep:
                self.section(level, starred=True)
            numbered = deep and "unnumbered" not in classes and self.current
            if ident and numbered:  # \ref: the enclosing section's number, as LaTeX
                self.add(ident, self.current)  # gives it (Quarto's PDF)
            elif ident:
                self.add(ident, "")
                self.nums.unnumbered.add(ident)
                self.nums.unknown[ident] = (
                    f"it is the label of an unnumbered heading (at {self.pos}"
                    + (f", below number-depth {self.depth}" if deep else "")
                    + f"), which has no number to refer to: link to it by name instead, "
                    f"[{stringify(inlines)}](#{ident})"
                )
        else:
            number = self.section(level)
            self.nums.headings.setdefault(self.pos, []).append(number)
            if ident:
                self.add(ident, number)
                if not self.nums.number_sections:
                    self.nums.unnumbered.add(ident)
        self.inlines(inlines)

    def figure_block(self, figure: dict):
        ident = figure["c"][0][0]  # pandoc 3 moves an image's label to its figure
        anonymous = ident.startswith("fig--")  # a chunk's fig-cap without a label
        captioned = stringify(figure["c"][1][1]).strip()
        if "fig" in self.floats and (anonymous or captioned and ident[:4] != "fig-"):
            raise BuildError(
                f"{self.pos}: a captioned image (or a chunk's fig-cap) inside the "
                f"figure div #{self.floats['fig'][1]} is a figure inside a figure "
                f"(Quarto's LaTeX stops with 'Not in outer par mode'): leave out its "
                f"caption, or give it a label of its own (a sub-figure)"
            )
        if ident.startswith("fig-"):
            self.sub(ident, "fig")
        elif "fig" not in self.floats:  # pandoc makes a numbered figure of it
            self.unlabelled(figure, "fig")
        self.blocks(figure["c"][1][1])  # the caption

    def unlabelled(self, element: dict, kind: str):
        """A float LaTeX numbers without a label: its number under parse.py's mark."""
        number, key = self.step(kind), attr(element)[2].get("data-float")
        if key:
            self.nums.numbers[key] = number

    def chunk_cells(self, kind: str, ident: str, keys: dict, content: list):
        """A layout div's chunks: Quarto sets each in one cell, what it shows one under
        the other; one that draws more than one figure, or shows more than one table
        (or its code beside it), stops the build."""
        if not set(vocabulary.LAYOUT) & set(keys):
            return
        noun, figure = {"fig": "figure", "tbl": "table"}[kind], kind == "fig"
        for b in content:
            if b["t"] != "Div" or "data-chunk" not in attr(b)[2]:
                continue
            # its images; or its blocks as the PDF shows them (tables, code)
            shown = (
                sum(e.get("t") == "Image" for e in walk(b))
                if figure
                else len(strip([b], "pdf"))
            )
            if shown > 1:
                raise BuildError(
                    f"{self.pos}: a layout in the {noun} div #{ident} over a chunk that "
                    + ("draws more than one figure" if figure else "shows more than "
                       "one table (or its code too)")
                    + f": Quarto sets a chunk in one cell, its {noun}s one under the "
                    f"other in the first column; give each {noun} a chunk of its own in "
                    f"the div, or label the chunk #| label: {kind}-... with {kind}-cap, "
                    f"{kind}-subcap and the layout"
                )  # fmt: skip

    def table_layout(self, ident: str, keys: dict, content: list):
        """A table div's layout lays out its tables (floats.lua): all sub-tables (with
        ids) or all without ids (cells without sub-captions); BuildError otherwise."""
        if not set(vocabulary.LAYOUT) & set(keys):
            return
        cells = [b for b in content if not position(b) or b["t"] != "RawBlock"]
        cells = cells[:-1] if cells and cells[-1]["t"] in ("Para", "Plain") else cells
        cells = strip(cells, "pdf")  # a chunk's one table, as it is laid out
        tables = [b for b in cells if b["t"] == "Table"]
        kinds = {bool(attr(b)[0]) or bool(b["c"][1][1]) for b in tables}  # or captioned
        if not tables or len(tables) < len(cells) or len(kinds) > 1:
            raise BuildError(
                f"{self.pos}: a layout in the table div #{ident} over blocks that are "
                f"not all tables, or over tables with and without captions: Quarto sets "
                f"each block in a cell; the built-in renderer lays out only tables (all "
                f"labelled sub-tables, or all without captions); move the rest out of the "
                f"div, or build with Quarto"
            )

    def inside(self, kind: str, ident: str, content: list):
        """A figure or table div: its labelled images or tables are its sub-floats."""
        self.floats[kind], self.subs = (self.add(ident), ident), 0
        self.blocks(content)
        del self.floats[kind]

    def sub(self, ident: str, kind: str):
        if kind in self.floats:  # a sub-figure or sub-table: 1a, 1b, ...
            self.subs += 1
            self.add(ident, self.floats[kind][0] + alph(self.subs, self.pos).lower())
        else:
            self.add(ident)

    def table(self, table: dict):
        caption = table["c"][1][1]
        ident = table["c"][0][0]  # pandoc 3.9 reads `: Caption {#tbl-x}` into it
        self.pos = attr(table)[2].get("data-pos", self.pos)
        if ident.startswith("tbl-"):
            self.sub(ident, "tbl")
        elif (caption or ident) and "tbl" not in self.floats:
            self.unlabelled(table, "tbl")  # with a caption or an id, LaTeX numbers it
        outer = self.in_table
        self.in_table = outer or ident[:4] == "tbl-" and ident
        self.children(table["c"][1:])
        self.in_table = outer

    def inlines(self, inlines: list):
        for i, e in enumerate(inlines):
            t = e["t"]
            if t == "Math" and e["c"][0]["t"] == "DisplayMath":
                after = [x for x in inlines[i + 1 : i + 3] if x["t"] != "Space"]
                tag = after[0]["c"] if after and after[0]["t"] == "Str" else ""
                if m := EQ_LABEL.fullmatch(tag):
                    given = TAG.search(e["c"][1])  # \tag{G}: its number, no step
                    self.add(m.group(1), given.group(1) if given else None)
                elif tag.startswith("{#eq-") and "}" not in tag:  # {#eq-a b}
                    raise BuildError(
                        f"{self.pos}: '{tag} ...' after the display math is not an "
                        f"equation label, which is one word in braces ({tag}}}): Quarto "
                        f"numbers the equation and prints ?@{tag[2:]} for its references"
                    )
            else:
                self.inline(e)

    def inline(self, e: dict):
        t = e["t"]
        if t == "Span":
            self.pos = position(e) or self.pos
            validate.check_span(attr(e)[1], self.pos)
        if t == "Cite":
            ids = [c["citationId"] for c in e["c"][0]]
            refs = [label(i) for i in ids if is_crossref(i)]
            if refs and len(refs) < len(ids):
                raise BuildError(
                    f"{self.pos}: [{'; '.join('@' + i for i in ids)}] holds a "
                    f"cross-reference and a citation in one bracket (Quarto prints the "
                    f"reference and drops the citation): write them in two brackets"
                )
            self.refs += [(ref, self.pos) for ref in refs]
        elif t == "Image":
            ident = attr(e)[0]
            if ident.startswith("fig-"):
                self.sub(ident, "fig")
            return
        elif t == "RawInline":
            if e["c"][0] in ("latex", "tex"):
                self.raw(e["c"][1])
            return
        outer = self.pos
        self.children(e.get("c"))
        if t == "Note":  # its definition's line is not the paragraph's after it
            self.pos = outer

    def children(self, value):
        for child in children(value):
            (self.block if child["t"] in BLOCKS else self.inline)(child)

    def raw(self, tex: str):
        """Count what raw LaTeX numbers (see the module docstring); keep a copy with
        `\\tag`s for the notebook (MathJax numbers nothing itself)."""
        original = tex
        validate.check_counters(tex, self.pos)
        self.autorefs += [(n, self.pos) for n in AUTOREF.findall(tex)]
        stack: list[str] = []
        row_labels: list[str] = []
        row_numbered: bool | str = True  # False: \nonumber; text: the row's \tag
        edits: list[tuple[int, int, str]] = []  # the notebook's copy: tags, no labels
        # the numbers of its captioned figures, for the notebook
        figures: list[str] = []

        def end_row(at: int):
            nonlocal row_labels, row_numbered
            env = next((e for e in reversed(stack) if e in ROWS), None)
            number, tag = None, row_numbered if isinstance(row_numbered, str) else None
            if env and env != "multline":
                number = tag or (self.step("eq") if row_numbered else None)
                for name in row_labels:
                    self.raw_label(name, number, f"a row of {env} without a number")
            elif env == "multline":
                number = str(self.counters["multline-number"])
            if number and not tag:
                edits.append((at, at, f" \\tag{{{number}}}"))
            row_labels, row_numbered = [], True

        for m in RAW_TOKEN.finditer(tex):
            begin, env, star, name, appendix, nonumber, newline, *rest = m.groups()
            sub, section_star = rest
            if begin == "begin":
                stack.append(env + star)
                if env == "multline" and not star:
                    self.counters["multline-number"] = self.step("eq")
                if star and env in ROWS:
                    stack[-1] = "unnumbered"
                elif star and env in FLOAT_ENVS:  # figure*: numbered as a figure
                    stack[-1] = env
            elif begin == "end":
                if stack and stack[-1] in ROWS:
                    end_row(m.start())
                if stack:
                    stack.pop()
            elif name is not None:
                if any(e in ROWS for e in stack):
                    edits.append((m.start(), m.end(), ""))
                self.raw_context_label(name, stack, row_labels)
            elif appendix:
                self.appendix = True
                self.sections = []
                for kind in self.within:
                    self.counters.pop(kind, None)
            elif nonumber:
                given = TAG.match(tex, m.start()) if nonumber == "tag" else None
                row_numbered = given.group(1) if given else False
            elif newline and stack and stack[-1] in ROWS and stack[-1] != "multline":
                end_row(m.start())
            elif m.group(0) == "\\caption":
                env = next((e for e in reversed(stack) if e in FLOAT_ENVS), None)
                if env:
                    self.counters[f"{env}-caption"] = self.step(FLOAT_ENVS[env])
                    if env == "figure":
                        figures.append(str(self.counters[f"{env}-caption"]))
            elif m.group(0).startswith("\\") and "section" in m.group(0):
                self.section(1 + m.group(0).count("sub"), starred=bool(section_star))
            # theorem kinds in raw LaTeX
            if begin == "begin" and env in ENV_KIND and not star:
                stack[-1] = "thm:" + self.step(ENV_KIND[env])

        self.nums.figures.setdefault(original, []).append(figures)
        if edits:
            for start, end, text in sorted(edits, reverse=True):
                tex = tex[:start] + text + tex[end:]
            self.nums.tagged.setdefault(original, []).append(tex)

    def raw_context_label(self, name: str, stack: list, row_labels: list):
        for env in reversed(stack):
            if env in ROWS:
                if env == "multline":
                    number = str(self.counters["multline-number"])
                    return self.raw_label(name, number, "")
                return row_labels.append(name)
            if env.startswith("thm:"):
                return self.raw_label(name, env[4:], "")
            if env in FLOAT_ENVS:
                number = self.counters.get(f"{env}-caption")
                return self.raw_label(
                    name,
                    str(number) if number else None,
                    f"a \\label before the \\caption of a raw {env} environment",
                )
        self.raw_label(name, None, "a \\label outside anything LaTeX numbers")

    def raw_label(self, name: str, number: str | None, why: str):
        if number is None:
            self.nums.unknown[name] = f"{why} (raw LaTeX at {self.pos})"
            self.nums.where[name] = self.pos
        else:
            self.add(name, number)
            self.raw_labels.add(name)


def labels_in(value) -> set[str]:
    """Every label defined in `value`: ids, `{#eq-x}` after display math, raw `\\label`s."""
    found = set()
    for e in walk(value):
        t = e.get("t")
        if t in WITH_ATTR:
            found.add(attr(e)[0])
        elif t == "Str" and (m := EQ_LABEL.fullmatch(e["c"])):
            found.add(m.group(1))
        elif t in ("RawBlock", "RawInline"):
            found |= set(re.findall(r"\\label\{([^}]*)\}", e["c"][1]))
    return found


BLOCKS = {
    "Para", "Plain", "Header", "Div", "CodeBlock", "RawBlock", "BlockQuote",
    "BulletList", "OrderedList", "DefinitionList", "Table", "Figure", "LineBlock",
    "HorizontalRule",
}  # fmt: skip


def number(
    tree: dict,
    output: str = "pdf",
    number_sections: bool = True,
    why=None,
    depth=5,
    koma=True,
    unresolved: dict | None = None,
    within: set[str] = frozenset(),
) -> Numbering:
    """Number every label of the document tree as `output` ('pdf' or 'ipynb') shows it;
    stop on a label defined twice, a reference to no label, or a reference to a label
    whose number cannot be known.  `why(ident)`: more words for a missing label;
    `depth`: the document's number-depth (pandoc's default, 5); `koma`: the document
    class is KOMA-Script's; `unresolved`: labels the built-in path numbers where
    Quarto's PDF prints ?@label, with the reason (a warning at each first reference);
    `within`: kinds ('eq', 'fig', 'tbl') the header numbers within the section."""
    counter = Counter(
        output, number_sections, callout_titles(tree), depth, koma, within
    )
    counter.blocks(tree["blocks"])
    nums = counter.nums
    for ident, where in counter.autorefs:  # hyperref names a span's label a section
        if ident not in counter.raw_labels and ident in nums.numbers:
            raise BuildError(
                f"{where}: \\autoref{{{ident}}}: Quarto's PDF calls the equation a "
                f"'section' (its label sits on a span there): write @{ident}"
            )
    told, missing = set(), []
    unresolved = dict(unresolved or {})
    for ident, where in counter.refs:
        if ident in counter.raw_labels and ident.startswith("eq-"):
            # Quarto 1.10.18 resolves a raw table's label, not these
            unresolved[ident] = "a raw LaTeX equation's \\label"
        if ident in unresolved and ident not in told and output == "ipynb":
            told.add(ident)
            warn(
                where,
                f"@{ident} refers to {unresolved[ident]}: the built-in path numbers it "
                f"({nums.text(ident)}), Quarto prints ?@{ident} instead",
            )
        if ident in nums.unknown:
            raise BuildError(
                f"{where}: the reference @{ident} has no number that can be known: "
                f"{nums.unknown[ident]}"
            )
        if ident in counter.hidden and output == "ipynb" and ident not in nums.numbers:
            warn(
                where,
                f"the reference @{ident} points to a label the notebook does not show "
                f"(.content-visible/.content-hidden): the notebook reads ?@{ident} "
                f"there, as Quarto's notebook",
            )
            continue
        if not nums.referable(ident):  # each named, as Quarto warns of each
            missing.append(
                f"{where}: reference @{ident} points to no label in the document"
                + (why(ident) if why else "")
                + as_text(tree, ident)
            )
    if missing:
        raise BuildError("\n".join(dict.fromkeys(missing)))
    return nums


def as_text(tree: dict, ident: str) -> str:
    """More words for a reference to no label whose `{#ident}` pandoc read as text."""
    label = re.compile(r"\{#" + re.escape(ident) + r"(?![\w-])")
    for e, where in walk_at(tree["blocks"]):
        if e["t"] == "Str" and label.search(e["c"]):
            return (
                f" ({{#{ident}}} is text of the paragraph at {where}, for pandoc as "
                f"for Quarto: a heading needs a blank line before it, and attributes "
                f"follow what they label with no space)"
            )
    return ""


def chunk_reason(chunks):
    """Why a chunk labelled `ident` put nothing labelled in the document (more words for
    a reference to no label)."""

    def why(ident: str) -> str:
        for chunk in chunks:
            if chunk.options.get("label") == ident:
                opts = chunk.options
                if isinstance(opts.get("fig-cap"), list):  # one figure per caption
                    n = len(opts["fig-cap"])
                    return (
                        f" (the chunk at {chunk.where()} captions each of its figures: "
                        f"@{ident}-1 to @{ident}-{n}; Quarto 1.10.18 gives @{ident} to "
                        f"the last one, which the built-in renderer does not: write "
                        f"@{ident}-{n})"
                    )
                reason = next(
                    (
                        f"has {k}: false"
                        for k in ("eval", "include", "output")
                        if opts.get(k) is False
                    ),
                    "printed nothing with that label",
                )
                return f" (the chunk at {chunk.where()} {reason})"
        return ""

    return why


def document_numbers(doc, tree: dict, output: str) -> Numbering:
    """Every label of `tree` numbered as `output` ('pdf' or 'ipynb') shows it
    (.content-visible parts) and as executed (labels that code prints count), with the
    document's `number-sections` and `number-depth`."""
    sections = bool(options.pdf_option(doc, "number-sections", False))
    depth = options.pdf_option(doc, "number-depth", 5)
    koma = str(options.pdf_option(doc, "documentclass", "scrartcl")).startswith("scr")
    listed = {  # fig-cap as a list: one figure per caption (weave.py)
        f"{c.label}-{k}": f"figure {k} of the fig-cap list of the chunk at {c.where()}"
        for c in doc.chunks
        if isinstance(c.options.get("fig-cap"), list)
        for k in range(1, len(c.options["fig-cap"]) + 1)
    }
    why = chunk_reason(doc.chunks)
    within = validate.numbered_within(options.header_text(doc))
    return number(tree, output, sections, why, depth, koma, listed, within)
