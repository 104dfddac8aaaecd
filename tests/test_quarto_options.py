"""Quarto's PDF defaults and the options of issue 18 in the built-in path, against the
values real Quarto 1.10.18 gave for the same documents (../shared/quarto-cases/ 01, 22,
24, 34; their expected.md): paper, figure size and format, fig-align, keep-tex, execution
counts, crossref: words and lang:."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import needs_latex, pdf_text, write_project

from builder import execute, vocabulary
from builder.__main__ import build
from builder.read import BuildError, options, read

CASES = Path(__file__).parent / "fixtures" / "quarto_cases"


@pytest.fixture(autouse=True)
def english():
    """Every test starts, and leaves, with the English words."""
    vocabulary.use_document({})
    yield
    vocabulary.use_document({})


def test_lang_gives_quartos_german_words():
    vocabulary.use_document({"lang": "de"})
    assert vocabulary.NAMES["fig"] == "Abbildung"
    assert vocabulary.NAMES["sec"] == "Kapitel"  # crossref-sec-prefix
    assert vocabulary.NAMES["eq"] == "Gleichung"
    assert vocabulary.CROSSREF["cor"]["name"] == "Korollar"
    assert vocabulary.THEOREMS["rem"]["name"] == "Anmerkung"  # environment-remark-title
    # ... in the block's title only: Quarto's language files have no crossref-rem-title,
    # so references keep its English prefix (Quarto 1.10.18, lang: fr: "Remarque 2.1."
    # over the block, "Remark 2.1" where it is cited)
    assert vocabulary.NAMES["rem"] == "Remark" and vocabulary.NAMES["sol"] == "Solution"
    assert vocabulary.CALLOUTS["note"]["title"] == "Hinweis"
    assert vocabulary.UNNUMBERED["proof"] == "Beweis"
    assert vocabulary.VOCABULARY["titles"]["toc"] == "Inhaltsverzeichnis"
    assert "\\newtheorem{corollary}{Korollar}[section]" in vocabulary.preamble()
    assert "\\renewcommand*\\figurename{Abbildung}" in vocabulary.preamble()
    # a region falls back to its language; a language Quarto lacks, to English
    vocabulary.use_document({"lang": "de-AT"})
    assert vocabulary.NAMES["tbl"] == "Tabelle"
    vocabulary.use_document({"lang": "de-CH"})
    assert vocabulary.NAMES["tbl"] == "Tabelle"
    vocabulary.use_document({"lang": "xx"})
    assert vocabulary.NAMES["tbl"] == "Table"


@needs_latex
def test_lof_and_lot_list_the_figures_and_tables(tmp_path):
    """`lof: true` and `lot: true` (Quarto 1.10.18: "List of Figures" and "List of
    Tables" after the contents, each caption with its number and page)."""
    from PIL import Image

    Image.new("RGB", (60, 40), "gray").save(tmp_path / "a.png")
    text = (
        "---\ntitle: T\nauthor: A\nformat:\n  pdf:\n    lof: true\n    lot: true\n"
        "---\n# One\n\n![A gray box.](a.png){#fig-a}\n\n| k |\n|---|\n| 1 |\n\n"
        ": One row {#tbl-a}\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": text})
    build(qmd, fast=True, log=lambda *_: None)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert "List of Figures 1 A gray box." in flat
    assert "List of Tables 1 One row" in flat
    assert "lof=true" not in options.pandoc_args({"toc": True})  # only when asked


def test_crossref_prefix_and_title_are_apart():
    vocabulary.use_document({"crossref": {"fig-prefix": "Fig.", "tbl-title": "Tab."}})
    assert vocabulary.NAMES["fig"] == "Fig."  # references
    assert vocabulary.CROSSREF["fig"]["name"] == "Figure"  # captions
    assert vocabulary.NAMES["tbl"] == "Table"
    assert vocabulary.CROSSREF["tbl"]["name"] == "Tab."
    vocabulary.use_document({})  # the next document gets English again
    assert vocabulary.NAMES["fig"] == "Figure"
    assert vocabulary.CROSSREF["tbl"]["name"] == "Table"


def test_crossref_options_quarto_ignores_in_a_pdf_warn(tmp_path, capsys):
    """Quarto 1.10.18 keeps "Figure 1: ..." in a PDF for a `title-delim` the caption
    package does not know (as '—'), sub-captions "(a)" whatever `subref-labels` says,
    and "Equation 1" under `chapters: true` (an article has no chapters; but a theorem
    is declared within chapters there, and LaTeX fails, round38 59), and a reference as
    a link whatever `ref-hyperlink` says (its LaTeX is \\ref either way, crossref/refs.lua):
    a warning with the line that says so, and the build goes on."""
    text = (
        "---\ncrossref:\n  title-delim: '—'\n  subref-labels: roman i\n"
        "  chapters: true\n  ref-hyperlink: false\n---\nText.\n"
    )
    read(write_project(tmp_path, {"report.qmd": text}))
    out = capsys.readouterr().out
    assert (
        "report.qmd:3: crossref option 'title-delim' has no effect on captions" in out
    )
    assert "report.qmd:4: crossref option 'subref-labels' has no effect" in out
    assert (
        "report.qmd:5: crossref option 'chapters' has no effect in a PDF but on "
        "theorem-like blocks: Quarto numbers them within chapters" in out
    )
    assert "report.qmd:6: crossref option 'ref-hyperlink' has no effect in a PDF" in out


@pytest.mark.parametrize(
    "crossref, message",
    [
        ("  custom: []", r"report.qmd:4: crossref option 'custom' is not supp"),
        ("  foo-title: X", r"report.qmd:4: 'foo-title' is not a crossref option of Q"),
        ("  lof-title: X", r"report.qmd:4: crossref option 'lof-title' is not supp"),
        ("  fig-title: [1]", r"report.qmd:4: crossref option 'fig-title' must be text"),
        # Quarto 1.10.18 sets it bold (\renewcommand*\tablename{\textbf{Tab.}})
        ("  tbl-title: '**Tab.**'", r"report.qmd:4: crossref option 'tbl-title' is Ma"),
        ("  fig-title: _Fig._", r"report.qmd:4: crossref option 'fig-title' is Markd"),
    ],
)
def test_unsupported_crossref_option_stops_with_its_line(tmp_path, crossref, message):
    text = f"---\ntitle: T\ncrossref:\n{crossref}\n---\nText.\n"
    with pytest.raises(BuildError, match=message):
        read(write_project(tmp_path, {"report.qmd": text}))


def test_kernel_figures_as_quartos_pdf_defaults(tmp_path):
    """Quarto's kernel set-up (setup.py): 5.5 x 3.5 in, 300 dpi, pdf (format-pdf.ts)."""
    doc = read(write_project(tmp_path, {"report.qmd": "Text.\n"}))
    assert options.figure_defaults(doc) == {
        "fig-width": 5.5,
        "fig-height": 3.5,
        "fig-dpi": 300,
        "fig-format": "pdf",
    }
    assert "set_matplotlib_formats(*['pdf', 'png'])" in execute.preamble(doc)
    assert '"figure.figsize": (5.5, 3.5), "figure.dpi": 300' in execute.preamble(doc)


def test_kernel_figures_from_the_document_over_the_project(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "_quarto.yml": "format:\n  pdf:\n    fig-width: 6\n    fig-dpi: 110\n",
            "report.qmd": "---\nformat:\n  pdf:\n    fig-width: 4\n"
            "    fig-format: png\n---\nText.\n",
        },
    )
    fig = options.figure_defaults(read(qmd))
    assert fig == {
        "fig-width": 4,
        "fig-height": 3.5,
        "fig-dpi": 110,
        "fig-format": "png",
    }


def test_bad_figure_option_stops_with_its_line(tmp_path):
    text = "---\nformat:\n  pdf:\n    fig-format: gif\n---\nText.\n"
    with pytest.raises(BuildError, match=r"report.qmd:4: PDF option 'fig-format"):
        read(write_project(tmp_path, {"report.qmd": text}))


_built: dict[str, Path] = {}


def built(case: str, tmp_root: Path, edit=None) -> Path:
    """A copy of the fixture `case` built once with the built-in path; its root."""
    if case not in _built:
        root = tmp_root / case
        shutil.copytree(CASES / case, root)
        if edit:
            edit(root)
        build(root / "report.qmd", log=lambda *_: None)
        _built[case] = root
    return _built[case]


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("options")


def page_size(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next(line for line in info.splitlines() if line.startswith("Page size"))


def keep_tex(root: Path):
    qmd = root / "report.qmd"
    text = qmd.read_text()
    qmd.write_text(
        text.replace("    fig-dpi: 150\n", "    fig-dpi: 150\n    keep-tex: true\n")
    )


@needs_latex
def test_24_figures_as_quartos_size_format_and_alignment(tmp_root):
    """Quarto: three PNGs of 560 x 354 px at 150 ppi (4 x 2.5 in, tight), letter paper,
    two pages; fig-align: right flush right; cell fig-width and out-width change
    nothing."""
    root = built("24-fig-size-align-options", tmp_root, keep_tex)
    pdf = root / "report.pdf"
    assert page_size(pdf).split(":")[1].split() == [
        "612",
        "x",
        "792",
        "pts",
        "(letter)",
    ]
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True
    ).stdout.splitlines()[2:]
    rgb = [row for row in map(str.split, images) if row[2] == "image"]
    assert [(r[0], r[3], r[4], r[12], r[13]) for r in rgb] == [
        ("1", "560", "354", "150", "150"),
        ("2", "560", "354", "150", "150"),
        ("2", "560", "354", "150", "150"),
    ]
    tex = (root / "report.tex").read_text()  # keep-tex: true keeps it, as Quarto
    right = tex.split("\\label{fig-cell}")[0].rsplit("\\begin{figure}", 1)[1]
    assert right.lstrip("[H]").startswith("\n\n\\hfill{}\\pandocbounded")
    assert "\\centering" not in right
    assert "Figure 2: Chunk-level size and alignment." in pdf_text(pdf)


@needs_latex
def test_01_traceback_counts_cells_as_quarto(tmp_root):
    root = built("01-error-true", tmp_root)
    text = pdf_text(root / "report.pdf")
    assert "Cell In[1], line 4" in text and "Cell In[1], line 2, in ratio(a, b)" in text
    assert "Cell In[3]" not in text
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2]


@needs_latex
def test_22_crossref_words_as_quarto(tmp_root):
    root = built("22-crossref-custom-prefixes", tmp_root)
    flat = " ".join(pdf_text(root / "report.pdf").split())
    for words in (
        "Its gradient, used in Fig. 1, follows from Eq. 1; the step sizes are in "
        "Tab. 1 and the whole set-up is in Sec. 1.",
        "Fig. 1: Norm of the gradient over twenty steps.",
        "Tab. 1: Final loss for two step sizes",
        "Again: Fig. 1, Tab. 1 and Eq. 1 at the start of a sentence.",
    ):
        assert words in flat
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "*Fig. 1: Norm of the gradient over twenty steps.*" in md
    assert "*Tab. 1: Final loss for two step sizes*" in md
    assert "Again: Fig. 1, Tab. 1 and Eq. 1" in md
    assert page_size(root / "report.pdf").endswith("(letter)")


@needs_latex
def test_a_capitalised_reference_capitalises_the_prefix(tmp_path):
    """Quarto 1.10.18 (crossref/format.lua refPrefix): `@Fig-a` with `fig-prefix: fig.`
    reads "Fig. 1", the first letter upper-cased (also a non-ASCII one)."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ncrossref:\n  fig-prefix: fig.\n  eq-prefix: équation\n"
            "---\n\n```{python}\n#| label: fig-a\n#| fig-cap: A loss.\n"
            "import matplotlib.pyplot as plt\nplt.plot([1, 0]); plt.show()\n```\n\n"
            "$$ a = b $$ {#eq-a}\n\n"
            "@Fig-a starts a sentence, after @fig-a; @Eq-a too, after @eq-a.\n"
        },
    )
    build(qmd, fast=True, log=lambda *_: None)
    words = "Fig. 1 starts a sentence, after fig. 1; Équation 1 too, after équation 1."
    assert words in " ".join(pdf_text(tmp_path / "report.pdf").split())
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    assert words in "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


CALLOUT_REFS = """\
---
lang: de
---

@nte-lr gives the learning rate, @wrn-div warns about divergence, @tip-warm helps.

::: {#nte-lr .callout-note}
## Learning rate
Use $\\eta = 10^{-3}$.
:::

::: {#wrn-div .callout-warning}
## Divergence
Too large $\\eta$ diverges, see @nte-lr.
:::

::: {#tip-warm .callout-tip}
Warm up for 5 epochs.
:::
"""


@needs_latex
def test_callouts_with_labels_are_numbered_as_quarto(tmp_path):
    """Quarto 1.10.18: a counter per callout kind; the box titled with the language's
    callout title and the number, references with the English prefix ("Note 1")."""
    qmd = write_project(tmp_path, {"report.qmd": CALLOUT_REFS})
    build(qmd, fast=True, log=lambda *_: None)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert flat.startswith(
        "Note 1 gives the learning rate, Warning 1 warns about divergence, Tip 1 helps."
    )
    for words in ("Hinweis 1: Learning rate Use", "Warnung 1: Divergence Too large",
                  "diverges, see Note 1.", "Tipp 1 Warm up"):  # fmt: skip
        assert words in flat
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "> **Hinweis 1: Learning rate**" in md and "> **Tipp 1**" in md
    assert "see Note 1." in md


def test_a_callout_label_needs_its_callout(tmp_path):
    qmd = write_project(tmp_path, {"report.qmd": "::: {#nte-a .callout-tip}\nx\n:::\n"})
    with pytest.raises(
        BuildError, match=r"report.qmd:1: .*needs the class '.callout-note'"
    ):
        build(qmd, pdf=False, log=lambda *_: None)


@needs_latex
def test_header_file_macros_reach_the_pdf_and_the_notebook(tmp_path):
    """include-in-header as a file (its path alone, or `file:`), as Quarto includes it:
    LaTeX defines its macros, the notebook's math has them expanded."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\nformat:\n  pdf:\n    keep-tex: true\n    "
            "include-in-header:\n      - macros.tex\n      - file: more.tex\n---\n\n"
            "The gap $\\KL(q \\| p) \\ge \\zero$.\n",
            "macros.tex": "\\newcommand{\\KL}{D_{\\mathrm{KL}}}\n",
            "more.tex": "\\newcommand{\\zero}{0}\n",
        },
    )
    build(qmd, fast=True, log=lambda *_: None)
    assert "The gap" in pdf_text(tmp_path / "report.pdf")
    tex = (tmp_path / "report.tex").read_text()
    assert (
        "\\newcommand{\\KL}{D_{\\mathrm{KL}}}" in tex
        and "\\newcommand{\\zero}{0}" in tex
    )
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "$D_{\\mathrm{KL}}(q \\| p) \\ge 0$" in md


@needs_latex
def test_34_lang_german_as_quarto(tmp_root):
    root = built("34-lang-german", tmp_root)
    flat = " ".join(pdf_text(root / "report.pdf").split())
    for words in (
        "Inhaltsverzeichnis",
        "Abbildung 1 zeigt den Verlauf, Tabelle 1 die Zahlen und Gleichung 1 die "
        "Verlustfunktion; alles steht in Kapitel 1.",
        "Abbildung 1: Verlust über die Schritte.",
        "Tabelle 1: Werte pro Schritt",
        "Hinweis",
        "Beweis. Die Ableitung ist 2(𝑤 − 1).",  # amsthm's \\proofname, as Quarto sets it
    ):
        assert words in flat
    for english in ("Figure", "Table", "Note", "Proof"):
        assert english not in flat
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "*Abbildung 1: Verlust über die Schritte.*" in md
    assert "> **Hinweis**" in md
    assert "*Beweis.* Die Ableitung" in " ".join(md.split())
    assert "alles steht in Kapitel 1." in " ".join(md.split())


@needs_latex
def test_25_listings_as_quarto(tmp_root):
    """Quarto: 'Listing 1 Plain gradient descent update' above the code block, 'Listing
    2 One step on a scalar weight' above the chunk's code, both referenced."""
    root = built("25-code-listings-lst", tmp_root)
    flat = " ".join(pdf_text(root / "report.pdf").split())
    for words in (
        "The update rule is written out in Listing 1; Listing 2 runs it once",
        "Listing 1 Plain gradient descent update def update(w, grad, lr=0.1):",
        "Listing 2 One step on a scalar weight w, grad = 1.0, 0.5",
        "w = 0.95 Both listings are numbered (see Listing 1 and Listing 2).",
    ):
        assert words in flat
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "*Listing 1: Plain gradient descent update*\n\n``` python" in md
    assert "*Listing 2: One step on a scalar weight*" in md
    code = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code")
    assert nb.cells[code - 1].source == "*Listing 2: One step on a scalar weight*"


def test_listing_caption_references_and_math_in_the_notebook(tmp_path):
    """A listing's caption is Markdown: its reference is worded and its math kept."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "$$w' = w - \\alpha g$$ {#eq-step}\n\n"
            '```{#lst-step .python lst-cap="The rule of @eq-step, with $\\alpha$"}\n'
            "w = w - lr * g\n```\n"
        },
    )
    nb = build(qmd, pdf=False, log=lambda *_: None)["notebook"]
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "*Listing 1: The rule of Equation 1, with $\\alpha$*" in md


LABELLED_LISTINGS = """\
See @lst-a and @lst-b.

```{python}
#| label: lst-a
#| lst-cap: "Caption A"
print(1 + 1)
```

```{python}
#| label: lst-b
#| lst-cap: "Caption B"
#| echo: false
print(2 + 2)
```

```{python}
#| label: lst-c
print(3 + 3)
```
"""


@needs_latex
def test_a_chunk_labelled_lst_is_a_listing_of_code_and_output(tmp_path):
    """Quarto 1.10.18 makes the whole cell (code and output) a listing, captioned by
    lst-cap or not at all.  One difference, on purpose: with echo: false Quarto drops
    the caption with the code ('Listing 2 4'); the built-in renderer keeps it."""
    qmd = write_project(tmp_path, {"report.qmd": LABELLED_LISTINGS})
    build(qmd, fast=True, log=lambda *_: None)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert flat.startswith(
        "See Listing 1 and Listing 2. Listing 1 Caption A print(1 + 1) 2 "
        "Listing 2 Caption B 4 Listing 3 print(3 + 3) 6"
    )
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    cells = [(c.cell_type, c.source) for c in nb.cells]
    assert cells[1:] == [  # each caption above its code, as in the PDF
        ("markdown", "See Listing 1 and Listing 2."),
        ("markdown", "*Listing 1: Caption A*"),
        ("code", "print(1 + 1)"),
        ("markdown", "*Listing 2: Caption B*"),
        ("code", "print(2 + 2)"),
        ("markdown", "*Listing 3*"),
        ("code", "print(3 + 3)"),
    ]


@pytest.mark.parametrize(
    "block, message",
    [
        ("```{#lst-a .python}\nx = 1\n```", r"report.qmd:1: a listing needs both"),
        ('```{.python lst-cap="A"}\nx = 1\n```', r"report.qmd:1: a listing needs both"),
        (  # Quarto nests a second listing inside the first (its caption twice)
            "```{python}\n#| label: lst-d\n#| lst-label: lst-e\n1\n```",
            r"report.qmd:3: a chunk labelled 'lst-d' is a",
        ),
        (
            "```{python}\n#| label: lst-d\n#| filename: a.py\n1\n```",
            r"report.qmd:3: a chunk labelled 'lst-d' is a listing captioned by lst-cap; "
            r"a filename",
        ),
    ],
)
def test_half_a_listing_stops_with_its_line(tmp_path, block, message):
    qmd = write_project(tmp_path, {"report.qmd": block + "\n"})
    with pytest.raises(BuildError, match=message):
        build(qmd, pdf=False, log=lambda *_: None)


def keep_tex_too(root: Path):
    qmd = root / "report.qmd"
    qmd.write_text(qmd.read_text().replace("---\n", "---\nkeep-tex: true\n", 1))


@needs_latex
def test_26_tbl_colwidths_as_quarto(tmp_root):
    root = built("26-markdown-tables-captions", tmp_root, keep_tex_too)
    flat = " ".join(pdf_text(root / "report.pdf").split())
    assert "Table 3: Layers of the small network layer what it does conv" in flat
    assert "Back to Table 1." in flat
    tex = (root / "report.tex").read_text()
    wide = tex.split("\\label{tbl-wide}")[0].rsplit("\\begin{longtable}", 1)[1]
    assert "\\real{0.2500}" in wide and "\\real{0.7500}" in wide


@needs_latex
def test_27_layout_rows_as_quarto(tmp_root):
    """Quarto: (a) and (b) side by side, (c) alone on the second row, the figure where
    the text puts it (one page)."""
    root = built("27-layout-grid-div", tmp_root)
    text = pdf_text(root / "report.pdf", layout=True)
    rows = [" ".join(line.split()) for line in text.splitlines() if "(" in line]
    assert "(a) Loss (b) Accuracy" in rows and "(c) Learning rate" in rows
    flat = " ".join(text.split())
    assert flat.index("Figure 1: Training curves") < flat.index("After the figure:")
    assert "After the figure: Figure 1a and Figure 1b." in flat
    assert "\f" not in text.rstrip("\f")  # one page


@needs_latex
def test_35_fig_cap_list_gives_one_figure_each(tmp_root):
    """Quarto captions each figure (Figure 1, Figure 2) but leaves @fig-curves-1
    unresolved; here the references resolve too."""
    root = built("35-fig-cap-list-two-plots", tmp_root)
    flat = " ".join(pdf_text(root / "report.pdf").split())
    assert "Figure 1: Training loss." in flat and "Figure 2: Validation loss." in flat
    assert "Figure 1 and Figure 2 are two separate figures from one chunk." in flat
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "*Figure 1: Training loss.*\n\n*Figure 2: Validation loss.*" in md
    assert "Figure 1 and Figure 2 are two separate figures" in md


@pytest.mark.parametrize(
    "attrs, message",
    [
        ('layout="[[1,x]]"', r'report.qmd:1: layout="\[\[1,x\]\]" is not valid'),
        ('tbl-colwidths="wide"', r'report.qmd:1: tbl-colwidths="wide" is not valid'),
        ('fig-align="middle"', r'report.qmd:1: fig-align="middle" is not valid'),
    ],
)
def test_bad_float_attribute_stops_with_its_line(tmp_path, attrs, message):
    kind = "tbl" if "tbl" in attrs else "fig"
    text = f"::: {{#{kind}-a {attrs}}}\n\nx\n\nCaption\n:::\n"
    with pytest.raises(BuildError, match=message):
        read(write_project(tmp_path, {"report.qmd": text}))


def test_fig_cap_list_must_match_the_figures(tmp_path):
    text = (
        "```{python}\n#| label: fig-a\n#| fig-cap: [One, Two]\n#| echo: false\n"
        "import matplotlib.pyplot as plt\nplt.plot([1])\nplt.show()\n```\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": text})
    with pytest.raises(BuildError, match=r"fig-cap lists 2 captions but the chunk dr"):
        build(qmd, pdf=False, log=lambda *_: None)


def test_readme_lists_what_the_vocabulary_supports():
    """README.md's list is tools/supported.py's output (run it with --write)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
    import supported

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert supported.markdown() in readme
    assert "`de`" in supported.markdown() and "`lst` Listing" in supported.markdown()


@needs_latex
def test_code_line_numbers_as_quarto(tmp_path):
    """Quarto 1.10.18 numbers the lines of that chunk only (pandoc's numberLines)."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "```{python}\n#| code-line-numbers: true\nx = 1\ny = 2\n"
            "print(x + y)\n```\n\n```{python}\nz = 3\n```\n"
        },
    )
    build(qmd, log=lambda *_: None)
    text = pdf_text(tmp_path / "report.pdf", layout=True)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert lines[:5] == ["1 x = 1", "2 y = 2", "3 print(x + y)", "3", "z = 3"]


def test_document_fig_align_reaches_the_filters():
    """A document's fig-align is every figure's (floats.lua reads the metadata)."""
    assert options.pandoc_args({"fig-align": "right"})[:2] == ["-M", "fig-align=right"]
    assert "fig-align" not in " ".join(options.pandoc_args({"fig-align": "default"}))


TEMPLATE_DOC = """---
title: Opts
author: Jane
classoption: [twocolumn]
linestretch: 1.25
indent: true
linkcolor: red
urlcolor: green
pagestyle: empty
fontfamily: libertinus
toccolor: magenta
format:
  pdf:
    keep-tex: true
    toc: true
    toc-title: Contents
    include-before-body:
      text: \\noindent Course notes.
    include-after-body: after.tex
---

# Motivation

Text and <https://example.org>.

#### A paragraph heading

On a line of its own.
"""
# lines of the LaTeX Quarto 1.10.18 wrote for TEMPLATE_DOC (pandoc's template variables
# read by its template as by pandoc's): the class options replace its KOMA ones
TEMPLATE_LINES = [
    "\\documentclass[\n  letterpaper,\n  twocolumn]{scrartcl}",
    "\\usepackage[]{libertinus}",
    "\\pagestyle{empty}",
    "  linkcolor={red},",
    "  urlcolor={green},",
    "\\hypersetup{linkcolor=magenta}",
    "\\setstretch{1.25}",
    "\\newcommand{\\xxxParagraphStar}[1]{\\oldparagraph*{#1}\\mbox{}}",  # block-headings
    "\\maketitle\n\n\\noindent Course notes.\n\n\\renewcommand*\\contentsname{Contents}",
    "\n\\noindent The end.\n",  # include-after-body, from a file
]


def _check_template_lines(tex: str):
    for line in TEMPLATE_LINES:
        assert line in tex
    assert "parskip=half" not in tex and "DIV=11" not in tex  # indent; classoption


@needs_latex
def test_template_variables_reach_the_latex_as_in_quarto(tmp_path):
    after = "\\noindent The end.\n"
    qmd = write_project(tmp_path, {"report.qmd": TEMPLATE_DOC, "after.tex": after})
    build(qmd, fast=True, log=lambda *_: None)
    _check_template_lines((tmp_path / "report.tex").read_text())
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert "Course notes. Contents Motivation" in flat and "own. The end." in flat


@pytest.mark.skipif(shutil.which("quarto") is None, reason="needs Quarto on PATH")
def test_live_quarto_writes_the_recorded_template_lines(tmp_path):
    write_project(
        tmp_path,
        {
            "report.qmd": TEMPLATE_DOC,
            "after.tex": "\\noindent The end.\n",
            "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n",
        },
    )
    subprocess.run(
        ["quarto", "render", "report.qmd", "--to", "pdf"],
        cwd=tmp_path, check=True, capture_output=True,
        env={**os.environ, "QUARTO_PYTHON": sys.executable},
    )  # fmt: skip
    _check_template_lines((tmp_path / "report.tex").read_text())


@needs_latex
def test_output_dir_takes_the_outputs_as_in_quarto(tmp_path):
    """`project: output-dir: _output`: Quarto 1.10.18 wrote _output/report.pdf and, with
    keep-tex, report.tex beside report.qmd; the notebook goes with the PDF."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: T\n---\n\nText.\n",
            "_quarto.yml": "project:\n  type: default\n  output-dir: _output\n"
            "format:\n  pdf:\n    keep-tex: true\n",
        },
    )
    build(qmd, fast=True, log=lambda *_: None)
    assert (tmp_path / "_output" / "report.pdf").is_file()
    assert (tmp_path / "_output" / "report.ipynb").is_file()
    assert (tmp_path / "report.tex").is_file()
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.parametrize(
    "head, engines",
    [("", ("xelatex", "lualatex")), ("    pdf-engine: lualatex\n", ("lualatex",))],
)
def test_the_pdf_engine_the_document_names_typesets_it(tmp_path, head, engines):
    """`pdf-engine: lualatex` runs lualatex (it ran xelatex, with no message); unset,
    the first of xelatex and lualatex installed."""
    from builder.write import typeset

    qmd = write_project(
        tmp_path,
        {"report.qmd": f"---\ntitle: T\nformat:\n  pdf:\n{head}---\n\nText.\n"},
    )
    assert typeset.latex_engines(read(qmd)) == engines
