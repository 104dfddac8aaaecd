"""The executed document as pandoc Markdown: prose with every chunk's code and outputs woven in.

This one text is what gets numbered (`number.py`) and typeset (`typeset.py`), so labels and
headings that code prints (`output: asis`, `text/markdown` outputs), figures whose sub-figures
are only known once the chunk has run, and tables built from DataFrames count where they end
up, in the PDF and the notebook alike.

Outputs become Quarto Markdown: a figure chunk (label `fig-...` or a `fig-cap`) becomes a
`::: {#fig-x}` div with its images (sub-figures `{#fig-x-1}` ... with `fig-subcap`,
`layout-ncol`/`layout-nrow`) and its caption as last paragraph, as Quarto documents it; a table
chunk's table gets `: caption {#tbl-x}`.  A caption with nothing to carry it stops the build.
"""

from __future__ import annotations

import json
import re
from base64 import b64decode, b64encode
from dataclasses import dataclass, field
from pathlib import Path

from . import parse, vocabulary
from .diagnostics import warn
from .execute import ANSI, outputs_by_label
from .read import (
    PAGEBREAK,
    BuildError,
    Chunk,
    Document,
    options,
    resolve_inline,
    source_name,
)
from .read.validate import listed

# Image outputs in order of preference for LaTeX (SVG is converted to PDF with cairosvg).
IMAGE_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/svg+xml": "pdf",
}
TABLE_RULE = re.compile(r"^\s*(\|?\s*:?-{3,}:?\s*)+\|?\s*$|^\s*\+[-=:+]+\+\s*$", re.M)
NBSP = "\\ "  # an empty caption: pandoc needs some text
NOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")
# a definition operators() rewrites, up to the brace that opens its body (or a \let's
# second name): amsmath's operator without a star (pandoc would expand it to a \mathop,
# its limits below in a display), a \providecommand, a \renewcommand, \def or \let,
# or an \AtBeginDocument
OPERATOR = re.compile(
    r"\\AtBeginDocument\s*\{"
    r"|\\(DeclareMathOperator|providecommand\*?|renewcommand\*?|def|let)\s*"
    r"(\{\s*\\\w+\s*\}|\\\w+)(?:(?:\s*\[[^\]]*\]|#\d)*\s*\{|\s*=?\s*\\\w+)"
)


@dataclass
class Woven:
    segments: list[str]  # runs of Markdown
    files: dict[Path, bytes] = field(default_factory=dict)  # figure files to write
    meta: dict = field(default_factory=dict)
    macros: str = ""  # a hidden div of the header's and the document's macros

    @property
    def markdown(self) -> str:
        # as JSON (which is YAML): every string quoted, so that pandoc's YAML reader
        # reads a title "Y" or "n" as text, not as a boolean
        meta = _literal_note_references(self.meta)
        text = json.dumps(meta, ensure_ascii=False, indent=1, default=str)
        header = f"---\n{text}\n---"  # after the macros: pandoc expands them there too
        return "\n\n".join([self.macros, header, *self.segments]).lstrip() + "\n"

    def write_figures(self):
        for path, data in self.files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)


def _literal_note_references(value):
    """A note reference (`[^x]`) in the front matter as text: Quarto hands pandoc the
    front matter apart from the body, where the note is defined, so the title reads
    "Losses[^x]" and pandoc warns that the note is not used."""
    if isinstance(value, str):
        return NOTE_REFERENCE.sub(r"\\[^\1]", value)
    if isinstance(value, dict):
        return {k: _literal_note_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal_note_references(v) for v in value]
    return value


def float_ident(chunk: Chunk, kind: str) -> str:
    """The label of a chunk's figure or table; `fig--chunk-3` when it has none (Quarto
    numbers a captioned figure or table without a label too, but it cannot be referenced)."""
    label = chunk.options.get("label", "")
    return label if label.startswith(f"{kind}-") else f"{kind}--{chunk.label}"


def stream_text(text: str) -> str:
    """What a terminal would show: a carriage return overwrites its line; colour codes
    (ANSI escapes) removed, as Quarto removes them from a PDF's outputs."""
    lines = ANSI.sub("", text).replace("\r\n", "\n").split("\n")  # `!cmd`: \r\n
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


def listing(opts: dict) -> str:
    """The attributes that make a chunk's code a listing (`lst-label`, `lst-cap`), or
    the whole cell (`label: lst-x`: code and outputs, as Quarto makes it)."""
    ident = opts.get("lst-label") or opts.get("label", "")
    if not ident.startswith("lst-"):
        return ""
    cap = opts.get("lst-cap", "")
    if cap or "lst-label" not in opts:
        return f"#{ident} lst-cap={quoted(cap)} "
    return f"#{ident} "


def quoted(value) -> str:
    """A value as a quoted pandoc attribute value."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def fence(text: str, classes: str) -> str:
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks} {{{classes}}}\n{text.rstrip()}\n{ticks}"


def svg_to_pdf(svg: str | bytes) -> bytes:
    import cairosvg

    return cairosvg.svg2pdf(bytestring=svg.encode() if isinstance(svg, str) else svg)


def html_table(html: str) -> str:
    """The tables of a `text/html` output (a pandas DataFrame's) as placeholders, one pipe
    table each holding its HTML, that carry a caption written under them; parse.py puts
    what pandoc's HTML reader makes of the HTML in their place, as Quarto reads such
    tables.  The rest of the HTML (pandas' "70 rows x 1 columns", styles) is left out."""
    found = re.findall(r"<table\b.*?</table>", html, flags=re.S | re.I)
    return "\n\n".join(
        f"| {parse.HTML_TABLE}{b64encode(t.encode()).decode()} |\n|---|" for t in found
    )


def _merged(outputs: list) -> list:
    """Outputs with consecutive writes to one stream joined: ("stream", name, text)."""
    merged: list = []
    for out in outputs:
        if out.output_type != "stream":
            merged.append(out)
        elif merged and isinstance(merged[-1], tuple) and merged[-1][1] == out.name:
            merged[-1] = ("stream", out.name, merged[-1][2] + out.text)
        else:
            merged.append(("stream", out.name, out.text))
    return merged


PLOT_REPR = re.compile(r"^[<(\[].*?[>)\]]$|^Text\([-\d]")


# fig-format (options.figure_defaults) -> the image type the PDF takes first
FIG_FORMATS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "retina": "image/png",
    "jpeg": "image/jpeg",
    "svg": "image/svg+xml",
}


def _is_image(out) -> bool:
    return display_type(out.get("data", {})) in IMAGE_TYPES


def display_type(data: dict, fig_format: str = "pdf") -> str | None:
    """The type of a display output the PDF shows, in Quarto's order for LaTeX
    (src/core/jupyter/display-data.ts, displayDataMimeType): LaTeX, PDF, Markdown, the
    images (the document's fig-format first, the only one Quarto's kernel draws), an
    HTML table, text; None for none of these."""
    images = dict.fromkeys([FIG_FORMATS[fig_format], *IMAGE_TYPES])
    order = ["text/latex", "application/pdf", "text/markdown", *images]
    order += ["text/html"] * ("<table" in data.get("text/html", "")) + ["text/plain"]
    return next((m for m in order if m in data), None)


def without_plot_reprs(outputs: list) -> list:
    """The outputs without the text a plotting call returns (`[<matplotlib.lines.Line2D
    at 0x...>]`, `Text(0.5, 0, 'x')`, `<Axes: ...>` beside a figure), which Quarto leaves
    out (src/core/jupyter/jupyter.ts, isDiscardableTextExecuteResult)."""
    outputs = list(outputs)
    image = any(map(_is_image, outputs))

    def plot_repr(out) -> bool:
        data = out.get("data", {})
        if out.get("output_type") != "execute_result" or list(data) != ["text/plain"]:
            return False
        lines = data["text/plain"].splitlines() or [""]
        first = lines[0].strip()
        if not image:
            return lines[0].startswith(("[<matplotlib", "<matplotlib", "<seaborn."))
        if len(lines) == 1:
            return bool(PLOT_REPR.match(first)) or (
                first.startswith("{") and "<matplotlib." in first
            )
        return any("<matplotlib." in line for line in lines)

    return [out for out in outputs if not plot_repr(out)]


def output_types(outputs: list) -> str:
    kinds = []
    for out in outputs:
        if out.output_type == "stream":
            kinds.append(f"stream ({out.name})")
        elif out.output_type == "error":
            kinds.append(f"error ({out.get('ename')})")
        else:
            kinds += list(out.get("data", {}))
    return ", ".join(dict.fromkeys(kinds)) or "no output at all"


def _caption(text) -> str:
    return " ".join(str(text).split()) if text else ""


# what starts a block other than a paragraph in pandoc's Markdown: a list marker ("A.",
# "(b)", "1)", "-"), a quote, a heading, a table's or a definition's sign, a rule
BLOCK_START = re.compile(
    r"^(?:[-+*>#|:]|\(?(?:\d+|[A-Za-z]|[ivxlcdmIVXLCDM]+|#)[.)])(?=\s|$)"
    r"|^([-*_])(?:\s*\1){2,}\s*$"
)


def _paragraph(caption: str) -> str:
    """A caption as the paragraph it is in Quarto's figure: its leading list marker,
    quote or heading sign escaped ("A\\." for "A."), which pandoc would read as a block."""
    m = BLOCK_START.match(caption)
    k = 0 if not m or m.group(1) else len(m.group(0).rstrip()) - 1
    return f"{caption[:k]}\\{caption[k:]}" if m else caption


def layout_attributes(opts: dict) -> list[str]:
    """A chunk's layout options as a float div's attributes."""
    return [
        f'{key}="{json.dumps(opts[key])}"' for key in vocabulary.LAYOUT if key in opts
    ]


def _image(path: str, caption: str = "", attrs: str = "", sizes: dict | None = None):
    """A Markdown image with its attributes and the size its output asked for."""
    inner = " ".join(a for a in (attrs, (sizes or {}).get(path, "")) if a)
    return f"![{caption}]({path})" + (f"{{{inner}}}" if inner else "")


def _figure(
    chunk: Chunk, paths: list[str], ident="", caption="", sizes: dict | None = None
) -> str:
    """Quarto Markdown for a figure chunk's images (sub-figures when there are several);
    `ident` and `caption`: one of the figures a list of captions makes; `sizes`: the
    width and height attributes of an image, by path."""
    opts = chunk.options
    ident = ident or float_ident(chunk, "fig")
    caption = caption or _caption(opts.get("fig-cap"))
    if len(paths) == 1:
        body = [_image(paths[0], sizes=sizes)]
    else:
        subcaps = opts.get("fig-subcap")
        if subcaps is None:  # Quarto: the caption goes to (a), the figure's stays empty
            subcaps, caption = [caption] + [""] * (len(paths) - 1), ""
        elif subcaps is True:  # Quarto: (a), (b), ... with no words
            subcaps = [""] * len(paths)
        if not isinstance(subcaps, list) or len(subcaps) != len(paths):
            raise BuildError(
                f"{chunk.where()}: fig-subcap must be a list with one caption per "
                f"figure; the chunk drew {len(paths)} figures"
            )
        body = [
            _image(p, _caption(c), f"#{ident}-{i}", sizes)
            for i, (p, c) in enumerate(zip(paths, subcaps), 1)
        ]
    attrs, layout = [f"#{ident}"], layout_attributes(opts)
    # Quarto: H unless fig-pos is set, when the code is shown beside the figure
    if opts.get("echo", True) is not False and not layout:
        attrs.append(".cell")
    attrs += layout
    if opts.get("fig-pos"):  # false: as if not set (Quarto 1.10)
        attrs.append(f'fig-pos="{opts["fig-pos"]}"')
    if opts.get("fig-align", "default") != "default":
        attrs.append(f'fig-align="{opts["fig-align"]}"')
    if opts.get("fig-scap"):  # the list of figures' short caption (floats.lua)
        attrs.append(f"fig-scap={quoted(opts['fig-scap'])}")
    caption = _paragraph(caption) or NBSP
    return "\n\n".join([f"::: {{{' '.join(attrs)}}}", *body, caption, ":::"])


@dataclass
class Laid:
    """One chunk's outputs as Markdown parts, in order, and where its images and tables
    are among them."""

    parts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # paths, from the figures' folder
    sizes: dict[str, str] = field(default_factory=dict)  # path -> width= and height=
    slots: list[int] = field(default_factory=list)  # where each image is in parts
    tables: list[int] = field(default_factory=list)  # parts that may hold a table
    latex: list[int] = field(default_factory=list)  # raw LaTeX (a float of it as it is)
    # Markdown outputs (the notebook's)
    markdown: list[int] = field(default_factory=list)

    def add(self, text: str, *kinds: list[int]) -> None:
        for kind in kinds:
            kind.append(len(self.parts))
        self.parts.append(text)


def weave_outputs(
    chunk: Chunk, outputs: list, figures: Path, files: dict, fig_format: str = "pdf"
) -> list[str]:
    """The Markdown for one chunk's outputs, honouring output/warning/fig-cap/tbl-cap;
    of an output in several types, the one display_type names."""
    opts, label = chunk.options, chunk.label
    outputs = without_plot_reprs(outputs)
    laid = lay_out(chunk, outputs, figures, files, fig_format)
    others = [
        o
        for o in outputs
        if o.output_type in ("display_data", "execute_result") and not _is_image(o)
    ]
    if label.startswith("fig-") and laid.images and others:
        raise BuildError(
            f"{chunk.where()}: the figure chunk '{label}' displays "
            f"{output_types(others)} besides its figure: Quarto makes every displayed "
            f"output a sub-figure (the caption going to the first), which the built-in "
            f"renderer does not; display it from another chunk, or build with Quarto"
        )
    if float_kind(chunk) == "fig" and not laid.images:
        raise BuildError(
            f"{chunk.where()}: a figure chunk ('{label}') needs an image output to carry "
            f"its caption, but its outputs are: {output_types(outputs)}"
        )
    if len(laid.images) == 1 and opts.get("fig-subcap") is not None:
        raise BuildError(
            f"{chunk.where()}: fig-subcap on a chunk that draws one figure: Quarto sets "
            f"the first sub-caption as the figure's caption and the caption as a "
            f"paragraph under it; remove fig-subcap, or draw each panel as a figure of "
            f"its own (plt.show() after each)"
        )
    if laid.images:
        place_figures(chunk, laid)
    found = [i for i in laid.tables if TABLE_RULE.search(laid.parts[i])]
    is_table = label.startswith("tbl-") or bool(opts.get("tbl-cap"))
    if is_table and not found:  # Quarto's float holds a LaTeX output as it is
        found = laid.latex
        if set(found) & set(laid.markdown) and opts.get("echo", True) is not False:
            warn(
                chunk.where(),
                "a table chunk printing LaTeX (output: asis): Quarto sets the code "
                "inside the table float, the built-in renderer before it",
            )
    parts, slots = laid.parts, laid.slots
    text = [i for i, p in enumerate(parts) if p.strip()]
    if is_table and not found and text and not (laid.images or laid.markdown):
        # printed text (a DataFrame's print): Quarto's float holds it as it is
        parts[text[0]] = "\n\n".join(parts[i] for i in text)
        for i in text[1:]:
            parts[i] = ""
        found = [text[0]]
        laid.latex.append(text[0])  # a float of what it holds, as a LaTeX output's
        if opts.get("echo", True) is not False:
            warn(
                chunk.where(),
                "a table chunk printing its table as text: Quarto sets the code "
                "inside the table float, the built-in renderer before it",
            )
    if label.startswith("tbl-") and found and laid.images:  # unlabelled: as here
        raise BuildError(
            f"{chunk.where()}: the table chunk '{label}' draws a figure besides its "
            f"table: Quarto's PDF fails there (LaTeX: \\subcaption outside float); "
            f"draw it from another chunk"
        )
    laid_out = [p for p in parts if p.strip()]
    beside = [p for i, p in enumerate(parts) if p.strip() and i not in slots]
    many = len(laid_out) > 1 and not (is_table or laid.images)
    if (many or (laid.images and beside)) and layout_attributes(opts):
        what = (
            "figures and other outputs (text, warnings)"
            if laid.images
            else "tables without captions"
            if found
            else "outputs that are not figures"
        )
        raise BuildError(
            f"{chunk.where()}: a layout over {what}: Quarto sets them side by side, "
            f"the built-in renderer only sub-tables (tbl-cap with tbl-subcap) and "
            f"figures; make them so (print from another chunk), or build with Quarto"
        )
    if is_table:
        place_table(chunk, laid, found, outputs)
    for i in laid.markdown:  # the notebook writes these as the cell's Markdown outputs
        parts[i] = f'::: {{data-output="markdown"}}\n\n{parts[i]}\n\n:::'
    return [p for p in parts if p]


def lay_out(
    chunk: Chunk, outputs: list, figures: Path, files: dict, fig_format: str
) -> Laid:
    """Each output as Markdown, in order: text fenced, an image written to `files` under
    `figures` with an empty part where it goes, tables and Markdown as they are."""
    opts, label = chunk.options, chunk.label
    is_table = label.startswith("tbl-") or bool(opts.get("tbl-cap"))
    laid = Laid()
    progress = False  # a progress line warned about: once per chunk
    for out in _merged(outputs):
        if isinstance(out, tuple):
            _, name, text = out
            if "\r" in text.replace("\r\n", "\n") and not progress:
                progress = True
                warn(
                    chunk.where(),
                    "output with carriage returns (a progress line): the PDF shows "
                    "what a terminal shows, its last state; Quarto prints every state",
                )
            text = stream_text(text)
            if name == "stderr":
                if opts.get("warning", True) is not False and text.strip():
                    laid.add(fence(text, ".stderr"))
            elif opts.get("output") == "asis":  # a table, or LaTeX (a table float's)
                table = [laid.tables] if TABLE_RULE.search(text) else []
                table = table or ([laid.latex] if "\\begin{" in text else [])
                laid.add(text, laid.markdown, *table)
            elif text.strip():
                laid.add(fence(text, ".output"))
            continue
        if out.output_type == "error":  # error: true: shown as Quarto shows it
            text = f"{out.ename}: {out.evalue}\n" + "\n".join(out.traceback)
            laid.add(fence(ANSI.sub("", text), ".output"))
            continue
        data = out.get("data", {})
        shown = display_type(data, fig_format)
        image = shown if shown in IMAGE_TYPES else None
        other = [m for m in data if m.startswith("image/") and m not in IMAGE_TYPES]
        if other and not shown:
            raise BuildError(
                f"{chunk.where()}: an image output of type {other[0]} cannot be put in "
                f"the PDF (supported: {', '.join(IMAGE_TYPES)}); convert it in the chunk"
            )
        if image:
            n = len(laid.images) + 1
            path = (
                figures / f"{label if n == 1 else f'{label}-{n}'}.{IMAGE_TYPES[image]}"
            )
            convert = svg_to_pdf if image == "image/svg+xml" else b64decode
            files[path] = convert(data[image])
            laid.images.append(path.relative_to(figures.parent).as_posix())
            size = out.get("metadata", {}).get(image, {})  # Image(width=200): pixels
            laid.sizes[laid.images[-1]] = " ".join(
                f"{k}={size[k]}" for k in ("width", "height") if size.get(k)
            )
            # a figure of several images goes where the first is
            laid.add("", laid.slots)
        elif shown == "text/markdown":
            laid.add(data["text/markdown"], laid.tables, laid.markdown)
        elif shown == "text/latex":
            laid.add(f"```{{=latex}}\n{data['text/latex']}\n```", laid.latex)
        elif shown == "text/html":
            if is_table and re.search(r"<table\b[^>]*\sid=", data["text/html"]):
                raise BuildError(
                    f"{chunk.where()}: a table chunk displays an HTML table with an id "
                    f"(a pandas Styler's): Quarto's PDF prints a second caption, a "
                    f"number without text, from the id; display the DataFrame itself, "
                    f"or build with Quarto"
                )
            laid.add(html_table(data["text/html"]), laid.tables)
        elif shown == "text/plain":
            laid.add(fence(ANSI.sub("", data["text/plain"]), ".output"))  # rich's
        elif data:
            raise BuildError(
                f"{chunk.where()}: an output of type {', '.join(data)} cannot be put "
                f"in the PDF (the built-in renderer typesets images, Markdown, LaTeX, "
                f"HTML tables and text)"
            )
    return laid


def place_figures(chunk: Chunk, laid: Laid) -> None:
    """The images as figures where the first of them is (captioned: a figure div each
    or one with sub-figures), or each where it is (no caption)."""
    opts, label = chunk.options, chunk.label
    parts, images, slots, sizes = laid.parts, laid.images, laid.slots, laid.sizes
    first = slots[0]
    captions, subcaps = opts.get("fig-cap"), opts.get("fig-subcap")
    layout = next((key for key in vocabulary.LAYOUT if key in opts), None)
    is_figure = float_kind(chunk) == "fig"
    if isinstance(captions, list):  # one figure per caption: label-1, label-2, ...
        if len(captions) != len(images):
            raise BuildError(
                f"{chunk.where()}: fig-cap lists {len(captions)} captions but the "
                f"chunk drew {len(images)} figures; give one caption per figure"
            )
        if layout:
            raise BuildError(
                f"{chunk.where()}: a list of fig-cap with {layout}: Quarto sets the "
                "figures side by side, each with its caption, which the built-in "
                "renderer does not (it sets them one under the other): remove the "
                "layout option, give fig-subcap for sub-figures, or build with Quarto"
            )
        ident = float_ident(chunk, "fig")
        parts[first] = "\n\n".join(
            _figure(chunk, [p], f"{ident}-{i}", _caption(c) or NBSP, sizes)
            for i, (p, c) in enumerate(zip(images, captions), 1)
        )
    elif label.startswith("fig-") and len(images) > 1 and layout and not subcaps:
        raise BuildError(
            f"{chunk.where()}: fig-cap captions one figure but the chunk drew "
            f"{len(images)}, laid out by {layout} "
            f"without fig-subcap (Quarto 1.10 prints the caption as the first one's "
            f"sub-caption '(a) ...' and numbers no figure: @{label} prints "
            f"'{vocabulary.NAMES['fig']} ??'): give fig-subcap, one per figure, or a "
            "list of fig-cap"
        )
    elif is_figure and (len(images) == 1 or label.startswith("fig-")):
        parts[first] = _figure(chunk, images, sizes=sizes)
    elif is_figure:  # Quarto: the caption goes to the first image only
        parts[first] = _figure(chunk, images[:1], sizes=sizes)
        for slot, p in zip(slots[1:], images[1:]):  # the others where they are
            parts[slot] = _image(p, sizes=sizes)
    elif layout_attributes(opts):  # no caption: cells of a figure (floats.lua)
        attrs = " ".join([".layout-cells", *layout_attributes(opts)])
        body = [_image(p, sizes=sizes) for p in images]
        parts[first] = "\n\n".join([f"::: {{{attrs}}}", *body, ":::"])
        for slot in slots[1:]:
            parts[slot] = ""
    else:  # no caption: each image where it is, fig-align on each (floats.lua)
        align = opts.get("fig-align", "default")
        attrs = f'fig-align="{align}"' if align != "default" else ""
        for slot, p in zip(slots, images):
            parts[slot] = _image(p, "", attrs, sizes)


def place_table(chunk: Chunk, laid: Laid, found: list[int], outputs: list) -> None:
    """The caption and label on the table part `found` holds, or sub-tables in a table
    div where the first is (tbl-subcap)."""
    opts, label, parts = chunk.options, chunk.label, laid.parts
    if not found:
        asis = opts.get("output") == "asis" and "<table" in "".join(laid.parts)
        raise BuildError(
            f"{chunk.where()}: a table chunk ('{label}') needs a table output to "
            f"carry its caption (Markdown, HTML such as a pandas DataFrame, or "
            f"LaTeX), but its outputs are: {output_types(outputs)}"
            + (
                " (HTML printed under output: asis, which Quarto's PDF shows as its "
                "cells one per line: print df.to_markdown(), or display the DataFrame)"
                if asis
                else ""
            )
        )
    subcaps = opts.get("tbl-subcap")
    if subcaps is not None and len(subcaps) != len(found):
        raise BuildError(
            f"{chunk.where()}: tbl-subcap must be a list with one caption per "
            f"table; the chunk printed {len(found)}"
        )
    if len(found) > 1 and subcaps is None:
        raise BuildError(
            f"{chunk.where()}: tbl-cap captions one table but the chunk printed "
            f"{len(found)} (Quarto 1.10 copies the caption and the label onto each, "
            f"so @{label} names the last): print one table per chunk, or build with "
            f"Quarto"
        )
    ident = float_ident(chunk, "tbl")
    caption = _caption(opts.get("tbl-cap")) or NBSP
    widths = opts.get("tbl-colwidths")
    if widths and any(parse.HTML_TABLE in parts[i] or i in laid.latex for i in found):
        warn(
            chunk.where(),
            "tbl-colwidths does not apply to a table printed as HTML (a pandas "
            "DataFrame) or LaTeX: Quarto ignores it there too",
        )
        widths = None
    extra = f' tbl-colwidths="{widths}"' if widths else ""  # the label's attributes
    # the caption under the table (floats.lua); `top` changes nothing, as in Quarto
    # 1.10.18, where it does not override the document's `bottom`
    if opts.get("tbl-cap-location") == "bottom":
        extra += ' tbl-cap-location="bottom"'
    if subcaps is None:
        i = found[0]
        if i in laid.latex:  # a table div: a float of what it holds (floats.lua)
            parts[i] = f"::: {{#{ident}{extra}}}\n\n{parts[i]}\n\n{caption}\n\n:::"
        else:
            parts[i] = f"{parts[i].rstrip()}\n\n: {caption} {{#{ident}{extra}}}"
        return
    # sub-tables: a table div with tables (floats.lua)
    if set(found) & set(laid.markdown + laid.latex):
        raise BuildError(
            f"{chunk.where()}: tbl-subcap over tables printed as Markdown or LaTeX is "
            f"not supported by the built-in renderer; display them as "
            f"DataFrames, or build with Quarto"
        )
    if any(re.search(r"[$*_`\\]", str(c)) for c in subcaps):
        warn(
            chunk.where(),
            "tbl-subcap with Markdown or math: Quarto 1.10.18 prints a sub-table's "
            "caption as plain text (its $, * and ` as written); the built-in renderer "
            "reads it as Markdown, as it reads fig-subcap",
        )
    subs = [
        f"{parts[i].rstrip()}\n\n: {_caption(c) or NBSP} {{#{ident}-{k}}}"
        for k, (i, c) in enumerate(zip(found, subcaps), 1)
    ]
    attrs = " ".join([f"#{ident}", *layout_attributes(opts)]) + extra
    parts[found[0]] = "\n\n".join([f"::: {{{attrs}}}", *subs, caption, ":::"])
    for i in found[1:]:
        parts[i] = ""


def operators(tex: str, preamble: bool = False, where: str = "") -> str:
    """The header's macros as pandoc is to expand them in the math: a
    `\\DeclareMathOperator{\\E}{body}` as `\\newcommand{\\E}{\\operatorname{body}}`, which
    pandoc expands with amsmath's limits beside the operator, as the header's own
    definition sets them in the PDF (pandoc's `\\mathop` puts them below in a display;
    Quarto does not expand the header's macros; the starred form stays); a
    `\\providecommand` of a macro LaTeX and MathJax have (`\\vec`) left out, as LaTeX
    leaves its own.  In the `preamble`, a `\\renewcommand`, `\\def` or `\\let` of a macro
    unicode-math defines again at `\\begin{document}` (`\\epsilon`, `\\vec`) is left out
    with a warning at `where`: the PDF, Quarto's too, keeps unicode-math's; inside
    `\\AtBeginDocument{...}` it counts, and is expanded."""
    out, end = [], 0
    for m in OPERATOR.finditer(tex):
        if m.start() < end:  # inside an \AtBeginDocument read already
            continue
        command = (m.group(1) or "AtBeginDocument").rstrip("*")
        name = (m.group(2) or "").strip("{} ")
        k = (
            parse.group_end(tex, m.end() - 1) + 1
            if tex[m.end() - 1] == "{"
            else m.end()
        )
        out.append(tex[end : m.start()])
        if command == "AtBeginDocument":
            out.append(operators(tex[m.end() : k - 1]))
        elif command == "DeclareMathOperator":
            out.append(
                f"\\newcommand{{{name}}}{{\\operatorname{{{tex[m.end() : k - 1]}}}}}"
            )
        elif command == "providecommand" and name[1:] in vocabulary.MATHJAX:
            pass
        elif (
            preamble
            and command != "providecommand"
            and name[1:] in vocabulary.UNICODE_MATH
        ):
            warn(
                where,
                f"{m.group(0).rstrip('{ ')} in the header changes nothing in the PDF: "
                f"unicode-math defines {name} again at \\begin{{document}} (Quarto's "
                f"PDF keeps its {name} too); to change it, write the definition inside "
                f"\\AtBeginDocument{{...}}",
            )
        else:
            out.append(tex[m.start() : k])
        end = k
    return "".join(out) + tex[end:]


def weave(doc: Document, executed, figures: Path | None = None) -> Woven:
    """Pandoc Markdown for the whole document as executed (hidden code left out)."""
    figures = figures or doc.root / "figures"
    meta = {k: doc.meta[k] for k in vocabulary.PRINTED_META if k in doc.meta}
    if bib := doc.meta.get("bibliography"):
        meta["bibliography"] = [str((doc.root / b).resolve()) for b in listed(bib)]
    csl = doc.root / str(doc.meta.get("csl", ""))
    if "csl" in meta and csl.is_file():  # from any folder pandoc runs in
        meta["csl"] = str(csl.resolve())
    woven = Woven([], {}, meta)
    if doc.blocks:  # the nearest position of what precedes every other marker
        woven.segments.append(
            position(f"{source_name(doc.blocks[0].file)}:{doc.blocks[0].line}")
        )
    header = operators(options.header_text(doc), preamble=True, where=doc.path.name)
    header += "\n" + operators("\n".join(doc.macros))
    if header.strip():  # its macros are expanded in the math of both outputs
        woven.macros = f"::: {{.content-hidden}}\n{header}\n:::"
    outputs = outputs_by_label(executed) if executed is not None else {}

    def inline_values(position: int) -> dict | None:  # of the block at `position`
        if executed is None:
            return NotExecuted()
        values = executed.metadata.get("inline_values", {})
        return values.get(str(position), {}) if doc.runs_jupyter else None

    for key in {key for _, _, key in doc.front_inline}:  # printed keys only (read.py)
        value = meta[key]
        meta[key] = (
            [resolve_inline(v, inline_values(-1)) for v in value]
            if isinstance(value, list)
            else resolve_inline(value, inline_values(-1))
        )
    fig_format = options.figure_defaults(doc)["fig-format"]
    numbered = options.pdf_option(doc, "code-line-numbers") not in (None, False)
    segments = woven.segments  # the Markdown, in document order
    for at, block in enumerate(doc.blocks):
        if not isinstance(block, Chunk):
            text = resolve_inline(block.marked or block.text, inline_values(at))
            # a function, so that re.sub does not read the \n of \newpage as a newline
            segments.append(
                PAGEBREAK.sub(lambda _: "```{=latex}\n\\newpage\n```", text)
            )
            continue
        opts = block.options
        numbers = " .numberLines" if opts.get("code-line-numbers", numbered) else ""
        # every chunk's code and outputs in a div: the notebook's code cell goes there
        segments.append(f'::: {{data-chunk="{block.index}"}}')
        include = opts.get("include", True)
        # the cell is the listing
        cell = include and "lst-label" not in opts and listing(opts)
        if cell:
            segments.append(f"::: {{{cell.strip()}}}")
        output = position(block.where() + " output")
        # Quarto: a chunk labelled fig-/tbl- that does not run is a float of its code, a
        # table's caption kept, a figure's dropped
        unrun = opts.get("eval", True) is False and block.label[:4] in ("fig-", "tbl-")
        if opts.get("echo", True) is not False and include:
            code = listing(opts) if "lst-label" in opts else ""
            code += (
                f"filename={quoted(opts['filename'])} " if "filename" in opts else ""
            )
            segments.append(
                f"{position(block.where())}\n\n"
                + (f"::: {{#{block.label}}}\n\n" if unrun else "")
                + fence(block.shown_source(), code + ".python" + numbers)
            )
            if unrun:
                caption = _caption(opts.get("tbl-cap")) if block.label[0] == "t" else ""
                segments.append(f"{_paragraph(caption) or NBSP}\n\n:::")
        if executed is None and float_kind(block) and not unrun:  # from the source
            segments.append(
                f"{output}\n\n::: {{#{float_ident(block, float_kind(block))}}}\n\n{NBSP}\n\n:::"
            )
        if opts.get("output", True) is not False and include and block.label in outputs:
            parts = weave_outputs(
                block, outputs[block.label], figures, woven.files, fig_format
            )
            segments += [output, *parts]
        segments.append(":::\n\n:::" if cell else ":::")
    return woven


class NotExecuted(dict):
    """Inline values of a document numbered from its source alone: the code as it is."""

    def __missing__(self, expression: str) -> str:
        return f"`{expression}`"


def position(where: str) -> str:
    """A position marker (parse.py): a raw block no writer shows."""
    return f"```{{=pos}}\n{where}\n```"


def float_kind(chunk: Chunk) -> str | None:
    opts, label = chunk.options, chunk.label
    if label.startswith("fig-") or opts.get("fig-cap"):
        return "fig"
    if label.startswith("tbl-") or opts.get("tbl-cap"):
        return "tbl"
    return None


def woven_tree(doc: Document, executed) -> tuple[Woven, dict]:
    """Weave once, parse once: the executed document as Markdown, and pandoc's tree of
    it that every later step works on (the built-in build and quarto render's
    post-render alike)."""
    woven = weave(doc, executed)
    tree = parse.parse(woven.markdown)
    tree = parse.table_labels(parse.name_titles(parse.html_tables(tree)))
    parse.raw_math(tree)
    parse.linked_figures(tree)
    parse.nested_figures(tree)
    parse.raw_table_floats(tree)
    parse.unlabelled_floats(tree)
    parse.lone_paragraph_floats(tree)
    parse.empty_proofs(tree["blocks"])
    parse.line_numbers(
        tree, options.pdf_option(doc, "code-line-numbers") not in (None, False)
    )
    parse.callout_defaults(tree, doc.meta)
    by = options.pdf_option(doc, "shift-heading-level-by")
    if by is None and options.pdf_option(doc, "number-sections", False) is True:
        # Quarto's PDF: one level up when no heading is at level 1 (format-pdf.ts)
        levels = [e["c"][0] for e in parse.elements(tree["blocks"], "Header")]
        by = 0 if 1 in levels else -1
    if by:
        parse.shift_headings(tree, by)
    return woven, tree
