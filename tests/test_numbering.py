"""Numbering as Quarto numbers, through the builder's public interface: one small
document is built (`build(..., pdf=False)`: no kernel, no LaTeX, a few seconds) and the
numbers are read from the notebook's Markdown, so the test holds whatever stage of
`builder/` does the numbering.  Each kind here is a bug that once slipped past the unit
tests (issue 22): theorem counters restarted at level-2 headings, a sub-figure counter
not reset between figures, `@Fig-x` not lower-cased."""

import nbformat
import pytest
from conftest import write_project

from builder.__main__ import build

DOCUMENT = """
---
title: Numbering
format:
  pdf:
    number-sections: true
---

# One {#sec-one}

## First part

::: {#thm-a}
A.
:::

## Second part

::: {#thm-b}
B.
:::

::: {#lem-c}
C.
:::

::: {#fig-p layout-ncol=2}
![Left](l.png){#fig-p-l}

![Right](r.png){#fig-p-r}

First pair
:::

::: {#fig-q layout-ncol=2}
![Up](u.png){#fig-q-u}

![Down](d.png){#fig-q-d}

Second pair
:::

# Two

::: {#thm-d}
D.
:::

References: @thm-a, @thm-b, @lem-c, @thm-d, @fig-p-l, @fig-p-r, @fig-q-u, @fig-q-d,
@fig-q, @Fig-q and @Thm-b.
"""


@pytest.fixture(scope="module")
def markdown(tmp_path_factory):
    root = tmp_path_factory.mktemp("numbering")
    qmd = write_project(root, {"report.qmd": DOCUMENT})
    build(qmd, pdf=False, log=lambda *_: None)
    notebook = nbformat.read(root / "report.ipynb", as_version=4)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    return " ".join(text.split())


def test_theorems_are_numbered_within_top_level_sections_only(markdown):
    """Level-2 headings do not restart the counter: 1.1, 1.2, then 2.1 after "# Two";
    each kind has its own counter (Lemma 1.1)."""
    assert "**Theorem 1.1.** A." in markdown
    assert "**Theorem 1.2.** B." in markdown
    assert "**Lemma 1.1.** C." in markdown
    assert "**Theorem 2.1.** D." in markdown


def test_sub_figures_are_lettered_afresh_in_each_figure(markdown):
    assert "*Figure 1: First pair*" in markdown
    assert "*Figure 2: Second pair*" in markdown


def test_references_read_as_quarto_words_them(markdown):
    """`@Fig-q` is the same label as `@fig-q`, worded "Figure 2" (Quarto capitalises
    the kind; the number is the figure's)."""
    assert (
        "References: Theorem 1.1, Theorem 1.2, Lemma 1.1, Theorem 2.1, Figure 1a, "
        "Figure 1b, Figure 2a, Figure 2b, Figure 2, Figure 2 and Theorem 1.2."
    ) in markdown
