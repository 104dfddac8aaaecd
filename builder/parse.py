"""The document tree: the woven Markdown (weave.py) parsed ONCE by pandoc to its JSON AST.

Every later step works on this tree: numbering (number.py), the PDF (typeset.py) and the
notebook's Markdown.  pandoc's Markdown reader has no source positions, so the reading
stage writes them into the text (read.mark_position: `data-pos` attributes on divs and
headings, empty spans at paragraph starts; weave.py adds a `{=pos}` raw block before each
chunk's code and outputs); `positions` follows them, and `strip` removes them before a
writer sees the tree.  Conditional content (`.content-visible`, `.content-hidden`) stays
in its div, as Quarto's filters see it: `shown` says whether an output shows it, and
`for_output` keeps what an output shows.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess

from . import vocabulary
from .diagnostics import warn
from .read.document import RAW_MATH, pandoc_path
from .read.validate import CONDITION_ATTRIBUTES as CONDITION
from .read.validate import BuildError, visible_in

POS = "pos"  # the raw format of position markers


API = [1, 23, 1, 1]  # pandoc-types of pandoc 3.9 (the pypandoc-binary wheel)


def parse(markdown: str, fmt: str = "markdown") -> dict:
    """pandoc's JSON AST of a Markdown text (pandoc's `markdown` reader, as Quarto's;
    `fmt`: another of pandoc's readers)."""
    result = subprocess.run(
        [pandoc_path(), "--from", fmt, "--to", "json"],
        input=markdown,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BuildError(f"pandoc could not read the document: {result.stderr}")
    lines = markdown.splitlines()
    for n in re.findall(r"Div at line (\d+) column \d+ unclosed", result.stderr):
        opened = re.search(r'data-pos="([^"]+)"', lines[int(n) - 1])  # read.py's mark
        if opened:  # a div of the document (not of a caption or an output)
            warn(
                opened.group(1),
                "this div is never closed (no ':::' line ends it): it runs to the end "
                "of the document, as in Quarto, which warns too",
            )
    return json.loads(result.stdout)


def citeproc(meta: dict) -> bool:
    """Whether pandoc's citeproc has references to cite from: a `bibliography:` file or
    `references:` written in the metadata (both pandoc's, as Quarto passes them)."""
    return "bibliography" in meta or "references" in meta


# the elements that have attributes (pandoc's Attr: [id, classes, key-values])
WITH_ATTR = set("Div Header Span CodeBlock Figure Table Image Link Code".split())


def attr(element: dict) -> tuple[str, list[str], dict]:
    """(id, classes, attributes) of a Div, Header, Span, CodeBlock, figure, table or
    Image element."""
    t, c = element["t"], element["c"]
    raw = c[1] if t == "Header" else c[0]
    return raw[0], raw[1], dict(raw[2])


def children(value):
    """The elements directly inside `value` (an element's content), in document order."""
    if isinstance(value, dict):
        if "t" in value:
            yield value
            return
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from children(item)


def stringify(value) -> str:
    """The text of inlines (or any part of the tree), as pandoc.utils.stringify."""
    out = []
    for e in children(value):
        t = e["t"]
        if t == "Str":
            out.append(e["c"])
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in ("Code", "Math"):
            out.append(e["c"][1])
        elif "c" in e:
            out.append(stringify(e["c"]))
    return "".join(out)


def position(element: dict) -> str | None:
    """The source position an element carries, if any ("file:line ...")."""
    t = element["t"]
    if t == "RawBlock" and element["c"][0] == POS:
        return element["c"][1].strip()
    if t in ("Div", "Header", "Span"):
        return attr(element)[2].get("data-pos")
    return None


def strip(value, output: str | None = None):
    """A copy of `value` without position markers, and (with `output`) without the
    divs of other outputs (the content of its own is kept in place)."""
    if isinstance(value, list):
        out = []
        for item in value:
            t = item.get("t") if isinstance(item, dict) else None
            if t == "RawBlock" and item["c"][0] == POS:
                continue
            if t in CONDITIONAL_TYPES:
                ident, classes, keys = attr(item)
                conditional = CONDITIONAL & set(classes)
                if t == "Span" and "data-pos" in keys and not item["c"][1]:
                    continue
                if conditional:
                    if output is not None and output not in visible_in(classes, keys):
                        continue
                    rest = [c for c in classes if c not in CONDITIONAL]
                    if t == "CodeBlock" or ident or rest:  # a float, callout, ...: kept
                        kept = [kv for kv in item["c"][0][2] if kv[0] not in CONDITION]
                        c = [[ident, rest, kept], *item["c"][1:]]  # as Quarto 1.9+
                        out.append(strip({**item, "c": c}, output))
                        continue
                woven = t == "Div" and ("data-chunk" in keys or "data-output" in keys)
                if conditional or woven:
                    out.extend(strip(item["c"][1], output))  # unwrapped (weave.py's)
                    continue
            out.append(strip(item, output))
        return out
    if isinstance(value, dict):
        if value.get("t") in ("Div", "Header", "CodeBlock", "Table") and isinstance(
            value.get("c"), list
        ):
            c = list(value["c"])
            i = 1 if value["t"] == "Header" else 0
            ident, classes, keys = c[i]
            c[i] = [ident, classes, [kv for kv in keys if kv[0] != "data-pos"]]
            value = {**value, "c": c}
        return {k: strip(v, output) for k, v in value.items()}
    return value


CONDITIONAL = {"content-visible", "content-hidden"}
CONDITIONAL_TYPES = ("Div", "Span", "CodeBlock")  # as Quarto's: code blocks too


def shown(element: dict, output: str) -> bool:
    """Whether `output` ('pdf' or 'ipynb') shows `element`: not a `.content-visible` or
    `.content-hidden` div, span or code block whose conditions leave it out
    (validate.visible_in)."""
    if element.get("t") not in CONDITIONAL_TYPES:
        return True
    _, classes, keys = attr(element)
    return not CONDITIONAL & set(classes) or output in visible_in(classes, keys)


def shown_chunks(value, output: str) -> set[int]:
    """The indices of the chunks (weave.py's `data-chunk` divs) in `value` that `output`
    shows."""
    if isinstance(value, list):
        return set().union(*(shown_chunks(v, output) for v in value))
    if not isinstance(value, dict) or not shown(value, output):
        return set()
    keys = attr(value)[2] if value.get("t") == "Div" else {}
    found = {int(keys["data-chunk"])} if "data-chunk" in keys else set()
    return found.union(*(shown_chunks(v, output) for v in value.values()))


def for_output(tree: dict, output: str) -> dict:
    """The tree as `output` ('pdf' or 'ipynb') shows it, without position markers."""
    return {**tree, "blocks": strip(tree["blocks"], output)}


def read_inlines(texts: list[str], tree: dict | None = None) -> list[list]:
    """Each text (an attribute's Markdown: a title, a name) read as inlines, in one
    pandoc run for them all; with the macros of `tree`'s hidden header expanded in its
    math, as in the document's."""
    if not texts:
        return []
    macros = next((b for b in (tree or {}).get("blocks", []) if _macros(b)), None)
    header = "\n".join(b["c"][1] for b in macros["c"][1]) if macros else ""
    divs = "\n\n".join(f"::: {{}}\n{t}\n:::" for t in texts)
    read = parse(f"::: {{}}\n{header}\n:::\n\n{divs}")["blocks"][1:]
    return [[i for b in div["c"][1] for i in b["c"]] for div in read]


def callout_titles(tree: dict) -> dict:
    """The `title=` text of every callout div -> its inlines (one pandoc run)."""
    divs = elements(tree["blocks"], "Div")
    titles = sorted({attr(e)[2]["title"] for e in divs if "title" in attr(e)[2]})
    return dict(zip(titles, read_inlines(titles, tree)))


def name_titles(tree: dict) -> dict:
    """`tree` with every theorem's or proof's `name="..."` (Quarto's other way to title
    one, read as Markdown) made the leading `## title` heading that the later steps read
    as its title."""
    divs = [e for e in elements(tree["blocks"], "Div") if "name" in attr(e)[2]]
    names = read_inlines([attr(d)[2]["name"] for d in divs], tree)
    for div, inlines in zip(divs, names):
        ident, classes, keys = div["c"][0]
        div["c"][0] = [ident, classes, [kv for kv in keys if kv[0] != "name"]]
        if inlines:  # name="": untitled, as in Quarto
            div["c"][1].insert(0, {"t": "Header", "c": [2, ["", [], []], inlines]})
    return tree


def shift_headings(tree: dict, by: int) -> dict:
    """pandoc's `--shift-heading-level-by`, which Quarto passes on: every heading `by`
    levels down (up when negative); one that would fall below level 1 becomes a
    paragraph, except a level `-by` heading that opens the document, which becomes its
    title (pandoc's `headerShift`)."""
    blocks = tree["blocks"]
    first = next(
        (k for k, b in enumerate(blocks) if not _added_by_builder(b)), len(blocks)
    )
    if by < 0 and first < len(blocks):
        head = blocks[first]
        if head["t"] == "Header" and head["c"][0] + by == 0:
            tree["meta"]["title"] = {"t": "MetaInlines", "c": head["c"][2]}
            del blocks[first]
    for h in list(elements(blocks, "Header")):
        if h["c"][0] + by > 0:
            h["c"][0] += by
        else:
            h.update({"t": "Para", "c": h["c"][2]})
    return tree


def _macros(block: dict) -> bool:
    """The hidden header of macros (weave.py): raw LaTeX in a `.content-hidden` div."""
    return block["t"] == "Div" and attr(block)[1] == ["content-hidden"]


def _added_by_builder(block: dict) -> bool:
    """A position marker, or the hidden header of macros: not the document's."""
    return (block["t"] == "RawBlock" and block["c"][0] == POS) or _macros(block)


HTML_TABLE = "HTMLTABLE:"  # a placeholder's text: the base64 of a table's HTML


def html_tables(tree: dict) -> dict:
    """The tables of HTML outputs (weave.html_table's placeholders) and of raw HTML
    blocks as pandoc's HTML reader reads them, in one run, as Quarto reads a DataFrame:
    every header row, the columns' natural widths; the placeholder's label and caption
    kept, else the HTML's own caption (a pandas Styler's).  A raw HTML block holding a
    table and more stops with its position (Quarto splits it)."""
    found = []
    for e, where in walk_at(tree["blocks"]):
        if e["t"] == "Table" and (t := stringify(e["c"][3:5]).strip()).startswith(
            HTML_TABLE
        ):
            found.append((e, base64.b64decode(t[len(HTML_TABLE) :]).decode()))
        elif (
            e["t"] == "RawBlock"
            and e["c"][0] == "html"
            and re.search(r"<table\b.*</table>", html := e["c"][1].strip(), re.S)
        ):
            if not re.fullmatch(r"<table\b(?:(?!<table\b).)*</table>", html, re.S):
                raise BuildError(
                    f"{where}: a raw HTML block holding a table and more HTML: Quarto "
                    f"reads its tables apart, the built-in renderer one whole table: "
                    f"give each table a block of its own"
                )
            e.update({"t": "Table", "c": [["", [], []], [None, []]]})  # read below
            found.append((e, html))
    if not found:
        return tree
    holders = [e for e, _ in found]
    html = "\n".join(html for _, html in found)
    # <th> as <td>, as Quarto's astpipeline.lua has pandoc read it: a row is a header
    # row inside <thead> only
    html = re.sub(r"<(/?)th(?=[\s>])", r"<\1td", html)
    read = parse(html, "html")["blocks"]
    tables = [b for b in read if b["t"] == "Table"]
    if len(tables) != len(holders):
        raise BuildError("pandoc's HTML reader did not read one table per HTML table")
    for holder, table in zip(holders, tables):
        caption = holder["c"][1] if holder["c"][1][1] else table["c"][1]
        holder["c"][0][1].append("html-table")  # as Quarto sets it (floats.lua)
        # the HTML's own id (a pandas Styler's `T_...`): LaTeX numbers such a table
        holder["c"][0][0] = holder["c"][0][0] or table["c"][0][0]
        holder["c"][1:] = [caption, *table["c"][2:]]
    return tree


def lone_paragraph_floats(tree: dict) -> None:
    """A figure or table div whose one block is a paragraph has no caption (Quarto's
    refCaptionFromDiv, common/refs.lua): an empty caption paragraph after it, so that
    both writers keep the paragraph as the float's content, numbered alone."""
    for div in elements(tree["blocks"], "Div"):
        ident, blocks = attr(div)[0], div["c"][1]
        shown = [b for b in blocks if not (b["t"] == "RawBlock" and b["c"][0] == POS)]
        if (
            ident.startswith(("fig-", "tbl-"))
            and len(shown) == 1
            and shown[0]["t"] in ("Para", "Plain")
            and shown[0]["c"] != [{"t": "Str", "c": "\u00a0"}]  # weave.py's NBSP
        ):
            blocks.append({"t": "Para", "c": []})


def empty_proofs(value) -> None:
    """Leave out the `.proof`, `.remark` and `.solution` divs with nothing in them (an
    HTML comment is something), with a warning, as Quarto's PDF does
    (customnodes/proof.lua)."""
    if isinstance(value, list):
        value[:] = [v for v in value if not _empty_proof(v)]
    for v in value.values() if isinstance(value, dict) else value:
        if isinstance(v, (list, dict)):
            empty_proofs(v)


def _empty_proof(e) -> bool:
    if not isinstance(e, dict) or e.get("t") != "Div":
        return False
    _, classes, keys = attr(e)
    kind = next((c for c in classes if c in vocabulary.UNNUMBERED), None)
    if not kind or e["c"][1]:
        return False
    warn(keys.get("data-pos", ""), f"an empty .{kind} block: left out, as Quarto does")
    return True


def callout_defaults(tree: dict, meta: dict) -> None:
    """The document's `callout-appearance` and `callout-icon` (read by Quarto's
    callout.lua, though not in its schema) as the attributes of every callout that
    does not set its own."""
    defaults = [
        [key, str(meta[f"callout-{key}"]).lower()]
        for key in ("appearance", "icon")
        if f"callout-{key}" in meta
    ]
    for e in elements(tree["blocks"], "Div"):
        if any(c.startswith("callout-") for c in attr(e)[1]):
            keys = attr(e)[2]
            e["c"][0][2] += [kv for kv in defaults if kv[0] not in keys]


def line_numbers(tree: dict, default: bool) -> None:
    """Numbered lines (pandoc's `numberLines`) for the prose's code blocks with a class,
    as Quarto's line-numbers.lua: by their `code-line-numbers` attribute, else the
    document's option (`default`); a chunk's code is weave.py's."""
    divs = elements(tree["blocks"], "Div")
    chunks = {id(b) for d in divs if "data-chunk" in attr(d)[2] for b in walk(d)}
    for e in elements(tree["blocks"], "CodeBlock"):
        if not e["c"][0][1] or id(e) in chunks:
            continue
        keys = dict(e["c"][0][2])
        value = str(keys.pop("code-line-numbers", default)).lower()
        e["c"][0][2] = list(map(list, keys.items()))
        if value not in ("false", "0"):
            e["c"][0][1].append("numberLines")


def raw_math(tree: dict) -> None:
    """Display math that opens with an equation environment (`$$\\begin{gather} ...$$`)
    as the raw LaTeX pandoc's LaTeX writer makes of it: numbered and written as such."""
    for e in elements(tree["blocks"], "Math"):
        if e["c"][0]["t"] == "DisplayMath" and RAW_MATH.match(e["c"][1]):
            e.update({"t": "RawInline", "c": ["latex", e["c"][1]]})


def linked_figures(tree: dict) -> None:
    """A paragraph that is only a link around a captioned image (`[![Cap](a.png)](url)`)
    as the figure pandoc makes of the image alone, the link dropped, as Quarto does."""
    for e in elements(tree["blocks"], "Para"):
        if len(e["c"]) != 1 or e["c"][0]["t"] != "Link":
            continue
        inner = e["c"][0]["c"][1]
        if len(inner) == 1 and inner[0]["t"] == "Image":
            (ident, classes, keys), alt, target = inner[0]["c"]
            if stringify(alt).strip():
                image = {"t": "Image", "c": [["", classes, keys], alt, target]}
                caption = [None, [{"t": "Plain", "c": alt}]]
                body = [{"t": "Plain", "c": [image]}]
                e.update({"t": "Figure", "c": [[ident, [], []], caption, body]})


RAW_TABLE = re.compile(r"\s*\\begin\{table\}(\[[^\]]*\])?(.*)\\end\{table\}\s*", re.S)
RAW_TABLE_LABEL = re.compile(r"\\begin\{table\}.*?\\label\{(tbl-[^}]*)\}", re.S)


def raw_table_floats(tree: dict) -> None:
    """A raw LaTeX `table` environment with one `\\caption` and a Quarto label
    (`\\label{tbl-x}`) as Quarto takes it: a table float (a `#tbl-x` div) of the rest of
    the environment, its caption read by pandoc's LaTeX reader (so, as Quarto sets it,
    the caption above the table and no placement of its own).  Such a table inside
    other raw LaTeX (`\\begin{landscape}`) stops with its position: Quarto drops what is
    around it."""
    for e, where in walk_at(tree["blocks"]):
        raw = e.get("t") == "RawBlock" and e["c"][0] in ("latex", "tex")
        m = raw and RAW_TABLE.fullmatch(e["c"][1])
        inner = raw and not m and RAW_TABLE_LABEL.search(e["c"][1])
        if inner:
            raise BuildError(
                f"{where}: the raw LaTeX table labelled '{inner.group(1)}' is inside "
                f"other LaTeX: Quarto takes the table out as its own float and "
                f"drops the LaTeX around it; without the \\label the block is kept "
                f"as written"
            )
        labels = re.findall(r"\\label\{(tbl-[^}]*)\}", m.group(2)) if m else []
        captions = re.findall(r"\\caption\b", m.group(2)) if m else []
        if len(labels) != 1 or len(captions) != 1:
            continue
        body = m.group(2).replace(f"\\label{{{labels[0]}}}", "")
        at = body.index("\\caption") + len("\\caption")
        end = group_end(body, at)
        caption = parse(body[at + 1 : end], "latex")["blocks"]
        inner = body[: body.index("\\caption")] + body[end + 1 :]
        content = [{"t": "RawBlock", "c": ["latex", inner.strip()]}]
        content.append({"t": "Para", "c": caption[0]["c"] if caption else []})
        e.update(t="Div", c=[[labels[0], [], []], content])


def group_end(text: str, at: int) -> int:
    """The index of the `}` that closes the brace group opened at `text[at]` (escaped
    braces skipped); the last index when it is not closed."""
    depth = 0
    for end in range(at, len(text)):
        if text[end - 1 : end] != "\\" or end == at:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return end
    return len(text) - 1


def _figure_div(e) -> bool:
    return isinstance(e, dict) and e.get("t") == "Div" and attr(e)[0].startswith("fig-")


def nested_figures(tree: dict) -> None:
    """A figure div inside a figure div (a labelled chunk's figure, weave.py's, or one
    written so) as the sub-figure Quarto makes of it: a pandoc figure element of its
    one image, its last paragraph the sub-caption (floats.lua sets the chunks' code
    before the float).  One that holds more than an image and a caption is left for
    number.py to name."""
    for outer in [e for e in elements(tree["blocks"], "Div") if _figure_div(e)]:
        chunks = [
            b for b in outer["c"][1] if b["t"] == "Div" and "data-chunk" in attr(b)[2]
        ]
        for holder in [outer, *chunks]:
            holder["c"][1] = [
                _sub_figure(b) if _figure_div(b) else b for b in holder["c"][1]
            ]


def _sub_figure(div: dict) -> dict:
    """A sub-figure div of one image (or of a chunk that drew one) and a caption, as a
    figure element; a chunk's div is kept around it, with its code, as a labelled
    chunk's figure is (its cell in the notebook)."""
    blocks = [b for b in div["c"][1] if not (b["t"] == "RawBlock" and b["c"][0] == POS)]
    images = list(elements(blocks[:1], "Image"))
    if len(blocks) != 2 or len(images) != 1 or blocks[1]["t"] not in ("Para", "Plain"):
        return div
    caption = [None, [{"t": "Plain", "c": blocks[1]["c"]}]]
    image = {"t": "Plain", "c": images}
    figure = {"t": "Figure", "c": [[attr(div)[0], [], []], caption, [image]]}
    chunk = blocks[0]
    if chunk["t"] != "Div" or "data-chunk" not in attr(chunk)[2]:
        return figure
    content = chunk["c"][1]
    for k, b in enumerate(content):
        if b["t"] in ("Para", "Plain") and b["c"] == images:  # the image's paragraph
            content[k] = figure
            if any(b["t"] == "CodeBlock" for b in content):
                where = next(filter(None, map(position, content)), "?")
                warn(
                    where,
                    f"the code of a chunk in the sub-figure #{attr(div)[0]}: Quarto "
                    "sets it above its panel, the built-in renderer with the others' "
                    "before the figure (echo: false hides it in both)",
                )
            return chunk
    return div


def unlabelled_floats(tree: dict) -> None:
    """Figures, tables with a caption or an id, and code blocks with a filename, without
    a label: LaTeX numbers them too (pandoc writes `\\caption{}\\label{id}` for a
    table's id; Quarto makes a listing of a file name); marked (`data-float="fig--3"`)
    so that number.py can give the notebook their numbers."""
    marked = 0
    kinds = {"Figure": "fig", "Table": "tbl", "CodeBlock": "lst"}
    for e in walk(tree["blocks"]):
        kind = kinds.get(e.get("t"))
        if not kind or attr(e)[0].startswith(kind + "-"):
            continue
        ident, _, keys = attr(e)
        if kind == "tbl" and not (e["c"][1][1] or ident):  # no caption, no id
            continue
        if kind == "lst" and "filename" not in keys:
            continue
        e["c"][0][2].append(["data-float", f"{kind}--{marked}"])
        marked += 1


# its attributes' values quoted, or not: stringify() drops the quotes pandoc read
TABLE_LABEL = re.compile(
    r"\{#(tbl-[\w:.-]+)((?:\s+[\w-]+=(?:\"[^\"]*\"|[^\s}\"]+))*)\s*\}"
)
ATTRIBUTE_PAIR = re.compile(r'([\w-]+)=(?:"([^"]*)"|([^\s}"]+))')


def table_labels(tree: dict) -> dict:
    """A table caption whose `{#tbl-x}` pandoc's reader left as text (the caption holds
    an unclosed `_` or `*`): the label taken as pandoc takes it elsewhere, as Quarto's
    crossref filter reads the caption's trailing text."""
    for table in elements(tree["blocks"], "Table"):
        (ident, classes, keys), caption = table["c"][0], table["c"][1][1]
        inlines = (
            caption[-1]["c"]
            if caption and caption[-1]["t"] in ("Para", "Plain")
            else []
        )
        starts = [
            k
            for k, e in enumerate(inlines)
            if e["t"] == "Str" and e["c"].startswith("{#")
        ]
        if ident or not starts:
            continue
        m = TABLE_LABEL.fullmatch(stringify(inlines[starts[-1] :]))
        if m:
            pairs = [[k, q or v] for k, q, v in ATTRIBUTE_PAIR.findall(m.group(2))]
            table["c"][0] = [m.group(1), classes, keys + pairs]
            del inlines[starts[-1] :]
            while inlines and inlines[-1]["t"] in ("Space", "SoftBreak"):
                inlines.pop()
    return tree


def places(tree: dict, ident: str) -> tuple[list[str], list[str]]:
    """Where `ident` is cited (@ident) and where an element with that id stands: the
    position marker nearest before each, in document order."""
    cited, defined = [], []
    for e, here in walk_at(tree["blocks"]):
        if e["t"] == "Cite" and any(c["citationId"] == ident for c in e["c"][0]):
            cited.append(here)
        elif e["t"] in WITH_ATTR and attr(e)[0] == ident:
            defined.append(here)
    return cited, defined


def walk_at(value):
    """Every element in `value`, in document order, with the position marker nearest
    before it (or its own; None before the first)."""
    here = None
    for e in walk(value):
        if "t" in e:
            here = position(e) or here
            yield e, here


def elements(value, *types: str):
    """Every element of one of `types` in `value`, in document order."""
    return (e for e in walk(value) if e.get("t") in types)


def walk(value):
    """Every element (and other mapping) in `value`, in document order."""
    if isinstance(value, list):
        for v in value:
            yield from walk(v)
    elif isinstance(value, dict):
        yield value
        for v in value.values():
            yield from walk(v)
