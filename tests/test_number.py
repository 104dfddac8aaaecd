"""Numbering on the document tree (builder/number.py): what LaTeX counts, raw LaTeX
included, and located errors where a number cannot be known."""

import pytest
from conftest import write_project

from builder import number as numbering
from builder import parse, weave
from builder.read import BuildError, read


def number(tmp_path, text: str, sections: bool = True, output: str = "pdf"):
    yml = f"format:\n  pdf:\n    number-sections: {str(sections).lower()}\n"
    doc = read(write_project(tmp_path, {"report.qmd": text, "_quarto.yml": yml}))
    tree = parse.parse(weave.weave(doc, None).markdown)
    return numbering.number(tree, output, sections)


RAW = r"""
# Losses {#sec-losses}

The first loss is @eq-first.

$$
L_1
$$ {#eq-first}

\begin{equation}
L_2 \label{eq:ridge}
\end{equation}

$$
L_3
$$ {#eq-third}

\begin{align}
a &= 1 \label{eq:a} \\
b &= 2 \nonumber \\
c &= 3 \label{eq:c}
\end{align}

\begin{align*}
d &= 4
\end{align*}

$$ e $$ {#eq-after}

\begin{table}
\caption{Raw}
\label{tbl-raw}
\end{table}

| a |
|---|
| 1 |

: Quarto's {#tbl-md}

See @tbl-raw, @tbl-md, @eq-third and @eq-after.
"""


def test_raw_latex_is_counted_as_latex_counts_it(tmp_path):
    nums = number(tmp_path, RAW)
    assert nums.numbers == {
        "sec-losses": "1",
        "eq-first": "1",
        "eq:ridge": "2",
        "eq-third": "3",
        "eq:a": "4",
        "eq:c": "5",  # the \nonumber row takes no number
        "eq-after": "6",  # align* takes none
        "tbl-raw": "1",
        "tbl-md": "2",
    }
    assert nums.text("tbl-raw") == "Table 1" and nums.text("eq-after") == "Equation 6"


def test_appendix_letters_sections_and_theorems(tmp_path):
    text = (
        "# One {#sec-one}\n\n::: {#thm-a}\nA.\n:::\n\n\\appendix\n\n"
        "# Extra {#sec-extra}\n\n## Sub {#sec-sub}\n\n::: {#lem-b}\nB.\n:::\n\n"
        "See @sec-extra, @sec-sub, @lem-b and @thm-a.\n"
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {
        "sec-one": "1",
        "thm-a": "1.1",
        "sec-extra": "A",
        "sec-sub": "A.1",
        "lem-b": "A.1",
    }


def test_raw_sections_and_theorem_environments_count(tmp_path):
    text = (
        "# One\n\n\\section{Raw}\n\n\\begin{lemma}\\label{lem-raw}x\\end{lemma}\n\n"
        "::: {#lem-next}\ny\n:::\n\n\\section*{Not numbered}\n\n# Three {#sec-three}\n"
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {"lem-raw": "2.1", "lem-next": "2.2", "sec-three": "3"}


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "# A {.unnumbered #sec-a}\n\nSee\n@sec-a.\n",
            r"report.qmd:3: the reference @sec-a has no number that can be known: "
            r"it is the label of an unnumbered heading \(at report.qmd:1\)",
        ),
        (
            "Text.\n\n\\begin{table}\n\\label{tbl-early}\n\\caption{x}\n\\end{table}\n\n"
            "See @tbl-early.\n",
            r"report.qmd:8: the reference @tbl-early has no number.*before the \\caption "
            r"of a raw table environment \(raw LaTeX at report.qmd:3\)",
        ),
        (
            "# A\n\nText \\setcounter{equation}{4} here.\n",
            r"report.qmd:3: raw LaTeX \\setcounter\{equation\} changes a counter",
        ),
        (
            "# A\n\nOne line,\nanother with @fig-gone.\n",  # the paragraph's line
            r"report.qmd:3: reference @fig-gone points to no label",
        ),
        (
            "# A\n\nText.\n\n```{#lst-up .python}\nw = w - g\n```\n",
            r"report.qmd:5: a listing needs both a #lst- label and lst-cap",
        ),
        (
            'Text.\n\n``` {.python code-line-numbers="true"}\nx = 1\n```\n',
            r"report.qmd:3: 'code-line-numbers' on a code block is a Quarto listing",
        ),
        (
            "See @lst-up.\n",
            r"report.qmd:1: reference @lst-up points to no label",
        ),
        (
            "::: {#thm-a}\nx\n:::\n\n::: {#thm-a}\ny\n:::\n",
            r"report.qmd:5: label 'thm-a' is defined twice",
        ),
    ],
)
def test_located_errors(tmp_path, text, message):
    with pytest.raises(BuildError, match=message):
        number(tmp_path, text)


def test_each_output_is_numbered_as_it_shows(tmp_path):
    text = (
        '::: {.content-visible when-format="pdf"}\n$$ a $$ {#eq-pdf}\n:::\n\n'
        "$$ b $$ {#eq-both}\n"
    )
    assert number(tmp_path, text, output="pdf").numbers == {
        "eq-pdf": "1",
        "eq-both": "2",
    }
    assert number(tmp_path, text, output="ipynb").numbers == {"eq-both": "1"}


def test_headings_are_found_by_source_position(tmp_path):
    text = "# A\n\n::: {#thm-x}\n## Title\n:::\n\n# B\n\n## B1 {.unnumbered}\n\n## B2\n"
    nums = number(tmp_path, text)
    assert nums.headings == {
        "report.qmd:1": ["1"],
        "report.qmd:7": ["2"],
        "report.qmd:11": ["2.1"],
    }
