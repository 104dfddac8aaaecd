"""The built-in renderer on documents modelled on real Quarto bug reports (tests/fixtures/
quarto_cases/, from ../shared/quarto-cases/): each gives what Quarto 1.10.18 gives in its PDF
(values recorded by rendering each fixture with real Quarto, xelatex, number-sections), and
the notebook uses the same numbers.  Where `quarto` is on PATH, a live test renders fixtures
with it and compares the numbered labels."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import needs_latex, pdf_text, write_project

from builder import vocabulary
from builder.__main__ import build
from builder.read import BuildError

pytestmark = needs_latex
CASES = Path(__file__).parent / "fixtures" / "quarto_cases"
_built: dict[str, tuple] = {}


def built(case: str, source: str = "report.qmd", tmp_root: Path | None = None):
    """Build a copy of a fixture once per session: (PDF text flattened, notebook markdown,
    notebook, root)."""
    key = f"{case}/{source}"
    if key not in _built:
        root = Path(tmp_root) / case
        shutil.copytree(CASES / case, root, dirs_exist_ok=True)
        build(root / source, fast=True, log=lambda *_: None)
        pdf = root / Path(source).with_suffix(".pdf")
        nb = nbformat.read(root / Path(source).with_suffix(".ipynb"), as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        _built[key] = (" ".join(pdf_text(pdf).split()), markdown, nb, root)
    return _built[key]


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("cases")


def test_03_equation_references_read_equation_1(tmp_root):
    flat, md, _, _ = built("03-equations-aligned-label", tmp_root=tmp_root)
    assert (
        "The loss is Equation 1 and the update is Equation 2; the partial below defines "
        "Equation 3." in flat
    )
    assert "Back in the main file: Equation 1, Equation 2 and Equation 3." in flat
    assert "Equation (" not in flat
    assert "The loss is Equation 1 and the update is Equation 2;" in md
    assert "\\tag{2}" in md and "Equation (" not in md


def test_05_caption_with_math_code_and_reference(tmp_root):
    flat, md, _, _ = built("05-fig-cap-math-code", tmp_root=tmp_root)
    assert "Figure 1 shows the running average of Equation 1." in flat
    assert (
        "Figure 1: Running loss" in flat and "(see Equation 1); italic and bold" in flat
    )
    assert "*Figure 1: Running loss $\\mathcal{L}_t$ of `sgd(lr=0.1)`" in md


def test_06_two_plots_are_sub_figures_side_by_side(tmp_root):
    flat, md, nb, root = built("06-two-figures-subcap-layout", tmp_root=tmp_root)
    assert "Figure 1 compares the two curves side by side." in flat
    assert "(a) Training loss" in flat and "(b) Validation loss" in flat
    assert "Figure 1: Two views of the same run" in flat
    # side by side: both sub-captions on one line of the page
    layout = pdf_text(root / "report.pdf", layout=True)
    assert re.search(r"\(a\) Training loss\s+\(b\) Validation loss", layout)
    assert "*(a) Training loss; (b) Validation loss*" in md
    assert "*Figure 1: Two views of the same run*" in md


def test_06_sub_figure_reference_reads_figure_1b(tmp_root, tmp_path):
    root = tmp_path / "sub"
    shutil.copytree(CASES / "06-two-figures-subcap-layout", root)
    qmd = root / "report.qmd"
    qmd.write_text(qmd.read_text().replace("After the figure.", "See @fig-panels-2."))
    build(qmd, fast=True, log=lambda *_: None)
    assert "See Figure 1b." in " ".join(pdf_text(root / "report.pdf").split())
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    assert any("See Figure 1b." in c.source for c in nb.cells)


def test_10_dataframe_is_a_captioned_table(tmp_root):
    flat, md, _, root = built("10-dataframe-tbl-cap", tmp_root=tmp_root)
    assert "Table 1 lists the accuracy of each model." in flat
    layout = pdf_text(root / "report.pdf", layout=True)
    assert re.search(
        r"Table 1: Accuracy per model\s+model\s+accuracy\s+0\s+small\s+0\.81", layout
    )
    assert "dataframe" not in flat and "vertical-align" not in flat
    assert "*Table 1: Accuracy per model*" in md


def test_11_asis_table_and_heading(tmp_root):
    flat, _, nb, _ = built("11-output-asis-table", tmp_root=tmp_root)
    assert "Table 1 is built by code inside a table div." in flat
    assert "Table 1: Accuracy per model (printed as markdown)." in flat
    assert "1.1 A heading written by code" in flat
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    markdown = [
        o.data["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})
    ]
    assert "## 1.1 A heading written by code" in "\n".join(markdown)


@pytest.mark.parametrize(
    "source, text",
    [
        ("report.qmd", "See Table 1 and Table 2."),
        ("variant-no-ref.qmd", "Table 2 is the second table."),
    ],
)
def test_12_label_printed_by_code_is_numbered_where_it_ends_up(tmp_root, source, text):
    flat, md, nb, _ = built("12-asis-printed-caption-numbering", source, tmp_root)
    assert text in flat
    assert "Table 1: Accuracy per model" in flat and "Table 2: Second table" in flat
    assert text in md
    assert "*Table 2: Second table*" in md and "{#tbl-second}" not in md
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any(
        "*Table 1: Accuracy per model*" in o.get("data", {}).get("text/markdown", "")
        for o in outputs
    )


def test_16_every_theorem_kind_numbered_within_sections(tmp_root):
    flat, md, _, _ = built("16-theorem-types-exm-exr-cnj", tmp_root=tmp_root)
    for text in (
        "Theorem 1.1 (Norm bound).",
        "Example 1.1 (One dimension). For 𝑛 = 1 the bound of Theorem 1.1 is tight.",
        "Conjecture 1.1. The constant does not depend on the depth.",
        "Exercise 1.1. Verify Example 1.1 numerically.",
        "Example 1.1 and Conjecture 1.1 follow Theorem 1.1; Exercise 1.1 is left to the reader.",
    ):
        assert text in flat
    assert "1.1 One dimension" not in flat and "@exm" not in flat
    assert "**Example 1.1 (One dimension).**" in md and "**Exercise 1.1.**" in md
    assert "Example 1.1 and Conjecture 1.1 follow Theorem 1.1;" in md
    assert "## One dimension" not in md


def test_17_citations_and_references(tmp_root):
    flat, md, _, _ = built("17-citations-footnotes-links", tmp_root=tmp_root)
    assert (
        "Typesetting follows the classic manual (Knuth 1984, 3); Knuth (1984) also "
        "describes boxes." in flat
    )
    assert "References Knuth, Donald E. 1984. The TeXbook. Addison-Wesley." in flat
    assert "@knuth" not in flat
    assert "(Knuth 1984, 3); Knuth (1984) also describes boxes." in md
    assert "Knuth, Donald E. 1984. *The TeXbook*. Addison-Wesley." in md
    # the footnote: a numbered marker, its text (links intact) at the end of the cell
    assert "also describes boxes.<sup>1</sup>" in md and "^[" not in md
    link = "<https://example.org/some_path/file%20name.pdf> and [the docs]"
    assert f"1.  See\n    {link}" in md


def test_bibliography_in_quarto_yml_and_nocite(tmp_path):
    """As Quarto 1.10.18: `bibliography:` set in `_quarto.yml` is the document's, and
    `nocite:` lists an entry nobody cites (in both outputs)."""
    bib = (
        "@book{knuth1984, author = {Knuth, Donald E.}, title = {The {\\TeX}book},\n"
        "  publisher = {Addison-Wesley}, year = {1984}}\n"
        "@book{extra2020, author = {Doe, Jane}, title = {Uncited Book},\n"
        "  publisher = {Press}, year = {2020}}\n"
    )
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: Bib\nauthor: A\nnocite: |\n  @extra2020\n---\n"
            "As shown by @knuth1984.\n",
            "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n"
            "bibliography: refs.bib\n",
            "refs.bib": bib,
        },
    )
    build(qmd, fast=True, log=lambda *_: None)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert (
        "As shown by Knuth (1984). Doe, Jane. 2020. Uncited Book. Press. Knuth, "
        "Donald E. 1984. The TeXbook. Addison-Wesley." in flat
    )
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    assert "Doe, Jane. 2020. *Uncited Book*. Press." in nb.cells[-1].source


def test_unknown_citation_key_stops_the_build(tmp_path):
    root = tmp_path / "cite"
    shutil.copytree(CASES / "17-citations-footnotes-links", root)
    qmd = root / "report.qmd"
    qmd.write_text(qmd.read_text().replace("@knuth1984 also", "@lamport1994 also"))
    with pytest.raises(BuildError) as e:
        build(qmd, fast=True, log=lambda *_: None)
    assert str(e.value) == (
        "report.qmd:8: the bibliography has no entry for the citation @lamport1994"
    )


def test_18_svg_outputs_are_figures(tmp_root):
    flat, _, nb, root = built("18-svg-output", tmp_root=tmp_root)
    assert "Figure 1: A red circle" in flat
    assert "IPython.core.display.SVG" not in flat and "<Figure size" not in flat
    # both SVGs converted to PDF and placed (pdfimages lists no raster; check the files)
    figures = sorted(p.name for p in (root / "figures").iterdir())
    assert len(figures) == 2 and all(f.endswith(".pdf") for f in figures)
    assert all((root / "figures" / f).read_bytes().startswith(b"%PDF") for f in figures)
    svg = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert all("image/svg+xml" in o.data for o in svg)
    assert any("*Figure 1: A red circle*" in c.source for c in nb.cells)


def test_19_long_lines_wrap_with_marked_continuations(tmp_root):
    _, _, _, root = built("19-long-code-lines", tmp_root=tmp_root)
    layout = pdf_text(root / "report.pdf", layout=True)
    lines = layout.splitlines()
    # every continuation carries the marker, indented past the code's own left edge
    code = next(
        i for i, l in enumerate(lines) if l.lstrip().startswith("configuration =")
    )
    first = lines[code]
    assert lines[code + 1].strip().startswith("↪")
    indent = len(first) - len(first.lstrip())
    cont = lines[code + 1]
    assert len(cont) - len(cont.lstrip()) > indent
    assert all(len(l) <= 100 for l in lines)  # nothing runs off the page


def test_20_every_kind_and_callout_options(tmp_root):
    """Numbers and texts Quarto 1.10.18 gives for this fixture (recorded from its PDF)."""
    flat, md, _, _ = built("20-every-kind", tmp_root=tmp_root)
    for text in (
        "Theorem 1.1 (Named). A theorem.",
        "Lemma 1.1. A lemma.",
        "Corollary 1.1. A corollary.",
        "Proposition 1.1. A proposition.",
        "Conjecture 1.1. A conjecture.",
        "Definition 1.1. A definition.",
        "Example 1.1. An example.",
        "Exercise 1.1. An exercise.",
        "Proof. A proof.",
        "Remark. A remark.",
        "Solution. A solution.",
        "Remark 1.1. A numbered remark?",
        "1.1 Sub",
        "Theorem 1.2. Second theorem in a subsection.",
        "Titled note Note body.",
        "Tip heading Tip body.",
        "Warn body.",
        "Important body.",
        "Caution Caution body.",
        "1.2 Heading inside a plain div",
        "Theorem 2.1. Third theorem.",
        "(a) Left",
        "(b) Right",
        "Figure 1: Two views",
        "Figure 2: Unlabelled captioned figure",
        "(a) Two plots no subcap",
        "Table 1: Unlabelled table",
        "(a) Top",
        "(b) Bottom",
        "Figure 4: Rows",
        "Table 2: Labelled table",
        "Refs: Theorem 1.1, Lemma 1.1, Corollary 1.1, Proposition 1.1, Conjecture 1.1, "
        "Definition 1.1, Example 1.1, Exercise 1.1, Theorem 1.2, Theorem 2.1, Equation 1, "
        "Section 1, Section 1.1, Section 1.2, Figure 1, Figure 1a, Figure 1b, Figure 3, "
        "Figure 4b, Table 2, Remark 1.1.",
    ):
        assert text in flat, text
    assert "Warning Warn body" not in flat  # appearance="simple": no default title
    assert "> Warn body" in md and "**Warning**" not in md  # nor in the notebook
    assert (
        "Refs: Theorem 1.1, Lemma 1.1," in md
        and "Figure 4b, Table 2, Remark 1.1." in md
    )
    assert "## 1.2 Heading inside a plain div" in md and "## 1.1 Sub" in md
    assert "**Titled note**" in md and "**Remark 1.1.**" in md and "*Remark.*" in md


def test_21_output_kinds_and_unnumbered_blocks(tmp_root):
    flat, md, _, root = built("21-outputs", tmp_root=tmp_root)
    for text in (
        "Remark 1.1. Numbered remark.",
        "Solution 1.1. Numbered solution?",
        "Simple titled Warn body.",
        "Minimal titled Important body.",
        "Note Collapsed note with no title.",
        "Proof title. Body.",
        "Remark (Remark title). Body.",
        "Solution. Solution body.",
        "Table 1: A frame",
        "Figure 1: Two unlabelled",
        "Figure 2: A jpeg",
        "See Remark 1.1, Solution 1.1, Table 1, Figure 2.",
    ):
        assert text in flat, text
    assert (root / "figures" / "fig-jpg.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert "See Remark 1.1, Solution 1.1, Table 1, Figure 2." in md


def test_a_table_chunk_printing_text_is_a_table_float_of_it(tmp_path, capsys):
    """Quarto 1.10.18 for a table chunk whose table is printed (`print(df)`) or a plain
    value: a table float holding the text under its caption, the same words (live
    round38 R2 and X2); Quarto sets the code inside the float, the built-in renderer
    before it, warned; the notebook's caption follows the code cell."""
    doc = (
        "---\ntitle: T\n---\n\n```{python}\n#| label: tbl-p\n#| tbl-cap: Printed.\n"
        "import pandas as pd\nprint(pd.DataFrame({'lr': [0.1, 0.01]}))\n"
        "print('two runs')\n```\n\n```{python}\n#| label: tbl-v\n#| tbl-cap: Value.\n"
        "#| echo: false\n42\n```\n\nSee @tbl-p and @tbl-v.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": doc})
    nb = build(qmd, fast=True, log=lambda *_: None)["notebook"]
    words = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert "Table 1: Printed. lr 0 0.10 1 0.01 two runs" in words
    assert "Table 2: Value. 42" in words and "See Table 1 and Table 2." in words
    out = capsys.readouterr().out
    assert out.count("the built-in renderer before it") == 1
    assert (
        "report.qmd:5 (chunk 'tbl-p'): a table chunk printing its table as text" in out
    )
    cells = [(c.cell_type, c.source.splitlines()[-1]) for c in nb.cells[1:]]
    assert cells == [
        ("code", "print('two runs')"),
        ("markdown", "*Table 1: Printed.*"),
        ("code", "42"),
        ("markdown", "*Table 2: Value.*"),
        ("markdown", "See Table 1 and Table 2."),
    ]


@pytest.mark.parametrize(
    "qmd, message",
    [
        (
            '```{python}\n#| label: fig-none\n#| fig-cap: "Nothing drawn"\nprint(1)\n```\n',
            r"report.qmd:1 \(chunk 'fig-none'\).*needs an image output.*stream \(stdout\)",
        ),
        (
            '```{python}\n#| label: tbl-none\n#| tbl-cap: "No table"\nx = 42\n```\n',
            r"report.qmd:1 \(chunk 'tbl-none'\).*needs a table output.*no output at all",
        ),
        (  # Quarto 1.10.18: the HTML's cells one per line under the caption
            '```{python}\n#| label: tbl-h\n#| tbl-cap: "H"\n#| output: asis\nimport '
            "pandas as pd\nprint(pd.DataFrame({'k': [1]}).to_html())\n```\n",
            r"report.qmd:1 \(chunk 'tbl-h'\).*needs a table output.*stream \(stdout\) "
            r"\(HTML printed under output: asis, .*print df.to_markdown\(\)",
        ),
        (
            'See @tbl-gone.\n\n```{python}\n#| label: tbl-gone\n#| tbl-cap: "x"\n'
            "#| output: false\n42\n```\n",
            r"report.qmd:1: reference @tbl-gone points to no label.*output: false",
        ),
        (  # a paragraph that starts with the reference has a line of its own
            '```{python}\n#| label: tbl-gone\n#| tbl-cap: "x"\n#| output: false\n42\n'
            "```\n\n@tbl-gone is gone.\n",
            r"report.qmd:8: reference @tbl-gone points to no label.*output: false",
        ),
        (  # Quarto 1.10.18: "(a) Loss." under the Markdown, "(b)" under the plot
            '```{python}\n#| label: fig-two\n#| fig-cap: "Loss."\nimport matplotlib.'
            'pyplot as plt\nfrom IPython.display import Markdown\ndisplay(Markdown("*m*"))'
            "\nplt.plot([1, 2]); plt.show()\n```\n",
            r"report.qmd:1 \(chunk 'fig-two'\): the figure chunk 'fig-two' displays "
            r"text/plain, text/markdown besides its figure: Quarto makes every",
        ),
    ],
)
def test_caption_without_a_carrier_stops_the_build(tmp_path, qmd, message):
    (tmp_path / "report.qmd").write_text(qmd)
    with pytest.raises(BuildError, match=message):
        build(tmp_path / "report.qmd", fast=True, log=lambda *_: None)


LABEL = re.compile(
    r"\b(Theorem|Lemma|Corollary|Proposition|Conjecture|Definition|Example|Exercise|"
    r"Remark|Solution|Figure|Table|Equation|Section) (\d+(?:\.\d+)*[a-z]?)\b"
)


def numbered_labels(text: str) -> list[str]:
    """Every numbered label of `text` in order, repeats kept."""
    return [f"{k} {n}" for k, n in LABEL.findall(" ".join(text.split()))]


needs_quarto = pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="quarto is not on PATH: the live comparison with real Quarto is skipped",
)


def quarto_render(root: Path, check: bool = True, **variables):
    """Real Quarto renders root/report.qmd to PDF, executing it with this interpreter
    (with the environment `variables` besides)."""
    env = {
        "QUARTO_PYTHON": sys.executable,
        "PATH": os.environ["PATH"],
        "HOME": str(root),
        **variables,
    }
    subprocess.run(
        ["quarto", "render", "report.qmd", "--to", "pdf"],
        cwd=root,
        env=env,
        check=check,
        capture_output=True,
    )


@needs_quarto
@pytest.mark.parametrize("case", ["16-theorem-types-exm-exr-cnj", "20-every-kind"])
def test_live_quarto_gives_the_same_numbered_labels(tmp_root, tmp_path, case):
    flat, _, _, _ = built(case, tmp_root=tmp_root)
    root = tmp_path / case
    shutil.copytree(CASES / case, root)
    quarto_render(root)
    quarto = pdf_text(root / "report.pdf")
    assert numbered_labels(flat) == numbered_labels(quarto)


# What Quarto 1.10.18 printed for tests/fixtures/quarto_cases/36-inline-values (pdftotext):
# a string's text literally (Markdown punctuation escaped, a backslash of its repr
# printed twice), Markdown(...) as Markdown, other values as their repr
QUARTO_INLINE = [
    "A: a *b* c_d.",
    "B: <unk> and <eos>.",
    "C: x \\\\\\\\<y\\\\\\\\> z.",
    "D: it’s (1.5, 2-3) #4!.",
    "E: em and 𝛼.",
    "F: 42 and 0.5 and [1, ‘a’].",
]


def _inline_lines(pdf: Path) -> list[str]:
    return [line for line in pdf_text(pdf).splitlines() if line[:2] in
            {"A:", "B:", "C:", "D:", "E:", "F:"}]  # fmt: skip


def test_36_inline_values_print_as_quarto_prints_them(tmp_root):
    """An inline expression's value as Quarto puts it in the prose: a string as
    literal text (its `*`, `<unk>` and backslashes printed, not read as Markdown), an
    IPython Markdown object as Markdown, a number or list as its repr."""
    _, markdown, _, root = built("36-inline-values", tmp_root=tmp_root)
    assert _inline_lines(root / "report.pdf") == QUARTO_INLINE
    assert "A: a \\*b\\* c_d." in markdown and "E: *em* and $\\alpha$." in markdown


@needs_quarto
def test_36_live_quarto_prints_the_same_inline_values(tmp_path):
    root = tmp_path / "36"
    shutil.copytree(CASES / "36-inline-values", root)
    quarto_render(root)
    assert _inline_lines(root / "report.pdf") == QUARTO_INLINE


# Where Quarto 1.10.18 evaluates inline expressions: each where it stands (the same text
# twice, with a chunk between, has two values), in the front matter (before every
# chunk), in a code block and in a raw LaTeX block; with no chunk, none
INLINE_PLACES = """\
---
title: "Report on `{python} 6 * 7` networks"
author: ["Ada `{python} 'A' + 'B'`"]
format:
  pdf:
    pdf-engine: xelatex
---

```{python}
x = 1
```

First `{python} x`.

```{python}
x = 2
```

Then `{python} x`, twice `{python} x`.

```bash
python train.py --samples `{python} x * 3`
```

```{=latex}
\\textbf{`{python} x + 5`}
```
"""
NO_CHUNK = """\
---
format:
  pdf:
    pdf-engine: xelatex
---

# Heading `{python} 1 + 1`

The net has `{python} 3 * 128` units.
"""
INLINE_WORDS = {  # the PDF's words, its page number last
    INLINE_PLACES: "Report on 42 networks Ada AB x = 1 First 1. x = 2 Then 2, twice 2. "
    "python train.py --samples 6 7 1",  # the 7 from the raw LaTeX
    NO_CHUNK: "Heading {python} 1 + 1 The net has {python} 3 * 128 units. 1",
}


@pytest.mark.parametrize("qmd", INLINE_WORDS, ids=["places", "no-chunk"])
def test_inline_expressions_are_evaluated_where_quarto_evaluates_them(tmp_path, qmd):
    write_project(tmp_path, {"report.qmd": qmd})
    build(tmp_path / "report.qmd", fast=True, log=lambda _: None)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == INLINE_WORDS[qmd]
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    if qmd == NO_CHUNK:  # left as code
        assert "The net has `{python} 3 * 128` units." in markdown
    else:
        assert "First 1." in markdown and "Then 2, twice 2." in markdown
        assert "--samples 6" in markdown and "{python}" not in markdown


@needs_quarto
@pytest.mark.parametrize("qmd", INLINE_WORDS, ids=["places", "no-chunk"])
def test_live_quarto_evaluates_inline_expressions_there(tmp_path, qmd):
    write_project(tmp_path, {"report.qmd": qmd})
    quarto_render(tmp_path)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == INLINE_WORDS[qmd]


def test_a_document_with_no_chunk_runs_inline_expressions_with_engine_jupyter(
    tmp_path,
):
    qmd = NO_CHUNK.replace("---\n", "---\nengine: jupyter\n", 1)
    write_project(tmp_path, {"report.qmd": qmd})
    build(tmp_path / "report.qmd", fast=True, pdf=False, log=lambda _: None)
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Heading 2" in markdown and "The net has 384 units." in markdown


def test_wrapped_code_line_continues_deeper_than_its_own_indentation(tmp_path):
    """A wrapped line of highlighted code goes on after an arrow, indented past the line's
    own indentation: it must not read as a statement at another indentation."""
    from builder.write.typeset import to_latex, to_pdf

    long = (
        "value = some_function_with_a_long_name("
        + ", ".join(f"argument_{n}" for n in ("one", "two", "three", "four", "five"))
        + ")"
    )
    (tmp_path / "w.md").write_text(
        f"```python\ndef f(x):\n    if x:\n        {long}\n    return value\n```\n"
    )
    to_latex(tmp_path / "w.md", tmp_path / "w.tex")
    lines = pdf_text(to_pdf(tmp_path / "w.tex", tmp_path), layout=True).splitlines()
    first = next(i for i, line in enumerate(lines) if "value = some_function" in line)
    column = lines[first].index("value")
    cont = lines[first + 1]
    assert cont.strip().startswith("↪")
    assert len(cont) - len(cont.lstrip()) > column  # the arrow itself is further right
    assert lines[first + 2].index("return") < column


def test_unlabelled_captioned_floats_count_as_latex_counts_them(tmp_path):
    """A captioned image or table without a label is numbered by LaTeX: the labelled ones
    after it get the numbers the notebook uses (checked against LaTeX's .aux)."""
    from PIL import Image

    from builder import number, parse
    from builder.write.typeset import check_numbers, to_latex, to_pdf

    Image.new("RGB", (20, 10), "blue").save(tmp_path / "a.png")
    text = (
        "# A\n\n![Unlabelled](a.png)\n\n| a |\n|---|\n| 1 |\n\n: Unlabelled table\n\n"
        "![Solo](a.png){#fig-solo}\n\n| a |\n|---|\n| 1 |\n\n: Labelled {#tbl-x}\n\n"
        "See @fig-solo and @tbl-x.\n"
    )
    tree = parse.parse(text)
    nums = number.number(tree)
    assert nums.numbers == {"fig-solo": "2", "tbl-x": "2"}
    (tmp_path / "w.json").write_text(json.dumps(parse.for_output(tree, "pdf")))
    to_latex(tmp_path / "w.json", tmp_path / "w.tex")
    pdf = to_pdf(tmp_path / "w.tex", tmp_path)
    check_numbers((tmp_path / "w.aux").read_text(), nums)
    assert "See Figure 2 and Table 2." in " ".join(pdf_text(pdf).split())
    nums.numbers["tbl-x"] = "1"  # the check does catch a disagreement
    with pytest.raises(BuildError, match="label 'tbl-x' is 2 in the PDF but 1 in the"):
        check_numbers((tmp_path / "w.aux").read_text(), nums)


def test_images_without_ids_in_a_figure_div_with_a_layout_sit_side_by_side(tmp_path):
    """Quarto 1.10.18's LaTeX for `::: {#fig-pair layout-ncol=2}` around two images
    without ids (Markdown images, or the plots of chunks inside it): each in a minipage
    of half the line's width, no sub-caption, the div's caption under both; without a
    layout they stay one under the other."""
    from builder import parse
    from builder.write.typeset import to_latex

    def latex(attrs: str) -> str:
        text = f"::: {{#fig-pair{attrs}}}\n\n![](a.png)\n\n![](b.png)\n\nTwo.\n:::\n"
        tree = parse.for_output(parse.parse(text), "pdf")
        (tmp_path / "w.json").write_text(json.dumps(tree))
        to_latex(tmp_path / "w.json", tmp_path / "w.tex")
        return (tmp_path / "w.tex").read_text()

    tex = latex(" layout-ncol=2")
    cells = re.findall(r"\\begin\{minipage\}\[t\]\{0\.50\\linewidth\}.*?includegraphics"
                       r"[^{]*\{(\w)\.png\}.*?\\end\{minipage\}", tex, re.S)  # fmt: skip
    assert cells == ["a", "b"] and "\\subcaption{" not in tex
    assert "\\caption{\\label{fig-pair}Two.}" in tex
    assert "\\begin{minipage}" not in latex("")


def test_plots_of_a_chunk_with_a_layout_and_no_caption_sit_side_by_side(tmp_path):
    """Quarto 1.10.18's LaTeX for a chunk with `layout-ncol: 2` and no caption (recorded
    with keep-tex): its plots in a figure without a caption, each in a minipage of half
    the line's width; without the layout they stay one under the other, outside any
    figure."""

    def latex(layout: str) -> str:
        qmd = write_project(
            tmp_path,
            {
                "report.qmd": "---\ntitle: T\nformat:\n  pdf:\n    keep-tex: true\n"
                f"---\n\n```{{python}}\n{layout}import matplotlib.pyplot as plt\n"
                "for k in range(2):\n    plt.figure(); plt.plot([0, k]); plt.show()\n```\n"
            },
        )
        build(qmd, fast=True, log=lambda *_: None)
        tex = (tmp_path / "report.tex").read_text()
        return tex[tex.index("\\begin{document}") :]

    tex = latex("#| layout-ncol: 2\n")
    cells = re.findall(r"\\begin\{minipage\}\[t\]\{0\.50\\linewidth\}.*?includegraphics"
                       r"[^{]*\{figures/chunk-1(-2)?\.pdf\}.*?\\end\{minipage\}", tex, re.S)  # fmt: skip
    assert cells == ["", "-2"]
    assert tex.count("\\begin{figure}") == 1 and "\\caption" not in tex
    assert "\\begin{minipage}" not in latex("") and "\\begin{figure}" not in latex("")


def test_chunks_in_sub_figure_divs_keep_their_code_and_cells(tmp_path, capsys):
    """Quarto 1.10.18 for `::: {#fig-both}` around `::: {#fig-sa}` divs, each a chunk's
    plot and a caption: sub-figures (a) and (b) under "Figure 1", each chunk's code
    shown (Quarto above its panel, the built-in renderer before the figure, warned) and
    a code cell in the notebook, with its plot, before its sub-caption."""
    sub = (
        "::: {{#fig-s{k}}}\n```{{python}}\nimport matplotlib.pyplot as plt\n"
        "plt.figure(figsize=(2, 1)); plt.plot([0, {k}]); plt.show()\n```\n"
        "Panel {k}\n:::\n\n"
    )
    doc = "---\ntitle: T\n---\n\n::: {#fig-both layout-ncol=2}\n\n"
    doc += sub.format(k=1) + sub.format(k=2) + "Two lines.\n:::\n\nSee @fig-s2.\n"
    qmd = write_project(tmp_path, {"report.qmd": doc})
    result = build(qmd, fast=True, log=lambda *_: None)
    words = " ".join(pdf_text(tmp_path / "report.pdf").split())
    code = (
        "import matplotlib.pyplot as plt plt.figure(figsize=(2, 1)); plt.plot([0, {}])"
    )
    assert f"{code.format(1)}; plt.show() {code.format(2)}; plt.show()" in words
    assert re.search(r"\(a\) Panel 1 .*\(b\) Panel 2 Figure 1: Two lines\. See Figure 1b\.",
                     words)  # fmt: skip
    cells = [
        (c.cell_type, c.source.splitlines()[-1], len(c.get("outputs", [])))
        for c in result["notebook"].cells[1:]
    ]
    assert cells == [
        ("code", "plt.figure(figsize=(2, 1)); plt.plot([0, 1]); plt.show()", 1),
        ("markdown", "*(a) Panel 1*", 0),
        ("code", "plt.figure(figsize=(2, 1)); plt.plot([0, 2]); plt.show()", 1),
        ("markdown", "*(b) Panel 2*", 0),
        ("markdown", "See Figure 1b.", 0),
    ]
    assert result["notebook"].cells[-1].source.startswith("*Figure 1: Two lines.*")
    out = capsys.readouterr().out
    found = re.findall(r"report.qmd:(\d+) \(chunk '[^']+'\): the code of a chunk in "
                       r"the sub-figure #(fig-s\d): Quarto sets it above", out)  # fmt: skip
    assert found == [("8", "fig-s1"), ("16", "fig-s2")]


def test_fig_align_as_quartos_latex(tmp_path):
    """Quarto 1.10.18's LaTeX for fig-align: a labelled figure on the left is not
    centred, on the right has \\hfill before the image; an image with no caption (as a
    chunk's plot is written) gets \\hfill on the right, a `center` environment when
    centred; a captioned image without an id is centred whatever its fig-align; the
    chunk's fig-align reaches its plot."""
    from builder import parse, weave
    from builder.read import read
    from builder.write.typeset import to_latex

    text = (
        '![L.](a.png){#fig-l fig-align="left"}\n\n![R.](a.png){#fig-r fig-align="right"}'
        '\n\n![](b.png){fig-align="right"}\n\n![](c.png){fig-align="center"}\n\n'
        '![No id.](d.png){fig-align="right"}\n'
    )
    (tmp_path / "w.json").write_text(json.dumps(parse.parse(text)))
    to_latex(tmp_path / "w.json", tmp_path / "w.tex")
    body = (tmp_path / "w.tex").read_text().split("\\begin{document}")[1]
    figures = re.findall(r"\\begin\{figure\}\n(.*?)\n", body)
    assert figures[0].startswith("\\pandocbounded") and "{a.png}" in figures[0]
    assert figures[1].startswith("\\hfill\\pandocbounded")
    no_id = "\\begin{figure}[H]\n\\centering\n\\pandocbounded{\\includegraphics["
    assert no_id + "keepaspectratio,alt={No id.}]{d.png}}" in body
    assert "\\hfill\n\\pandocbounded{\\includegraphics[keepaspectratio]{b.png}}" in body
    assert (
        "\\begin{center}\n\n\\pandocbounded{\\includegraphics[keepaspectratio]{c.png}}"
        "\n\n\\end{center}" in body
    )
    # the document's fig-align: every figure's, its own first, also without an id
    to_latex(tmp_path / "w.json", tmp_path / "w.tex", {"fig-align": "right"})
    body = (tmp_path / "w.tex").read_text().split("\\begin{document}")[1]
    figures = re.findall(r"\\begin\{figure\}(?:\[H\])?\n(.*?)\n", body)
    assert [f[:7] for f in figures] == ["\\pandoc", "\\hfill\\", "\\hfill\\"]
    chunk = "```{python}\n#| fig-align: right\n1\n```\n"
    doc = read(write_project(tmp_path, {"report.qmd": chunk}))
    out = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
    parts = weave.weave_outputs(doc.chunks[0], [out], tmp_path / "figures", {})
    assert parts == ['![](figures/chunk-1.png){fig-align="right"}']


def test_one_table_caption_over_two_tables_stops_and_progress_lines_warn(
    tmp_path, capsys
):
    """Quarto 1.10.18 copies one tbl-cap and its label onto every table a chunk prints
    (so the reference names the last): a located error instead.  A stream with carriage
    returns is shown as a terminal shows it, where Quarto prints every state: said."""
    from builder import weave
    from builder.read import read

    text = "```{python}\n#| label: tbl-both\n#| tbl-cap: Two.\n1\n```\n"
    doc = read(write_project(tmp_path, {"report.qmd": text}))
    table = "| a |\n|---|\n| 1 |\n"
    two = [
        nbformat.v4.new_output("display_data", data={"text/markdown": table})
        for _ in range(2)
    ]
    with pytest.raises(BuildError, match=r"report.qmd:1 \(chunk 'tbl-both'\): tbl-cap "
                       r"captions one table but the chunk printed 2"):  # fmt: skip
        weave.weave_outputs(doc.chunks[0], two, tmp_path, {})
    assert weave.weave_outputs(doc.chunks[0], two[:1], tmp_path, {})
    progress = nbformat.v4.new_output("stream", name="stdout", text="step 0\rstep 1\n")
    bar = nbformat.v4.new_output("stream", name="stderr", text="0%\r100%\n")
    capsys.readouterr()
    assert weave.weave_outputs(doc.chunks[0], [progress, bar, progress, *two[:1]],
                               tmp_path, {})  # fmt: skip
    said = capsys.readouterr().out
    assert said.count("output with carriage returns (a progress line)") == 1  # once


def test_colour_codes_are_removed_from_streams(tmp_path):
    """A coloured print or warning (ANSI escapes): the text alone in the PDF, as Quarto
    (xelatex stops on the escape character otherwise)."""
    from builder import weave
    from builder.read import read

    doc = read(write_project(tmp_path, {"report.qmd": "```{python}\n1\n```\n"}))
    outs = [
        nbformat.v4.new_output("stream", name=name, text=f"\x1b[31;1m{name}\x1b[0m x\n")
        for name in ("stdout", "stderr")
    ]
    parts = weave.weave_outputs(doc.chunks[0], outs, tmp_path, {})
    assert [p.split("\n")[1] for p in parts] == ["stdout x", "stderr x"]


def test_column_widths_do_not_apply_to_html_tables(tmp_path, capsys):
    """tbl-colwidths widens a Markdown table's columns; a DataFrame's (HTML) table keeps
    its natural widths, as in Quarto 1.10.18 (recorded: `{@{}lll@{}}`): said."""
    from builder import weave
    from builder.read import read

    text = "```{python}\n#| label: tbl-w\n#| tbl-cap: W.\n#| tbl-colwidths: [20, 80]\n1\n```\n"
    doc = read(write_project(tmp_path, {"report.qmd": text}))
    html = "<div><style>x</style><table><tr><th>a</th></tr><tr><td>1</td></tr></table>"
    html += "<p>70 rows × 1 columns</p></div>"
    shown = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    (part,) = weave.weave_outputs(doc.chunks[0], shown, tmp_path, {})
    assert part.endswith(": W. {#tbl-w}") and "rows" not in part
    assert "tbl-colwidths does not apply" in capsys.readouterr().out
    markdown = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    shown = [nbformat.v4.new_output("display_data", data={"text/markdown": markdown})]
    (part,) = weave.weave_outputs(doc.chunks[0], shown, tmp_path, {})
    assert part.endswith('{#tbl-w tbl-colwidths="[20, 80]"}\n\n:::')


PLACEMENT_DOC = """
---
title: Placement
format:
  pdf:
    keep-tex: true{fig_pos}
jupyter: python3
---

::: {{#fig-a}}
```{{python}}
import matplotlib.pyplot as plt
plt.plot([1, 2]); plt.show()
```

A figure div.
:::

::: {{#fig-b fig-pos="b"}}
```{{python}}
plt.plot([1, 2]); plt.show()
```

A figure div with its own placement.
:::

```{{python}}
#| label: fig-c
#| fig-cap: "A figure chunk."
plt.plot([1, 2]); plt.show()
```

```{{python}}
#| label: fig-d
#| fig-cap: "A figure chunk placed at the top."
#| fig-pos: "t"
plt.plot([1, 2]); plt.show()
```

```{{python}}
#| label: fig-e
#| fig-cap: "A figure chunk with fig-pos false."
#| fig-pos: false
plt.plot([1, 2]); plt.show()
```

```{{python}}
#| label: fig-f
#| fig-cap: "A figure chunk with its code hidden."
#| echo: false
plt.plot([1, 2]); plt.savefig("img.png"); plt.show()
```

![A Markdown image placed here.](img.png){{#fig-g fig-pos="H"}}

![A Markdown image.](img.png){{#fig-h}}

![A Markdown image without an id.](img.png)

See @fig-a, @fig-b, @fig-c, @fig-d, @fig-e, @fig-f, @fig-g and @fig-h.
"""
# What Quarto 1.10.18 writes for figures A to I (recorded from its .tex with keep-tex): a
# figure drawn by a chunk whose code is shown is [H] unless fig-pos says otherwise; a figure
# div written in the document, a chunk with hidden code and a Markdown image have no
# placement, but a Markdown image without an id is [H]; fig-pos: false is as if not set.
PLACEMENTS = {
    "": ["", "[b]", "[H]", "[t]", "[H]", "", "[H]", "", "[H]"],
    '\n    fig-pos: "htbp"': [
        "[htbp]",
        "[b]",
        "[htbp]",
        "[t]",
        "[htbp]",
        "[htbp]",
        "[H]",
        "[htbp]",
        "[htbp]",
    ],
    "\n    fig-pos: false": ["", "[b]", "[H]", "[t]", "[H]", "", "[H]", "", "[H]"],
}
FIGURE_BEGIN = re.compile(r"\\begin\{figure\}(\[[^\]]*\])?")


def builtin_placements(root: Path) -> list[str]:
    """The placement of each figure in the LaTeX the built-in renderer writes."""
    from builder import execute, parse
    from builder.read import read
    from builder.weave import weave
    from builder.write.typeset import to_latex

    doc = read(root / "report.qmd", builtin_pdf=True)
    executed = execute.execute(doc, root / ".cache", fast=True, log=lambda *_: None)
    woven = weave(doc, executed, root / "figures")
    tree = parse.for_output(parse.parse(woven.markdown), "pdf")
    (root / "w.json").write_text(json.dumps(tree), encoding="utf-8")
    to_latex(root / "w.json", root / "w.tex", doc.settings.pdf)
    return FIGURE_BEGIN.findall((root / "w.tex").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fig_pos", list(PLACEMENTS), ids=["unset", "htbp", "false"])
def test_figure_placement_as_quarto(tmp_path, fig_pos):
    write_project(tmp_path, {"report.qmd": PLACEMENT_DOC.format(fig_pos=fig_pos)})
    assert builtin_placements(tmp_path) == PLACEMENTS[fig_pos]


@needs_quarto
@pytest.mark.parametrize("fig_pos", list(PLACEMENTS), ids=["unset", "htbp", "false"])
def test_live_quarto_places_figures_as_recorded(tmp_path, fig_pos):

    write_project(tmp_path, {"report.qmd": PLACEMENT_DOC.format(fig_pos=fig_pos)})
    quarto_render(tmp_path, check=False)  # keep-tex: the LaTeX even if TeX fails here
    tex = (tmp_path / "report.tex").read_text(encoding="utf-8")
    assert FIGURE_BEGIN.findall(tex) == PLACEMENTS[fig_pos]


# Documents of the kinds a review found wrong, each with the sentences Quarto 1.10.18's PDF
# gives (recorded by rendering them): reference forms, table caption forms, callout
# headings, theorems in a document without section numbers, and blocks of the theorem
# kinds that start with a figure or a list, a figure and a footnote inside a callout, sub-tables,
# headings that end in a LaTeX argument or a span, simple and multiline tables, \tag.
KINDS_DOCS = {
    "lines-pandoc-reads-as-text-or-code": (  # round42: no position marker shows there
        "number-sections: false",
        """
        # Reading

        We use dropout.
        <!-- a removed sentence -->
        ## Not a heading

        The kernel count is set by
        # channels in the config
        ::: {.callout-warning}
        Not a callout.
        :::

        An indented block:

            - lr: 0.01
            > momentum 0.9
            ::: {.callout-note}
            ```python
            loss.backward()
            ```

        > ```python
        > att = softmax(q)
        > ```

        The descent condition $f(x_{t+1}) - f(x_t)
        - c \\eta \\le 0$ holds. Install `pip install torch
        - q` here.

        Wrap display math in `$$` signs.

        $$
        L = a
        + 2 b
        $$

        Step   Action    Loss
        ----   -------   ----
        1.     warmup    2.31
        -      eval      0.40

        ----------- ------- ------------------
        Baseline    0.912   Plain SGD.

        Adam        0.934   Adaptive moments.
        ----------- ------- ------------------

        : Optimisers {#tbl-opt}

        The loss is $$
        L = -\\sum_i y_i
        $$

        <!--
        $$
        a = b

        c = d
        $$
        -->

        Write `@sec-intro` for a section; see @tbl-opt.
        """,
        [
            "We use dropout. ## Not a heading The kernel count is set by # channels in "
            "the config ::: {.callout-warning} Not a callout. ::: An indented block: - "
            "lr: 0.01 > momentum 0.9 ::: {.callout-note} ```python loss.backward() ``` "
            "att = softmax(q)",
            "holds. Install pip install torch - q here. Wrap display math in $$ signs.",
            "Step Action Loss 1. - warmup eval 2.31 0.40",
            "Table 1: Optimisers Baseline Adam 0.912 0.934 Plain SGD. Adaptive moments.",
            "Write @sec-intro for a section; see Table 1.",
        ],
    ),
    "lines-a-mark-would-change": (  # session 40: a mark may not change pandoc's reading
        "number-sections: false",
        """
        # Marks

        ![A wrapped
        caption](loss.png)

        ![Short caption](loss.png){#fig-a
        width=30%}

        > ![Caption in a
        > quote](loss.png)

        ![Last](loss.png){#fig-b}

        See @fig-a and @fig-b.

        | a |
        |---|
        | 1 |

        table: Lower-case caption

        ## Heading {k=}

        A line
        # b is not a heading
        \\textbf{C} D

        [the [TeX] book]: https://example.com/texbook

        See [the [TeX] book].

        xxviii. \\emph{first}
        xxix. \\emph{second}
        """,
        [
            "Figure 1: A wrapped caption Figure 2: Short caption Figure 3: Caption in a "
            "quote See Figure 2 and Figure 4.",
            "Figure 4: Last Table 1: Lower-case caption a 1 Heading A line # b is not a "
            "heading C D See the [TeX] book. xxviii. first xxix. second",
        ],
    ),
    "figure-div-of-one-paragraph": (  # its only paragraph is no caption (refs.lua)
        "number-sections: false",
        """
        ::: {#fig-eq}
        $$
        x = 1
        $$
        An equation as a figure
        :::

        ::: {#fig-one}
        ![](loss.png){width=20%}
        :::

        See @fig-eq and @fig-one.
        """,
        ["An equation as a figure Figure 1", "Figure 2 See Figure 1 and Figure 2."],
    ),
    "numbered-within-sections": (  # amsmath's \\numberwithin, the kernel's \\counterwithin
        "number-sections: true\n    header-includes:\n"
        "      - \\numberwithin{equation}{section}\n"
        "      - \\counterwithin{figure}{section}",
        """
        # Forward

        $$ z = Wx + b $$ {#eq-lin}

        ![Loss](loss.png){#fig-a}

        # Backward

        $$ y = z^2 $$ {#eq-sq}

        $$ g = 2z $$ {#eq-g}

        ![Later](loss.png){#fig-b}

        See @eq-lin, @eq-g, @fig-a and @fig-b.
        """,
        [
            "Figure 1.1: Loss",
            "Figure 2.1: Later",
            "See Equation 1.1, Equation 2.2, Figure 1.1 and Figure 2.1.",
        ],
    ),
    "div-attribute-spaced-equals": (  # Quarto reads `key = "v"` on a div (pandoc not)
        "number-sections: false",
        """
        ::: {.callout-note title = "Spaced equals"}
        Note body.
        :::
        """,
        ["Spaced equals Note body."],
    ),
    "empty-sub-caption": (  # a sub-figure with no caption text: its letter only
        "number-sections: false",
        """
        ```{python}
        #| label: fig-p
        #| fig-cap: "Parent caption"
        #| fig-subcap: ["First", ""]
        #| echo: false
        import matplotlib.pyplot as plt
        plt.plot([1, 2]); plt.show()
        plt.plot([2, 1]); plt.show()
        ```
        """,
        ["(a) First", "(b) Figure 1: Parent caption"],
    ),
    "empty-captions": (  # numbered, with no caption text, as labels without captions
        "number-sections: false",
        """
        ```{python}
        #| label: fig-e
        #| fig-cap: ""
        #| echo: false
        import matplotlib.pyplot as plt
        plt.figure(figsize=(2, 1.5)); plt.plot([1, 2]); plt.show()
        ```

        ```{python}
        #| label: tbl-e
        #| tbl-cap: ""
        #| echo: false
        import pandas as pd
        pd.DataFrame({"a": [1, 2]})
        ```

        See @fig-e and @tbl-e.
        """,
        ["0.5 Figure 1 Table 1 a 0 1 1 2 See Figure 1 and Table 1."],
    ),
    "empty-names-and-titles": (  # name="" and title="": the kind's own title
        "number-sections: false",
        """
        ::: {#thm-a name=""}
        A theorem with an empty name.
        :::

        ::: {.proof name=""}
        A proof with an empty name.
        :::

        ::: {.callout-warning title=""}
        Empty title attribute.
        :::

        ::: {#tip-c .callout-tip title=""}
        A numbered tip.
        :::

        See @thm-a and @tip-c.
        """,
        [
            "Theorem 0.1. A theorem with an empty name.",
            "Proof. A proof with an empty name.",
            "Warning Empty title attribute.",
            "Tip 1 A numbered tip. See Theorem 0.1 and Tip 1.",
        ],
    ),
    "reference-forms": (
        "number-sections: true",
        """
        # Forms

        $$
        a = b
        $$ {#eq-a}

        $$
        c = d
        $$ {#eq-b}

        Prefix: [see @eq-a]. Suppressed: [-@eq-b]. Both: [Eq. -@eq-b].
        Grouped: [@eq-a; @eq-b].
        Ending: [@eq-a, left side]. @Eq-a starts a sentence.

        | k | v |
        |---|---|
        | a | 1 |

        Table: First table {#tbl-one}

        See @tbl-one.
        """,
        [
            "Prefix: see 1. Suppressed: 2. Both: Eq. 2. "
            "Grouped: Equation 1, Equation 2. "
            "Ending: Equation 1. Equation 1 starts a sentence.",
            "Table 1: First table",
            "See Table 1.",
        ],
    ),
    "callout-headings": (
        "number-sections: true",
        """
        # One

        ::: callout-note
        ## Remember
        A short-form callout: its heading is its title.
        :::

        ::: {.callout-tip title="Given title"}
        ## A heading inside
        With title=, the heading is a section heading.
        :::

        ## Next {#sec-next}

        See @sec-next.
        """,
        ["Remember A short-form callout", "1.1 A heading inside", "See Section 1.2."],
    ),
    "theorems-without-section-numbers": (
        "number-sections: false",
        """
        # First

        ::: {#thm-a}
        A.
        :::

        # Second

        ::: {#thm-b}
        B.
        :::

        ::: {#lem-c}
        C.
        :::

        See @thm-a, @thm-b and @lem-c.
        """,
        ["See Theorem 0.1, Theorem 0.1 and Lemma 0.1."],
    ),
    "blocks-starting-without-a-paragraph": (
        "number-sections: true",
        """
        # One

        ::: {#exm-curve}
        ## A decaying loss
        ![Loss inside an example.](loss.png){#fig-thm width=30%}
        :::

        ::: {.proof}
        1. First step.
        2. Second step.
        :::

        ::: {#lem-list}
        - an item
        :::

        See @fig-thm in @exm-curve.
        """,
        [  # the heading first, on a line of its own: the figure stays inside
            "Example 1.1 (A decaying loss). Figure 1: Loss inside an example. "
            "Proof. 1. First step. 2. Second step. Lemma 1.1. • an item",
            "See Figure 1 in Example 1.1.",
        ],
    ),
    "figure-and-footnote-in-a-callout": (
        "number-sections: true",
        """
        # Optimisation {#sec-opt}

        ::: {.callout-warning}
        ## Step size
        Too large: plain momentum.[^eps]

        ![Loss inside a callout.](loss.png){#fig-in width=20%}
        :::

        After the box, @fig-in.

        [^eps]: As noted in @sec-opt.
        """,
        [  # the figure stays in the box (placed H); the footnote's text at the page's foot
            "Step size Too large: plain momentum.1 Figure 1: Loss inside a callout. "
            "After the box, Figure 1. 1 As noted in Section 1.",
        ],
    ),
    "sub-tables": (
        "number-sections: true",
        """
        # Losses

        The losses are in @tbl-pair (panels @tbl-train and @tbl-test); @tbl-single follows.

        ::: {#tbl-pair layout-ncol=2}
        | epoch | loss |
        |------:|-----:|
        | 1     | 0.9  |

        : Training {#tbl-train}

        | epoch | loss |
        |------:|-----:|
        | 1     | 1.1  |

        : Test {#tbl-test}

        Losses per split.
        :::

        | model | params |
        |:------|-------:|
        | small | 1.2M   |

        : Model sizes, after @tbl-test. {#tbl-single}
        """,
        [  # a table float with sub-captions (the longtable of Table 2 comes first)
            "The losses are in Table 1 (panels Table 1a and Table 1b); Table 2 follows.",
            "Table 2: Model sizes, after Table 1b. model params small 1.2M "
            "Table 1: Losses per split. (a) Training (b) Test epoch loss epoch loss "
            "1 0.9 1 1.1",
        ],
    ),
    "braces-ending-headings-and-tables-at-column-0": (
        "number-sections: true",
        r"""
        # Results for \textbf{large} models

        ## Ablation [new]{.smallcaps}

        ## Outputs in \{0, 1\}

        Setext heading {#sec-setext}
        ----------------------------

        lr      loss
        ------  -----
        0.1     0.52
        0.01    0.61

        -------------------------------
        Model   Notes
        ------- -----------------------
        small   Trained for one epoch,
                on the validation split.

        large   Trained longer.
        -------------------------------

        See @sec-setext.
        """,
        [  # a `{...}` is a heading's attributes only when it is not an argument
            "1 Results for large models 1.1 Ablation new 1.2 Outputs in {0, 1} "
            "1.3 Setext heading lr loss 0.1 0.01 0.52 0.61 Model Notes small Trained "
            "for one epoch, on the validation split. Trained longer. large",
            "See Section 1.3.",
        ],
    ),
    "tagged-equation": (
        "number-sections: true",
        r"""
        $$
        a = b
        $$ {#eq-a}

        $$
        c = d \tag{G}
        $$ {#eq-g}

        $$
        e = f
        $$ {#eq-e}

        See @eq-a, @eq-g and @eq-e.
        """,
        ["(1) 𝑐=𝑑 (G) 𝑒=𝑓 (2)", "See Equation 1, Equation G and Equation 2."],
    ),
    "number-depth": (
        "number-sections: true\n    number-depth: 2",
        """
        # Introduction {#sec-intro}

        ## Background {#sec-mid}

        ### Details {#sec-deep}

        ::: {#thm-one}
        A theorem.
        :::

        # Later

        See @sec-mid, @sec-deep and @thm-one.
        """,
        [  # a level-3 heading below number-depth 2: no number, nothing stepped; a
            # reference to it reads as LaTeX's \ref, the enclosing section's number
            "1 Introduction 1.1 Background Details Theorem 1.1. A theorem. 2 Later",
            "See Section 1.1, Section 1.1 and Theorem 1.1.",
        ],
    ),
    "theorems-in-list-items": (
        "number-sections: false",
        """
        # Results

        The list holds @def-smooth and @lem-desc.

        1. First we fix the class.

           ::: {#def-smooth}
           ## Smooth
           A function is smooth if its gradient is Lipschitz.
           :::

        2. Then a lemma:

           ::: {#lem-desc}
           For smooth functions (@def-smooth), descent holds.
           :::

           ::: {.proof}
           Integrate along the segment.
           :::

        3. A last item.
        """,
        [  # the divs stay in their list items (their fences keep their indent)
            "1. First we fix the class. Definition 0.1 (Smooth). A function is smooth "
            "if its gradient is Lipschitz. 2. Then a lemma: Lemma 0.1. For smooth "
            "functions (Definition 0.1), descent holds. Proof. Integrate along the "
            "segment. 3. A last item.",
        ],
    ),
    "nested-callouts": (
        "number-sections: false",
        """
        ::: {.callout-note}
        ## Outer

        ::: {.callout-warning}
        ## Inner warning
        Inside.
        :::

        ::: {.callout-tip appearance="simple"}
        Inner simple tip without title.
        :::

        :::
        """,
        [  # a quote with its title in bold, no box, no icon; the kind's title if none
            "Inner warning Inside. Tip Inner simple tip without title.",
        ],
    ),
    "theorem-name-attributes": (
        "number-sections: true",
        """
        # Generalisation

        We prove @lem-hoeff and @prp-union.

        ::: {#lem-hoeff name="Hoeffding"}
        Averages concentrate.
        :::

        ::: {#prp-union}
        ## Union bound
        Every hypothesis is close.
        :::

        ::: {.proof name="Proof of @prp-union"}
        Apply @lem-hoeff to each one.
        :::

        ::: {.proof}
        ## Sketch
        Symmetrisation.
        :::

        ::: {.remark name="On constants"}
        Not optimal.
        :::
        """,
        [  # name= titles a block as a heading does; a proof's title replaces "Proof"
            "Lemma 1.1 (Hoeffding). Averages concentrate. Proposition 1.1 (Union "
            "bound). Every hypothesis is close. Proof of Proposition 1.1. Apply Lemma "
            "1.1 to each one. Sketch. Symmetrisation. Remark (On constants). Not "
            "optimal.",
        ],
    ),
    "algorithm-blocks": (  # Quarto 1.8's kind: no language words, the prefix "alg."
        "number-sections: true",
        """
        # Training

        ::: {#alg-sgd}
        ## Mini-batch SGD
        1. Initialise $\\theta_0$.
        :::

        @Alg-sgd converges under the conditions of @sec-conv; see @alg-sgd.

        # Convergence {#sec-conv}
        """,
        [
            "1 Training Algorithm 1.1 (Mini-batch SGD).",
            "Alg. 1.1 converges under the conditions of Section 2; see alg. 1.1.",
        ],
    ),
    "equation-alt-text": (  # Quarto 1.9+: alt= beside the label, for HTML only
        "number-sections: false",
        """
        $$ E = mc^2 $$ {#eq-e alt="Mass-energy equivalence"}

        See @eq-e.
        """,
        ["See Equation 1."],
    ),
    "empty-proof": (  # left out, with a warning, as Quarto (customnodes/proof.lua)
        "number-sections: false",
        """
        ::: {#lem-a}
        A lemma.
        :::

        ::: {.proof}
        :::

        After.
        """,
        ["Lemma 0.1. A lemma. After."],
    ),
    "table-caption-with-a-lone-underscore": (
        "number-sections: true",
        """
        | Key | Value |
        |-----|-------|
        | lr  | 3e-4  |

        : Keys may contain _, % and #. {#tbl-keys}

        See @tbl-keys.
        """,
        [  # pandoc leaves the label as text there; Quarto still reads it
            "Table 1: Keys may contain _, % and #. Key Value lr 3e-4 See Table 1.",
        ],
    ),
    "sections-from-level-two": (
        "number-sections: true",
        """
        ## Data {#sec-data}

        Text.

        ### Cleaning

        More text; see @sec-data.
        """,
        [  # no level-1 heading: every heading one level up, as Quarto's PDF
            "1 Data Text. 1.1 Cleaning More text; see Section 1.",
        ],
    ),
    "equation-environments-in-display-math": (
        "number-sections: false",
        r"""
        The trick writes
        $$
        \begin{gather}
        z = \mu + \sigma \epsilon, \\
        \epsilon \sim N(0, 1).
        \end{gather}
        $$
        and then
        $$
        \begin{align*}
        a &= b
        \end{align*}
        $$
        so that
        $$ x = 1 $$ {#eq-one}
        is @eq-one.
        """,
        [  # pandoc writes them as they are: the gather's rows are equations 1 and 2
            "The trick writes",
            "(1) 𝜖",
            "(2) and then",
            "is Equation 3.",
        ],
    ),
    "sub-figures-without-words": (
        "number-sections: false",
        """
        ```{python}
        #| label: fig-auto
        #| fig-cap: "Gradient norms per layer."
        #| fig-subcap: true
        #| layout-ncol: 2
        import matplotlib.pyplot as plt
        plt.plot([3, 1, 2]); plt.show()
        plt.plot([1, 2, 3]); plt.show()
        ```

        See @fig-auto.
        """,
        [  # fig-subcap: true: the letters alone (the tick labels between them)
            "(a)",
            "(b) Figure 1: Gradient norms per layer. See Figure 1.",
        ],
    ),
    "plotting-calls-return-values": (
        "number-sections: false",
        """
        ```{python}
        #| label: fig-line
        #| fig-cap: "A line."
        import matplotlib.pyplot as plt
        plt.plot([1, 2, 3])
        ```

        ```{python}
        plt.figure(); plt.plot([3, 2, 1])
        ```

        ```{python}
        (1, 2)
        ```

        ```{python}
        plt.figure(); plt.title("Loss")
        ```
        """,
        [  # no [<matplotlib.lines.Line2D at 0x...>] nor Text(0.5, 1.0, 'Loss')
            "Figure 1: A line.",
            '(1, 2) (1, 2) plt.figure(); plt.title("Loss")',
        ],
    ),
    "shift-heading-level-by": (
        "number-sections: true\nshift-heading-level-by: -1",
        """
        # A study of MLPs

        ## Data {#sec-data}

        Text.

        ### Cleaning

        More; see @sec-data.

        # Aside

        Last words.
        """,
        [  # pandoc's shift: the opening level-1 heading is the title, a later one text
            "A study of MLPs A 1 Data Text. 1.1 Cleaning More; see Section 1.",
            "Aside Last words.",
        ],
    ),
    "table-sub-captions-from-a-chunk": (
        "number-sections: false",
        """
        See @tbl-pair, its panels @tbl-pair-1 and @tbl-pair-2.

        ```{python}
        #| label: tbl-pair
        #| tbl-cap: "Loss per split."
        #| tbl-subcap: ["Training.", "Test."]
        #| layout-ncol: 2
        import pandas as pd
        display(pd.DataFrame({"loss": [0.12]}, index=["run"]))
        display(pd.DataFrame({"loss": [0.31]}, index=["run"]))
        ```
        """,
        [  # a table float with its sub-tables side by side, each "(a) caption" above
            "See Table 1, its panels Table 1a and Table 1b.",
            "Table 1: Loss per split. (a) Training. (b) Test. loss loss run 0.12 run",
        ],
    ),
    "labels-without-captions": (
        "number-sections: false",
        """
        ![](loss.png){#fig-bare width=30%}

        ```{python}
        #| label: tbl-bare
        import pandas as pd
        pd.DataFrame({"k": [7]})
        ```

        | k |
        |---|
        | 8 |

        : {#tbl-md}

        See @fig-bare, @tbl-bare and @tbl-md.
        """,
        [  # the name and number alone, no colon
            "A Figure 1 import",
            "Table 1 k 0 7 Table 2 k 8 See Figure 1, Table 1 and Table 2.",
        ],
    ),
    "dataframe-tables": (
        "number-sections: false",
        """
        See @tbl-cut and @tbl-long.

        ```{python}
        #| label: tbl-cut
        #| tbl-cap: "Cut short."
        import pandas as pd
        pd.set_option("display.max_rows", 6)
        pd.DataFrame({"score": range(70)}).rename_axis("run")
        ```

        ```{python}
        #| label: tbl-long
        #| tbl-cap: "Every run."
        pd.set_option("display.max_rows", 100)
        pd.DataFrame({"score": range(60)}).rename_axis("step")
        ```
        """,
        [  # pandoc's HTML reader: both header rows, no "70 rows x 1 columns"; a long
            # table's caption repeated on every page, as Quarto sets a DataFrame's
            "Table 1: Cut short. score run 0 1 2 ... 67 68 69 0 1 2 ... 67 68 69 pd.set",
            "Table 2: Every run. score step 0 1 2 3",
            "1 Table 2: Every run. score step 4 5",
            "2 Table 2: Every run. score step 42",
        ],
    ),
    "figure-caption-with-footnote-and-citation": (
        "number-sections: true\nbibliography: refs.bib",
        """
        ::: {#fig-a}
        ![](loss.png){width=40%}

        Loss of Adam.^[Five seeds.]
        :::

        ::: {#fig-b}
        ![](loss.png){width=40%}

        Loss of Adam [@kingma2015adam].
        :::

        See @fig-a and @fig-b.
        """,
        [  # the footnote's text at the page's foot; the citation read by citeproc
            "Figure 1: Loss of Adam.1",
            "Figure 2: Loss of Adam (Kingma and Ba 2015). See Figure 1 and Figure 2.",
            "Kingma, Diederik P., and Jimmy Ba. 2015.",
            "1 Five seeds.",
        ],
    ),
    "code-file-names": (
        "number-sections: false",
        """
        # Code

        A plain block with a file name:

        ```{.python filename="train.py"}
        def step(w, g, lr=1e-3):
            return w - lr * g
        ```

        A listing with a file name and a caption, @lst-loss:

        ```{#lst-loss .python filename="loss_fn.py" lst-cap="The squared loss"}
        loss = sum(r ** 2 for r in residuals)
        ```

        A chunk with a file name:

        ```{python}
        #| filename: check.py
        print(2 + 2)
        ```

        A last listing, @lst-last:

        ```{#lst-last .python lst-cap="Last one"}
        x = 1
        ```
        """,
        [  # a file name makes a numbered listing even without a label
            "A plain block with a file name: Listing 1 train.py def step",
            "A listing with a file name and a caption, Listing 2: Listing 2 loss_fn.py "
            "The squared loss loss = sum",
            "A chunk with a file name: Listing 3 check.py print(2 + 2) 4",
            "A last listing, Listing 4:",
            "Listing 4 Last one x = 1",
        ],
    ),
    "notag-in-a-labelled-equation": (
        "number-sections: false",
        """
        $$
        \\begin{aligned}
        a &= b \\notag \\\\
        c &= d
        \\end{aligned}
        $$ {#eq-x}

        See @eq-x.
        """,
        ["𝑎=𝑏 𝑐=𝑑 See Equation 1."],  # counted, its number hidden
    ),
    "unlabelled-captioned-floats": (
        "number-sections: false",
        """
        ![Unlabelled curve](loss.png){width=20%}

        | a | b |
        |---|---|
        | 1 | 2 |

        : Unlabelled table

        [![Linked curve](loss.png){width=20%}](https://example.org)

        ![Solo](loss.png){#fig-solo width=20%}

        See @fig-solo.
        """,
        [  # LaTeX numbers them all; a linked image is a figure too, the link dropped
            "Figure 1: Unlabelled curve",
            "Table 1: Unlabelled table",
            "Figure 2: Linked curve",
            "Figure 3: Solo",
            "See Figure 3.",
        ],
    ),
    "raw-latex-table-with-a-quarto-label": (
        "number-sections: false",
        """
        \\begin{table}[h]
        \\centering
        \\begin{tabular}{lr}
        loss & value \\\\
        $L_1$ & 3.0 \\\\
        \\end{tabular}
        \\caption{A typed table, $L_1$ first}
        \\label{tbl-raw}
        \\end{table}

        Table \\ref{tbl-raw} was typed; @tbl-raw too.
        """,
        [  # Quarto's table float: the caption above, no placement of its own (a
            # caption with braces inside breaks Quarto's reading: it fails)
            "Table 1: A typed table, 𝐿1 first loss",
            "Table 1 was typed; Table 1 too.",
        ],
    ),
    "raw-html-table-in-a-table-div": (
        "number-sections: false",
        """
        @tbl-hp lists the search space.

        ::: {#tbl-hp}

        <table>
        <tr><th>Name</th><th>Low</th></tr>
        <tr><td>learning rate</td><td>1e-4</td></tr>
        </table>

        Search space
        :::

        Text after.
        """,
        [  # a table float of what the div holds, the cells' words as paragraphs
            "Table 1 lists the search space. Text after.",  # the float floats
            "Table 1: Search space Name Low learning rate 1e-4",
        ],
    ),
    "short-captions": (
        "lof: true",
        """
        ![A long caption with $x^2$](loss.png){#fig-loss fig-scap="Short"}

        ```{python}
        #| label: fig-plot
        #| fig-cap: "A long plotted caption"
        #| fig-scap: "Plot *short*"
        import matplotlib.pyplot as plt
        plt.plot([1, 2]); plt.show()
        ```

        See @fig-loss and @fig-plot.

        ::: {#fig-div fig-scap="Div short"}
        ![](loss.png)

        A div caption
        :::
        """,
        [  # fig-scap: the list of figures' words (\caption[short]{...})
            "List of Figures 1 2 3 Short . .",
            " Plot short . .",
            " Div short . .",
            "Figure 1: A long caption with 𝑥2",
            "Figure 2: A long plotted caption See Figure 1 and Figure 2.",
        ],
    ),
    "table-captions-at-the-bottom": (
        "tbl-cap-location: bottom",
        """
        | k | v |
        |---|---|
        | a | 1 |

        : Pipe table {#tbl-pipe}

        ```{python}
        #| label: tbl-df
        #| tbl-cap: "A DataFrame"
        import pandas as pd
        pd.DataFrame({"x": [1, 2]})
        ```

        ```{python}
        #| label: tbl-top
        #| tbl-cap: "On top"
        #| tbl-cap-location: top
        pd.DataFrame({"y": [3]})
        ```

        See @tbl-pipe, @tbl-df and @tbl-top.
        """,
        [  # under its table: the document's tbl-cap-location
            "k v a 1 Table 1: Pipe table",
            "x 0 1 1 2 Table 2: A DataFrame",
            "y 0 3 Table 3: On top",  # a chunk's `top` does not override it
            "See Table 1, Table 2 and Table 3.",
        ],
    ),
    "sub-tables-captioned-at-the-bottom": (
        "tbl-cap-location: bottom",
        """
        ```{python}
        #| label: tbl-two
        #| tbl-cap: "Two tables"
        #| tbl-subcap: ["First", "Second"]
        #| layout-ncol: 2
        import pandas as pd
        display(pd.DataFrame({"x": [1]}))
        display(pd.DataFrame({"y": [2]}))
        ```

        ::: {#tbl-div}
        | a |
        |---|
        | 1 |

        A table div
        :::

        See @tbl-two and @tbl-div.
        """,
        [  # sub-captions under their tables, the float's caption under them all
            "a 1 Table 2: A table div See Table 1 and Table 2.",
            "x 0 y 1 0 (a) First 2 (b) Second Table 1: Two tables",
        ],
    ),
    "a-chunks-table-captioned-at-the-bottom": (
        "number-sections: false",
        """
        ```{python}
        #| label: tbl-low
        #| tbl-cap: "Below"
        #| tbl-cap-location: bottom
        import pandas as pd
        pd.DataFrame({"x": [1]})
        ```

        | b |
        |---|
        | 2 |

        : Above {#tbl-up}

        See @tbl-low and @tbl-up.
        """,
        [  # a chunk's tbl-cap-location: its own table only
            "x 0 1 Table 1: Below Table 2: Above b 2",
        ],
    ),
    "figure-divs-inside-a-figure-div": (
        "number-sections: false",
        """
        ::: {#fig-curves layout-ncol=2}

        ```{python}
        #| label: fig-train
        #| fig-cap: "Training loss"
        import matplotlib.pyplot as plt
        plt.figure(figsize=(3, 2)); plt.plot([1.0, 0.4]); plt.axis("off"); plt.show()
        ```

        ```{python}
        #| label: fig-val
        #| fig-cap: "Validation loss"
        plt.figure(figsize=(3, 2)); plt.plot([1.1, 0.8]); plt.axis("off"); plt.show()
        ```

        Loss curves of the CNN.
        :::

        ::: {#fig-pair layout-ncol=2}

        ![An input](loss.png){#fig-in}

        ::: {#fig-out}
        ![](loss.png)

        Its saliency
        :::

        Input and saliency.
        :::

        @fig-curves shows both; @fig-val rises while @fig-train falls; @fig-in, @fig-out.
        """,
        [  # sub-figures, as an image with a label is; the chunks' code before the float
            "plt.show() plt.figure(figsize=(3, 2)); plt.plot([1.1, 0.8]);",
            "(a) Training loss (b) Validation loss Figure 1: Loss curves of the CNN.",
            "(a) An input (b) Its saliency Figure 2: Input and saliency.",
            "Figure 1 shows both; Figure 1b rises while Figure 1a falls; Figure 2a, "
            "Figure 2b.",
        ],
    ),
    "meta-in-a-chunks-caption": (
        "number-sections: false",
        """
        ```{python}
        #| label: fig-acc
        #| fig-cap: "Accuracy for {{< meta title >}}."
        import matplotlib.pyplot as plt
        plt.figure(figsize=(3, 2)); plt.plot([1, 2]); plt.axis("off"); plt.show()
        ```

        See @fig-acc.
        """,
        ["Figure 1: Accuracy for meta-in-a-chunks-caption. See Figure 1."],
    ),
    "citations-in-theorem-names-and-sub-captions": (
        "number-sections: false\nbibliography: refs.bib",
        """
        ::: {#thm-bias}
        ## Bias correction [@kingma2015adam]
        The estimates are unbiased.
        :::

        ::: {#fig-subs layout-ncol=2}
        ![Adam [@kingma2015adam]](loss.png){#fig-s1}

        ![Plain](loss.png){#fig-s2}

        Two runs.
        :::

        ::: callout-note
        ## Following [@kingma2015adam]
        Body.
        :::
        """,
        [  # read by citeproc, but in a callout's title (raw there, as in Quarto)
            "Theorem 0.1 (Bias correction (Kingma and Ba 2015)). The estimates are",
            "(a) Adam (Kingma and Ba 2015) (b) Plain Figure 1: Two runs.",
            "Following [@kingma2015adam]",
            "Kingma, Diederik P., and Jimmy Ba. 2015.",
        ],
    ),
    "html-table-with-an-id": (
        "number-sections: false",
        """
        ```{python}
        import pandas as pd
        pd.DataFrame({"a": [1.0, 2.0]}).style.format("{:.1f}")
        ```

        | x | y |
        |---|---|
        | 1 | 2 |

        : Later table {#tbl-later}

        See @tbl-later.
        """,
        [  # the Styler's `<table id="T_...">`: pandoc keeps the id, LaTeX numbers it
            "Table 1 a 0 1 1.0 2.0",
            "Table 2: Later table",
            "See Table 2.",
        ],
    ),
    "footnote-in-callout-heading": (
        "number-sections: false",
        """
        Before.[^a]

        ::: callout-note
        ## A title with a note[^b]
        Body text.[^c]
        :::

        After.[^d]

        [^a]: First.
        [^b]: Second.
        [^c]: Third.
        [^d]: Fourth.
        """,
        [  # the title's note stays in the box's title: LaTeX letters it inside the box
            "A title with a notea a Second. Body text.2 After.3",
        ],
    ),
    "echo-fenced-with-options-quarto-moves": (
        "number-sections: false",
        """
        ```{python}
        #| label: fig-sq
        #| echo: fenced
        #| fig-cap: "Squares"
        #| fig-width: 3
        import matplotlib.pyplot as plt
        plt.plot([1, 4, 9])
        ```

        ```{python}
        #| echo: fenced
        #| label: calc
        x = 1 + 1
        ```
        """,
        [  # fig-width is not kept in the cell's source: the rest is written anew
            "```{python} #| label: fig-sq #| fig-cap: Squares import matplotlib.pyplot "
            "as plt plt.plot([1, 4, 9]) ```",
            "```{python} #| label: calc x = 1 + 1 ```",
        ],
    ),
    "captions-pandoc-would-read-as-blocks": (
        "number-sections: false",
        """
        ```{python}
        #| label: fig-a
        #| fig-cap: "A."
        import matplotlib.pyplot as plt
        plt.figure(figsize=(2, 1)); plt.plot([0, 1]); plt.show()
        ```

        ```{python}
        #| label: fig-b
        #| fig-cap: "(b) Training loss"
        plt.figure(figsize=(2, 1)); plt.plot([1, 0]); plt.show()
        ```

        ::: {#fig-c}
        ![](loss.png)

        - a list, no caption
        :::

        See @fig-a, @fig-b and @fig-c.
        """,
        [  # a caption is a paragraph, never a list; a figure div ending in a list: none
            "Figure 1: A.",
            "Figure 2: (b) Training loss See Figure 1, Figure 2 and Figure 3.",
            "a list, no caption Figure 3",
        ],
    ),
    "listings-inside-callouts": (
        "number-sections: false",
        """
        ::: {.callout-tip}
        ```{#lst-step .python lst-cap="One SGD step."}
        opt.step()
        ```

        ```{.python filename="train.py"}
        loss.backward()
        ```
        :::

        ::: {.callout-note}
        ```{.python filename="eval.py"}
        model.eval()
        ```
        :::

        See @lst-step.
        """,
        [  # placed H inside the box, as Quarto places them (a float cannot leave it)
            "Tip Listing 1 One SGD step. opt.step() Listing 2 train.py loss.backward()",
            "Note Listing 3 eval.py model.eval() See Listing 1.",
        ],
    ),
    "header-includes": (
        "header-includes: '\\DeclareMathOperator{\\softmax}{softmax}'",
        """
        The output is $\\softmax(z)$ here.
        """,
        ["The output is softmax(𝑧) here."],  # the notebook expands it (test below)
    ),
    "unrun-chunks-labelled-as-floats": (
        "number-sections: false",
        """
        ```{python}
        #| label: tbl-a
        #| eval: false
        #| tbl-cap: "Not made"
        1 + 1
        ```

        ```{python}
        #| eval: false
        #| fig-cap: "Unlabelled"
        2 + 2
        ```

        ```{python}
        #| label: fig-d
        #| eval: false
        #| fig-cap: "Dropped"
        4 + 4
        ```

        | a |
        |---|
        | 1 |

        : Later {#tbl-later}

        See @tbl-later, @tbl-a and @fig-d.
        """,
        [  # a float of the code: a table's caption kept, a figure's dropped
            "2 + 2 4 + 4 Figure 1 Table 2: Later a 1",
            "See Table 2, Table 1 and Figure 1.",
            "Table 1: Not made",
        ],
    ),
    "chunks-of-other-languages": (  # shown as written, not run (Jupyter engine)
        "number-sections: false",
        """
        ```{python}
        print("python runs")
        ```

        ```{bash}
        #| echo: false
        echo "bash chunk"
        ```

        Done.
        """,
        ['print("python runs") python runs #| echo: false echo "bash chunk" Done.'],
    ),
    "latex-table-outputs": (  # a table float holds a chunk's LaTeX as it is, as Quarto
        "tbl-cap-location: bottom",
        """
        ```{python}
        #| label: tbl-x
        #| tbl-cap: "Scores."
        #| echo: false
        from IPython.display import Latex
        Latex(r"\\begin{tabular}{lr} model & acc \\\\ MLP & 0.91 \\end{tabular}")
        ```

        ::: {#tbl-z}
        ```{=latex}
        \\begin{tabular}{lr} c & d \\end{tabular}
        ```

        By hand.
        :::

        ```{python}
        #| label: tbl-y
        #| tbl-cap: "Two."
        #| echo: false
        print("before")
        Latex(r"\\begin{tabular}{lr} a & b \\end{tabular}")
        ```

        ```{python}
        #| label: tbl-w
        #| tbl-cap: "Printed."
        #| output: asis
        #| echo: false
        print(r"\\begin{tabular}{ll} e & f \\end{tabular}")
        ```

        See @tbl-x, @tbl-z, @tbl-y and @tbl-w.
        """,
        [  # floated to the next page, each caption under its table
            "model MLP acc 0.91 Table 1: Scores.",
            "c d Table 2: By hand. a b Table 3: Two.",
            "e f Table 4: Printed.",
            "See Table 1, Table 2, Table 3 and Table 4.",
        ],
    ),
}


# words of sentences the notebook sets otherwise (callout titles, lists, table rows, tags)
PDF_ONLY = (
    "A wrapped caption Figure 2",
    "Last Table 1",
    "We use dropout. ##",
    "holds. Install pip",
    "Step Action Loss",
    "Table 1: Optimisers Baseline",
    "Write @sec-intro for",
    "An equation as a figure Figure",
    "Figure 2 See Figure 1",
    'print("python runs")',
    "MLP acc",
    "By hand. a b",
    "e f",
    "Spaced equals Note",
    "(a) First",
    "(b) Figure 1: Parent",
    "0.5 Figure 1 Table 1",
    "Theorem 0.1. A",
    "Proof. A proof with an",
    "Warning Empty",
    "Tip 1 A",
    "Name Low",
    "space. Text after",
    "first loss",
    "𝑎=𝑏",
    "Remember",
    "(1) 𝜖",
    "(2) and then",
    "heading inside",
    "Proof.",
    "Step",
    "epoch",
    "Ablation",
    "(G)",
    "Details",
    "Listing 4 Last",
    "Training Algorithm",
    "A lemma. After",
    "First we fix",
    "Inner warning",
    "Hoeffding",
    "Five seeds",
    "Kingma",
    "Loss of Adam",
    "loss run",
    "score",
    "Figure 1 import",
    "k 0 7",
    "1 Data",
    "Keys may contain",
    ".py",
    "(b) Figure 1: Gradient",
    "plt.title",
    "Table 1 a 0",
    "Short . .",
    "Plot short",
    "Div short",
    "plotted caption See",
    "caption with 𝑥2",
    "k v a 1",
    "x 0 1 1 2",
    "y 0 3 Table",
    "A table div See",
    "(a) First 2",
    "x 0 1 Table",
    "Below Table 2",
    "plt.show() plt.figure",
    "(a) Training loss (b)",
    "(a) An input (b)",
    "Accuracy for meta",
    "Following [@",
    "title with a notea",
    "```{python}",
    "Training loss See",
    "a list, no caption",
    "Tip Listing 1",
    "Note Listing 3",
    "softmax(𝑧)",
    "2 + 2 4 + 4",
)


def kinds_project(root: Path, name: str) -> Path:
    from PIL import Image

    option, body, _ = KINDS_DOCS[name]
    if "loss.png" in body:
        Image.new("RGB", (60, 40), "gray").save(root / "loss.png")
    if "bibliography" in option:
        (root / "refs.bib").write_text(
            "@article{kingma2015adam, author = {Kingma, Diederik P. and Ba, Jimmy}, "
            "title = {Adam: A Method for Stochastic Optimization}, journal = "
            "{International Conference on Learning Representations}, year = {2015}}\n"
        )
    return write_project(
        root,
        {
            "report.qmd": f"---\ntitle: {name}\nauthor: A\n---\n"
            + textwrap.dedent(body),
            "_quarto.yml": f"format:\n  pdf:\n    pdf-engine: xelatex\n    {option}\n",
        },
    )


@pytest.mark.parametrize("name", list(KINDS_DOCS))
def test_kinds_a_review_found_give_quartos_text(tmp_path, name):
    qmd = kinds_project(tmp_path, name)
    build(qmd, fast=True, log=lambda *_: None)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    markdown = " ".join(
        " ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown"
    )
    for sentence in KINDS_DOCS[name][2]:
        assert sentence in flat
        if not any(w in sentence for w in PDF_ONLY):
            assert sentence in markdown  # the notebook words it the same
    if name == "lines-pandoc-reads-as-text-or-code":  # the same text, no marker
        assert "data-pos" not in markdown and "[]{" not in markdown
        assert "We use dropout. \\## Not a heading The kernel count" in markdown
        assert "- lr: 0.01 > momentum 0.9 ::: {.callout-note} ```python" in markdown
        assert "$f(x_{t+1}) - f(x_t) - c \\eta \\le 0$ holds." in markdown
        assert "signs. $$ L = a + 2 b $$ | Step" in markdown
    if (
        name == "lines-a-mark-would-change"
    ):  # figures and a table, one paragraph, a list
        assert "*Figure 1: A wrapped caption* <img" in markdown
        assert "*Figure 2: Short caption* > ![Caption in a > quote]" in markdown
        assert "See Figure 2 and Figure 4. | a |" in markdown
        assert "*Table 1: Lower-case caption* ## Heading A line \\# b" in markdown
        assert "is not a heading **C** D See [the \\[TeX\\] book](https" in markdown
        assert "xxviii. *first* xxix. *second*" in markdown
    if name == "figure-div-of-one-paragraph":
        assert "An equation as a figure *Figure 1* <img" in markdown
        assert '20.0%" /> *Figure 2* See Figure 1 and Figure 2.' in markdown
    if name == "numbered-within-sections":  # MathJax numbers as LaTeX
        assert "$$g = 2z \\tag{2.2}$$" in markdown
    if name == "theorems-without-section-numbers":
        assert "# First" in markdown and "# 1 First" not in markdown
    if name == "shift-heading-level-by":  # the notebook's title cell and headings
        assert markdown.startswith("# A study of MLPs **Author:** A # 1 Data")
        assert "# Aside" not in markdown and "## 1.1 Cleaning" in markdown
    if name == "div-attribute-spaced-equals":
        assert "> **Spaced equals** > > Note body." in markdown
    if name == "empty-sub-caption":
        assert "*(a) First; (b)* *Figure 1: Parent caption*" in markdown
    if name == "empty-captions":
        assert "*Figure 1* *Table 1* See" in markdown
    if name == "empty-names-and-titles":  # as the PDF: the kinds' own titles
        assert (
            "**Theorem 0.1.** A theorem" in markdown and "*Proof.* A proof" in markdown
        )
        assert "> **Warning** > > Empty" in markdown and "> **Tip 1** > > A" in markdown
    if name == "header-includes":  # its macros expanded in the notebook's math
        assert r"$\operatorname{softmax}(z)$" in markdown
    if name == "table-sub-captions-from-a-chunk":  # under the cell, as sub-figures
        assert "*(a) Training.; (b) Test.* *Table 1: Loss per split.*" in markdown
    if name == "labels-without-captions":  # no colon in the notebook either
        assert "*Figure 1* " in markdown and "*Table 2* See" in markdown
        assert "*Table 1*" in markdown
    if name == "dataframe-tables":
        assert (
            "*Table 1: Cut short.*" in markdown and "*Table 2: Every run.*" in markdown
        )
    if name == "sub-tables":  # captioned as sub-figures are, under each
        assert (
            "*(a) Training*" in markdown and "*Table 1: Losses per split.*" in markdown
        )
    if name == "number-depth":
        assert "### Details" in markdown and "## 1.1 Background" in markdown
    if name == "equation-environments-in-display-math":  # numbered as in the PDF
        assert "\\epsilon, \\tag{1}\\\\" in markdown and "\\tag{3}$$" in markdown
        assert "\\begin{align*} a &= b \\end{align*}" in markdown
    if name == "plotting-calls-return-values":  # in the notebook as in the PDF
        assert "Line2D" not in flat and "Text(" not in flat
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert [
            o["data"]["text/plain"]
            for o in outputs
            if "data" in o and list(o["data"]) == ["text/plain"]
        ] == ["(1, 2)"]
    if name == "sub-figures-without-words":  # the letters alone under the cell
        assert "*(a); (b)* *Figure 1: Gradient norms per layer.*" in markdown
    if name == "tagged-equation":  # its own tag, not a second one
        assert "$$c = d \\tag{G}$$" in markdown and "$$e = f \\tag{2}$$" in markdown
    if name == "theorems-in-list-items":  # inside the list items there too
        assert "2. Then a lemma: **Lemma 0.1.** For smooth functions" in markdown
    if name == "theorem-name-attributes":  # in bold, or italic for a proof or remark
        assert "**Lemma 1.1 (Hoeffding).** Averages concentrate." in markdown
        assert "*Proof of Proposition 1.1.* Apply Lemma 1.1 to each one." in markdown
        assert "*Sketch.* Symmetrisation." in markdown
        assert "*Remark (On constants).* Not optimal." in markdown
    if name == "empty-proof":
        assert "**Lemma 0.1.** A lemma. After." in markdown
    if name == "equation-alt-text":
        assert "$$E = mc^2 \\tag{1}$$ See Equation 1." in markdown, markdown
    if name == "algorithm-blocks":  # a heading in bold, as the other theorem kinds
        assert "# 1 Training **Algorithm 1.1 (Mini-batch SGD).** 1. Init" in markdown
    if name == "table-caption-with-a-lone-underscore":
        assert "*Table 1: Keys may contain \\_, % and #.* See Table 1." in markdown
    if name == "chunks-of-other-languages":  # a code block in a Markdown cell
        assert '``` bash #| echo: false echo "bash chunk" ``` Done.' in markdown
    if name == "code-file-names":  # the notebook's file names: numbered as in the PDF
        assert "name: *Listing 1: `train.py`* ``` python def step" in markdown
        assert "*Listing 2: `loss_fn.py` The squared loss*" in markdown
        assert "*Listing 3: `check.py`* A last listing" in markdown
    if name.startswith("braces-ending"):  # no position marker shows
        assert "data-pos" not in markdown and "[]{" not in markdown
        assert "## 1.3 Setext heading" in markdown  # numbered as in the PDF
        raw = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        row = r"\| small +\| Trained for one epoch, on the validation split\. +\|"
        assert re.search(row, raw)  # a multiline cell on one line of the pipe table
    if name == "notag-in-a-labelled-equation":  # no number in the notebook either
        assert (
            "\\end{aligned}$$ See Equation 1." in markdown and "\\tag" not in markdown
        )
    if name == "raw-latex-table-with-a-quarto-label":  # pandoc's reading of it
        assert (
            "| $L_1$ | 3.0 | *Table 1: A typed table, $L_1$ first* Table 1 was"
            in markdown
        )
    if name == "raw-html-table-in-a-table-div":  # an HTML table, which Jupyter shows
        assert "<table> <tr> <th> Name </th>" in markdown
        assert "</table> *Table 1: Search space* Text after." in markdown
    if name == "figure-divs-inside-a-figure-div":  # under each chunk's cell
        assert "plt.show() *(a) Training loss* plt.figure(" in " ".join(
            " ".join(c.source.split()) for c in nb.cells
        )
        assert "*(b) Validation loss* *Figure 1: Loss curves of the CNN.*" in markdown
    if name == "meta-in-a-chunks-caption":
        assert "*Figure 1: Accuracy for meta-in-a-chunks-caption.*" in markdown
    if name == "html-table-with-an-id":  # its number alone under the cell
        assert (
            "*Table 1* | x | y |" in markdown and "*Table 2: Later table*" in markdown
        )
    if name == "callout-headings":
        assert "## 1.1 A heading inside" in markdown and "**Remember**" in markdown


def test_reference_to_an_unnumbered_heading_below_number_depth_stops_the_build(
    tmp_path,
):
    """`{.unnumbered}` below number-depth is still unnumbered: Quarto prints
    ?@sec-deep (it resolves no reference to an unnumbered heading); the build names
    the reference and why."""
    qmd = kinds_project(tmp_path, "number-depth")
    text = qmd.read_text().replace("{#sec-deep}", "{#sec-deep .unnumbered}")
    qmd.write_text(text)
    with pytest.raises(BuildError, match=r"report.qmd:\d+: the reference @sec-deep .*"
                       r"below number-depth 2"):  # fmt: skip
        build(qmd, pdf=False, log=lambda *_: None)


@pytest.mark.parametrize("ref", ["sec-intro", "Sec-intro"])
def test_section_reference_without_section_numbers_stops_the_build(tmp_path, ref):

    qmd = write_project(
        tmp_path, {"report.qmd": f"# Intro {{#sec-intro}}\n\nText.\n\nSee @{ref}.\n"}
    )
    with pytest.raises(
        BuildError,
        match=rf"report.qmd:5: the reference @{ref} needs numbered sections",
    ):
        build(qmd, fast=True, log=lambda *_: None)


@needs_quarto
@pytest.mark.parametrize("name", list(KINDS_DOCS))
def test_live_quarto_gives_the_recorded_text(tmp_path, name):
    kinds_project(tmp_path, name)
    quarto_render(tmp_path)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    for sentence in KINDS_DOCS[name][2]:
        assert sentence in flat


TITLE_BLOCK_DOC = """---
title: "Weight decay"
author:
  - name: Alice Müller
    email: alice@uni.example
    affiliations:
      - name: University of Example
  - name: Bob Chen
abstract: |
  We study weight decay $\\lambda$ (see @sec-results).

  A second paragraph.
keywords: [weight decay, transformers]
date: 2026-03-15
date-format: long
---

# Results {#sec-results}

Text.
"""
# Quarto 1.10.18's PDF (recorded): the authors' names only, the date as date-format writes
# it, the abstract under it with its reference resolved, the keywords in the PDF's metadata.
TITLE_BLOCK_TEXT = (
    "Weight decay Alice Müller Bob Chen March 15, 2026 We study weight decay 𝜆 (see "
    "Section 1). A second paragraph. 1 Results Text."
)


TITLE_BLOCK_YML = (
    "format:\n  pdf:\n    pdf-engine: xelatex\n    number-sections: true\n"
)


def pdf_keywords(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next(ln for ln in info.splitlines() if ln.startswith("Keywords:"))


def test_abstract_keywords_and_author_objects_as_quarto(tmp_path):
    qmd = write_project(
        tmp_path,
        {"report.qmd": TITLE_BLOCK_DOC, "_quarto.yml": TITLE_BLOCK_YML},
    )
    build(qmd, fast=True, log=lambda *_: None)
    assert TITLE_BLOCK_TEXT in " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert pdf_keywords(tmp_path / "report.pdf").endswith("weight decay, transformers")
    title = nbformat.read(tmp_path / "report.ipynb", as_version=4).cells[0].source
    assert "**Author:** Alice Müller, Bob Chen\n\n**Date:** March 15, 2026" in title
    assert "We study weight decay $\\lambda$ (see Section 1).\n\nA second" in title


@needs_quarto
def test_live_quarto_gives_the_recorded_title_block(tmp_path):
    write_project(
        tmp_path,
        {"report.qmd": TITLE_BLOCK_DOC, "_quarto.yml": TITLE_BLOCK_YML},
    )
    quarto_render(tmp_path)
    assert TITLE_BLOCK_TEXT in " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert pdf_keywords(tmp_path / "report.pdf").endswith("weight decay, transformers")


def test_plot_return_values_left_out_by_quartos_rule():
    """Quarto's isDiscardableTextExecuteResult (src/core/jupyter/jupyter.ts): beside an
    image, a one-line <...>, (...), [...] or Text(0.5, ...) result, or a longer one naming
    a matplotlib object; without one, a result starting <matplotlib or [<matplotlib."""
    from nbformat.v4 import new_output

    from builder.weave import without_plot_reprs

    def result(text):
        return new_output("execute_result", data={"text/plain": text})

    image = new_output("display_data", data={"image/png": "", "text/plain": "<Fig>"})
    dropped = ["<Axes: >", "(1, 2)", "Text(0.5, 1.0, 'Loss')", "{'a': <matplotlib.x>}"]
    kept = ["42", "Text('x')", "{'a': 1}", "[1,\n 2]"]
    outs = [
        image,
        *map(result, dropped + kept + ["[<matplotlib.a>,\n <matplotlib.b>]"]),
    ]
    assert [o["data"]["text/plain"] for o in without_plot_reprs(outs)] == [
        "<Fig>",
        *kept,
    ]
    alone = ["[<matplotlib.lines.Line2D at 0x1>]", "<matplotlib.text.Text>", "(1, 2)"]
    assert [
        o["data"]["text/plain"] for o in without_plot_reprs(map(result, alone))
    ] == ["(1, 2)"]


@needs_latex
def test_an_images_size_from_its_output_as_quarto_sets_it(tmp_path):
    """`Image(filename=..., width=200)`: 200 pixels, which Quarto 1.10.18 (and pandoc, at
    96 per inch) set as width=2.08333in."""
    from PIL import Image

    Image.new("RGB", (400, 300), "gray").save(tmp_path / "sample.png")
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: T\nformat:\n  pdf:\n    keep-tex: true\n---\n\n"
            "```{python}\nfrom IPython.display import Image\n"
            'Image(filename="sample.png", width=200)\n```\n'
        },
    )
    build(qmd, fast=True, log=lambda *_: None)
    tex = (tmp_path / "report.tex").read_text()
    assert "\\includegraphics[width=2.08333in,height=\\textheight" in tex


PROFILES_PROJECT = {
    "_quarto.yml": "profile:\n  default: draft\nformat:\n  pdf:\n"
    "    pdf-engine: xelatex\nstatus: final\n",
    "_quarto-draft.yml": "status: draft\nformat:\n  pdf:\n    number-sections: true\n",
    "_quarto-final.yml": "status: release\n",
    "_environment": "EPOCHS=5\nSEED=1\nDEVICE=cpu\nPRESET=file\n",
    "_environment-draft": "EPOCHS=1\n",
    "_environment.local": "SEED=42\n",
    "report.qmd": """---
title: Profiles
---

# Setup

Status: {{< meta status >}}.

```{python}
import os
keys = ["QUARTO_PROFILE", "EPOCHS", "SEED", "DEVICE", "PRESET"]
print(*(os.environ.get(k, "-") for k in keys))
```
""",
}
# Quarto 1.10.18 (recorded, PRESET=shell in its environment): the profile named by
# QUARTO_PROFILE, else the project's default, merges its _quarto-<profile>.yml and
# _environment-<profile>; _environment.local over both; no file over the shell; a
# `profile: group:` activates its first member when none is named.
PROFILES = {
    "default": ({}, "1 Setup Status: draft.", "draft 1 42 cpu shell"),
    "named": (
        {"QUARTO_PROFILE": "final"},
        "Setup Status: release.",
        "final 5 42 cpu shell",
    ),
    "group": ({}, "Setup Status: release.", "final 5 42 cpu file"),
    "none": ({}, "Setup Status: final.", "keys)) 5 42 cpu shell"),  # QUARTO_PROFILE=
}


def profiles_project(root: Path, case: str) -> Path:
    files = dict(PROFILES_PROJECT)
    if case in ("group", "none"):
        group = "  group: [[final, draft]]\n" if case == "group" else ""
        files["_quarto.yml"] = files["_quarto.yml"].replace(
            "profile:\n  default: draft\n", "profile:\n" + group if group else ""
        )
    return write_project(root, files)


@pytest.mark.parametrize("case", list(PROFILES))
def test_profiles_and_environment_files_as_quarto(tmp_path, monkeypatch, case):
    variables, heading, printed = PROFILES[case]
    monkeypatch.delenv("QUARTO_PROFILE", raising=False)
    for name in ("EPOCHS", "SEED", "DEVICE", "PRESET"):
        monkeypatch.delenv(name, raising=False)
    if case != "group":
        monkeypatch.setenv("PRESET", "shell")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    build(profiles_project(tmp_path, case), fast=True, log=lambda *_: None)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert f"Profiles {heading}" in flat and printed in flat


@needs_quarto
@pytest.mark.parametrize("case", list(PROFILES))
def test_live_quarto_reads_profiles_and_environment_files_as_recorded(tmp_path, case):
    variables, heading, printed = PROFILES[case]
    shell = {} if case == "group" else {"PRESET": "shell"}
    profiles_project(tmp_path, case)
    quarto_render(tmp_path, **shell, **variables)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert f"Profiles {heading}" in flat and printed in flat


LINE_NUMBERS_HEAD = "---\ntitle: Lines\nformat:\n  pdf:\n    pdf-engine: xelatex\n"
LINE_NUMBERS = {
    # the document's code-line-numbers: every code block with a class and every chunk,
    # but for a block or chunk that says false; a block without a class: never
    "default": (
        "    code-line-numbers: true\n---\n\n```python\nLR = 0.1\n```\n\n"
        '```\nplain = 1\n```\n\n```{.python code-line-numbers="false"}\noff = 2\n'
        "```\n\n```{python}\n#| code-line-numbers: false\nz = 3\n```\n\n"
        "```{python}\nw = 4\n```\n",
        ["1 LR = 0.1", "plain = 1", "off = 2", "z = 3", "1 w = 4"],
    ),
    # a code block's own attribute; a range (reveal.js's) numbers the lines in a PDF
    "attribute": (
        '---\n\n```{.python code-line-numbers="true"}\non = 1\n```\n\n'
        '```{.python code-line-numbers="1-2"}\nranged = 2\n```\n\n'
        "```python\noff = 3\n```\n",
        ["1 on = 1", "1 ranged = 2", "off = 3"],
    ),
}  # Quarto 1.10.18 (recorded; its line-numbers.lua)


def line_numbers_text(pdf: Path) -> list[str]:
    lines = [" ".join(ln.split()) for ln in pdf_text(pdf, layout=True).splitlines()]
    return [ln for ln in lines if ln and ln not in ("Lines", "1")]


@pytest.mark.parametrize("case", list(LINE_NUMBERS))
def test_code_line_numbers_of_code_blocks_as_quarto(tmp_path, case):
    text, lines = LINE_NUMBERS[case]
    qmd = write_project(tmp_path, {"report.qmd": LINE_NUMBERS_HEAD + text})
    build(qmd, fast=True, log=lambda *_: None)
    assert line_numbers_text(tmp_path / "report.pdf") == lines


@needs_quarto
@pytest.mark.parametrize("case", list(LINE_NUMBERS))
def test_live_quarto_numbers_code_lines_as_recorded(tmp_path, case):
    text, lines = LINE_NUMBERS[case]
    write_project(tmp_path, {"report.qmd": LINE_NUMBERS_HEAD + text})
    quarto_render(tmp_path)
    assert line_numbers_text(tmp_path / "report.pdf") == lines


NOTE_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info>
    <title>Titles in notes</title>
    <id>titles-in-notes</id>
    <updated>2026-12-02T00:00:00+00:00</updated>
  </info>
  <citation>
    <layout suffix="." delimiter="; ">
      <text variable="title"/>
    </layout>
  </citation>
  <bibliography>
    <layout suffix=".">
      <group delimiter=", ">
        <names variable="author"><name/></names>
        <text variable="title"/>
      </group>
    </layout>
  </bibliography>
</style>
"""
CITE_REFS = """references:
  - id: adam
    type: article-journal
    title: "Adam: a method for stochastic optimization"
    author:
      - family: Kingma
        given: Diederik
    issued:
      date-parts: [[2015]]
"""
CITE_HEAD = "---\ntitle: Cites\nformat:\n  pdf:\n    pdf-engine: xelatex\n" + CITE_REFS
CITES = {
    # references: in the front matter, no bibliography file: citeproc cites them
    "inline": (
        "---\n\nAdam is the default [@adam], as @adam shows.\n",
        "Cites Adam is the default (Kingma 2015), as Kingma (2015) shows. Kingma, "
        "Diederik. 2015. Adam: A Method for Stochastic Optimization.",
    ),
    # a note style: a citation in a figure's caption is a note, set under the figure
    "note": (
        "csl: note.csl\n---\n\nAdam is the default [@adam].\n\n```{python}\n"
        '#| label: fig-loss\n#| fig-cap: "Loss, after @adam."\n'
        "import matplotlib.pyplot as plt\nplt.plot([1, 0.5, 0.2]); plt.show()\n```\n\n"
        "See @fig-loss.\n",
        "Figure 1: Loss, after.2 See Figure 1. Diederik Kingma, Adam: a method for "
        "stochastic optimization. 1 Adam: a method for stochastic optimization. 2 "
        "Adam: a method for stochastic optimization.",
    ),
}  # Quarto 1.10.18 (recorded)


def cites_project(root: Path, case: str) -> Path:
    files = {"report.qmd": CITE_HEAD + CITES[case][0], "note.csl": NOTE_CSL}
    return write_project(root, files)


@pytest.mark.parametrize("case", list(CITES))
def test_references_in_the_front_matter_and_note_styles_as_quarto(tmp_path, case):
    nb = build(cites_project(tmp_path, case), fast=True, log=lambda *_: None)
    assert CITES[case][1] in " ".join(pdf_text(tmp_path / "report.pdf", True).split())
    prose = [c.source for c in nb["notebook"].cells if c.cell_type == "markdown"]
    if case == "note":  # the notes numbered as the PDF's, each under its cell
        assert prose[1].startswith("Adam is the default.<sup>1</sup>")
        assert prose[2].startswith("*Figure 1: Loss, after.<sup>2</sup>*")
        assert prose[2].endswith("2.  Adam: a method for stochastic optimization.")
    else:
        assert "(Kingma 2015), as Kingma (2015) shows." in prose[1]


@needs_quarto
@pytest.mark.parametrize("case", list(CITES))
def test_live_quarto_cites_as_recorded(tmp_path, case):
    quarto_render(cites_project(tmp_path, case).parent)
    assert CITES[case][1] in " ".join(pdf_text(tmp_path / "report.pdf", True).split())


NO_PROJECT = {
    "report.qmd": "---\ntitle: Alone\nformat:\n  pdf:\n    pdf-engine: xelatex\n---\n\n"
    'Trained on {{< env DATASET "nothing" >}}.\n\n```{python}\nimport os\n'
    'print(os.environ.get("DATASET", "unset"))\n```\n',
    "_environment": "DATASET=CIFAR-10\n",
    "_variables.yml": "dataset: CIFAR-10\n",
}
# Quarto 1.10.18 (recorded): without a _quarto.yml there is no project, and Quarto reads
# neither its _environment nor its _variables.yml ({{< var dataset >}}: ?var:dataset)
NO_PROJECT_TEXT = "Alone Trained on nothing."


def test_no_project_no_environment_or_variables_files_as_quarto(tmp_path, monkeypatch):
    monkeypatch.delenv("DATASET", raising=False)
    qmd = write_project(tmp_path, NO_PROJECT)
    build(qmd, fast=True, log=lambda *_: None)
    text = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert text.startswith(NO_PROJECT_TEXT) and "unset" in text.split("plain")[-1]
    assert "CIFAR-10" not in text
    qmd.write_text(qmd.read_text() + "\nOn {{< var dataset >}}.\n")
    with pytest.raises(BuildError, match=r"report.qmd:15: .*only beside a _quarto.yml"):
        build(qmd, pdf=False, log=lambda *_: None)


@needs_quarto
def test_live_quarto_reads_no_environment_file_without_a_project(tmp_path):
    quarto_render(write_project(tmp_path, NO_PROJECT).parent)
    text = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert text.startswith(NO_PROJECT_TEXT) and "CIFAR-10" not in text


ANSI_ERROR = (
    "---\ntitle: Colours\nformat:\n  pdf:\n    pdf-engine: xelatex\nexecute:\n"
    '  error: true\n---\n\n```{python}\nraise ValueError("\\x1b[31mred\\x1b[0m text")'
    "\n```\n"
)


def test_colour_codes_of_an_error_message_are_dropped_as_quarto(tmp_path):
    """Quarto 1.10.18 (recorded) prints the message without its colour codes, above the
    traceback and at its end: 'ValueError: red text' twice."""
    build(write_project(tmp_path, {"report.qmd": ANSI_ERROR}), log=lambda *_: None)
    text = pdf_text(tmp_path / "report.pdf")
    assert text.count("ValueError: red text") == 2 and "\x1b" not in text


ORDER_DOC = """---
title: Order
format:
  pdf:
    pdf-engine: xelatex
---

```{python}
import matplotlib.pyplot as plt
plt.figure(figsize=(3, 2)); plt.title("firstplot"); plt.show()
print("betweenone")
plt.figure(figsize=(3, 2)); plt.title("secondplot"); plt.show()
```

```{python}
#| fig-cap: Captioned.
plt.figure(figsize=(3, 2)); plt.title("thirdplot"); plt.show()
print("betweentwo")
plt.figure(figsize=(3, 2)); plt.title("fourthplot"); plt.show()
```
"""
ORDER_WORDS = re.compile(r"(?<!\()(firstplot|secondplot|thirdplot|fourthplot|betweenone"
                         r"|betweentwo|Figure 1: Captioned)(?!\")")  # fmt: skip
# Quarto 1.10.18 (recorded): a chunk's plots each where it was drawn, what it printed
# between them in between; a caption (no label) on the first only
ORDER = "firstplot betweenone secondplot thirdplot Figure 1: Captioned betweentwo fourthplot"


def outputs_order(pdf: Path) -> str:
    return " ".join(ORDER_WORDS.findall(pdf_text(pdf)))


def test_plots_and_printed_text_in_the_order_drawn_as_quarto(tmp_path):
    build(write_project(tmp_path, {"report.qmd": ORDER_DOC}), log=lambda *_: None)
    assert outputs_order(tmp_path / "report.pdf") == ORDER


@needs_quarto
def test_live_quarto_orders_plots_and_text_as_recorded(tmp_path):
    quarto_render(write_project(tmp_path, {"report.qmd": ORDER_DOC}).parent)
    assert outputs_order(tmp_path / "report.pdf") == ORDER


CALLOUT_DEFAULTS = {
    # Quarto 1.10.18 (recorded): the document's default, a callout's own attribute first
    "appearance": ("callout-appearance: minimal", 'appearance="default"', "Body one."),
    "icon": ("callout-icon: false", 'icon="true"', "Tip Body one."),
}


def callout_defaults_project(root: Path, case: str) -> Path:
    option, attribute, _ = CALLOUT_DEFAULTS[case]
    text = (
        f"---\ntitle: Boxes\nformat:\n  pdf:\n    pdf-engine: xelatex\n{option}\n---"
        f"\n\n::: {{.callout-tip}}\nBody one.\n:::\n\n"
        f"::: {{.callout-tip {attribute}}}\nBody two.\n:::\n"
    )
    return write_project(root, {"report.qmd": text})


@pytest.mark.parametrize("case", list(CALLOUT_DEFAULTS))
def test_document_callout_defaults_as_quarto(tmp_path, case):
    qmd = callout_defaults_project(tmp_path, case)
    nb = build(qmd, fast=True, log=lambda *_: None)["notebook"]
    words = CALLOUT_DEFAULTS[case][2]
    text = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert text.startswith(f"Boxes {words} \u010e Tip Body two.")  # \u010e: the icon
    prose = [c.source for c in nb.cells if c.cell_type == "markdown"][1:]
    assert prose[0].startswith("> Body one." if case == "appearance" else "> **Tip**")
    qmd.write_text(qmd.read_text().replace(": minimal", ": plain"))
    if case == "appearance":
        with pytest.raises(BuildError, match="report.qmd:6: 'callout-appearance' must"):
            build(qmd, pdf=False, log=lambda *_: None)


@needs_quarto
@pytest.mark.parametrize("case", list(CALLOUT_DEFAULTS))
def test_live_quarto_reads_callout_defaults_as_recorded(tmp_path, case):
    quarto_render(callout_defaults_project(tmp_path, case).parent)
    words = CALLOUT_DEFAULTS[case][2]
    text = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert text.startswith(f"Boxes {words} \u010e Tip Body two.")


SVG_FILES = {
    "report.qmd": "---\ntitle: Vector\nformat:\n  pdf:\n    pdf-engine: xelatex\n---\n\n"
    "![Blocks.](figs/diagram.svg){#fig-d width=40%}\n\nSee @fig-d.\n",
    "figs/diagram.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80">'
    '<rect x="5" y="5" width="80" height="60" fill="#cde"/>'
    '<text x="15" y="40" font-size="14">encoder</text></svg>\n',
}
SVG_TEXT = "Vector encoder Figure 1: Blocks. See Figure 1."  # Quarto 1.10.18 (recorded)


def test_an_svg_image_file_is_drawn_as_quarto(tmp_path):
    """Quarto converts an SVG file to PDF (rsvg-convert), the built-in with cairosvg;
    the drawing's text is in the PDF; the notebook carries the SVG itself, at its width
    (an <img> with a data URL: Jupyter reads no attributes of a Markdown image)."""
    nb = build(write_project(tmp_path, SVG_FILES), log=lambda *_: None)["notebook"]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()).startswith(SVG_TEXT)
    markdown = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    data = re.findall(
        r'<img src="data:image/svg\+xml;base64,([^"]+)" style="width:40.0%"', markdown
    )
    svg = SVG_FILES["figs/diagram.svg"].encode()
    assert [base64.b64decode(d) for d in data] == [svg]


@needs_quarto
@pytest.mark.skipif(
    not shutil.which("rsvg-convert"), reason="Quarto needs rsvg-convert"
)
def test_live_quarto_draws_an_svg_image_file_as_recorded(tmp_path):
    quarto_render(write_project(tmp_path, SVG_FILES).parent)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()).startswith(SVG_TEXT)


THANKS_DOC = (
    "---\ntitle: Weight decay\nauthor: Ada\nthanks: With the TAs.\n---\n\nText.\n"
)
THANKS_TEXT = "Weight decay∗ Ada Text. ∗ With the TAs."  # Quarto 1.10.18 (recorded)


def test_thanks_is_the_titles_footnote_as_quarto(tmp_path):
    qmd = write_project(
        tmp_path, {"report.qmd": THANKS_DOC, "_quarto.yml": TITLE_BLOCK_YML}
    )
    nb = build(qmd, fast=True, log=lambda *_: None)["notebook"]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()).startswith(THANKS_TEXT)
    assert nb.cells[0].source.endswith("**Author:** Ada\n\n*With the TAs.*")


@needs_quarto
def test_live_quarto_sets_thanks_as_recorded(tmp_path):
    write_project(tmp_path, {"report.qmd": THANKS_DOC, "_quarto.yml": TITLE_BLOCK_YML})
    quarto_render(tmp_path)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()).startswith(THANKS_TEXT)


VALUES_DOC = """---
title: "Run {{< var exp.name >}}"
lr: 0.003
big: 12000000.0
half: 0.5
flag: true
n: 5
eps: 1e-8
course: "*Deep* Learning, $x^2$"
---

M: {{< meta lr >}} / {{< meta big >}} / {{< meta half >}} / {{< meta flag >}} /
{{< meta n >}} / {{< meta eps >}}.

V: {{< var exp.lr >}} / {{< var exp.n >}} / {{< var exp.on >}}.

E: {{< env REPORT_TEST_USER >}} / {{< env REPORT_TEST_UNSET "two words" >}}.

Press {{< kbd Shift-Enter >}}.

C: {{< meta course >}}, `{{< meta course >}}`, ``a `{{< var exp.model >}}` b``.

```bash
echo "{{< meta course >}}"
```
"""
VALUES_FILES = {
    "report.qmd": VALUES_DOC,
    "_variables.yml": "exp:\n  name: ResNet-18\n  lr: 0.003\n  n: 5\n  on: yes\n"
    '  model: "**Big** net"\n',
    "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n",
}
# Quarto 1.10.18 (recorded): numbers as pandoc reads JSON numbers (a whole one without
# a point, others as Haskell shows a Double), YAML 1.2's booleans (`on`, `yes`: text);
# in code a value's text without its Markdown (pandoc.utils.stringify)
VALUES_TEXT = (
    "Run ResNet-18 M: 3.0e-3 / 12000000 / 0.5 / true / 5 / 1.0e-8. "
    "V: 3.0e-3 / 5 / yes. E: ada / two words. Press Shift-Enter. "
    "C: Deep Learning, 𝑥2 , Deep Learning, x^2, a `Big net` b. "
    'echo "Deep Learning, x^2"'
)


def test_meta_var_and_env_print_values_as_quarto(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORT_TEST_USER", "ada")
    nb = build(write_project(tmp_path, VALUES_FILES), fast=True, log=lambda *_: None)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()).startswith(VALUES_TEXT)
    assert nb["notebook"].cells[0].source.startswith("# Run ResNet-18")
    assert "Press `Shift-Enter`." in nb["notebook"].cells[1].source  # kbd: code
    assert "`Deep Learning, x^2`" in nb["notebook"].cells[1].source


@needs_quarto
def test_live_quarto_prints_meta_var_and_env_as_recorded(tmp_path):
    write_project(tmp_path, VALUES_FILES)
    quarto_render(tmp_path, REPORT_TEST_USER="ada")
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()).startswith(VALUES_TEXT)


MERGE_FILES = {
    "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n"
    "crossref:\n  eq-prefix: Eqn.\nexp:\n  a: one\n  b: two\n",
    "report.qmd": "---\ntitle: M\ncrossref:\n  fig-prefix: Figure\nexp:\n  b: three\n"
    "---\n\n$$ y = x $$ {#eq-o}\n\nSee @eq-o; B {{< meta exp.b >}}.\n",
}
# Quarto 1.10.18 (recorded): the front matter's crossref: and exp: replace _quarto.yml's
# whole (pandoc takes a document's metadata key whole); exp.a is gone (?meta:exp.a)
MERGE_TEXT = "See Equation 1; B three."


def test_front_matter_keys_replace_the_projects_as_quarto(tmp_path):
    qmd = write_project(tmp_path, MERGE_FILES)
    build(qmd, fast=True, log=lambda *_: None)
    assert MERGE_TEXT in " ".join(pdf_text(tmp_path / "report.pdf").split())
    qmd.write_text(MERGE_FILES["report.qmd"] + "\nA {{< meta exp.a >}}.\n")
    with pytest.raises(BuildError, match=r"exp.a >\}\} names a key that neither"):
        build(qmd, pdf=False, log=lambda *_: None)


@needs_quarto
def test_live_quarto_replaces_the_projects_keys_as_recorded(tmp_path):
    write_project(tmp_path, MERGE_FILES)
    quarto_render(tmp_path)
    assert MERGE_TEXT in " ".join(pdf_text(tmp_path / "report.pdf").split())


def test_the_label_of_a_caption_list_stops_with_the_labels_to_use(tmp_path):
    """fig-cap as a list under one label: figures fig-two-1, fig-two-2; Quarto 1.10.18
    gives @fig-two to the last one (recorded: "Figure 2 compares them."): a located
    error that names the labels, not 'printed nothing with that label'."""
    text = (
        "```{python}\n#| label: fig-two\n#| fig-cap: [First., Second.]\n"
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2]); plt.show()\nplt.plot([2, 1]); plt.show()\n```\n\n"
        "@fig-two compares them.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": text})
    with pytest.raises(BuildError, match=r"report.qmd:9: reference @fig-two points to "
                       r"no label .*captions each of its figures: @fig-two-1 to "
                       r"@fig-two-2; Quarto 1.10.18 gives @fig-two to the last"):  # fmt: skip
        build(qmd, pdf=False, log=lambda *_: None)


def test_a_reference_to_a_figure_of_a_caption_list_warns(tmp_path, capsys):
    """@fig-two-1 names the first figure of a fig-cap list, numbered here; Quarto 1.10.18
    prints ?@fig-two-1 (recorded, round eighteen): a warning at the reference says so."""
    text = (
        "```{python}\n#| label: fig-two\n#| fig-cap: [First., Second.]\n"
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2]); plt.show()\nplt.plot([2, 1]); plt.show()\n```\n\n"
        "See @fig-two-1 and @fig-two-2, then @fig-two-1.\n"
    )
    nb = build(write_project(tmp_path, {"report.qmd": text}), pdf=False)["notebook"]
    assert "See Figure 1 and Figure 2, then Figure 1." in nb.cells[-1].source
    said = re.findall(r"warning: (report.qmd:\d+): @(fig-two-\d) refers to figure (\d) "
                      r"of the fig-cap list of the chunk at report.qmd:1 .*: the "
                      r"built-in path numbers it \(Figure \d\), Quarto prints "
                      r"\?@fig-two-\d instead", capsys.readouterr().out)  # fmt: skip
    assert said == [
        ("report.qmd:9", "fig-two-1", "1"),
        ("report.qmd:9", "fig-two-2", "2"),
    ]


LISTS_FILES = {
    "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n    lof: true\n"
    "    lot: true\n",
    "report.qmd": "---\ntitle: L\nlang: de\n---\n\n![Ein Bild](loss.png){#fig-a}\n\n"
    "| a |\n|---|\n| 1 |\n\n: Eine Tabelle {#tbl-a}\n",
}


# Quarto 1.10.18 (recorded): the lists' titles in the document's language
def lists_project(root: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (60, 40), "gray").save(root / "loss.png")
    return write_project(root, LISTS_FILES)


def test_lists_of_figures_and_tables_in_the_documents_language(tmp_path):
    build(lists_project(tmp_path), fast=True, log=lambda *_: None)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert flat.startswith("L Abbildungsverzeichnis 1 Ein Bild . .")
    assert "Tabellenverzeichnis 1 Eine Tabelle . ." in flat


@needs_quarto
def test_live_quarto_titles_the_lists_as_recorded(tmp_path):
    lists_project(tmp_path)
    quarto_render(tmp_path)
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert flat.startswith("L Abbildungsverzeichnis 1 Ein Bild . .")
    assert "Tabellenverzeichnis 1 Eine Tabelle . ." in flat


ROW_DOC = """---
title: "T"
---

```{python}
#| label: fig-s
#| fig-cap: "Three."
#| fig-subcap: [A, B, C]
#| layout-ncol: 3
import matplotlib.pyplot as plt
for k in (1, 2, 3):
    plt.figure(figsize=(2, 2)); plt.plot([0, k]); plt.show()
```
"""


ROW_FILES = {
    "report.qmd": ROW_DOC,
    "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n",
}


def sub_caption_x(pdf: Path) -> float:
    """Where "(a)" starts on the page, in points from the left (pdftotext -bbox)."""
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True).stdout  # fmt: skip
    return float(re.search(r'xMin="([\d.]+)"[^>]*>\(a\)<', box).group(1))


def test_a_row_of_three_sub_figures_starts_where_quartos_does(tmp_path):
    """Quarto 1.10.18 sets a layout's rows from the line's left edge (recorded: "(a)" at
    x = 145.13 pt); centred, three 0.33-wide minipages sat 2.2 pt to the right."""
    build(write_project(tmp_path, ROW_FILES), log=lambda *_: None)
    assert sub_caption_x(tmp_path / "report.pdf") == pytest.approx(145.13, abs=0.05)


@needs_quarto
def test_live_quarto_starts_the_row_as_recorded(tmp_path):
    write_project(tmp_path, ROW_FILES)
    quarto_render(tmp_path)
    assert sub_caption_x(tmp_path / "report.pdf") == pytest.approx(145.13, abs=0.05)


def test_yaml_is_read_as_yaml_1_2_as_quarto_reads_it(tmp_path):
    """`toc: yes` is text in YAML 1.2 (Quarto stops: 'must instead be true or false');
    YAML 1.1 (PyYAML's own) would read it as true and silently add a contents list."""
    qmd = write_project(tmp_path, {"report.qmd": "---\ntitle: T\ntoc: yes\n---\nA.\n"})
    from builder.read import read

    with pytest.raises(BuildError, match=r"report.qmd:3: .*toc.*yes.* is not valid"):
        read(qmd)


def test_a_raw_tables_caption_is_read_with_its_braces():
    """Braces inside a raw table's caption (where Quarto 1.10.18's reading stops short
    and LaTeX fails) end where LaTeX ends them; the rest of the environment is kept."""
    from builder import parse

    tex = (
        "\\begin{table}[h]\n\\centering\n\\caption{A $x_{1}$ \\emph{b}}\\label{tbl-r}\n"
        "\\begin{tabular}{l}\na \\\\\n\\end{tabular}\n\\end{table}"
    )
    tree = {"blocks": [{"t": "RawBlock", "c": ["latex", tex]}]}
    parse.raw_table_floats(tree)
    (div,) = tree["blocks"]
    assert div["t"] == "Div" and div["c"][0][0] == "tbl-r"
    raw, caption = div["c"][1]
    assert raw["c"][1] == "\\centering\n\n\\begin{tabular}{l}\na \\\\\n\\end{tabular}"
    assert parse.stringify(caption) == "A x_{1} b"


def test_profile_named_on_the_command_line(tmp_path, monkeypatch):
    """`python -m builder --profile final`, as `quarto render --profile final`."""
    from builder.__main__ import main

    monkeypatch.setenv("QUARTO_PROFILE", "")  # restored after the test
    monkeypatch.setenv("PRESET", "shell")
    for name in ("EPOCHS", "SEED", "DEVICE"):
        monkeypatch.delenv(name, raising=False)
    qmd = profiles_project(tmp_path, "default")
    assert main([str(qmd), "--profile", "final"]) == 0
    flat = " ".join(pdf_text(tmp_path / "report.pdf").split())
    _, heading, printed = PROFILES["named"]
    assert f"Profiles {heading}" in flat and printed in flat


# Quarto 1.10.18 (recorded): title-delim sets the captions' separator where the caption
# package knows it (else colon, with a warning) and follows "Note 1" as written
DELIMS = {
    '"."': "Note 1. Mind the gap Body. Table 1. Numbers a b 1 2 See Note 1",
    '"—"': "Note 1— Mind the gap Body. Table 1: Numbers a b 1 2 See Note 1",
    "none": "Note 1none Mind the gap Body. Table 1Numbers a b 1 2 See Note 1",
}


def delim_project(root: Path, delim: str) -> Path:
    text = (
        f"---\ntitle: D\ncrossref:\n  title-delim: {delim}\n---\n\n"
        "::: {#nte-a .callout-note title='Mind the gap'}\nBody.\n:::\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n: Numbers {#tbl-n}\n\nSee @nte-a.\n"
    )
    files = {
        "report.qmd": text,
        "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n",
    }
    return write_project(root, files)


@pytest.mark.parametrize("delim", list(DELIMS))
def test_title_delim_as_quarto_sets_it(tmp_path, delim, capsys):
    build(delim_project(tmp_path, delim), fast=True, log=lambda *_: None)
    assert DELIMS[delim] in " ".join(pdf_text(tmp_path / "report.pdf").split())
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    markdown = " ".join(" ".join(c.source.split()) for c in nb.cells)
    note, table = DELIMS[delim].split(" Body. ")
    assert f"**{note}**" in markdown and f"*{table.split(' a b')[0]}*" in markdown
    warned = "'title-delim' has no effect on captions in a PDF with '—'"
    assert (warned in capsys.readouterr().out) == (delim == '"—"')


@needs_quarto
@pytest.mark.parametrize("delim", list(DELIMS))
def test_live_quarto_sets_title_delim_as_recorded(tmp_path, delim):
    delim_project(tmp_path, delim)
    quarto_render(tmp_path)
    assert DELIMS[delim] in " ".join(pdf_text(tmp_path / "report.pdf").split())


UNNUMBERED_DOC = """---
title: T
format:
  pdf:
    pdf-engine: xelatex
{options}
---

# First

::: {{#thm-a}}
A.
:::

## Sub one

# Interlude {{.unnumbered}}

::: {{#thm-b}}
B.
:::

## Sub two {{#sec-two}}

### Subsub

## Star {{.unnumbered}}

### Subsub again {{#sec-again}}

# Second

::: {{#thm-c}}
C.
:::

@thm-a, @thm-b, @thm-c{refs}.
"""
UNNUMBERED = {  # Quarto 1.10.18 (recorded): KOMA's starred headings restart counters
    "scrartcl": (
        "number-sections: true",
        "1 First Theorem 1.1. A. 1.1 Sub one Interlude Theorem 1.1. B. 1.1 Sub two "
        "1.1.1 Subsub Star 1.1.1 Subsub again 2 Second Theorem 2.1. C. Theorem 1.1, "
        "Theorem 1.1, Theorem 2.1, Section 1.1, Section 1.1.1.",
    ),
    "article": (
        "number-sections: true\ndocumentclass: article",
        "1 First Theorem 1.1. A. 1.1 Sub one Interlude Theorem 1.2. B. 1.2 Sub two "
        "1.2.1 Subsub Star 1.2.2 2 Subsub again Second Theorem 2.1. C. Theorem 1.1, "
        "Theorem 1.2, Theorem 2.1, Section 1.2, Section 1.2.2.",
    ),
    "scrartcl, no numbers": (
        "number-sections: false",
        "First Theorem 0.1. A. Sub one Interlude Theorem 0.1. B. Sub two Subsub Star "
        "Subsub again Second Theorem 0.1. C. Theorem 0.1, Theorem 0.1, Theorem 0.1.",
    ),
    "article, no numbers": (
        "documentclass: article",
        "First Theorem 0.1. A. Sub one Interlude Theorem 0.2. B. Sub two Subsub Star "
        "Subsub again Second Theorem 0.3. C. Theorem 0.1, Theorem 0.2, Theorem 0.3.",
    ),
}


def unnumbered_project(root: Path, case: str) -> Path:
    options, _ = UNNUMBERED[case]
    refs = ", @sec-two, @sec-again" if "true" in options else ""
    text = UNNUMBERED_DOC.format(options=options, refs=refs)
    return write_project(root, {"report.qmd": text})


@pytest.mark.parametrize("case", list(UNNUMBERED))
def test_unnumbered_headings_restart_counters_as_the_class_does(tmp_path, case):
    """An `{.unnumbered}` heading: in Quarto's KOMA class its `\\section*` restarts the
    theorem and deeper heading counters, in `article` it does not; the notebook gets
    the numbers LaTeX prints (the build's .aux check would stop on a difference)."""
    nb = build(unnumbered_project(tmp_path, case), log=lambda *_: None)["notebook"]
    words = UNNUMBERED[case][1]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == "T " + words + " 1"
    markdown = " ".join(" ".join(c.source.split()) for c in nb.cells[1:])
    numbers = re.findall(r"Section (\d+(?:\.\d+)*)", words)  # none: no numbers
    two, again = [n + " " for n in numbers] or ["", ""]
    assert f"## {two}Sub two" in markdown and f"### {again}Subsub again" in markdown
    theorems = re.findall(r"Theorem \d\.\d\. [ABC]\.", words)
    assert re.findall(r"\*\*(Theorem \d\.\d\.)\*\* ([ABC]\.)", markdown) == [
        tuple(t.rsplit(" ", 1)) for t in theorems
    ]


@needs_quarto
@pytest.mark.parametrize("case", list(UNNUMBERED))
def test_live_quarto_restarts_counters_as_recorded(tmp_path, case):
    quarto_render(unnumbered_project(tmp_path, case).parent)
    words = UNNUMBERED[case][1]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == "T " + words + " 1"


EXAMPLE_DOC = (
    "---\ntitle: E\nformat:\n  pdf:\n    pdf-engine: xelatex\n---\n\n$$\nx = 1\n$$ "
    "{#eq-x}\n\nSee @eq-x.\n\n@eq-x is good.\n\n@Eq-x.\n\n@eq-x) Two.\n"
)
# Quarto 1.10.18 (recorded): `@eq-x.` and `@eq-x)` begin pandoc's example-list items,
# and every @eq-x then prints the item's number
EXAMPLE_TEXT = "E 𝑥=1 See 2. 2 is good. 1. 2) Two. 1 (1)"


def test_an_example_list_marker_is_read_as_quarto_reads_it(tmp_path, capsys):
    build(write_project(tmp_path, {"report.qmd": EXAMPLE_DOC}), log=lambda *_: None)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == EXAMPLE_TEXT
    out = capsys.readouterr().out
    assert "report.qmd:16: '@Eq-x.' at the start of a line is an item of pandoc" in out
    assert "report.qmd:18: '@eq-x)' at the start" in out and ":14:" not in out


@needs_quarto
def test_live_quarto_reads_an_example_list_marker_as_recorded(tmp_path):
    quarto_render(write_project(tmp_path, {"report.qmd": EXAMPLE_DOC}).parent)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == EXAMPLE_TEXT


TAG_MATH_DOC = (
    "---\ntitle: T\nformat:\n  pdf:\n    pdf-engine: xelatex\n---\n\n"
    "$$\nh(x) = \\log x \\tag{$\\ast$}\n$$ {#eq-h}\n\nSee @eq-h.\n"
)
TAG_MATH_TEXT = "T ℎ(𝑥) = log 𝑥 See Equation ∗. 1 (∗)"  # Quarto 1.10.18 (recorded)


def test_a_tag_with_math_is_the_equations_number_as_quarto(tmp_path):
    """`\\tag{$\\ast$}`: LaTeX's .aux has `$\\ast $`, the same number; the notebook's
    reference carries it as math; the equation's line is known (a `$$` paragraph)."""
    from builder import number, parse, weave
    from builder.read import read

    qmd = write_project(tmp_path, {"report.qmd": TAG_MATH_DOC})
    nb = build(qmd, log=lambda *_: None)["notebook"]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == TAG_MATH_TEXT
    assert nb.cells[1].source.endswith("\n\nSee Equation $\\ast$.")
    doc = read(qmd)
    nums = number.number(parse.parse(weave.weave(doc, None).markdown))
    assert nums.where["eq-h"] == "report.qmd:8" and nums.numbers["eq-h"] == "$\\ast$"


@needs_quarto
def test_live_quarto_numbers_a_tag_with_math_as_recorded(tmp_path):
    quarto_render(write_project(tmp_path, {"report.qmd": TAG_MATH_DOC}).parent)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == TAG_MATH_TEXT


LABELS_FILES = {
    "report.qmd": "---\ntitle: L\nformat:\n  pdf:\n    pdf-engine: xelatex\n"
    "    number-sections: true\ncrossref:\n  sec-labels: alpha a\n  labels: roman\n"
    "  thm-labels: roman i\n  lst-labels: alpha A\n  fig-labels: alpha a\n---\n\n"
    "# One {#sec-one}\n\n::: {#thm-a}\nA.\n:::\n\n"
    '```{#lst-a .python lst-cap="L."}\nx = 1\n```\n\n'
    "![F.](plot.png){#fig-a height=0.5in}\n\nSee @sec-one, @thm-a, @lst-a, @fig-a.\n",
}
# Quarto 1.10.18 (recorded): the crossref labels options change nothing in a PDF
LABELS_TEXT = (
    "L 1 One Theorem 1.1. A. Listing 1 x = 1 Figure 1: F. "
    "See Section 1, Theorem 1.1, Listing 1, Figure 1. 1"
)


def labels_project(root: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (40, 20), "blue").save(root / "plot.png")
    return write_project(root, LABELS_FILES)


def test_crossref_labels_options_warn_as_quarto_ignores_them(tmp_path, capsys):
    build(labels_project(tmp_path), log=lambda *_: None)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == LABELS_TEXT
    out = capsys.readouterr().out
    for line, key in enumerate(("sec", "labels", "thm", "lst", "fig"), 8):
        name = key if key == "labels" else f"{key}-labels"
        assert f"report.qmd:{line}: crossref option '{name}' has no effect" in out


@needs_quarto
def test_live_quarto_ignores_crossref_labels_as_recorded(tmp_path):
    quarto_render(labels_project(tmp_path).parent)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == LABELS_TEXT


THEOREM_TITLE_DOC = (
    "---\ntitle: T\nformat:\n  pdf:\n    pdf-engine: xelatex\n---\n\n"
    '::: {#lem-step title="Step-size lemma"}\nSteps sum up.\n:::\n\nSee @lem-step.\n'
)
THEOREM_TITLE_TEXT = "T Lemma 0.1. Steps sum up. See Lemma 0.1. 1"  # Quarto 1.10.18


def test_a_theorems_title_attribute_warns_as_quarto_ignores_it(tmp_path, capsys):
    qmd = write_project(tmp_path, {"report.qmd": THEOREM_TITLE_DOC})
    nb = build(qmd, log=lambda *_: None)["notebook"]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == THEOREM_TITLE_TEXT
    assert nb.cells[1].source.startswith("**Lemma 0.1.**\nSteps sum up.")
    assert (
        "report.qmd:8: 'title' on a theorem or proof has no effect"
        in capsys.readouterr().out
    )


@needs_quarto
def test_live_quarto_ignores_a_theorems_title_as_recorded(tmp_path):
    quarto_render(write_project(tmp_path, {"report.qmd": THEOREM_TITLE_DOC}).parent)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == THEOREM_TITLE_TEXT


BIB = """@article{kingma2014,
  author = {Kingma, Diederik P. and Ba, Jimmy},
  title = {Adam: A Method for Stochastic Optimization},
  journal = {arXiv preprint arXiv:1412.6980},
  year = {2014}
}
"""
PDF_HEAD = "format:\n  pdf:\n    pdf-engine: xelatex\n"
# documents of round fifteen, with the words of Quarto 1.10.18's PDF (recorded)
RECORDED = {
    # amsmath's \DeclareMathOperator sets the subscript beside the operator (not below)
    "operator": (
        {
            "report.qmd": f"---\ntitle: O\n{PDF_HEAD}    include-in-header:\n"
            "      text: |\n        \\DeclareMathOperator{\\E}{\\mathbb{E}}\n"
            "        \\DeclareMathOperator*{\\amin}{arg\\,min}\n---\n\n"
            "$$\n\\E_q[x] = \\amin_y f\n$$\n"
        },
        "O 𝔼𝑞 [𝑥] = arg min 𝑓 𝑦 1",
    ),
    # an empty prefix: the number alone, no space
    "empty-prefix": (
        {
            "report.qmd": '---\ntitle: P\ncrossref:\n  eq-prefix: ""\n  fig-prefix: ""\n'
            f"{PDF_HEAD}---\n\n$$\nx = 1\n$$ {{#eq-x}}\n\n"
            "Equation (@eq-x) holds, as @Eq-x and [-@eq-x] say.\n"
        },
        "P 𝑥=1 Equation (1) holds, as 1 and 1 say. 1 (1)",
    ),
    # pandoc's citeproc options, which Quarto passes on though its schema lacks them
    "suppress-bibliography": (
        {
            "report.qmd": "---\ntitle: S\nbibliography: bib.bib\n"
            f"suppress-bibliography: true\n{PDF_HEAD}---\n\nWe cite @kingma2014.\n",
            "bib.bib": BIB,
        },
        "S We cite Kingma and Ba (2014). 1",
    ),
    "reference-section-title": (
        {
            "report.qmd": "---\ntitle: R\nbibliography: bib.bib\nreference-section-"
            f"title: Bibliography\nnumber-sections: true\n{PDF_HEAD}---\n\n# Intro\n\n"
            "We cite @kingma2014.\n",
            "bib.bib": BIB,
        },
        "R 1 Intro We cite Kingma and Ba (2014). Bibliography Kingma, Diederik P., and "
        "Jimmy Ba. 2014. “Adam: A Method for Stochastic Optimization.” arXiv Preprint "
        "arXiv:1412.6980. 1",
    ),
    # cross-references in the title block beside citations (citeproc took them for
    # citations and the build stopped)
    "cross-references-in-the-title-block": (
        {
            "report.qmd": "---\ntitle: X\nsubtitle: 'Answers to @sec-a, after "
            "@kingma2014'\nabstract: 'See @eq-x.'\nbibliography: bib.bib\n"
            f"number-sections: true\n{PDF_HEAD}---\n\n# A {{#sec-a}}\n\n"
            "We cite Kingma and Ba (2014).\n\n$$ x = 1 $$ {#eq-x}\n",
            "bib.bib": BIB,
        },
        "X Answers to Section 1, after Kingma and Ba (2014) See Equation 1. 1 A We cite "
        "Kingma and Ba (2014). 𝑥=1 (1) Kingma, Diederik P., and Jimmy Ba. 2014. “Adam: "
        "A Method for Stochastic Optimization.” arXiv Preprint arXiv:1412.6980. 1",
    ),
    # the lines to highlight (HTML's): a PDF numbers every line
    "code-line-numbers-string": (
        {
            "report.qmd": f"---\ntitle: L\n{PDF_HEAD}---\n\n```{{python}}\n"
            '#| code-line-numbers: "1,3"\na = 1\nb = 2\nprint(a + b)\n```\n'
        },
        "L 1 2 3 a = 1 b = 2 print(a + b) 3 1",
    ),
}


@pytest.mark.parametrize("case", list(RECORDED))
def test_round_fifteen_documents_give_quartos_words(tmp_path, case, capsys):
    files, text = RECORDED[case]
    nb = build(write_project(tmp_path, files), log=lambda *_: None)["notebook"]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == text
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "is not a Quarto option" not in capsys.readouterr().out
    notebook = {  # the notebook says the same
        "operator": "\\operatorname{\\mathbb{E}}_q[x]",
        "empty-prefix": "Equation (1) holds, as 1 and 1 say.",
        "reference-section-title": "# Bibliography\n",
        "code-line-numbers-string": "",
        "cross-references-in-the-title-block": "**Answers to Section 1, after Kingma "
        "and Ba (2014)**\n\nSee Equation 1.",
    }
    assert notebook.get(case, "We cite Kingma and Ba (2014).") in markdown
    if case == "suppress-bibliography":
        assert "Adam" not in markdown


def stops(root: Path, files: dict) -> str:
    """The message of the BuildError the project of `files` stops with."""
    with pytest.raises(BuildError) as e:
        build(write_project(root, files), log=lambda *_: None)
    return str(e.value)


def test_a_bracket_of_a_reference_and_a_citation_stops_with_its_line(tmp_path):
    """Quarto prints the reference and silently drops the citation."""
    message = stops(
        tmp_path,
        {
            "report.qmd": f"---\nbibliography: bib.bib\n{PDF_HEAD}---\n\n"
            "$$\nx = 1\n$$ {#eq-x}\n\nAs shown [@eq-x; @kingma2014].\n",
            "bib.bib": BIB,
        },
    )
    assert message.startswith(
        "report.qmd:12: [@eq-x; @kingma2014] holds a cross-reference and a citation"
    )


@pytest.mark.parametrize(
    "line, expected",
    [
        ('title: "Rate $\\alpha$"', "report.qmd:2: 'title' holds the control "
         "character \\a where '\\alpha' was meant"),
        ('subtitle: "An $\\ell_2$ bound"', "report.qmd:2: 'subtitle' holds the "
         "control character \\e where '\\ell' was meant"),
        ('author:\n  - name: "A $\\beta$"', "report.qmd:2: 'author' holds the "
         "control character \\b where '\\beta' was meant"),
    ],
)  # fmt: skip
def test_a_yaml_escape_in_double_quotes_stops_with_the_key(tmp_path, line, expected):
    """Quarto's LaTeX fails (`\\a`, `\\e`) or prints a control character silently."""
    message = stops(tmp_path, {"report.qmd": f"---\n{line}\n{PDF_HEAD}---\n\nX.\n"})
    assert message.startswith(expected)
    assert "single quotes" in message


def test_a_yaml_escape_in_a_chunk_option_stops_with_the_chunk(tmp_path):
    message = stops(
        tmp_path,
        {
            "report.qmd": f"---\n{PDF_HEAD}---\n\n```{{python}}\n#| label: fig-a\n"
            '#| fig-cap: "Loss for $\\theta$"\nprint(1)\n```\n'
        },
    )
    assert message.startswith(
        "report.qmd:9: 'fig-cap' holds the control character \\t where '\\theta'"
    )


def test_a_latex_error_in_a_tables_rows_is_traced_to_its_chunk(tmp_path):
    """A DataFrame with a MultiIndex in a table chunk: `\\multirow` undefined, in
    Quarto's PDF too; the error names the chunk by the label of its table."""
    message = stops(
        tmp_path,
        {
            "report.qmd": f"---\n{PDF_HEAD}---\n\nText.\n\n```{{python}}\n"
            '#| label: tbl-m\n#| tbl-cap: "Two rows"\nimport pandas as pd\n'
            'pd.DataFrame({"acc": [0.9, 0.8]}, index=pd.MultiIndex.from_tuples('
            '[("MLP", "s"), ("MLP", "l")]))\n```\n'
        },
    )
    assert "report.qmd:9 (chunk 'tbl-m') output: LaTeX error here" in message
    assert "\\multirow" in message


def test_a_captioned_image_in_a_figure_div_stops_with_its_line(tmp_path):
    """A figure inside a figure: Quarto's LaTeX fails ('Not in outer par mode')."""
    from PIL import Image

    Image.new("RGB", (40, 20), "blue").save(tmp_path / "a.png")
    message = stops(
        tmp_path,
        {
            "report.qmd": f"---\n{PDF_HEAD}---\n\n::: {{#fig-res}}\n![Curve](a.png)\n\n"
            "The caption.\n:::\n\nSee @fig-res.\n"
        },
    )
    assert message.startswith(
        "report.qmd:7: a captioned image (or a chunk's fig-cap) inside the figure div "
        "#fig-res is a figure inside a figure"
    )


def test_a_lettered_list_in_a_list_stays_apart_and_indented_in_the_notebook(tmp_path):
    """Jupyter reads a line under an item's text as the same paragraph: the lettered
    items a line apart, and a list of them inside another indented by em spaces."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": f"---\n{PDF_HEAD}---\n\n1. Train\n   a. with SGD\n"
            "      i. and momentum\n   b. with Adam\n2. Test\n"
        },
    )
    nb = build(qmd, log=lambda *_: None)["notebook"]
    assert nb.cells[-1].source == (
        "1.  Train\n\n    a. with SGD\n\n    \u2003\u2003i. and momentum\n\n"
        "    b. with Adam\n\n2.  Test"
    )
    text = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert text == "1. Train a. with SGD i. and momentum b. with Adam 2. Test 1"


def test_a_raw_latex_citation_stops_with_its_line(tmp_path):
    """`\\cite{key}`: "?" in Quarto's PDF, silently; the notebook's LaTeX reader would
    resolve it, so the two outputs would disagree."""
    message = stops(
        tmp_path,
        {
            "report.qmd": f"---\nbibliography: bib.bib\n{PDF_HEAD}---\n\nIntro.\n\n"
            "A raw one \\cite{kingma2014}.\n",
            "bib.bib": BIB,
        },
    )
    assert message == (
        "report.qmd:10: the raw LaTeX citation of 'kingma2014' prints \"?\" in the PDF "
        "(Quarto's too: citations are read from [@kingma2014] only): write [@kingma2014]"
    )


# documents of round sixteen, with the words of Quarto 1.10.18's PDF (recorded)
ROUND16 = {
    # Quarto's crossref filter takes any label characters but braces and spaces
    "equation-labels-with-punctuation": (
        {
            "report.qmd": f"---\ntitle: E\n{PDF_HEAD}---\n\n$$\na = b\n$$ {{#eq-kl:def}}\n\n"
            "$$\nc = d\n$$ {#eq-kl.v2}\n\n$$\ne = f\n$$ {#eq-two}\n\n"
            "See @eq-kl.v2 and @eq-two.\n"
        },
        "E 𝑎=𝑏 (1) 𝑐=𝑑 (2) 𝑒=𝑓 (3) See Equation 2 and Equation 3. 1",
    ),
    # option lines: after blank lines, `#`, spaces, `|` at the line's start only
    "chunk-option-lines": (
        {
            "report.qmd": f"---\ntitle: C\n{PDF_HEAD}---\n\n```{{python}}\n\n"
            '#| echo: false\nprint("one")\n```\n\n```{python}\n# | echo: false\n'
            'print("two")\n```\n\n```{python}\n  #| echo: false\nprint("three")\n```\n'
        },
        'C one two #| echo: false print("three") three 1',
    ),
    # a chunk's tags as the options Quarto makes of them, over the document's
    "cell-tags": (
        {
            "report.qmd": f"---\ntitle: T\nexecute:\n  echo: false\n{PDF_HEAD}---\n\n"
            '```{python}\n#| tags: [show-code]\nprint("shown")\n```\n\n'
            '```{python}\n#| tags: [hide-output, show-code]\nprint("out")\n```\n\n'
            '```{python}\n#| tags: [remove-cell]\nprint("removed")\n```\n\n'
            '```{python}\n#| tags: [show-code, hide-code]\n#| echo: true\nprint("own")\n```\n'
        },
        'T print("shown") shown print("out") print("own") own 1',
    ),
    # Quarto's conditions on code blocks, as on divs and spans
    "conditional-code-blocks": (
        {
            "report.qmd": f"---\ntitle: K\n{PDF_HEAD}---\n\n"
            '```{.python .content-visible when-format="html"}\nweb = 1\n```\n\n'
            '```{.python .content-hidden when-format="html"}\npaper = 2\n```\n\n'
            "Text after.\n"
        },
        "K paper = 2 Text after. 1",
    ),
    # an include's path in double or single quotes, with a space
    "quoted-include-paths": (
        {
            "report.qmd": f"---\ntitle: I\n{PDF_HEAD}---\n\n"
            '{{< include "my parts/one.qmd" >}}\n\n'
            "{{< include 'my parts/two.qmd' >}}\n",
            "my parts/one.qmd": "First part.\n",
            "my parts/two.qmd": "Second part.\n",
        },
        "I First part. Second part. 1",
    ),
    # the comment form of the shortcode escape
    "shortcode-comment-escape": (
        {
            "report.qmd": f"---\ntitle: S\n{PDF_HEAD}---\n\n"
            "Write {{</* var name */>}} to insert a variable.\n"
        },
        "S Write {{< var name >}} to insert a variable. 1",
    ),
    # colour codes in a displayed text (what rich's console displays)
    "colour-codes-in-a-display": (
        {
            "report.qmd": f"---\ntitle: A\n{PDF_HEAD}---\n\n```{{python}}\n"
            "#| echo: false\ndisplay({'text/plain': '\\x1b[1;31mWarning:\\x1b[0m "
            "loss up'}, raw=True)\n```\n"
        },
        "A Warning: loss up 1",
    ),
    # lists of format options in _quarto.yml and the front matter, joined
    "project-and-document-lists": (
        {
            "_quarto.yml": "format:\n  pdf:\n    include-in-header:\n"
            "      - text: \\newcommand{\\modelname}{ResNet}\n    header-includes:\n"
            "      - \\newcommand{\\setname}{train}\n",
            "report.qmd": f"---\ntitle: L\n{PDF_HEAD}    include-in-header:\n"
            "      - text: \\newcommand{\\dataname}{CIFAR}\n    header-includes:\n"
            "      - \\newcommand{\\splitname}{test}\n---\n\n"
            "We train \\modelname{} on \\dataname{}, \\setname{} and \\splitname{}.\n",
        },
        "L We train ResNet on CIFAR, train and test. 1",
    ),
    # \providecommand leaves a macro LaTeX has as it is, defines the others
    "providecommand": (
        {
            "report.qmd": f"---\ntitle: P\n{PDF_HEAD}    include-in-header:\n"
            "      text: |\n        \\providecommand{\\vec}[1]{\\mathbf{#1}}\n"
            "        \\providecommand{\\R}{\\mathbb{R}}\n---\n\n"
            "The input is $\\vec{x} \\in \\R$.\n"
        },
        "P The input is 𝑥⃗ ∈ ℝ. 1",
    ),
    # the front matter after an HTML comment (and blank lines)
    "front-matter-after-a-comment": (
        {
            "report.qmd": "<!-- draft,\nnot for submission -->\n\n"
            "---\ntitle: F\nnumber-sections: true\n"
            f"{PDF_HEAD}---\n\n# First\n\nBody.\n"
        },
        "F 1 First Body. 1",
    ),
    # a raw HTML block holding a table: a table, as Quarto reads it
    "raw-html-table-block": (
        {
            "report.qmd": f"---\ntitle: H\n{PDF_HEAD}---\n\n```{{=html}}\n<table>\n"
            "<tr><th>metric</th><th>value</th></tr>\n<tr><td>F1</td><td>0.93</td></tr>\n"
            "</table>\n```\n\nText after.\n"
        },
        "H metric F1 value 0.93 Text after. 1",
    ),
}


# Round seventeen: kinds Quarto reads that the built-in path refused or read otherwise;
# the words recorded from Quarto 1.10.18's PDF of each document.
ROUND17 = {
    # js-yaml (Quarto's reader of the front matter) takes a tab after a key's colon
    "tab-after-a-key": (
        {
            "report.qmd": f'---\ntitle:\t"Tabs"\n{PDF_HEAD}    number-sections:\ttrue\n'
            "---\n\n# First\n\nText.\n"
        },
        "Tabs 1 First Text. 1",
    ),
    # pandoc reads \" and \\ inside a quoted attribute as " and \
    "escaped-quotes-in-attributes": (
        {
            "report.qmd": f"---\ntitle: Q\n{PDF_HEAD}---\n\n"
            '::: {.callout-note title="He said \\"stop\\" & left"}\nBody.\n:::\n\n'
            '::: {#thm-a name="O\'Neil\'s \\"lemma\\""}\nStatement.\n:::\n'
        },
        "Q Ĺ He said “stop” & left Body. Theorem 0.1 (O’Neil’s “lemma”). Statement. 1",
    ),
    # error: true: a chunk that is not Python shows the kernel's SyntaxError
    "syntax-error-shown": (
        {
            "report.qmd": f"---\ntitle: S\n{PDF_HEAD}---\n\n```{{python}}\n#| error: true\n"
            'def f(x)\n    return x\n```\n\n```{python}\nprint("still runs")\n```\n'
        },
        "S def f(x) return x SyntaxError: expected ':' (3305207307.py, line 1) Cell In[1], "
        "line 1 def f(x) ^ SyntaxError: expected ':' print(\"still runs\") still runs 1",
    ),
    # title= on a proof is ignored (with a warning), as on a theorem
    "proof-title-ignored": (
        {
            "report.qmd": f"---\ntitle: P\n{PDF_HEAD}---\n\n"
            '::: {.proof title="Of the main result"}\nBy completeness.\n:::\n'
        },
        "P Proof. By completeness. 1",
    ),
}


# Round eighteen: kinds the built-in path read otherwise than Quarto; the words
# recorded from Quarto 1.10.18's PDF of each document.
ROUND18 = {
    # unicode-math defines \epsilon and \vec again at \begin{document}: the header's
    # \renewcommand of them changes nothing in Quarto's PDF; \frac's and those inside
    # \AtBeginDocument do
    "header-redefinitions-unicode-math-undoes": (
        {
            "report.qmd": f"---\ntitle: R\n{PDF_HEAD}header-includes:\n"
            "  - \\renewcommand{\\epsilon}{\\varepsilon}\n"
            "  - \\renewcommand{\\frac}[2]{#1/#2}\n"
            "  - \\AtBeginDocument{\\renewcommand{\\hat}[1]{\\tilde{#1}}\\let\\phi\\varphi}\n"
            "  - \\renewcommand{\\vec}[1]{\\mathbf{#1}}\n---\n\n"
            "Eps $\\epsilon$, $\\frac{a}{b}$, $\\vec{x}$, $\\hat{y}$ and $\\phi$.\n"
        },
        "R Eps 𝜖, 𝑎/𝑏, 𝑥,⃗ 𝑦 ̃ and 𝜑. 1",
    ),
    # an output in several types: Quarto's PDF takes its LaTeX before an image or Markdown
    "latex-before-png-and-markdown": (
        {
            "report.qmd": f"---\ntitle: L\n{PDF_HEAD}---\n\n```{{python}}\n#| echo: false\n"
            "import base64\nPNG = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfF"
            "cSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==')\n"
            "class Both:\n    def _repr_png_(self):\n        return PNG\n"
            "    def _repr_latex_(self):\n        return r'$\\alpha^2 + \\beta^2$'\n"
            "class Result:\n    def _repr_markdown_(self):\n        return '**accuracy** 91%'\n"
            "    def _repr_latex_(self):\n        return r'$\\mathrm{acc} = 0.91$'\n"
            "display(Both())\ndisplay(Result())\n```\n"
        },
        "L 𝛼2 + 𝛽 2 acc = 0.91 1",
    ),
    # echo: fenced on a labelled chunk: Quarto writes its options anew as YAML (js-yaml)
    "fenced-echo-of-a-labelled-chunk": (
        {
            "report.qmd": f"---\ntitle: F\n{PDF_HEAD}execute:\n  echo: fenced\n---\n\n"
            "```{python}\n#| label: fig-f\n#| fig-cap: \"Loss: train, 'test'\"\n"
            '#| fig-subcap: ["a: one", "b"]\n#| layout-ncol: 2\n'
            "import matplotlib.pyplot as plt\n"
            "plt.figure(figsize=(2, 1)); plt.plot([1, 2]); plt.show()\n"
            "plt.figure(figsize=(2, 1)); plt.plot([2, 1]); plt.show()\n```\n\n"
            "```{python}\n#| output: \"asis\"\nprint('plain')\n```\n"
        },
        "F ```{python} #| label: fig-f #| fig-cap: 'Loss: train, ''test''' "
        "#| fig-subcap: #| - 'a: one' #| - b #| layout-ncol: 2 "  # as js-yaml writes
        "import matplotlib.pyplot as plt plt.figure(figsize=(2, 1)); plt.plot([1, 2]); "
        "plt.show() plt.figure(figsize=(2, 1)); plt.plot([2, 1]); plt.show() ``` "
        "2 2 1 1 0.0 0.5 1.0 0.0 (a) a: one 0.5 (b) b Figure 1: Loss: train, ‘test’ "
        "```{python} #| output: \"asis\" print('plain') ``` plain 1 1.0",  # as written
    ),
}


ROUND19 = {
    # Quarto's set-up cell ends with %reset: the chunks see none of its names
    "setup-names-not-left-to-the-chunks": (
        {
            "report.qmd": f"---\ntitle: N\n{PDF_HEAD}---\n\n```{{python}}\n"
            "print([n for n in ('matplotlib', 'set_matplotlib_formats', 'plt') "
            "if n in globals()])\n```\n"
        },
        "N print([n for n in ('matplotlib', 'set_matplotlib_formats', 'plt') if n in "
        "globals()]) [] 1",
    ),
    # a layout in a table div over tables without captions: side by side, no sub-captions
    "table-div-layout-over-uncaptioned-tables": (
        {
            "report.qmd": f"---\ntitle: P\n{PDF_HEAD}---\n\n::: {{#tbl-pair layout-ncol=2}}\n"
            "| loss |\n|---|\n| 0.5 |\n\n| accuracy |\n|---|\n| 0.9 |\n\nTwo tables.\n"
            ":::\n\nSee @tbl-pair.\n"
        },
        "P See Table 1. Table 1: Two tables. loss accuracy 0.5 0.9 1",
    ),
    # ... or over chunks that show one table each (Quarto 1.10.18: the same words)
    "table-div-layout-over-chunks-of-one-table": (
        {
            "report.qmd": f"---\ntitle: P\n{PDF_HEAD}---\n\n::: {{#tbl-pair layout-ncol=2}}\n"
            "```{python}\n#| echo: false\nimport pandas as pd\n"
            "pd.DataFrame({'loss': [0.5]})\n```\n\n```{python}\n#| echo: false\n"
            "pd.DataFrame({'accuracy': [0.9]})\n```\n\nTwo tables.\n:::\n\nSee @tbl-pair.\n"
        },
        "P See Table 1. Table 1: Two tables. loss 0 accuracy 0.5 0 1 0.9",
    ),
}


@pytest.mark.parametrize("case", [*ROUND16, *ROUND17, *ROUND18, *ROUND19])
def test_rounds_sixteen_to_nineteen_documents_give_quartos_words(tmp_path, case):
    files, text = {**ROUND16, **ROUND17, **ROUND18, **ROUND19}[case]
    nb = build(write_project(tmp_path, files), log=lambda *_: None)["notebook"]
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == text
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    notebook = {  # the notebook says the same
        "equation-labels-with-punctuation": "See Equation 2 and Equation 3.",
        "shortcode-comment-escape": "Write {{\\< var name \\>}} to insert",  # `\\<`: `<`
        "providecommand": "$\\vec{x} \\in \\mathbb{R}$",
        "raw-html-table-block": "| metric | value |",
        "front-matter-after-a-comment": "# 1 First",
        "quoted-include-paths": "First part.\n\nSecond part.",
        # the notebook shows what the PDF shows
        "header-redefinitions-unicode-math-undoes": "$\\epsilon$, $a/b$, $\\vec{x}$, "
        "$\\tilde{y}$ and $\\varphi$",
    }
    assert notebook.get(case, "") in markdown
    if case == "conditional-code-blocks":  # the notebook's condition is html's
        assert "web = 1" not in markdown and "paper = 2" in markdown
    if case == "syntax-error-shown":  # the notebook's cell is the chunk's code
        assert code == ["def f(x)\n    return x", 'print("still runs")']
    if case == "cell-tags":  # every cell runs in the notebook, as in Quarto's
        assert [s.splitlines()[-1] for s in code] == [
            'print("shown")', 'print("out")', 'print("removed")', 'print("own")'
        ]  # fmt: skip


@needs_quarto
@pytest.mark.parametrize("case", [*RECORDED, *ROUND16, *ROUND17, *ROUND18, *ROUND19])
def test_live_quarto_gives_the_recorded_words_of_rounds_15_to_19(tmp_path, case):
    files, text = {**RECORDED, **ROUND16, **ROUND17, **ROUND18, **ROUND19}[case]
    quarto_render(write_project(tmp_path, files).parent)
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == text


STOPS16 = {  # Quarto builds these, with a result the built-in path does not give
    "layout-over-uncaptioned-tables": (
        "```{python}\n#| layout-ncol: 2\nimport pandas as pd\n"
        "display(pd.DataFrame({'a': [1]}))\ndisplay(pd.DataFrame({'b': [2]}))\n```\n",
        r"report.qmd:8 \(chunk 'chunk-1'\): a layout over tables without captions",
    ),
    "chunk-in-an-html-comment": (
        "<!--\n```{python}\nx = 41\n```\n-->\n",
        r"report.qmd:9: a python chunk inside the HTML comment opened at report.qmd:8",
    ),
    "conditional-file-name": (
        '```{.python .content-hidden when-format="pdf" filename="web.py"}\nx = 1\n```\n',
        r"report.qmd:8: a code block with filename= and .content-hidden",
    ),
    "autoref-to-an-equation": (
        "$$\ny = Wx\n$$ {#eq-lin}\n\nBy \\autoref{eq-lin}.\n",
        r"report.qmd:12: \\autoref\{eq-lin\}: Quarto's PDF calls the equation a "
        r"'section'",
    ),
    "raw-html-block-with-a-table-and-more": (
        "```{=html}\n<p>Before</p>\n<table><tr><td>1</td></tr></table>\n```\n",
        r"report.qmd:8: a raw HTML block holding a table and more HTML",
    ),
}


@pytest.mark.parametrize("case", list(STOPS16))
def test_round_sixteen_kinds_stop_with_their_line(tmp_path, case):
    body, message = STOPS16[case]
    head = f"---\ntitle: X\n{PDF_HEAD}---\n\n"
    assert re.match(message, stops(tmp_path, {"report.qmd": head + body}))


def test_a_raw_flalign_is_an_align_in_the_notebook(tmp_path):
    """MathJax 2 (Jupyter's) has no flalign; the PDF keeps it."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": f"---\ntitle: F\n{PDF_HEAD}---\n\n```{{=latex}}\n"
            "\\begin{flalign}\n  a &= b &\n\\end{flalign}\n```\n"
        },
    )
    nb = build(qmd, log=lambda *_: None)["notebook"]
    assert "\\begin{align}\n  a &= b &\n \\tag{1}\\end{align}" in nb.cells[-1].source
    assert " ".join(pdf_text(tmp_path / "report.pdf").split()) == "F 𝑎=𝑏 (1) 1"


HEAD17 = f"---\ntitle: X\n{PDF_HEAD}---\n\n"
STOPS17 = {  # Quarto prints these as text, drops what they hold, or stops itself
    "byte-order-mark": (
        "\ufeff" + HEAD17 + "Text.\n",
        r"report.qmd:1: the file starts with a byte-order mark",
    ),
    "duplicated-key": (  # Quarto: "duplicated mapping key (report.qmd, 3:1)"
        "---\ntitle: A\ntitle: B\n---\n\nText.\n",
        r"report.qmd:3: the YAML header does not parse as YAML: duplicated mapping key "
        r"'title'",
    ),
    "front-matter-closed-with-dots": (  # Quarto: "Expected YAML front matter to end..."
        "---\ntitle: A\n...\n\nText.\n",
        r"report.qmd:3: the YAML header ends with '\.\.\.'",
    ),
    "bad-option-indentation": (  # Quarto: "bad indentation of a mapping entry (10:6)"
        HEAD17 + "```{python}\n#| label: a\n#|   echo: false\nx = 1\n```\n",
        r"report.qmd:10: the chunk's option block does not parse as YAML: .*, in "
        r"'echo: false'",
    ),
    "execute-enabled-false": (  # Quarto runs no chunk, prints inline code as code
        f"---\ntitle: X\nexecute:\n  enabled: false\n{PDF_HEAD}---\n\nText.\n",
        r"report.qmd:4: execute option 'enabled' is not supported",
    ),
    "tilde-chunk-fence": (
        HEAD17 + "~~~{python}\nx = 1\n~~~\n",
        r"report.qmd:8: '~~~\{python\}' does not open a chunk in Quarto",
    ),
    "text-after-the-chunk-braces": (
        HEAD17 + "```{python} extra words\nx = 1\n```\n",
        r"report.qmd:8: '```\{python\} extra words' does not open a chunk in Quarto",
    ),
    "indented-chunk-fence": (
        HEAD17 + " ```{python}\n x = 1\n ```\n",
        r"report.qmd:8: an indented chunk fence: Quarto runs the chunk but prints",
    ),
    "upper-case-chunk-label": (  # Quarto: "?@fig-MyPlot", its label is fig-myplot
        HEAD17 + "```{python}\n#| label: fig-MyPlot\n#| fig-cap: A.\n"
        "import matplotlib.pyplot as plt\nplt.plot([1])\n```\n\nSee @fig-MyPlot.\n",
        r"report.qmd:9: chunk label 'fig-MyPlot': Quarto lower-cases a chunk's label",
    ),
    "layout-over-displayed-markdown": (  # Quarto: side by side
        HEAD17 + "```{python}\n#| layout-ncol: 2\n"
        "from IPython.display import Markdown, display\n"
        "display(Markdown('first'))\ndisplay(Markdown('second'))\n```\n",
        r"report.qmd:8 \(chunk 'chunk-1'\): a layout over outputs that are not figures",
    ),
    "labelled-raw-table-in-landscape": (  # Quarto drops the landscape environment
        HEAD17 + "```{=latex}\n\\begin{landscape}\n\\begin{table}\n"
        "\\caption{Wide.}\\label{tbl-wide}\n\\begin{tabular}{l}\na \\\\\n"
        "\\end{tabular}\n\\end{table}\n\\end{landscape}\n```\n\nSee @tbl-wide.\n",
        r"report.qmd:8: the raw LaTeX table labelled 'tbl-wide' is inside other LaTeX",
    ),
    "styler-in-a-table-chunk": (  # Quarto: a second, empty "Table 1" caption
        HEAD17 + "```{python}\n#| label: tbl-s\n#| tbl-cap: S.\nimport pandas as pd\n"
        "pd.DataFrame({'a': [1]}).style\n```\n",
        r"report.qmd:8 \(chunk 'tbl-s'\): a table chunk displays an HTML table with an "
        r"id",
    ),
    "non-ascii-label": (  # Quarto: "See Section ??"
        f"---\ntitle: X\nnumber-sections: true\n{PDF_HEAD}---\n\n"
        "# Ähnlichkeit {#sec-ähnlichkeit}\n\nSee @sec-ähnlichkeit.\n",
        r"report.qmd:11: the reference @sec-ähnlichkeit has no target in the PDF: the "
        r"label has letters outside ASCII",
    ),
}


def test_the_title_cell_renders_raw_latex_and_writes_its_note_once(tmp_path):
    """`\\LaTeX{}` in the title and subtitle as in prose; the title's note in the title
    cell only (pandoc's writer added it to the last cell as well)."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": '---\ntitle: "Notes on \\\\LaTeX{}^[A note.]"\n'
            f'subtitle: "Made with \\\\TeX"\n{PDF_HEAD}---\n\nText.\n'
        },
    )
    nb = build(qmd, log=lambda *_: None)["notebook"]
    assert [c.source for c in nb.cells] == [
        "# Notes on LaTeX<sup>1</sup>\n\n**Made with TeX**\n\n"
        + "-" * 72
        + "\n\n1.  A note.",
        "Text.",
    ]


def test_a_caption_under_a_table_is_set_as_quartos(tmp_path):
    """tbl-cap-location: bottom: KOMA's skip above the caption and an empty row after the
    rule, as Quarto 1.10.18's LaTeX has them (recorded with keep-tex), so that the rule
    does not touch the caption."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": f"---\ntitle: B\ntbl-cap-location: bottom\n{PDF_HEAD}"
            "    keep-tex: true\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n: Cap {#tbl-a}\n"
        },
    )
    build(qmd, log=lambda *_: None)
    tex = (tmp_path / "report.tex").read_text(encoding="utf-8")
    assert "\\KOMAoption{captions}{tablesignature}" in tex
    assert re.search(r"\\bottomrule\\noalign\{\}\s*\\tabularnewline\s*\\caption\{", tex)


STOPS18 = {  # Quarto prints these otherwise than it documents, or fails itself
    "sub-captions-without-a-label": (  # Quarto: "(a) a", "(a) b", caption unnumbered
        HEAD17
        + "```{python}\n#| fig-cap: Pair\n#| fig-subcap: [a, b]\n#| layout-ncol: 2\n"
        "import matplotlib.pyplot as plt\nplt.figure(); plt.plot([1]); plt.show()\n"
        "plt.figure(); plt.plot([2]); plt.show()\n```\n",
        r"report.qmd:10: 'fig-subcap' needs a chunk label starting with 'fig-'",
    ),
    "sub-table-captions-without-a-label": (  # Quarto: "{#tbl-anonymous-...}" printed
        HEAD17
        + "```{python}\n#| tbl-cap: Two\n#| tbl-subcap: [a, b]\nimport pandas as pd\n"
        "display(pd.DataFrame({'x': [1]}))\ndisplay(pd.DataFrame({'y': [2]}))\n```\n",
        r"report.qmd:10: 'tbl-subcap' needs a chunk label starting with 'tbl-'",
    ),
    "sub-captions-without-a-caption": (  # Quarto: "(a)", "(b)" alone, "Figure ??"
        HEAD17
        + "```{python}\n#| label: fig-n\n#| fig-subcap: [a, b]\n#| layout-ncol: 2\n"
        "import matplotlib.pyplot as plt\nplt.figure(); plt.plot([1]); plt.show()\n"
        "plt.figure(); plt.plot([2]); plt.show()\n```\n\nSee @fig-n.\n",
        r"report.qmd:10: 'fig-subcap' without 'fig-cap': Quarto 1.10's PDF loses the "
        r"sub-captions .* may leave @fig-n unresolved; give 'fig-cap' too",
    ),
    "sub-table-captions-without-a-caption": (  # Quarto: "Table 1: b", "Table 2", ...
        HEAD17
        + "```{python}\n#| label: tbl-n\n#| tbl-subcap: [a, b]\nimport pandas as pd\n"
        "display(pd.DataFrame({'x': [1]}))\ndisplay(pd.DataFrame({'y': [2]}))\n```\n",
        r"report.qmd:10: 'tbl-subcap' without 'tbl-cap': .*numbers each table apart",
    ),
    "layout-over-a-figure-and-printed-text": (  # Quarto: the text is a layout cell
        HEAD17 + "```{python}\n#| label: fig-m\n#| fig-cap: M\n#| layout-ncol: 2\n"
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()\n"
        "print('final loss 0.12')\n```\n\nSee @fig-m.\n",
        r"report.qmd:8 \(chunk 'fig-m'\): a layout over figures and other outputs",
    ),
    "captioned-chunk-inside-a-figure-div": (  # Quarto: "Not in outer par mode"
        HEAD17
        + "::: {#fig-outer}\n```{python}\n#| fig-cap: Inner\nimport matplotlib.pyplot as "
        "plt\nplt.plot([1, 2]); plt.show()\n```\n\nOuter\n:::\n\nSee @fig-outer.\n",
        r"report.qmd:9 .*: a captioned image \(or a chunk's fig-cap\) inside the figure "
        r"div #fig-outer is a figure inside a figure",
    ),
    "callout-inside-a-labelled-table": (  # Quarto: a plain quote, no box
        HEAD17
        + "+---+------------------+\n| a | b                |\n+===+==================+\n"
        "| 1 | ::: callout-note |\n|   | Inside.          |\n|   | :::              |\n"
        "+---+------------------+\n\n: Caption {#tbl-x}\n\nSee @tbl-x.\n",
        r"report.qmd:16: a callout inside the table #tbl-x",
    ),
    "citation-without-a-bibliography": (  # Quarto prints [@vaswani2017] as it is
        HEAD17 + "# Intro\n\nText.\n\nTransformers [@vaswani2017] changed NLP.\n",
        r"report.qmd:12: @vaswani2017 is a citation, but the document has no "
        r"'bibliography:' or 'references:' \(Quarto prints it as written\): add a "
        r"bibliography, or write \\@ for an @ that is text",
    ),
}


STOPS19 = {  # Quarto prints these otherwise than it documents, or fails itself
    "table-caption-running-on-into-text": (  # Quarto: ?@tbl-reg, the label as text
        HEAD17 + "| a |\n|---|\n| 1 |\n\n: Regularisers {#tbl-reg}\nText after.\n\n"
        "See @tbl-reg.\n",
        r"report.qmd:12: the table caption runs on into the next line",
    ),
    "table-caption-right-above-its-table": (  # Quarto: no table, one paragraph
        HEAD17 + "Table: Loss {#tbl-a}\n| a |\n|---|\n| 1 |\n\nSee @tbl-a.\n",
        r"report.qmd:8: the table caption runs on into the next line",
    ),
    "reference-to-a-labelled-proof": (  # Quarto: "Environment refproof undefined"
        HEAD17 + "::: {#thm-a}\nClaim.\n:::\n\n::: {.proof #prf-a}\nBecause.\n:::\n\n"
        "As shown in @prf-a.\n",
        r"report.qmd:16: @prf-a refers to a proof, which Quarto's PDF cannot number "
        r"\(its LaTeX stops at a labelled proof: 'Environment refproof undefined'\)",
    ),
    "sub-caption-of-a-single-figure": (  # Quarto: "Figure 1: Only", then "Main." alone
        HEAD17
        + "```{python}\n#| label: fig-s\n#| fig-cap: Main.\n#| fig-subcap: [Only]\n"
        "import matplotlib.pyplot as plt\nplt.plot([0, 1]); plt.show()\n```\n",
        r"report.qmd:8 \(chunk 'fig-s'\): fig-subcap on a chunk that draws one figure: "
        r"Quarto sets the first sub-caption as the figure's caption",
    ),
    "layout-on-a-div-without-a-label": (  # Quarto: the tables side by side, no float
        HEAD17
        + "::: {layout-ncol=2}\n| a |\n|---|\n| 1 |\n\n| b |\n|---|\n| 2 |\n:::\n",
        r"report.qmd:8: div attribute 'layout-ncol' is supported by the built-in "
        r"renderer only on a figure or table div",
    ),
    "table-div-layout-over-a-table-and-text": (  # Quarto: the text is a layout cell
        HEAD17 + "::: {#tbl-t layout-ncol=2}\n| a |\n|---|\n| 1 |\n\nA note.\n\n"
        "Caption.\n:::\n\nSee @tbl-t.\n",
        r"report.qmd:8: a layout in the table div #tbl-t over blocks that are not all "
        r"tables",
    ),
    "figure-div-layout-over-a-chunk-of-two-figures": (  # Quarto: stacked in one cell
        HEAD17 + "::: {#fig-t layout-ncol=2}\n```{python}\nimport matplotlib.pyplot as "
        "plt\nfor k in range(2):\n    plt.figure(); plt.plot([k]); plt.show()\n```\n\n"
        "Caption.\n:::\n\nSee @fig-t.\n",
        r"report.qmd:8: a layout in the figure div #fig-t over a chunk that draws more "
        r"than one figure: Quarto sets a chunk in one cell",
    ),
    "table-div-layout-over-a-chunk-of-two-tables": (  # Quarto: stacked in one cell
        HEAD17 + "::: {#tbl-t layout-ncol=2}\n```{python}\n#| echo: false\n"
        "import pandas as pd\ndisplay(pd.DataFrame({'a': [1]}))\n"
        "display(pd.DataFrame({'b': [2]}))\n```\n\nCaption.\n:::\n\nSee @tbl-t.\n",
        r"report.qmd:8: a layout in the table div #tbl-t over a chunk that shows more "
        r"than one table \(or its code too\): Quarto sets a chunk in one cell",
    ),
    "table-div-layout-over-a-chunk-after-a-div-of-two-tables": (  # the chunk found
        HEAD17 + "::: {#tbl-t layout-ncol=2}\n::: {.content-visible}\n| a |\n|---|\n"
        "| 1 |\n\n| b |\n|---|\n| 2 |\n:::\n\n```{python}\n#| echo: false\n"
        "import pandas as pd\ndisplay(pd.DataFrame({'a': [1]}))\n"
        "display(pd.DataFrame({'b': [2]}))\n```\n\nCaption.\n:::\n\nSee @tbl-t.\n",
        r"report.qmd:8: a layout in the table div #tbl-t over a chunk that shows more "
        r"than one table",
    ),
    "reference-inside-underline": (  # Quarto: the same LaTeX error, with no line
        HEAD17 + "$$ x $$ {#eq-x}\n\nA [see @eq-x]{.underline} here.\n",
        r"xelatex failed: report.qmd:10: LaTeX error here .*\n! Argument of \\T@ref has "
        r"an extra \}",
    ),
    "macro-defined-inside-a-display": (  # Quarto: the same LaTeX error, with no line
        HEAD17 + "$$\n\\newcommand{\\KL}{D_{\\mathrm{KL}}}\n\\KL(p \\| q) \\ge 0\n$$ "
        "{#eq-kl}\n\nLater $\\KL(q\\|p)$ too; @eq-kl.\n",
        r"xelatex failed: report.qmd:13: LaTeX error here .*\n! Undefined control sequence",
    ),
}


JUPYTER20 = HEAD17.replace("title: X\n", "title: X\njupyter: python3\n")
STOPS20 = {  # the line of a paragraph that does not start with a word, and Quarto's faults
    "reference-in-a-paragraph-led-by-a-parenthesis": (
        HEAD17 + "First.\n\n(See @fig-nope.)\n",
        r"report.qmd:10: reference @fig-nope points to no label",
    ),
    "reference-in-a-paragraph-led-by-emphasis": (
        HEAD17 + "First.\n\n*Note*: see @fig-nope.\n",
        r"report.qmd:10: reference @fig-nope points to no label",
    ),
    "reference-in-a-paragraph-led-by-code": (
        HEAD17 + "First.\n\n`x` is @fig-nope.\n",
        r"report.qmd:10: reference @fig-nope points to no label",
    ),
    "reference-in-a-paragraph-led-by-a-number": (
        HEAD17 + "First.\n\n1984: see @fig-nope.\n",
        r"report.qmd:10: reference @fig-nope points to no label",
    ),
    "reference-in-a-paragraph-led-by-a-span": (
        HEAD17 + "First.\n\n[Here]{.mark} is @fig-nope.\n",
        r"report.qmd:10: reference @fig-nope points to no label",
    ),
    "reference-to-a-heading-read-as-text": (  # session 40: says why there is no label
        HEAD17.replace("xelatex\n", "xelatex\n    number-sections: true\n")
        + "Text\n## B {#sec-b}\n\nSee @sec-b.\n",
        r"report.qmd:12: reference @sec-b points to no label in the document \(\{#sec-b\}"
        r" is text of the paragraph at report.qmd:9, for pandoc as for Quarto: a heading",
    ),
    "reference-in-a-list-item": (  # the item's line, not the paragraph's before it
        HEAD17 + "First.\n\n- one\n- two, see @fig-nope\n",
        r"report.qmd:11: reference @fig-nope points to no label",
    ),
    "reference-in-a-nested-numbered-item": (
        HEAD17 + "First.\n\n1. one\n   a) see @fig-nope\n",
        r"report.qmd:11: reference @fig-nope points to no label",
    ),
    "reference-in-a-quote": (
        HEAD17 + "First.\n\n> Quoted.\n> See @fig-nope.\n",
        r"report.qmd:11: reference @fig-nope points to no label",
    ),
    "raw-counter-in-the-first-paragraph": (  # Quarto: Section 5 (no message: "?")
        HEAD17 + "`\\setcounter{section}{4}`{=latex}\n\n# Five {#sec-five}\n",
        r"report.qmd:8: raw LaTeX \\setcounter\{section\} changes a counter",
    ),
    "raw-subequations": (  # LaTeX numbers the rows 1a, 1b
        HEAD17 + "```{=latex}\n\\begin{subequations}\n\\begin{align}\na &= 1 "
        "\\label{eq:s1}\n\\end{align}\n\\end{subequations}\n```\n",
        r"report.qmd:8: raw LaTeX \\begin\{subequations\} changes a counter .*1a, 1b",
    ),
    "header-numbers-equations-within-subsections": (  # not counted; Quarto's
        # notebook: (1); within the section is numbered (numbered-within-sections)
        "---\ntitle: X\nformat:\n  pdf:\n    include-in-header:\n      text: |\n"
        "        \\numberwithin{equation}{subsection}\n---\n\n$$ a $$ {#eq-a}\n",
        r"report.qmd:5: raw LaTeX \\numberwithin\{equation\} changes a counter",
    ),
    "header-macro-cut-by-a-yaml-comment": (  # Quarto: "File ended while scanning"
        "---\ntitle: X\nheader-includes:\n  - \\newcommand{\\KL}[2]{D(#1 \\| #2)}\n---"
        "\n\n$\\KL{p}{q}$\n",
        r"report.qmd:3: the LaTeX '\\newcommand\{\\KL\}\[2\]\{D\(#1 \\\|' opens a "
        r"brace it does not close: in YAML a space and # start a comment",
    ),
    "header-renews-the-equation-number": (
        "---\ntitle: X\nheader-includes: |\n  \\renewcommand{\\theequation}{A\\arabic"
        "{equation}}\n---\n\n$$ a $$ {#eq-a}\n",
        r"report.qmd:3: raw LaTeX \\renewcommand\{\\theequation\} changes a counter",
    ),
    "table-chunk-that-draws-a-plot": (  # Quarto: LaTeX error, \subcaption outside float
        HEAD17
        + "```{python}\n#| label: tbl-mix\n#| tbl-cap: Mixed\nimport pandas as pd\n"
        "import matplotlib.pyplot as plt\ndisplay(pd.DataFrame({'a': [1]}))\n"
        "plt.plot([0, 1]); plt.show()\n```\n",
        r"report.qmd:8 \(chunk 'tbl-mix'\): the table chunk 'tbl-mix' draws a figure "
        r"besides its table",
    ),
    "yaml-block-after-the-front-matter": (  # Quarto: its lines printed as text
        JUPYTER20 + "Text one.\n\n---\nsubtitle: Mid Sub\n---\n\nText two.\n",
        r"report.qmd:11: a YAML metadata block after the front matter",
    ),
    "theorem-class-without-a-label": (  # Quarto: plain text, name= unused
        HEAD17 + '::: {.theorem name="Unlabelled"}\nText.\n:::\n',
        r"report.qmd:8: div attribute 'name' names a theorem, which its label makes",
    ),
    "unclosed-quote-in-the-front-matter": (
        '---\ntitle: "X\nformat:\n  pdf:\n    pdf-engine: xelatex\n---\n\nText.\n',
        r"report.qmd:2: the YAML header does not parse as YAML: a quoted scalar that "
        r"starts in 'title: \"X' is never closed",
    ),
    "equation-label-of-two-words": (  # Quarto: "a (1)", then "See ?@eq-a."
        HEAD17 + "$$ a $$ {#eq-a b}\n\nSee @eq-a.\n",
        r"report.qmd:8: '\{#eq-a \.\.\.' after the display math is not an equation label",
    ),
    "label-defined-twice": (
        HEAD17 + "$$ a $$ {#eq-a}\n\n$$ b $$ {#eq-a}\n",
        r"report.qmd:10: label 'eq-a' is defined twice \(first at report.qmd:8\)",
    ),
}


NOPE = r"reference @fig-nope points to no label"
STOPS21 = {  # round twenty's kinds elsewhere: each error at its own line
    **{
        f"reference-in-a-paragraph-led-by-{name}": (
            HEAD17 + f"First.\n\n{start} see @fig-nope.\n", rf"report.qmd:10: {NOPE}"
        )
        for name, start in [
            ("a-double-quote", '"Quoted"'), ("a-single-quote", "'Quoted'"),
            ("inline-math", "$x$"), ("underscores", "_emph_"), ("strike-out", "~~s~~"),
            ("an-accent", "\u00e9t\u00e9"), ("a-percent-sign", "%"),
            ("a-note-reference", "[^n] and"), ("an-html-span", "<span>x</span>"),
            ("an-image", "![x](x.png) and"),
        ]
    },
    "reference-in-a-note-definition": (
        HEAD17 + "Text[^1].\n\n[^1]: See @fig-nope.\n", rf"report.qmd:10: {NOPE}"
    ),
    "reference-after-a-note-in-its-paragraph": (  # not the note definition's line
        HEAD17 + "Intro.\n\n[^1] starts, see @fig-nope.\n\n[^1]: Note.\n",
        rf"report.qmd:10: {NOPE}",
    ),
    "reference-in-a-list-in-a-quote": (
        HEAD17 + "> Quote.\n>\n> - a\n> - b @fig-nope\n", rf"report.qmd:11: {NOPE}"
    ),
    "reference-in-a-later-example": (
        HEAD17 + "(@) one\n(@) two @fig-nope\n", rf"report.qmd:9: {NOPE}"
    ),
    "reference-in-a-callout-title": (
        HEAD17 + "::: {.callout-note}\n## See @fig-nope\n\nBody.\n:::\n",
        rf"report.qmd:9: {NOPE}",
    ),
    "raw-counter-in-a-list-item": (  # was printed as code, its LaTeX never run
        HEAD17 + "- item\n\n  ```{=latex}\n  \\setcounter{equation}{3}\n  ```\n",
        r"report.qmd:10: raw LaTeX \\setcounter\{equation\} changes a counter",
    ),
    "header-defines-the-table-number": (
        "---\ntitle: X\nheader-includes: |\n  \\def\\thetable{T\\arabic{table}}\n"
        "---\n\nText.\n",
        r"report.qmd:3: raw LaTeX \\def\\thetable changes a counter",
    ),
    "yaml-block-in-a-callout": (  # Quarto: the callout falls apart, its YAML as text
        JUPYTER20 + "::: {.callout-note}\n---\nfoo: bar\n---\n\nBody.\n:::\n",
        r"report.qmd:10: a YAML metadata block after the front matter",
    ),
    "yaml-block-after-a-heading": (
        JUPYTER20 + "# A\n---\nfoo: bar\n---\n\nText.\n",
        r"report.qmd:10: a YAML metadata block after the front matter",
    ),
    "yaml-block-in-a-quote": (  # pandoc stopped with no line
        JUPYTER20 + "> ---\n> foo: bar\n> ---\n>\n> Quoted.\n",
        r"report.qmd:9: a YAML metadata block after the front matter",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", [*STOPS17, *STOPS18, *STOPS19, *STOPS20, *STOPS21])
def test_rounds_seventeen_to_twenty_one_kinds_stop_with_their_line(tmp_path, case):
    text, message = {**STOPS17, **STOPS18, **STOPS19, **STOPS20, **STOPS21}[case]
    (tmp_path / "report.qmd").write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as e:
        build(tmp_path / "report.qmd", log=lambda *_: None)
    assert re.match(message, str(e.value))


def test_a_yaml_block_after_the_front_matter_is_metadata_without_jupyter(tmp_path):
    """Without chunks or `jupyter:`, Quarto's markdown engine leaves the block to pandoc,
    which reads it as metadata (the subtitle under the title), as the built-in path."""
    text = HEAD17 + "Text one.\n\n---\nsubtitle: Mid Sub\n---\n\nText two.\n"
    (tmp_path / "report.qmd").write_text(text, encoding="utf-8")
    build(tmp_path / "report.qmd", log=lambda *_: None)
    words = pdf_text(tmp_path / "report.pdf").split()
    assert words[:6] == ["X", "Mid", "Sub", "Text", "one.", "Text"]


def test_a_counter_change_in_a_header_file_is_named_at_its_own_line(tmp_path):
    files = {
        "report.qmd": "---\ntitle: X\nformat:\n  pdf:\n    include-in-header: "
        "hdr.tex\n---\n\n$$ x $$ {#eq-x}\n",
        "hdr.tex": "\\usepackage{amsmath}\n\\setcounter{equation}{4}\n",
    }
    with pytest.raises(BuildError, match=r"hdr.tex:2: raw LaTeX \\setcounter"):
        build(write_project(tmp_path, files), log=lambda *_: None)


def test_what_quarto_builds_beside_round_twentys_stops(tmp_path):
    """Quarto 1.10.18 builds these (words recorded): an unlabelled table chunk that also
    plots (the plot uncaptioned where it is), and \\counterwithout, which changes nothing
    in Quarto's class."""
    plot = (
        HEAD17 + "```{python}\n#| echo: false\n#| tbl-cap: Tab\nimport pandas as pd\n"
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()\n"
        "pd.DataFrame({'a': [1, 2]})\n```\n"
    )
    (tmp_path / "report.qmd").write_text(plot, encoding="utf-8")
    build(tmp_path / "report.qmd", log=lambda *_: None)
    words = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert words.index("2.0") < words.index("Table 1: Tab a 0 1 1 2")  # the plot first
    assert "Figure" not in words
    without = (
        "---\ntitle: T\nformat:\n  pdf:\n    number-sections: true\n"
        "    include-in-header:\n      text: \\counterwithout{equation}{section}\n---\n\n"
        "# A\n\n$$x$$ {#eq-a}\n\nSee @eq-a.\n"
    )
    (tmp_path / "report.qmd").write_text(without, encoding="utf-8")
    build(tmp_path / "report.qmd", log=lambda *_: None)
    words = sorted(pdf_text(tmp_path / "report.pdf").split())  # the same, in any order
    assert words == sorted("T 1 A \U0001d465 (1) See Equation 1. 1".split())


def test_a_latex_output_using_a_document_macro_is_named(tmp_path, capsys):
    """The document's macros are expanded in the notebook's Markdown, not in a chunk's
    LaTeX output, which Jupyter shows in red: the build names the macro at the chunk."""
    text = (
        "\\newcommand{\\E}{\\mathbb{E}}\n\n$\\E[X]$ in prose.\n\n```{python}\n"
        "from IPython.display import Latex\nLatex(r'$$\\E[X^2] \\ge \\E[X]^2$$')\n```\n"
    )
    (tmp_path / "report.qmd").write_text(HEAD17 + text, encoding="utf-8")
    nb = build(tmp_path / "report.qmd", pdf=False, log=lambda *_: None)["notebook"]
    assert "$\\mathbb{E}[X]$ in prose." in nb.cells[1].source
    said = capsys.readouterr().out
    assert re.search(
        r"warning: report.qmd:12 \(chunk 'chunk-1'\): \\E is not a macro Jupyter's "
        r"MathJax knows .*: .*\(the document's macros are not expanded there\)",
        said,
    )
    assert said.count("\\E is not a macro") == 1


# keys that change neither Quarto 1.10.18's PDF nor the notebook (vocabulary.json's
# metadata_without_effect): an RStudio document's `editor: visual`, Quarto's own run, and
# metadata its PDF leaves out
WITHOUT_EFFECT = {
    "editor": "visual",
    "editor_options": {"chunk_output_type": "console"},
    "quarto-required": ">=1.3",
    "latex-auto-install": True,
    "latex-clean": True,
    "latex-tinytex": False,
    "debug": False,
    "verbosity": "ERROR",
    "funding": "Grant 42 of the Research Council.",
    "citation": True,
    "affiliations": [{"id": "uos", "name": "University of Somewhere"}],
}
WITHOUT_EFFECT_FILES = {
    "report.qmd": "---\ntitle: Keys\nauthor: A\n"
    + yaml.safe_dump(WITHOUT_EFFECT, sort_keys=False)
    + "---\n\nText.\n",
    "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n",
}


def test_keys_without_effect_build_silently(tmp_path, capsys):
    assert set(WITHOUT_EFFECT) == set(vocabulary.VOCABULARY["metadata_without_effect"])
    build(write_project(tmp_path, WITHOUT_EFFECT_FILES), log=lambda *_: None)
    assert "warning" not in capsys.readouterr().out
    assert pdf_text(tmp_path / "report.pdf").split() == ["Keys", "A", "Text.", "1"]


@needs_quarto
def test_live_quarto_prints_none_of_the_keys_without_effect(tmp_path):
    write_project(tmp_path, WITHOUT_EFFECT_FILES)
    quarto_render(tmp_path)
    assert pdf_text(tmp_path / "report.pdf").split() == ["Keys", "A", "Text.", "1"]


def test_a_table_chunk_printing_latex_with_its_code_says_where_the_code_goes(
    tmp_path, capsys
):
    """Quarto 1.10.18 sets the code of an `output: asis` table chunk that prints LaTeX
    inside the table float (keep-tex), the built-in renderer before it: a warning."""
    chunk = (
        '```{python}\n#| label: tbl-w\n#| tbl-cap: "Printed."\n#| output: asis\n'
        'print(r"\\begin{tabular}{ll} e & f \\end{tabular}")\n```\n\nSee @tbl-w.\n'
    )
    qmd = write_project(tmp_path, {"report.qmd": chunk})
    nb = build(qmd, pdf=False, log=lambda *_: None)["notebook"]
    assert "report.qmd:1 (chunk 'tbl-w'): a table chunk printing LaTeX" in (
        capsys.readouterr().out
    )
    (cell,) = [c for c in nb.cells if c.cell_type == "code"]
    assert "*Table 1: Printed.*" in cell.outputs[0]["data"]["text/markdown"]


SUBCAP_MATH_DOC = """```{python}
#| label: tbl-splits
#| tbl-cap: "Per split."
#| tbl-subcap: ["Train, $n = 2$", "Test"]
#| echo: false
import pandas as pd
display(pd.DataFrame({"loss": [0.1]}))
display(pd.DataFrame({"loss": [0.3]}))
```
"""


def test_tbl_subcap_with_math_is_read_as_markdown_and_says_quarto_does_not(
    tmp_path, capsys
):
    files = {"report.qmd": "---\ntitle: T\nauthor: A\n---\n\n" + SUBCAP_MATH_DOC}
    qmd = write_project(tmp_path, files)
    build(qmd, fast=True, log=lambda *_: None)
    assert "tbl-subcap with Markdown or math: Quarto 1.10.18 prints" in (
        capsys.readouterr().out
    )
    assert "(a) Train, 𝑛 = 2" in " ".join(pdf_text(tmp_path / "report.pdf").split())


@needs_quarto
def test_live_quarto_prints_tbl_subcap_math_as_text(tmp_path):
    write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: T\n---\n\n" + SUBCAP_MATH_DOC,
            "_quarto.yml": "format:\n  pdf:\n    pdf-engine: xelatex\n",
        },
    )
    quarto_render(tmp_path)
    assert "(a) Train, $n = 2$" in " ".join(pdf_text(tmp_path / "report.pdf").split())


XELATEX_YML = "format:\n  pdf:\n    pdf-engine: xelatex\n"
SPLIT_DOC = """---
title: split
author: A
---

Before the equation.
$$
\\begin{split}
a &= b + c \\\\
  &= d
\\end{split}
$$ {#eq-split}
After the equation.
"""


def _line_tops(pdf: Path) -> dict[str, float]:
    from pdf_layout import pdf_lines, pdf_words

    return {line.text: round(line.top, 1) for line in pdf_lines(pdf_words(pdf)[1])}


def test_a_labelled_equation_sits_where_quartos_does(tmp_path):
    """A `split` in a labelled equation: Quarto 1.10.18 writes the body in a labelled
    span's braces, which sets the text after it 15 pt higher than the bare body did
    (recorded: "After the equation." at 268.7 pt from the top)."""
    qmd = write_project(tmp_path, {"report.qmd": SPLIT_DOC, "_quarto.yml": XELATEX_YML})
    build(qmd, fast=True, log=lambda *_: None)
    tops = _line_tops(tmp_path / "report.pdf")
    assert abs(tops["After the equation."] - 268.7) < 0.5, tops


@needs_quarto
def test_live_quarto_sets_a_labelled_equation_as_recorded(tmp_path):
    write_project(tmp_path, {"report.qmd": SPLIT_DOC, "_quarto.yml": XELATEX_YML})
    quarto_render(tmp_path)
    tops = _line_tops(tmp_path / "report.pdf")
    assert abs(tops["After the equation."] - 268.7) < 0.5, tops


CHUNK_CAPTION_BELOW_DOC = """---
title: T
---

```{python}
#| label: tbl-low
#| tbl-cap: "Below."
#| tbl-cap-location: bottom
#| echo: false
import pandas as pd
pd.DataFrame({"x": [1]})
```

After the table.
"""


def test_a_chunks_caption_below_its_table_sits_where_quartos_does(tmp_path):
    """A chunk's `tbl-cap-location: bottom`: Quarto 1.10.18 sets the caption right under
    the table's rule, without the empty row a document's option puts before it
    (recorded: "Table 1: Below." at 260.6 pt from the top, the last row at 244.3)."""
    files = {"report.qmd": CHUNK_CAPTION_BELOW_DOC, "_quarto.yml": XELATEX_YML}
    build(write_project(tmp_path, files), fast=True, log=lambda *_: None)
    tops = _line_tops(tmp_path / "report.pdf")
    assert abs(tops["0 1"] - 244.3) < 0.5 and abs(tops["Table 1: Below."] - 260.6) < 0.5


@needs_quarto
def test_live_quarto_sets_a_chunks_caption_below_as_recorded(tmp_path):
    files = {"report.qmd": CHUNK_CAPTION_BELOW_DOC, "_quarto.yml": XELATEX_YML}
    write_project(tmp_path, files)
    quarto_render(tmp_path)
    tops = _line_tops(tmp_path / "report.pdf")
    assert abs(tops["0 1"] - 244.3) < 0.5 and abs(tops["Table 1: Below."] - 260.6) < 0.5


PDF_PROPERTIES_DOC = """---
title: "Deep $x$ Learning"
author: Ada
keywords: [a, b]
subject: "Neural nets"
title-meta: "Plain title"
author-meta: "A. Lovelace"
date-meta: "2026"
---

Text.
"""
# Quarto 1.10.18 (recorded): the properties pandoc's template sets from these keys
PDF_PROPERTIES = {
    "Title": "Plain title",
    "Subject": "Neural nets",
    "Keywords": "a, b",
    "Author": "A. Lovelace",
}


def _pdf_properties(pdf: Path) -> dict[str, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    rows = (line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    return {k: v.strip() for k, v in rows if k in PDF_PROPERTIES}


def test_the_pdf_properties_come_from_the_meta_keys_as_in_quarto(tmp_path):
    files = {"report.qmd": PDF_PROPERTIES_DOC, "_quarto.yml": XELATEX_YML}
    build(write_project(tmp_path, files), fast=True, log=lambda *_: None)
    assert _pdf_properties(tmp_path / "report.pdf") == PDF_PROPERTIES


@needs_quarto
def test_live_quarto_sets_the_pdf_properties_as_recorded(tmp_path):
    write_project(
        tmp_path, {"report.qmd": PDF_PROPERTIES_DOC, "_quarto.yml": XELATEX_YML}
    )
    quarto_render(tmp_path)
    assert _pdf_properties(tmp_path / "report.pdf") == PDF_PROPERTIES
