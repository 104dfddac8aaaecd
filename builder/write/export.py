"""Stage 3, export: the submission notebook, one self-contained file, written from the
document tree (parse.py) as the notebook shows it.

The tree's Quarto constructs become plain Markdown with the numbers written out (headings,
theorem kinds, callouts, figures, tables, equations, references; raw LaTeX equations
tagged, raw tables read by pandoc's LaTeX reader); the tree is split at each chunk's place
into Markdown cells, written by pandoc's Markdown writer with only what Jupyter shows
(pipe tables, `$` math, no raw HTML it would hide) and with citeproc for citations, and
code cells: every import of a `code/` module replaced by the module's source (modules.py),
with the outputs of the build's execution (none for `output: false`), Markdown outputs
written from the tree as well.
"""

from __future__ import annotations

import base64
import copy
import json
import mimetypes
import re
import subprocess
from urllib.parse import unquote

import nbformat

from .. import parse, vocabulary
from ..diagnostics import warn
from ..execute import KERNELSPEC, executed_chunks, outputs_by_label
from ..number import BLOCKS, EQ_LABEL, TAG, Numbering, is_crossref, label
from ..parse import attr, position
from ..read import BuildError, Chunk, Document, options
from ..weave import stream_text, without_plot_reprs
from . import texlog
from .modules import (
    chunk_source,
    code_modules,
    inline_plan,
    module_cells,
    preamble_chunks,
)

# pandoc's Markdown writer with what Jupyter's Markdown understands
WRITER = "markdown" + "".join(
    f"-{ext}"
    for ext in """grid_tables multiline_tables simple_tables table_captions footnotes
    inline_notes citations fenced_divs native_divs bracketed_spans native_spans
    header_attributes link_attributes fenced_code_attributes inline_code_attributes
    raw_attribute smart superscript subscript
    implicit_figures definition_lists example_lists fancy_lists line_blocks""".split()
)
SPLIT = "<!-- cell -->"
TITLE_BLOCK = ("title", "subtitle", "author", "date", "thanks", "abstract")
HTML_TAGS = set(
    """a abbr b br code del div em i img kbd mark p pre s small span strong sub sup
    table tbody td th thead tr u""".split()
)
NOTHING = re.compile(r"^\s*(\\(newpage|clearpage|pagebreak|noindent)\b\s*)*$")
LATEX_REF = re.compile(r"\\(eqref|ref|pageref|autoref)\{([^}]*)\}")
SPAN_TAGS = {"mark": "mark", "underline": "u"}  # span classes Jupyter shows as HTML
# block type -> the Jupyter method that renders it (a list of blocks)
RENDER = dict(
    Div="div", Header="header", Para="para", Plain="para", RawBlock="raw_block"
)
RENDER |= dict(Figure="figure", Table="table", CodeBlock="code_block")

MATH_ENV = re.compile(
    r"\\begin\{(equation|align|gather|multline|flalign|alignat|eqnarray)"
)
NOTAG = re.compile(r"\\(notag|nonumber)\b")
FLALIGN = re.compile(r"\\(begin|end)\{flalign(\*?)\}")
MACRO = re.compile(r"^\s*\\(re)?newcommand|^\s*\\DeclareMathOperator|^\s*\\def\\")
# a macro a math element defines, which Jupyter's MathJax keeps for the later math
DEFINED = re.compile(
    r"\\(?:(?:re)?newcommand\*?|DeclareMathOperator\*?|def)\s*\{?\s*\\(\w+)"
)


def s(text: str) -> list:
    """Inlines of plain text."""
    out: list = []
    for k, word in enumerate(text.split(" ")):
        out += ([{"t": "Space"}] if k else []) + (
            [{"t": "Str", "c": word}] if word else []
        )
    return out


def numbered(text: str) -> list:
    """Inlines of a reference's words, a `\\tag{$\\ast$}`'s math in them as math."""
    parts = re.split(r"(\$[^$]+\$)", text)
    return [
        i
        for k, part in enumerate(parts)
        for i in (
            [{"t": "Math", "c": [{"t": "InlineMath"}, part[1:-1]]}]
            if k % 2
            else s(part)
        )
    ]


def para(inlines: list) -> dict:
    return {"t": "Para", "c": inlines}


def emph(inlines: list) -> dict:
    return {"t": "Emph", "c": inlines}


def strong(inlines: list) -> dict:
    return {"t": "Strong", "c": inlines}


def blank(inlines: list) -> bool:
    return not parse.stringify(inlines).replace("\xa0", "").strip()


QEDHERE = re.compile(r"\\qedhere(?![A-Za-z])")


class Jupyter:
    """Renders the tree's Quarto constructs as plain Markdown blocks; a chunk becomes a
    ("chunk", index, content) item where its code cell goes."""

    def __init__(self, nums: Numbering, titles: dict, where: str = "?"):
        self.nums = nums
        self.titles = titles  # callout title= text -> its inlines
        self.seen: dict[str, int] = {}  # headings met per source position
        self.raw_latex: list[tuple[str, str]] = []  # (raw LaTeX, where), read after
        self.pos = where  # the nearest position marker: the document until one comes
        self.unknown: set[str] = set()  # macros Jupyter cannot show, named once
        self.depth = 0  # lists lettered or in roman numerals around the one written
        self.cited: dict[str, str] = {}  # citation key -> where it is first cited
        self.raw_figures: list[str] = []  # the numbers of a raw LaTeX's figures

    def blocks(self, blocks: list) -> list:
        out: list = []
        for b in blocks:
            t = b["t"]
            if t == "RawBlock" and b["c"][0] == parse.POS:
                self.pos = b["c"][1].strip()
            elif t in RENDER:
                out += getattr(self, RENDER[t])(b)
            elif t == "OrderedList" and _labelled(b):
                if out and isinstance(out[-1], dict) and out[-1]["t"] == "Plain":
                    out[-1] = para(out[-1]["c"])  # a tight item's text: a line apart
                out += self.labelled_list(b)
            else:  # lists, quotes, definitions, line blocks: their content rendered
                out.append({**b, "c": self.children(b["c"])} if "c" in b else b)
        return out

    def children(self, value):
        """An element's content with the blocks and inlines in it rendered."""
        if not isinstance(value, list):
            return value
        if value and all(isinstance(v, dict) and "t" in v for v in value):
            return (self.blocks if value[0]["t"] in BLOCKS else self.inlines)(value)
        return [self.children(v) for v in value]

    # --- blocks -----------------------------------------------------------------
    def header(self, h: dict) -> list:
        level, _, inlines = h["c"]
        pos = position(h) or self.pos
        found, seen = self.nums.headings.get(pos, []), self.seen.get(pos, 0)
        number = ""
        if "unnumbered" not in h["c"][1][1]:
            self.seen[pos] = seen + 1
            number = found[seen] if seen < len(found) else ""
        head = (s(number) + [{"t": "Space"}] if number else []) + self.inlines(inlines)
        return [{"t": "Header", "c": [level, ["", [], []], head]}]

    def labelled_list(self, b: dict) -> list:
        """A list numbered (a), i., (1) ...: its items as paragraphs led by their labels,
        as the PDF shows them (Jupyter's Markdown numbers lists 1., 2. only, and its
        style sheet overrides an HTML list's type)."""
        (start, style, delim), items = b["c"]
        out, kinds = [], (style["t"], delim["t"])
        indent = "\u2003" * 2 * self.depth  # a list in such a list: em spaces, kept
        self.depth += 1
        for n, item in enumerate(items, start):
            # as is: pandoc would escape "(a)" to "\\(a\\)", which Jupyter reads as math
            text = indent + _list_label(n, *kinds)
            label = [{"t": "RawInline", "c": ["markdown", text]}]
            if item and item[0]["t"] in ("Para", "Plain"):
                first, item = self.inlines(item[0]["c"]), item[1:]
                label += [{"t": "Space"}, *first]
            out += [para(label), *self.blocks(item)]
        self.depth -= 1
        return out

    def div(self, d: dict) -> list:
        ident, classes, keys = attr(d)
        content = d["c"][1]
        self.pos = keys.get("data-pos", self.pos)
        if not parse.shown(d, "ipynb"):
            return []
        if "data-chunk" in keys:
            return [("chunk", int(keys["data-chunk"]), content)]
        kind = ident.split("-", 1)[0] if "-" in ident else ""
        if kind in vocabulary.THEOREMS:
            title, rest = self.title(content)
            words = s(f"{vocabulary.CROSSREF[kind]['name']} {self.nums.numbers[ident]}")
            words += s(" (") + title + s(").") if title else s(".")
            return lead([strong(words)], self.blocks(rest))
        if kind in vocabulary.FLOATS and content and content[-1]["t"] == "Table":
            inner = content[-1]  # a raw LaTeX table, as pandoc's LaTeX reader reads it
            return self.table({**inner, "c": [[ident, [], []], *inner["c"][1:]]})
        if kind in vocabulary.FLOATS:
            *body, caption = content or [para([])]
            if caption["t"] not in ("Para", "Plain"):  # no caption, as Quarto
                body, caption = content, para([])
            words = s(self.nums.text(ident, caption=True))
            out = self.floats(body, ident)
            cap = self.inlines(caption["c"])
            delim = [] if blank(cap) else s(vocabulary.caption_delim()[1]) + cap
            return out + [para([emph(words + delim)])]
        callout = next((c[8:] for c in classes if c.startswith("callout-")), None)
        if callout is not None:
            if "title" in keys:
                title = self.inlines(self.titles.get(keys["title"], s(keys["title"])))
                rest = content
            else:
                title, rest = self.title(content)
            if kind in vocabulary.CALLOUT_REFS and ident in self.nums.numbers:  # #nte-x
                name = s(
                    f"{vocabulary.CROSSREF[kind]['name']} {self.nums.numbers[ident]}"
                )
                delim = s(vocabulary.VOCABULARY["titles"]["delim"] + " ")
                title = name + (delim + title if title else [])
            elif not title and keys.get("appearance", "default") == "default":
                default = vocabulary.CALLOUTS.get(callout, vocabulary.CALLOUTS["note"])
                title = s(default["title"])
            body = html_tables(self.blocks(rest))  # simple, minimal: no default title
            head = [para([strong(title)])] if title else []
            return [{"t": "BlockQuote", "c": [*head, *body]}]
        block = next((c for c in classes if c in vocabulary.UNNUMBERED), None)
        if block:
            title, rest = self.title(content)
            name = vocabulary.UNNUMBERED[block]
            words = s(name + " (") + title + s(").") if title else s(name + ".")
            if title and block == "proof":  # the title instead of the name, as LaTeX
                words = title + s(".")
            out = lead([emph(words)], self.blocks(rest))
            if block == "proof":  # as Quarto: the QED mark ends the last line
                qed = {"t": "Math", "c": [{"t": "InlineMath"}, "\\blacksquare"]}
                if out and isinstance(out[-1], dict) and out[-1]["t"] == "Para":
                    out[-1] = para(out[-1]["c"] + [{"t": "SoftBreak"}, qed])
                else:
                    out.append(para([qed]))
            return out
        if ident == "refs":
            return [{"t": "Div", "c": [["refs", [], []], []]}]  # citeproc fills it
        return self.blocks(content)

    def title(self, content: list) -> tuple[list, list]:
        """A block's leading '## Title' (its inlines) and the rest of its content."""
        rest = [b for b in content if not (b["t"] == "RawBlock" and b["c"][0] == "pos")]
        if rest and rest[0]["t"] == "Header":
            return self.inlines(rest[0]["c"][2]), rest[1:]
        return [], content

    def floats(self, body: list, ident: str) -> list:
        """A float div's content; a figure's with its sub-figures each with "(a) caption"."""
        if not ident.startswith("fig-"):
            return self.blocks(body)
        out = []
        for b in body:
            if (method := RENDER.get(b["t"])) in ("para", "figure"):
                out += getattr(self, method)(b, ident)
            else:
                out += self.blocks([b])
        return out

    def subfigure(self, image: dict, caption: list, parent: str | None) -> list:
        ident = attr(image)[0]
        size = [kv for kv in image["c"][0][2] if kv[0] in ("width", "height")]
        bare = {"t": "Image", "c": [["", [], size], [], image["c"][2]]}  # as <img>
        number = self.nums.numbers.get(ident, "")
        if parent and number[-1:].isalpha():
            words = s(f"({number[-1]})") + ([] if blank(caption) else s(" "))
        else:
            words = s(self.nums.text(ident, caption=True))
            words += [] if blank(caption) else s(vocabulary.caption_delim()[1])
        return [para([bare]), para([emph(words + self.inlines(caption))])]

    def figure(self, f: dict, parent: str | None = None) -> list:
        caption = parse.stringify(f["c"][1][1]) and f["c"][1][1][0]["c"] or []
        image = next(parse.elements(f["c"], "Image"), None)
        ident = f["c"][0][0] or (attr(image)[0] if image else "")
        if image and ident.startswith("fig-"):
            image = {**image, "c": [[ident, [], image["c"][0][2]], *image["c"][1:]]}
            return self.subfigure(image, caption, parent)
        key = attr(f)[2].get("data-float", "")  # numbered without a label (parse.py)
        if parent is None and key in self.nums.numbers:
            name = self.nums.text(key, caption=True)
        elif parent is None and self.raw_figures and caption:  # a raw LaTeX figure's
            name = f"{vocabulary.CROSSREF['fig']['name']} {self.raw_figures.pop(0)}"
        else:
            return self.blocks(f["c"][2])
        words = s(name + vocabulary.caption_delim()[1]) + self.inlines(caption)
        return self.blocks(f["c"][2]) + [para([emph(words)])]

    def code_block(self, b: dict) -> list:
        """A listing (#lst- and lst-cap): its caption, as Quarto's, above the code (the
        caption read as Markdown, so its references and math are written as elsewhere)."""
        if not parse.shown(b, "ipynb"):
            return []
        ident, classes, keys = attr(b)
        code = {"t": "CodeBlock", "c": [["", classes, []], b["c"][1]]}
        file = keys.get("filename")
        if ident in self.nums.numbers and "lst-cap" in keys:
            return [self.listing_caption(ident, keys["lst-cap"], file), code]
        key = keys.get("data-float", "")  # an unlabelled listing (parse.py), numbered
        if file and key in self.nums.numbers:  # as in the PDF
            return [self.listing_caption(key, "", file), code]
        return [b]

    def listing_caption(self, ident: str, cap: str, file: str | None = None) -> dict:
        read = parse.parse(cap)["blocks"]
        caption = read[0]["c"] if read and read[0]["t"] in ("Para", "Plain") else []
        if file:  # the file name first, in code type
            code = {"t": "Code", "c": [["", [], []], file]}
            caption = [code] + s(" ") * bool(caption) + caption
        delim = s(vocabulary.caption_delim()[1]) if caption else []
        words = s(self.nums.text(ident, caption=True)) + delim
        return para([emph(words + self.inlines(caption))])

    def table(self, t: dict) -> list:
        caption = t["c"][1][1]
        words = caption[-1]["c"] if caption else []
        ident = attr(t)[2].get("data-float") or t["c"][0][0]  # parse.py's mark first
        widths, *parts = t["c"][2:]  # the cells' blocks rendered, each on one line
        parts = _one_line(self.children(parts))
        body = {**t, "c": [["", [], []], [None, []], widths, *parts]}
        number, words = self.nums.numbers.get(ident, ""), _trim(words)
        sub = number[-1:].isalpha()  # a sub-table, as a sub-figure: "(a) caption"
        if sub:
            name = s(f"({number[-1]})")
        else:
            name = s(self.nums.text(ident, caption=True)) if number else []
        if blank(words):  # no caption: the name and number alone, as the PDF
            return [body, para([emph(name)])] if name else [body]
        space = s(" " if sub else vocabulary.caption_delim()[1]) if name else []
        return [body, para([emph(name + space + self.inlines(words))])]

    def para(self, p: dict, parent: str | None = None) -> list:
        """A paragraph; a labelled image in it becomes the image and its caption (a
        sub-figure's, in the figure div `parent`)."""
        images = [
            e for e in p["c"] if e["t"] == "Image" and attr(e)[0].startswith("fig-")
        ]
        if images:
            return [
                b
                for image in images
                for b in self.subfigure(image, image["c"][1], parent)
            ]
        return [{"t": p["t"], "c": self.inlines(p["c"])}]

    def raw_block(self, b: dict) -> list:
        fmt, tex = b["c"]
        if fmt == "html" and _tag(tex) in HTML_TAGS:  # a raw HTML table, say
            return [b]  # Jupyter shows it
        if fmt not in ("latex", "tex") or NOTHING.match(tex) or MACRO.match(tex):
            return []  # page breaks; macros are expanded in the math already
        if MATH_ENV.search(tex):
            return [{"t": "RawBlock", "c": ["markdown", self.equations(tex)]}]
        self.raw_latex.append((tex, self.pos))  # read by pandoc's LaTeX reader, write()
        return [{"t": "RawBlock", "c": ["raw-latex", str(len(self.raw_latex) - 1)]}]

    def macros(self, tex: str, output: bool = False) -> str:
        """Name the macros of the notebook's math that Jupyter's MathJax does not know
        (a LaTeX package's, such as \\mathbbm or \\bm, or one the reader does not
        expand, such as mathtools' \\DeclarePairedDelimiter): shown in red there;
        `output`: the math of a chunk's LaTeX output, which nothing expands.  Returns the
        `\\require{...}` of the MathJax 2 extensions the math needs (`cancel` for
        \\cancel), which the classic notebook does not load by itself."""
        self.unknown |= set(DEFINED.findall(tex))  # defined in the math: MathJax's own
        # control words; `\\` (a row's end) read whole, so `\\x` is no macro `\x`
        used = set(re.findall(r"\\(?:([A-Za-z]+)|.)", tex)) - self.unknown - {""}
        required = {vocabulary.REQUIRED[n] for n in used if n in vocabulary.REQUIRED}
        unknown = used - vocabulary.JUPYTER_MATH
        if output:  # nothing adds a \require to an output
            unknown |= used & set(vocabulary.REQUIRED)
        for name in sorted(unknown):
            self.unknown.add(name)
            warn(
                self.pos,
                f"\\{name} is not a macro Jupyter's MathJax knows (2.7 in the classic "
                f"notebook, 3 in JupyterLab): the notebook shows it in red (the PDF's "
                f"LaTeX has it); "
                + (
                    "a chunk's LaTeX output is left as it is (the document's macros "
                    "are not expanded there): write it out there"
                    if output
                    else "define it with \\newcommand in the document or its header, "
                    "which the notebook expands"
                ),
            )
        return "".join(f"\\require{{{e}}}" for e in sorted(required))

    def equations(self, tex: str) -> str:
        """Raw LaTeX equations as MathJax shows them: numbered as number.py numbered
        them (`\\tag`), labels and references resolved; `flalign` (which MathJax 2 lacks)
        as `align`."""
        required = self.macros(tex)
        tagged = self.nums.tagged.get(tex)
        tex = self.references(tagged.pop(0) if tagged else tex)
        tex = re.sub(r"\\begin\{[^}]*\}", lambda m: m.group(0) + required, tex, 1)
        return FLALIGN.sub(r"\\\1{align\2}", tex)

    def references(self, tex: str) -> str:
        """`\\ref{x}` and `\\eqref{x}` as their numbers; those LaTeX cannot resolve
        either ("??" in the PDF too) and `\\pageref`, `\\autoref` (words of LaTeX's
        own) are named in a warning."""

        def number(m):
            cmd, ident = m.groups()
            n = self.nums.numbers.get(ident) if cmd != "pageref" else None
            if n is None or cmd == "autoref":
                warn(
                    self.pos,
                    f"\\{cmd}{{{ident}}}: the notebook shows {n or '??'} (a page, an "
                    f"unknown label or LaTeX's own words are the PDF's alone)",
                )
            return f"({n or '??'})" if cmd == "eqref" else n or "??"

        return LATEX_REF.sub(number, tex)

    # --- inlines ----------------------------------------------------------------
    def inlines(self, inlines: list) -> list:
        out: list = []
        skip = 0
        for i, e in enumerate(inlines):
            if skip:
                skip -= 1
                continue
            t = e["t"]
            if t == "Math":  # with the MathJax 2 extensions it needs; without
                # \qedhere, which MathJax lacks (the proof's end mark follows the math)
                tex = QEDHERE.sub("", e["c"][1])
                e = {**e, "c": [e["c"][0], self.macros(tex) + tex]}
            if t == "Math" and e["c"][0]["t"] == "DisplayMath":
                after = inlines[i + 1 : i + 3]
                k = 1 if after and after[0]["t"] == "Space" else 0
                tag = after[k]["c"] if len(after) > k and after[k]["t"] == "Str" else ""
                if m := EQ_LABEL.fullmatch(tag):
                    math, number = e["c"][1].strip(), self.nums.numbers[m.group(1)]
                    # its own \tag; or \notag, which hides the number LaTeX counts
                    hidden = TAG.search(math) or NOTAG.search(math)
                    tag = "" if hidden else f" \\tag{{{number}}}"
                    e = {**e, "c": [e["c"][0], math + tag]}
                    skip = k + 1
                out.append(e)
            elif t == "Cite":
                out += self.cite(e)
            elif t == "Str" and "$" in e["c"]:  # a dollar: `\\$`, which Jupyter's
                for k, part in enumerate(e["c"].split("$")):  # MathJax keeps as text
                    dollar = {"t": "RawInline", "c": ["markdown", "\\\\$"]}
                    out += [dollar] * bool(k) + [{"t": "Str", "c": part}] * bool(part)
            elif t == "Span":
                _, classes, keys = attr(e)
                tag = next((SPAN_TAGS[c] for c in classes if c in SPAN_TAGS), None)
                if "data-pos" in keys:  # a position marker, as number.py reads it
                    self.pos = keys["data-pos"]
                elif not parse.shown(e, "ipynb"):  # .content-visible when-format=pdf
                    continue
                elif tag:  # [text]{.mark}: <mark>text</mark>, as Jupyter shows it
                    html = [
                        {"t": "RawInline", "c": ["html", f"<{t}>"]}
                        for t in (tag, "/" + tag)
                    ]
                    out += [html[0], *self.inlines(e["c"][1]), html[1]]
                else:
                    out += self.inlines(e["c"][1])
            elif t == "RawInline":
                fmt, text = e["c"]
                if fmt == "html" and text.startswith("<!--"):
                    continue  # a comment, which Quarto leaves out
                if fmt == "html" and _tag(text) not in HTML_TAGS:
                    out.append({"t": "Str", "c": text})  # `<unk>`: text, not a tag
                elif fmt in ("latex", "tex") and MATH_ENV.search(text):
                    out.append(
                        {"t": "RawInline", "c": ["markdown", self.equations(text)]}
                    )
                elif fmt in ("latex", "tex") and LATEX_REF.fullmatch(text):
                    out += s(self.references(text))
                elif fmt in ("latex", "tex") and not NOTHING.match(text):
                    self.raw_latex.append((text, self.pos))  # pandoc's LaTeX reader
                    k = str(len(self.raw_latex) - 1)
                    out.append({"t": "RawInline", "c": ["raw-latex", k]})
                elif fmt not in ("latex", "tex"):  # \noindent and the like: nothing
                    out.append(e)
            else:  # emphasis, links, quotes, notes: their content rendered
                out.append({**e, "c": self.children(e["c"])} if "c" in e else e)
        return out

    def cite(self, e: dict) -> list:
        """Cross-references as Quarto words them: the name and number; `[see @fig-x]` and
        `[see -@fig-x]` "see 1"; `[-@fig-x]` "1"; grouped ones joined by commas; the
        suffix dropped."""
        citations = e["c"][0]
        if not all(is_crossref(c["citationId"]) for c in citations):
            for c in citations:
                self.cited.setdefault(c["citationId"], self.pos)
            return [e]  # a bibliography citation: citeproc
        out: list = []
        for k, c in enumerate(citations):
            ident = label(c["citationId"])
            number = self.nums.numbers.get(ident)
            if number is None:  # a label only the PDF shows (number.py warned)
                words = s(f"?@{ident}")
            elif c["citationPrefix"]:  # also `[Eq. -@eq-x]`: "Eq. 1"
                words = self.inlines(c["citationPrefix"]) + numbered(" " + number)
            elif c["citationMode"]["t"] == "SuppressAuthor":
                words = numbered(number)
            else:
                text = self.nums.text(ident)
                if c["citationId"][:1].isupper():  # @Fig-x: "Fig." for "fig."
                    text = text[:1].upper() + text[1:]
                words = numbered(text)
            out += (s(", ") if k else []) + words
        return out


def lead(first: list, blocks: list) -> list:
    """`first` (inlines) at the start of the first paragraph of `blocks`."""
    if blocks and isinstance(blocks[0], dict) and blocks[0]["t"] == "Para":
        return [para(first + [{"t": "SoftBreak"}] + blocks[0]["c"]), *blocks[1:]]
    return [para(first), *blocks]


def _rewrite(value, change):
    """`value` (a tree's JSON) with each element for which `change` returns something
    replaced by that (and not looked into)."""
    if isinstance(value, list):
        return [_rewrite(v, change) for v in value]
    if not isinstance(value, dict):
        return value
    new = change(value)
    return {k: _rewrite(v, change) for k, v in value.items()} if new is None else new


def html_tables(value):
    """The tables in `value` as HTML: Jupyter's Markdown (nbconvert's mistune) reads no
    pipe table inside a quote, which a callout is in the notebook."""

    def html(table: dict) -> dict | None:
        if table.get("t") != "Table":
            return None
        tree = {"pandoc-api-version": parse.API, "meta": {}, "blocks": [table]}
        html = subprocess.run(
            [parse.pandoc_path(), "-f", "json", "-t", "html", "--mathjax"],
            input=json.dumps(tree), capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return {"t": "RawBlock", "c": ["html", html.strip()]}

    return _rewrite(value, html)


def _labelled(b: dict) -> bool:
    """An ordered list whose labels Jupyter's Markdown cannot write: letters, roman
    numerals, or numbers in parentheses (an example list's)."""
    (_, style, delim), _ = b["c"]
    return style["t"].endswith(("Alpha", "Roman")) or delim["t"] == "TwoParens"


def _list_label(n: int, style: str, delim: str) -> str:
    """The label of item `n` of a list of pandoc's `style` and `delim` ("(b)", "iv.")."""
    if style.endswith("Alpha"):
        text = ""
        while n:
            n, k = divmod(n - 1, 26)
            text = "abcdefghijklmnopqrstuvwxyz"[k] + text
    elif style.endswith("Roman"):
        text = ""
        for value, numeral in zip(
            (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
            "m cm d cd c xc l xl x ix v iv i".split(),
        ):
            text += numeral * (n // value)
            n %= value
    else:
        text = str(n)
    text = text.upper() if style.startswith("Upper") else text
    return {"TwoParens": f"({text})", "OneParen": f"{text})"}.get(delim, f"{text}.")


def _one_line(value):
    """Soft line breaks as spaces: a pipe table's cell is one line."""
    return _rewrite(
        value, lambda e: {"t": "Space"} if e.get("t") == "SoftBreak" else None
    )


def _trim(inlines: list) -> list:
    while inlines and inlines[-1]["t"] in ("Space", "SoftBreak"):
        inlines = inlines[:-1]
    return inlines


def _tag(html: str) -> str:
    m = re.match(r"</?\s*([A-Za-z][\w-]*)", html)
    return m.group(1).lower() if m else ""


def split(items: list) -> list:
    """Rendered blocks -> [("markdown", blocks) | ("chunk", index, content)], a chunk
    inside a callout splitting the callout's quote around it."""
    out: list = []
    for item in items:
        if isinstance(item, tuple):
            out.append(item)
        elif item["t"] == "BlockQuote" and any(_has_chunk(b) for b in item["c"]):
            for part in split(item["c"]):
                if part[0] == "markdown":
                    part = ("markdown", [{"t": "BlockQuote", "c": part[1]}])
                out.append(part)
        elif _has_chunk(item):
            raise BuildError("a python chunk inside a list item is not supported")
        elif out and out[-1][0] == "markdown":
            out[-1][1].append(item)
        else:
            out.append(("markdown", [item]))
    return out


def _has_chunk(value) -> bool:
    if isinstance(value, tuple):
        return True
    if isinstance(value, list):
        return any(_has_chunk(v) for v in value)
    if isinstance(value, dict):
        return any(_has_chunk(v) for v in value.values())
    return False


def footnotes(blocks: list, count: list[int]) -> list:
    """Footnotes (which Jupyter's Markdown lacks) as numbered markers, their text at the
    end of their section in the cell (before its next heading: not under a closing
    "References"), numbered through the notebook as in the PDF."""
    notes: list = []
    out: list = []

    def mark(note: dict) -> dict | None:
        if note.get("t") != "Note":
            return None
        count[0] += 1
        notes.append(_rewrite(note["c"], mark))
        return {"t": "RawInline", "c": ["html", f"<sup>{count[0]}</sup>"]}

    def end_section():
        if notes:
            style = [count[0] - len(notes) + 1, {"t": "Decimal"}, {"t": "Period"}]
            listed = {"t": "OrderedList", "c": [style, notes[:]]}
            out.extend([{"t": "HorizontalRule"}, listed])
            notes.clear()

    for block in blocks:
        if block.get("t") == "Header":
            end_section()
        out.append(_rewrite(block, mark))
    end_section()
    return out


def write(cells: list[list], meta: dict, renderer: Jupyter, doc: Document) -> list[str]:
    """Markdown of each cell's blocks: one run of pandoc's Markdown writer (with
    citeproc when the document has a bibliography) on them all; raw LaTeX blocks read by
    pandoc's LaTeX reader first."""
    raw = renderer.raw_latex
    if raw:
        marked = [f"{t}\n\n\\par RAWSPLIT{k}\\par" for k, (t, _) in enumerate(raw)]
        read = parse.parse("\n\n".join(marked), "latex")["blocks"]
        parts, current = [], []
        for b in read:
            if parse.stringify(b).startswith("RAWSPLIT"):
                numbers = renderer.nums.figures.get(raw[len(parts)][0]) or [[]]
                renderer.raw_figures = numbers.pop(0)  # as number.py counted them
                parts.append(renderer.blocks(current))
                current = []
            else:
                current.append(b)
        for (tex, where), part in zip(raw, parts):
            if not part and tex.strip():  # pandoc's reader made nothing of it
                warn(
                    where,
                    f"raw LaTeX that Jupyter cannot show is left out of the notebook "
                    f"(the PDF has it): {' '.join(tex.split())[:60]}",
                )
            attach_images(part, doc, data_urls=True)  # \includegraphics' files
        cells = _replace_raw(cells, parts)
    split = {"t": "RawBlock", "c": ["markdown", SPLIT]}
    blocks = [b for k, cell in enumerate(cells) for b in [split] * bool(k) + cell]
    has_bib = parse.citeproc(meta)
    if renderer.cited and not has_bib:
        key, where = next(iter(renderer.cited.items()))
        if key.startswith("prf-"):  # Quarto's crossref kind for proofs, not in its PDF
            raise BuildError(
                f"{where}: @{key} refers to a proof, which Quarto's PDF cannot number "
                "(its LaTeX stops at a labelled proof: 'Environment refproof "
                "undefined'): refer to the theorem it proves"
            )
        raise BuildError(
            f"{where}: @{key} is a citation, but the document has no 'bibliography:' or "
            f"'references:'"
            + (f" ({key.split('-')[0]}- is no kind of cross-reference)" * ("-" in key))
            + " (Quarto prints it as written): add a bibliography, or write \\@ for "
            "an @ that is text"
        )
    # the title block is the first cell's (title_blocks), references resolved there:
    # citeproc would read its cross-references as citations
    meta = {k: v for k, v in meta.items() if k not in TITLE_BLOCK}
    tree = {"pandoc-api-version": parse.API, "meta": meta, "blocks": blocks}
    if has_bib:  # first, so that a note style's notes are numbered with the others
        tree = json.loads(
            _pandoc(tree, ["-t", "json", "--citeproc"], doc, renderer.cited)
        )
    cells = [[]]
    for b in tree["blocks"]:
        cells += [[]] if b == split else []
        cells[-1] += [] if b == split else [b]
    count = [0]
    blocks = [
        b for k, c in enumerate(cells) for b in [split] * bool(k) + footnotes(c, count)
    ]
    # no metadata: the writer would add a note of the title to the last cell; --mathjax:
    # a table it can only write as HTML keeps its math as \(...\), which Jupyter renders
    args = ["-t", WRITER, "--wrap=preserve", "--mathjax"]
    text = _pandoc({**tree, "meta": {}, "blocks": blocks}, args, doc)
    return [part.strip("\n") for part in text.split(SPLIT)]


def _pandoc(tree: dict, args: list[str], doc: Document, cited=None) -> str:
    """pandoc's output for a tree; raises BuildError naming citations not found, at
    the place `cited` (key -> "file:line") gives the first."""
    result = subprocess.run(
        [parse.pandoc_path(), "-f", "json", *args],
        input=json.dumps(tree),
        capture_output=True,
        text=True,
    )
    missing = re.findall(r"Citeproc: citation (\S+) not found", result.stderr)
    if result.returncode != 0 or missing:
        where = (cited or {}).get(missing[0], doc.path.name) if missing else ""
        raise BuildError(
            f"{where}: the bibliography has no entry for the citation "
            f"{', '.join('@' + m for m in missing)}"
            if missing
            else f"{doc.path.name}: the notebook's Markdown could not be written: "
            f"{result.stderr}"
        )
    return result.stdout


def _replace_raw(value, parts: list):
    """Raw LaTeX placeholders replaced by what pandoc's LaTeX reader made of them (the
    inlines of its paragraphs, in a line)."""
    if isinstance(value, dict):
        return {k: _replace_raw(v, parts) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    out = []
    for item in value:
        raw = isinstance(item, dict) and item.get("t") in ("RawBlock", "RawInline")
        if raw and item["c"][0] == "raw-latex":
            read = parts[int(item["c"][1])] if int(item["c"][1]) < len(parts) else []
            if item["t"] == "RawBlock":
                out += read
            else:
                out += [i for b in read if b["t"] in ("Para", "Plain") for i in b["c"]]
        else:
            out.append(_replace_raw(item, parts))
    return out


def title_blocks(meta: dict, render) -> list:
    """The title cell, from the tree's metadata: the title (pandoc's, so a heading that
    `shift-heading-level-by` made the title too), subtitle, author(s), date and thanks
    (the abstract follows them); their inlines rendered by `render` (raw LaTeX as in
    prose)."""

    def plain(value: dict) -> list:
        t, c = value["t"], value.get("c")
        if t == "MetaList":
            return [i for k, v in enumerate(c) for i in s(", ") * bool(k) + plain(v)]
        if t == "MetaMap":  # an author given as an object: its name
            return plain(c["name"]) if "name" in c else []
        if t == "MetaBlocks":
            return [i for b in c if b["t"] in ("Para", "Plain") for i in b["c"]]
        return c if t == "MetaInlines" else s(str(c))

    title = render(plain(meta["title"])) if "title" in meta else s("Report")
    blocks = [{"t": "Header", "c": [1, ["", [], []], title]}]
    for key, name in (("subtitle", None), ("author", "Author"), ("date", "Date")):
        words = render(plain(meta[key])) if key in meta else []
        if not blank(words):
            named = [strong(s(name + ":")), *s(" "), *words] if name else None
            blocks.append(para(named or [strong(words)]))
    if "thanks" in meta:  # the PDF's footnote to the title
        blocks.append(para([emph(render(plain(meta["thanks"])))]))
    return blocks


def chunk_markdown(content: list, renderer: Jupyter) -> tuple[list, list, list]:
    """From a chunk's woven content: the rendered blocks of each of its Markdown outputs,
    the caption the notebook shows above its code cell (a listing's, as in the PDF), and
    those it shows under it (figures, tables)."""
    outputs, listing, captions = [], [], []
    for b in list(content):
        if b["t"] == "Div" and attr(b)[0].startswith("lst-"):  # the cell is a listing
            listing.append(
                renderer.listing_caption(attr(b)[0], attr(b)[2].get("lst-cap", ""))
            )
            content = content + b["c"][1]
    for b in content:
        renderer.pos = position(b) or renderer.pos  # outputs' headings: the chunk's
        if b["t"] == "CodeBlock":  # the chunk's code: a listing's caption
            listing += renderer.code_block(b)[:-1]
        if b["t"] == "Figure":  # a sub-figure of the figure div around the chunk
            captions += renderer.figure(b, "the figure div")[-1:]
        if b["t"] != "Div":
            if b["t"] == "Table" and (b["c"][1][1] or "data-float" in attr(b)[2]):
                captions += renderer.table(b)[1:]
            continue
        ident, _, keys = attr(b)
        if "data-output" in keys:
            outputs.append(renderer.blocks(b["c"][1]))
        elif ident.startswith(("fig-", "tbl-")):  # sub-figures' or sub-tables' captions
            *body, caption = b["c"][1]
            subs = [
                b["c"][0]["c"]
                for b in renderer.floats(body, ident)
                if b["t"] == "Para" and b["c"] and b["c"][0]["t"] == "Emph"
            ]
            if subs:
                joined = [
                    w for k, sub in enumerate(subs) for w in s("; ") * bool(k) + sub
                ]
                captions.append(para([emph(joined)]))
            captions += renderer.div({**b, "c": [b["c"][0], [caption]]})[-1:]
    return outputs, listing, captions


def export(
    doc: Document, executed: nbformat.NotebookNode, nums: Numbering, tree: dict
) -> nbformat.NotebookNode:
    """The notebook of the document tree (parse.py) numbered by `nums` ('ipynb')."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    modules = code_modules(doc.root)
    chunks = {c.index: c for c in doc.chunks}
    shown = parse.shown_chunks(tree["blocks"], "ipynb")
    runnable = [c for c in executed_chunks(doc) if c.index in shown]
    plan = inline_plan(runnable, modules, preamble_chunks(tree))
    outputs = outputs_by_label(executed)
    renderer = Jupyter(nums, parse.callout_titles(tree), doc.path.name)
    items = split(renderer.blocks(tree["blocks"]))
    # the Markdown of every cell, written in one run of pandoc's writer
    meta = tree.get("meta", {})
    abstract = meta.get("abstract", {"t": "MetaBlocks", "c": []})  # refs resolved
    abstract = renderer.blocks(
        abstract["c"] if abstract["t"] == "MetaBlocks" else [para(abstract["c"])]
    )

    def included(key: str) -> list:  # include-before/after-body: raw LaTeX, as read
        texts = options.included_texts(doc, key)
        return renderer.blocks([{"t": "RawBlock", "c": ["latex", t]} for t in texts])

    markdown: list[list] = []
    cells: list = []
    pending: list[tuple] = []  # (mapping, key) to fill with markdown's text

    def markdown_cell(blocks: list) -> None:
        markdown.append(blocks)
        cells.append(md(""))
        pending.append((cells[-1], "source"))

    title = title_blocks(meta, renderer.inlines) + abstract
    markdown_cell(title + included("include-before-body"))
    for item in items + [("markdown", included("include-after-body"))]:
        if item[0] == "markdown":
            markdown_cell(item[1])
            continue
        chunk = chunks[item[1]]
        unrun = chunk.index not in plan
        if unrun and chunk.options.get("eval", True) is not False:
            continue
        rendered, listing, captions = chunk_markdown(item[2], renderer)
        if not unrun:
            cells += module_cells(plan[chunk.index], modules, md, code)
            if "report-only" in chunk.options.get("tags", []):
                continue
        if listing:
            markdown_cell(listing)
        if unrun:
            note = "*(This cell is not executed.)*"  # its caption follows (weave.py)
            cells.append(md(f"```python\n{chunk.source}\n```\n\n{note}"))
            source, cell_outputs = "", []  # no code cell: its code need not parse
        else:
            cell_outputs = _outputs(chunk, outputs.get(chunk.label, []))
            _, source = chunk_source(chunk, modules)
        if source.strip() or cell_outputs:
            # error: true: the notebook runs on past the cell, as the build did; a
            # chunk whose code the PDF does not show (echo or include false) is folded
            opts = chunk.options
            meta = {"tags": ["raises-exception"]} if opts.get("error") else {}
            if opts.get("echo", True) is False or not opts.get("include", True):
                meta["jupyter"] = {"source_hidden": True}
            cell = code(source, outputs=cell_outputs, metadata=meta)
            cells.append(cell)
            for out in cell.outputs:  # the LaTeX Jupyter shows (no HTML, no Markdown)
                data = out.get("data", {})
                if "text/latex" in data and not {"text/html", "text/markdown"} & {
                    *data
                }:
                    renderer.pos = chunk.where()
                    renderer.macros(data["text/latex"], output=True)
            markdowns = [
                o for o in cell.outputs if "text/markdown" in o.get("data", {})
            ]
            for out, blocks in zip(markdowns, rendered):
                markdown.append(blocks)
                pending.append((out["data"], "text/markdown"))
        if captions:
            markdown_cell(captions)
    markdown = copy.deepcopy(markdown)  # images are retargeted: not the tree's own
    attached = [
        attach_images(blocks, doc, data_urls=key != "source")
        for blocks, (_, key) in zip(markdown, pending)
    ]
    written = write(markdown, tree.get("meta", {}), renderer, doc)
    for (target, key), text, attachments in zip(pending, written, attached):
        target[key] = text
        if attachments:
            target["attachments"] = attachments
    cells = [c for c in cells if c.cell_type != "markdown" or c.source.strip()]
    for count, cell in enumerate((c for c in cells if c.cell_type == "code"), 1):
        cell.execution_count = count
        for out in cell.outputs:
            if out.get("output_type") == "execute_result":
                out["execution_count"] = count
    metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nb = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(nb)
    return nb


def attach_images(blocks: list, doc: Document, data_urls: bool) -> dict:
    """The local images of a cell's blocks carried in the notebook, so that it shows
    them wherever it is opened: their targets rewritten in place to `attachment:name`
    (returned: the cell's attachments) for a plain Markdown image, to a data URL for an
    image with attributes (written as an `<img>` tag, where nbconvert resolves no
    attachment) or in a Markdown output (`data_urls`); a PDF (which Jupyter cannot
    show) as its first page in PNG (pdftoppm); a missing file, or a PDF without
    pdftoppm, named in a warning and left as a link."""
    attachments: dict = {}
    for image in parse.elements(blocks, "Image"):
        target = image["c"][2][0]
        file = (doc.root / unquote(target)).resolve()
        if ":" in target or not file.is_file():
            if ":" not in target:
                where = texlog.line_naming(doc, target) or doc.path.name
                warn(where, f"image {target} not found: a broken image in the notebook")
            continue
        data, kind = file.read_bytes(), mimetypes.guess_type(file.name)[0]
        if kind == "application/pdf":
            data, kind = _first_page_png(file), "image/png"
        if not data or not (kind or "").startswith("image/"):
            warn(doc.path.name, f"image {target}: not shown in the notebook (Jupyter "
                 f"shows PNG, JPEG, GIF and SVG)")  # fmt: skip
            continue
        data = base64.b64encode(data).decode()
        if data_urls or image["c"][0] != ["", [], []]:
            image["c"][2][0] = f"data:{kind};base64,{data}"
            continue
        stem = re.sub(r"[^\w-]", "_", file.stem, flags=re.ASCII)
        name = f"{len(attachments)}-{stem}.{kind.split('/')[1].split('+')[0]}"
        name = next((n for n, v in attachments.items() if v == {kind: data}), name)
        attachments[name] = {kind: data}
        image["c"][2][0] = "attachment:" + name
    return attachments


def _first_page_png(pdf) -> bytes:
    """The first page of a PDF as PNG at 150 dpi (poppler's pdftoppm), or b""."""
    try:
        return subprocess.run(
            ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf)],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return b""


def _outputs(chunk: Chunk, outputs: list) -> list:
    """The outputs the notebook keeps: none for `output: false` or `include: false`
    (which the PDF does not show either); no warnings for
    `warning: false` (as in Quarto's notebook); no PDF copies of figures; no text a
    plotting call returns (as the PDF); the printed
    Markdown of an `output: asis` chunk as one Markdown output (filled from the tree)."""
    opts = chunk.options
    if opts.get("output", True) is False or opts.get("include", True) is False:
        return []
    kept: list = []
    for out in without_plot_reprs(outputs):
        kind, name = out.get("output_type"), out.get("name")
        if kind == "stream" and name == "stderr" and opts.get("warning", True) is False:
            continue
        if kind in ("display_data", "execute_result"):
            out = nbformat.from_dict(dict(out))
            out["data"].pop("application/pdf", None)
        elif kind == "stream" and name == "stdout" and opts.get("output") == "asis":
            text = stream_text(out["text"])
            last = kept[-1] if kept else None
            if last is not None and last.get("metadata", {}).get("asis"):
                last["data"]["text/plain"] += text
                continue
            out = nbformat.v4.new_output(
                "display_data",
                data={"text/markdown": text, "text/plain": text},
                metadata={"asis": True},
            )
        kept.append(out)
    for out in kept:
        out.get("metadata", {}).pop("asis", None)
    return kept


def prose(doc: Document, tree: dict, nums: Numbering) -> str:
    """The notebook's Markdown of the document's prose (its chunks left out), as the
    Markdown cells have it."""
    renderer = Jupyter(nums, parse.callout_titles(tree), doc.path.name)
    items = split(renderer.blocks(tree["blocks"]))
    cells = [item[1] for item in items if item[0] == "markdown"]
    return "\n\n".join(write(cells, tree.get("meta", {}), renderer, doc))
