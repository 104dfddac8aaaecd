"""The notebook's Markdown, written by pandoc's writer from the document tree: what
Jupyter shows (pipe tables, $ math with every macro expanded, `<unk>` as text), the
numbers of the PDF (raw LaTeX equations tagged), callout titles apart from their body,
and no outputs for an `output: false` chunk."""

import re

import pytest
from conftest import write_project

from builder.__main__ import build

DOC = r"""---
title: Notebook on $\R^d$
---

# Tables {#sec-tables}

\newcommand{\E}{\mathbb{E}}

```{=latex}
\newcommand{\V}[1]{\boldsymbol{#1}}
```

The token <unk> stands for a rare word; $\E[x] \in \R$ and $\norm{x}$.^[A note.]
A vector $\V{v}$.

+-------+-------+
| model | score |
+=======+=======+
| small | 0.81  |
+-------+-------+

: Grid scores {#tbl-grid}

\begin{equation}
a = b \label{eq:raw}
\end{equation}

$$ c = d $$ {#eq-next}

See @tbl-grid, \eqref{eq:raw} and @eq-next.

\begin{table}
\begin{tabular}{lr}
loss & value \\
$L_1$ & 3.0 \\
\end{tabular}
\caption{Typed in LaTeX}
\label{tbl-raw}
\end{table}

@tbl-raw was typed by hand.

::: {#thm-r name="In $\R$"}
Claim.
:::

::: {.callout-tip title="Over $\V{w}$"}
Tip.
:::

::: {.callout-note title="Careful with @tbl-grid"}
Body line.

| k | $\E[k]$ |
|---|---------|
| 1 | 2       |
:::

Term `x`
:   Its definition.

(@one) A worked example, (@one).

a) lettered

| a line block
| of two lines

\noindent Squares x^2^, water H~2~O, `fit()`{.python}, [key]{.mark} and [u]{.underline}.

A GPU costs $5 per hour and a TPU $10 per hour.

Code `$x$` stays.

::: {.proof}
Hence
$$
a < b. \qedhere
$$
:::

- first <!-- a comment -->
- second

```{python}
#| output: false
print("hidden")
```

```{python}
print("shown")
```

```{python}
#| include: false
print("never shown")
```
"""
HEADER = (
    "format:\n  pdf:\n    number-sections: true\n    include-in-header:\n"
    "      text: |\n        \\newcommand{\\R}{\\mathbb{R}}\n"
    "        \\DeclareMathOperator{\\norm}{norm}\n"
)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    root = tmp_path_factory.mktemp("nb")
    qmd = write_project(root, {"report.qmd": DOC, "_quarto.yml": HEADER})
    return build(qmd, pdf=False, log=lambda *_: None)["notebook"]


def markdown(nb) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_tables_are_pipe_tables_with_their_caption(notebook):
    md = markdown(notebook)
    assert re.search(r"\| model +\| score +\|\n\|-+\|-+\|\n\| small +\| 0\.81 +\|", md)
    assert "*Table 1: Grid scores*" in md and "+-------" not in md


def test_pandoc_only_lists_are_written_as_jupyter_reads_them(notebook):
    """Definition lists, example lists, lettered lists and line blocks, which Jupyter's
    Markdown lacks: the term over its definition, the labels the PDF shows ("(1)",
    "a)", not Jupyter's "1."; unescaped: "\\(" starts math there), hard line breaks."""
    md = markdown(notebook)
    assert "Term `x`  \nIts definition." in md and ":   " not in md
    assert "(1) A worked example, (1)." in md and "\na) lettered" in md
    assert "1.  lettered" not in md and "\\(1\\)" not in md
    assert "a line block\\\nof two lines" in md


def test_pandoc_inline_markup_as_jupyter_shows_it(notebook):
    """Superscripts and subscripts, highlighted and underlined spans as HTML Jupyter
    shows; no inline-code attributes, no \\noindent, no HTML comment as text."""
    md = markdown(notebook)
    assert (
        "Squares x<sup>2</sup>, water H<sub>2</sub>O, `fit()`, <mark>key</mark> and"
        in md
    )
    assert "<u>u</u>." in md and "noindent" not in md
    assert "-   first\n-   second" in md or "- first\n- second" in md


def test_dollars_that_are_text_stay_text_in_jupyter(notebook):
    """pandoc's `\\$` is read as a math delimiter by Jupyter's Markdown and MathJax (
    "5perhourandaTPU10"); `\\\\$` is a dollar there (checked with notebook-view)."""
    text = " ".join(markdown(notebook).split())
    assert r"costs \\$5 per hour and a TPU \\$10 per hour. Code `$x$` stays." in text


def test_qedhere_is_left_out_of_the_notebooks_math(notebook):
    """MathJax has no \\qedhere (red in Jupyter); the proof's end mark follows."""
    assert "$$\na < b. \n$$\n$\\blacksquare$" in markdown(notebook)


def test_angle_bracket_text_is_text(notebook):
    md = markdown(notebook)
    assert "The token \\<unk\\> stands for" in md  # Jupyter shows <unk>; not a tag


def test_every_macro_is_expanded_in_the_math(notebook):
    math = re.findall(r"\$+([^$]+)\$+", markdown(notebook))
    assert "\\mathbb{E}[x] \\in \\mathbb{R}" in math
    assert "\\boldsymbol{v}" in math  # defined in a raw LaTeX block
    # ... in the title and in title= and name= attributes too (read by pandoc apart)
    assert {"\\mathbb{R}^d", "\\mathbb{R}", "\\boldsymbol{w}"} <= set(math)
    assert not [m for m in math if re.search(r"\\(E|R|V|norm)\b", m)], math
    assert "\\newcommand" not in markdown(notebook)


def test_numbers_and_references_as_the_pdf(notebook):
    md = markdown(notebook)
    assert "# 1 Tables" in md
    assert "a = b \n \\tag{1}\\end{equation}" in md and "\\label" not in md
    assert "$$c = d \\tag{2}$$" in md
    assert "See Table 1, (1) and Equation 2." in md


def test_callout_title_apart_from_its_body(notebook):
    assert "> **Careful with Table 1**\n>\n> Body line." in markdown(notebook)


def test_a_table_in_a_callout_is_html(notebook):
    """nbconvert's Markdown (mistune) shows no pipe table inside a quote: HTML is read
    there, its math by MathJax."""
    md = markdown(notebook)
    table = md[md.index("> <table>") : md.index("> </table>")]
    assert "> <th>k</th>" in table and "\\(\\mathbb{E}[k]\\)" in table
    assert "| k |" not in md


def test_footnote_at_the_end_of_its_cell(notebook):
    md = markdown(notebook)
    assert "<sup>1</sup>" in md and "1.  A note." in md


def test_footnotes_end_their_section_in_a_cell():
    """Not under the next heading (a closing "References" read as holding them),
    numbered on through the cells."""
    from builder import parse
    from builder.write.export import footnotes

    text = "A.[^a]\n\n# References\n\nB.[^b]\n\n[^a]: Note a.\n\n[^b]: Note b.\n"
    blocks = footnotes(parse.parse(text, "markdown")["blocks"], count := [3])
    shown = [(b["t"], parse.stringify(b)) for b in blocks]
    assert shown == [
        ("Para", "A."),
        ("HorizontalRule", ""),
        ("OrderedList", "Note a."),
        ("Header", "References"),
        ("Para", "B."),
        ("HorizontalRule", ""),
        ("OrderedList", "Note b."),
    ]
    assert [blocks[2]["c"][0][0], blocks[6]["c"][0][0], count] == [4, 5, [5]]
    assert blocks[0]["c"][-1] == {"t": "RawInline", "c": ["html", "<sup>4</sup>"]}


def test_output_false_keeps_no_outputs(notebook):
    """Nor `include: false`, whose cell stays (folded) so that the notebook runs."""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    hidden = next(c for c in code if 'print("hidden")' in c.source)
    shown = next(c for c in code if 'print("shown")' in c.source)
    excluded = next(c for c in code if 'print("never shown")' in c.source)
    assert hidden.outputs == [] and excluded.outputs == []
    assert excluded.metadata["jupyter"] == {"source_hidden": True}
    assert shown.outputs[0]["text"] == "shown\n"


def test_raw_latex_table_is_read_by_pandoc(notebook):
    md = markdown(notebook)
    assert re.search(r"\| \$L_1\$ +\| +3\.0 \|", md)
    assert "*Table 2: Typed in LaTeX*" in md and "Table 2 was typed by hand." in md
    assert "\\begin{tabular}" not in md


def test_title_cell_from_the_tree_metadata():
    """The title cell's blocks from pandoc's metadata: author objects by their names,
    empty fields left out, a date given as a string."""
    from builder.write.export import title_blocks

    def inl(text):
        return {"t": "MetaInlines", "c": [{"t": "Str", "c": text}]}

    meta = {
        "title": inl("T"),
        "subtitle": {"t": "MetaInlines", "c": []},
        "author": {
            "t": "MetaList",
            "c": [{"t": "MetaMap", "c": {"name": inl("Ada")}}, inl("Bob")],
        },
        "date": {"t": "MetaString", "c": "2026-03-05"},
    }
    from builder.parse import stringify

    blocks = title_blocks(meta, lambda inlines: inlines)
    assert [b["t"] for b in blocks] == ["Header", "Para", "Para"]
    assert [stringify(b["c"]) for b in blocks[1:]] == [
        "Author: Ada, Bob",
        "Date: 2026-03-05",
    ]
    assert stringify(blocks[0]["c"][2]) == "T"
    assert title_blocks({}, list)[0]["c"][2] == [{"t": "Str", "c": "Report"}]


def test_raw_latex_jupyter_cannot_show_is_named(tmp_path, capsys):
    """A TikZ picture (pandoc's LaTeX reader makes nothing of it) is left out of the
    notebook with a warning naming its line, not silently."""
    doc = (
        "---\ntitle: T\n---\n\n::: {#fig-net}\n\n```{=latex}\n\\begin{tikzpicture}\n"
        "\\node (x) {$x$};\n\\end{tikzpicture}\n```\n\nA network.\n:::\n\nSee @fig-net.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": doc})
    nb = build(qmd, pdf=False, log=lambda *_: None)["notebook"]
    assert "*Figure 1: A network.*" in markdown(nb) and "tikz" not in markdown(nb)
    out = capsys.readouterr().out
    assert "report.qmd:7: raw LaTeX that Jupyter cannot show is left out" in out


def test_latex_references_the_notebook_cannot_word_are_named(tmp_path, capsys):
    """`\\autoref` (LaTeX's own words), `\\pageref` (a page) and a `\\ref` to no label:
    the notebook shows what it can, with a warning naming the line."""
    doc = (
        "---\ntitle: T\nnumber-sections: true\n---\n\n# A {#sec-a}\n\n"
        "See \\autoref{sec-a}, \\pageref{sec-a}.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": doc})
    nb = build(qmd, pdf=False, log=lambda *_: None)["notebook"]
    assert "See 1, ??." in markdown(nb)
    out = capsys.readouterr().out
    assert "report.qmd:8: \\autoref{sec-a}: the notebook shows 1 (a page" in out
    assert "report.qmd:8: \\pageref{sec-a}: the notebook shows ??" in out


def test_macros_jupyter_cannot_show_are_named(tmp_path, capsys):
    """mathtools' \\DeclarePairedDelimiter, which pandoc's reader does not expand, and a
    package's macro (bbm's \\mathbbm): the notebook's math would show them in red
    (not among MathJax's, tools/mathjax_macros.mjs); the build names each once, with
    its line. Macros MathJax has (\\lVert, \\mathbb) pass, and so does a row's end
    before a letter (`\\\\x` is no macro `\\x`)."""
    header = (
        "format:\n  pdf:\n    include-in-header:\n      text: |\n"
        "        \\usepackage{mathtools}\n"
        "        \\DeclarePairedDelimiter{\\norm}{\\lVert}{\\rVert}\n"
    )
    doc = (
        "---\ntitle: T\n---\n\nThe norm $\\norm{x}$ and $\\lVert x \\rVert$.\n\n"
        "Its indicator $\\mathbbm{1}$, again $\\mathbbm{1} + \\norm{y}$, $\\mathbb{R}$.\n\n"
        "$$\\begin{pmatrix} 1 & 0 \\\\x & 1 \\end{pmatrix}$$\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": doc, "_quarto.yml": header})
    build(qmd, pdf=False, log=lambda *_: None)
    out = capsys.readouterr().out
    named = re.findall(
        r"report.qmd:(\d+): \\(\w+) is not a macro Jupyter's MathJax", out
    )
    assert named == [("5", "norm"), ("7", "mathbbm")]


def test_math_of_a_mathjax_2_extension_requires_it(tmp_path, capsys):
    """The classic notebook's MathJax 2.7 loads cancel and mhchem only on \\require
    (tools/mathjax2_macros.py): the math that uses them requires them, in Markdown and
    in a raw environment; mathtools' \\coloneqq, which JupyterLab's MathJax 3 has and
    2.7 has not, is named."""
    doc = (
        "---\ntitle: T\n---\n\nCancel $\\cancel{2}x$, water $\\ce{H2O}$, $x^2$.\n\n"
        "\\begin{align}\n\\bcancel{y} &= 1\n\\end{align}\n\nLet $a \\coloneqq 1$, "
        "$\\lfloor x \\rfloor \\in \\llcorner$.\n"  # 2.7 has these (keys of 3 kinds)
    )
    qmd = write_project(tmp_path, {"report.qmd": doc})
    nb = build(qmd, pdf=False, log=lambda *_: None)["notebook"]
    text = markdown(nb)
    assert (
        "Cancel $\\require{cancel}\\cancel{2}x$, water $\\require{mhchem}\\ce{H2O}$"
        in text
    )
    assert "$x^2$" in text
    assert "\\begin{align}\\require{cancel}" in text
    out = capsys.readouterr().out
    named = re.findall(r"report.qmd:(\d+): \\(\w+) is not a macro Jupyter's", out)
    assert named == [("11", "coloneqq")]


def test_math_of_a_table_written_as_html_stays_math(tmp_path):
    """A grid table with a list in a cell has no Markdown form: pandoc writes it as HTML,
    its math as MathJax's \\(...\\), which Jupyter renders (not "3 × 3" as text)."""
    doc = (
        "---\ntitle: T\n---\n\n+------+-------------------+\n| a    | b                 |\n"
        "+======+===================+\n| c    | - $3\\times 3$      |\n|      | - two"
        "             |\n+------+-------------------+\n"
    )
    nb = build(
        write_project(tmp_path, {"report.qmd": doc}), pdf=False, log=lambda *_: None
    )
    text = markdown(nb["notebook"])
    assert '<li><span class="math inline">\\(3\\times 3\\)</span></li>' in text


def test_macros_defined_in_the_math_are_not_named(tmp_path, capsys):
    """A \\newcommand inside display math: MathJax keeps it for the later math (LaTeX
    does not: the PDF's error is LaTeX's); a macro named in a display before any
    paragraph is placed at the display's line, not at '?'."""
    doc = (
        "---\ntitle: T\n---\n\n$$\n\\newcommand{\\Rr}{\\mathbb{R}} \\bm{x}\n$$\n\n"
        "Later $\\Rr^d$.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": doc})
    build(qmd, pdf=False, log=lambda *_: None)
    out = capsys.readouterr().out
    assert "\\Rr is not a macro" not in out
    assert "warning: report.qmd:5: \\bm is not a macro Jupyter's MathJax knows" in out


def test_images_travel_inside_the_notebook(tmp_path, capsys):
    """Local images in the notebook itself (the notebook is submitted alone): a Markdown
    image as a cell attachment, a sized one (an <img> tag) as a data URL, a PDF as its
    first page in PNG (Jupyter shows no PDF); a missing file named in a warning."""
    import base64
    import io

    from PIL import Image

    Image.new("RGB", (40, 20), "red").save(tmp_path / "a b.png")
    Image.new("RGB", (40, 20), "blue").save(tmp_path / "c.pdf")
    doc = (
        "---\ntitle: T\n---\n\n![Plain](a%20b.png){#fig-a}\n\n"
        "![Sized](a%20b.png){width=30%}\n\n![From a PDF](c.pdf){#fig-c}\n\n"
        "![Gone](missing.png)\n\n![Half](a%20b.png){#fig-h width=50%}\n\n"
        "See @fig-a, @fig-c and @fig-h.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": doc})
    nb = build(qmd, pdf=False, log=lambda *_: None)["notebook"]
    cell = next(c for c in nb.cells if "attachments" in c)
    assert re.findall(r"\]\((attachment:[^)]+)\)", cell.source) == [
        "attachment:0-a_b.png",
        "attachment:1-c.png",
    ]
    png = base64.b64decode(cell.attachments["1-c.png"]["image/png"])
    page = Image.open(io.BytesIO(png)).convert("RGB")
    r, g, b = page.getpixel((page.width // 2, page.height // 2))
    assert r < 10 and g < 10 and b > 240  # the PDF's blue page
    assert (
        base64.b64decode(cell.attachments["0-a_b.png"]["image/png"])
        == (tmp_path / "a b.png").read_bytes()
    )
    sized = re.findall(
        r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"([^>]*)>', cell.source
    )
    assert sized == [' style="width:30.0%" alt="Sized" /', ' style="width:50.0%" /']
    assert "*Figure 1: Plain*" in cell.source and "](missing.png)" in cell.source
    assert "*Figure 5: Half*" in cell.source
    assert "report.qmd:11: image missing.png not found" in capsys.readouterr().out


def test_raw_latex_figures_keep_their_caption_number_and_image(tmp_path):
    """A raw LaTeX figure in the notebook, as pandoc's LaTeX reader reads it: its image
    carried as a data URL, under it its caption numbered as LaTeX numbers it (a
    labelled one and one without a label, after a Markdown figure: 2 and 3)."""
    from PIL import Image

    Image.new("RGB", (40, 20), "red").save(tmp_path / "r.png")
    raw = (
        "```{{=latex}}\n\\begin{{figure}}\n\\centering\n"
        "\\includegraphics[width=0.4\\textwidth]{{r.png}}\n\\caption{{{cap}}}{label}\n"
        "\\end{{figure}}\n```\n\n"
    )
    doc = (
        "---\ntitle: T\n---\n\n![First](r.png){#fig-a}\n\n"
        + raw.format(cap="A raw one.", label="\\label{fig:raw}")
        + raw.format(cap="No label.", label="")
        + "See @fig-a and Figure \\ref{fig:raw}.\n"
    )
    nb = build(
        write_project(tmp_path, {"report.qmd": doc}), pdf=False, log=lambda *_: None
    )["notebook"]
    text = markdown(nb)
    shown = re.findall(
        r'<img src="data:image/png;base64,[^"]+"[^>]*>\s+\*([^*]+)\*', text
    )
    assert shown == ["Figure 2: A raw one.", "Figure 3: No label."]
    assert "See Figure 1 and Figure 2." in text


@pytest.mark.parametrize(
    "n, style, delim, label",
    [
        (2, "LowerAlpha", "TwoParens", "(b)"),
        (27, "UpperAlpha", "Period", "AA."),
        (4, "LowerRoman", "Period", "iv."),
        (1994, "UpperRoman", "OneParen", "MCMXCIV)"),
        (3, "Example", "TwoParens", "(3)"),
    ],
)
def test_list_labels_as_the_pdf_numbers_them(n, style, delim, label):
    from builder.write.export import _list_label

    assert _list_label(n, style, delim) == label


def test_a_figure_captions_note_is_numbered_with_the_others(tmp_path):
    """A note in a chunk's fig-cap: "1" under the figure, the prose's "2", as the PDF
    (both paths: "Figure 1: A curve.1", "Text with a note.2")."""
    text = (
        "```{python}\n#| label: fig-f\n#| fig-cap: 'A curve.[^cap]'\n"
        "import matplotlib.pyplot as plt\nplt.plot([0, 1]); plt.show()\n```\n\n"
        "[^cap]: Drawn.\n\nText with a note.[^two]\n\n[^two]: The second note.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": text})
    cells = build(qmd, pdf=False, fast=True, log=lambda *_: None)["notebook"].cells
    md = [c.source for c in cells if c.cell_type == "markdown"]
    assert (
        md[-2].startswith("*Figure 1: A curve.<sup>1</sup>*") and "1.  Drawn." in md[-2]
    )
    assert "note.<sup>2</sup>" in md[-1] and "2.  The second note." in md[-1]


def test_text_included_before_and_after_the_body_is_in_the_notebook(tmp_path):
    """include-before-body (after the title, as the PDF's) and include-after-body (at the
    end): raw LaTeX read as the notebook's other raw LaTeX, not left out."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: B\ninclude-before-body: before.tex\n"
            "include-after-body: after.tex\n---\n\nMain body.\n",
            "before.tex": "BEFORE-BODY \\textbf{text}.\n",
            "after.tex": "\\section*{Declaration}\nI wrote this \\emph{myself}.\n",
        },
    )
    cells = build(qmd, pdf=False, fast=True, log=lambda *_: None)["notebook"].cells
    md = [c.source for c in cells if c.cell_type == "markdown"]
    assert md == [
        "# B\n\nBEFORE-BODY **text**.",
        "Main body.",
        "# Declaration\n\nI wrote this *myself*.",
    ]


def test_an_unrun_chunk_need_not_be_python(tmp_path):
    """`eval: false` shows code that may not parse (pseudo-code): a Markdown cell of it,
    never a syntax error."""
    text = "```{python}\n#| eval: false\nfor x in\n```\n\nText.\n"
    qmd = write_project(tmp_path, {"report.qmd": text})
    cells = build(qmd, pdf=False, fast=True, log=lambda *_: None)["notebook"].cells
    assert [c.cell_type for c in cells] == ["markdown"] * 3
    assert cells[1].source.startswith("```python\nfor x in\n```")


def test_a_chunk_inside_a_callout_splits_its_quote(tmp_path):
    """A callout is a quote in the notebook; a chunk inside it becomes a code cell between
    two quotes (the title with the text before it, the text after it), in place."""
    text = (
        "::: {.callout-note}\n## Before\n\nText before.\n\n```{python}\nprint(1 + 1)\n"
        "```\n\nText after.\n:::\n\nEnd.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": text})
    cells = build(qmd, pdf=False, fast=True, log=lambda *_: None)["notebook"].cells
    assert [(c.cell_type, c.source) for c in cells[1:]] == [
        ("markdown", "> **Before**\n>\n> Text before."),
        ("code", "print(1 + 1)"),
        ("markdown", "> Text after.\n\nEnd."),
    ]
    assert cells[2].outputs[0]["text"] == "2\n"
