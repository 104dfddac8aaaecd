"""The report's LaTeX header (_quarto.yml's include-in-header, which Quarto and the
built-in path both use) keeps output inside the margin, floats inside their section and
short tables whole; checked from word positions (tests/pdf_layout.py) on small
documents typeset by pandoc with and without it."""

import textwrap

import pypandoc
import pytest
import yaml
from conftest import ROOT, needs_latex
from pdf_layout import float_faults, past_right_margin, pdf_words, split_outputs

pytestmark = needs_latex
MARGIN_CM = 2.0
HEADER = yaml.safe_load((ROOT / "_quarto.yml").read_text())["format"]["pdf"][
    "include-in-header"
]["text"]
FILLER = "A line of prose that fills the page. " * 40

DOC = textwrap.dedent(
    """\
    # First {{#sec-first}}

    {filler}

    | a | b |
    |---|---|
    | 1 | 2 |

    : A table. {{#tbl-one}}

    ```
    {long} <unk>
    ```

    {filler}

    # Second {{#sec-second}}

    {filler}
    """
)


def typeset(tmp_path, markdown, header):
    (tmp_path / "header.tex").write_text(header)
    (tmp_path / "doc.md").write_text(markdown)
    pdf = tmp_path / "doc.pdf"
    pypandoc.convert_file(
        str(tmp_path / "doc.md"),
        "pdf",
        outputfile=str(pdf),
        extra_args=[
            "--pdf-engine=xelatex",
            "-V",
            f"geometry:margin={MARGIN_CM}cm",
            "-H",
            str(tmp_path / "header.tex"),
            "--number-sections",
        ],
    )
    return pdf


@pytest.mark.parametrize("with_header", [False, True])
def test_output_lines_stay_inside_the_margin_only_with_the_header(
    tmp_path, with_header
):
    doc = DOC.format(filler=FILLER, long="x" * 150)
    pdf = typeset(tmp_path, doc, HEADER if with_header else "")
    beyond = past_right_margin(pdf, MARGIN_CM)
    if with_header:
        assert beyond == []
        assert "<unk>" in " ".join(w[-1] for w in pdf_words(pdf)[1])
    else:  # the long verbatim line runs off the page
        assert beyond and beyond[0][2].startswith("xxxx")


@pytest.mark.parametrize("with_header", [False, True])
def test_an_output_is_split_across_pages_only_without_the_header(tmp_path, with_header):
    """An output of 12 lines (one of them wrapped) after fillers of several lengths, so
    that it meets the foot of the first page: some are split without the header, none
    with it."""
    output = "\n".join(
        f"epoch {n}: perplexity {100 - n}.0" + " x" * (70 if n == 5 else 0)
        for n in range(1, 13)
    )
    split = []
    for lines in range(26, 46, 3):
        filler = "\n\n".join(["A line."] * lines)
        pdf = typeset(tmp_path, f"{filler}\n\n```\n{output}\n```\n\nAfter.\n",
                      HEADER if with_header else "")  # fmt: skip
        assert "epoch 12: perplexity 88.0" in " ".join(w[-1] for w in pdf_words(pdf)[1])
        split += split_outputs(pdf, [output])
    if with_header:
        assert split == []
    else:
        assert split and set(split) == {
            "output 'epoch 1: perplexity 99.0' runs from p. 1 to p. 2"
        }


def test_a_float_after_the_next_heading_is_found(tmp_path):
    """A table placed after the next section's heading, as LaTeX may place a float
    without barriers, is reported; so is a heading alone at the foot of a page."""
    qmd = tmp_path / "doc.qmd"
    qmd.write_text("# First\n\n::: {#tbl-one}\n:::\n\n# Second\n")
    moved = "# First\n\ntext\n\n# Second\n\nTable 1: A table.\n\n| a |\n|---|\n| 1 |\n"
    pdf = typeset(tmp_path, moved, "")
    assert float_faults(pdf, qmd) == ["Table 1 (p. 1) is outside 'First' (p. 1)"]
    orphan = "# First\n\nTable 1: x\n\n| a |\n|---|\n| 1 |\n\n# Second\n\n\\newpage\n\ntext\n"
    pdf = typeset(tmp_path, orphan, "")
    assert float_faults(pdf, qmd) == ["heading 'Second' is alone at the foot of p. 1"]
