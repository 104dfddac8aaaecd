"""Numbering of labels, Quarto markdown -> Jupyter markdown, and module inlining."""

import textwrap

import pytest
from conftest import write_project
from markdown_it import MarkdownIt
from nbformat.v4 import new_code_cell, new_markdown_cell

from builder import number as numbering
from builder import parse, weave
from builder.read import BuildError, read
from builder.write.export import prose
from builder.write.modules import (
    chunk_source,
    code_modules,
    inline_plan,
    module_cells,
    module_summary,
    preamble_chunks,
    standalone_source,
)

DOC = """
# Intro {#sec-intro}

## Part {#sec-part}

::: {#thm-a}
## Named

Statement with $$x = 1$$ {#eq-one}
:::

::: {.proof}
Uses @eq-one and @sec-part.
:::

::: {.callout-warning}
## Careful
Body line.
:::

# Unnumbered {.unnumbered}

# Second {#sec-two}

::: {#thm-b}
No title here.
:::

See @fig-plot, @thm-b, @thm-a and @sec-two.

```{python}
#| label: fig-plot
#| fig-cap: "A plot"
pass
```
"""


def tree_of(doc):
    return parse.parse(weave.weave(doc, None).markdown)


def number(doc):
    """The numbers of a document from its source alone (a figure or table chunk is
    numbered where it stands), as the PDF shows it."""
    sections = doc.settings.pdf.get("number-sections", False)
    return numbering.number(tree_of(doc), "pdf", sections)


def jupyter_markdown(doc, nums):
    """The notebook's Markdown of the document's prose (pandoc's writer on the tree)."""
    return prose(doc, tree_of(doc), nums)


# @sec- references need numbered sections (as in the report's _quarto.yml)
NUMBERED = {"_quarto.yml": "format:\n  pdf:\n    number-sections: true\n"}


def test_numbering_follows_quarto(tmp_path):
    nums = number(read(write_project(tmp_path, {"report.qmd": DOC, **NUMBERED})))
    assert nums.numbers == {
        "sec-intro": "1",
        "sec-part": "1.1",
        "thm-a": "1.1",  # Quarto: theorems numbered within sections
        "eq-one": "1",
        "sec-two": "2",
        "thm-b": "2.1",
        "fig-plot": "1",
    }
    assert (
        nums.text("eq-one") == "Equation 1" and nums.text("sec-part") == "Section 1.1"
    )


def test_jupyter_markdown(tmp_path):
    doc = read(write_project(tmp_path, {"report.qmd": DOC, **NUMBERED}))
    md = jupyter_markdown(doc, number(doc))
    assert (
        "# 1 Intro" in md
        and "## 1.1 Part" in md
        and "# Unnumbered" in md
        and "# 2 Second" in md
    )
    assert "**Theorem 1.1 (Named).**" in md and "**Theorem 2.1.**\nNo title here." in md
    assert "$$x = 1 \\tag{1}$$" in md
    assert "*Proof.*\nUses Equation 1 and Section 1.1.\n$\\blacksquare$" in md
    assert "> **Careful**\n>\n> Body line." in md  # the title apart, as Quarto's
    assert "See Figure 1, Theorem 2.1, Theorem 1.1 and Section 2." in md
    assert ":::" not in md and "{#" not in md and "@" not in md


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "See @fig-missing.\n",
            r"report.qmd:1: reference @fig-missing points to no label",
        ),
        (
            "# A {#sec-a}\n\n# B {#sec-a}\n",
            r"report.qmd:3: label 'sec-a' is defined twice",
        ),
    ],
)
def test_bad_references(tmp_path, text, message):
    with pytest.raises(BuildError, match=message):
        number(read(write_project(tmp_path, {"report.qmd": text})))


MODULES = {
    "code/base.py": "import math\n\ndef square(x):\n    return x * x\n",
    "code/mid.py": "from base import square\n\n\ndef quad(x):\n    return square(square(x))\n\n"
    "if __name__ == '__main__':\n    print(quad(2))\n",
    "code/top.py": "from mid import quad\nfrom base import square\n\nTOP = quad(2) + square(1)\n",
}


def test_inlining_in_dependency_order(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            **MODULES,
            "report.qmd": """
        ```{python}
        import sys
        sys.path.insert(0, "code")
        ```

        ```{python}
        from top import TOP
        print(TOP)
        ```

        ```{python}
        from base import square
        from mid import quad
        print(square(3), quad(1))
        ```

        ```{python}
        from base import square as sq
        print(sq(2))
        ```
        """,
        },
    )
    doc = read(qmd)
    modules = code_modules(doc.root)
    plan = inline_plan(doc.chunks, modules)
    assert {i: [p.name for p in places] for i, places in plan.items()} == {
        0: [],
        1: ["base", "mid", "top"],
        2: [],
        3: [],
    }
    assert chunk_source(doc.chunks[3], modules) == (
        ["base"],
        "sq = square\nprint(sq(2))",
    )
    assert chunk_source(doc.chunks[0], modules) == ([], "import sys")
    assert chunk_source(doc.chunks[2], modules) == (
        ["base", "mid"],
        "print(square(3), quad(1))",
    )
    mid = standalone_source("mid", modules)
    assert "from base" not in mid and "__main__" not in mid and "def quad" in mid
    # the inlined cells, run in order in one namespace, define what the chunks use
    namespace = {}
    for name in ["base", "mid", "top"]:
        exec(standalone_source(name, modules), namespace)
    assert namespace["TOP"] == 17


def test_plain_import_of_a_module_is_rejected(tmp_path):
    qmd = write_project(
        tmp_path, {**MODULES, "report.qmd": "```{python}\nimport base\n```\n"}
    )
    doc = read(qmd)
    with pytest.raises(
        BuildError, match=r"report.qmd:1 \(chunk 'chunk-1'\):1: write 'from base import"
    ):
        inline_plan(doc.chunks, code_modules(doc.root))


def test_import_cycle_is_reported(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "code/a.py": "from b import x\n",
            "code/b.py": "from a import y\n",
            "report.qmd": "```{python}\nfrom a import x\n```\n",
        },
    )
    doc = read(qmd)
    with pytest.raises(BuildError, match=r"import cycle: a -> b -> a"):
        inline_plan(doc.chunks, code_modules(doc.root))


def test_markdown_figures_and_sub_figures_are_numbered_as_quarto(tmp_path):
    doc = read(
        write_project(
            tmp_path,
            {
                "report.qmd": """
                # A

                ![Solo](a.png){#fig-solo}

                ::: {#fig-pair layout-ncol=2}
                ![Left](l.png){#fig-l}

                ![Right](r.png){#fig-r}

                Pair caption
                :::

                ::: {#lem-x}
                ## Named
                :::

                # B

                ::: {#lem-y}
                :::

                ::: {#thm-z}
                :::

                See @fig-solo, @fig-r, @fig-pair, @lem-y and @thm-z.
                """
            },
        )
    )
    nums = number(doc)
    assert nums.numbers == {
        "fig-solo": "1",
        "fig-pair": "2",
        "fig-l": "2a",
        "fig-r": "2b",
        # without number-sections (Quarto's default) theorem-like blocks are "0.n", each
        # kind its own counter, restarted by a top-level section, as in Quarto's PDF
        "lem-x": "0.1",
        "lem-y": "0.1",
        "thm-z": "0.1",
    }
    md = jupyter_markdown(doc, nums)
    assert "*Figure 1: Solo*" in md and "*(b) Right*" in md
    assert "*Figure 2: Pair caption*" in md and "**Lemma 0.1 (Named).**" in md
    assert "See Figure 1, Figure 2b, Figure 2, Lemma 0.1 and Theorem 0.1." in md
    assert "## Named" not in md and "{#" not in md


def test_notebook_plan_puts_supporting_code_in_one_section(tmp_path):
    """The modules the chunks before the first question import are supporting code:
    all of them, with what they import, come folded in one section at the first such
    chunk; every other module comes where the PDF lists its functions (shown; a module
    it imports folded), or folded where it is first imported, after a line naming it."""
    qmd = write_project(
        tmp_path,
        {
            "code/data.py": '"""Data. More."""\nX = 1\n',
            "code/cache.py": '"""Cache."""\nC = 2\n',
            "code/listing.py": "def show_source():\n    pass\n",
            "code/util.py": '"""Helpers of qa."""\nU = 4\n',
            "code/qa.py": '"""Question a."""\nfrom data import X\nfrom util import U\n'
            "\n\ndef f():\n    return X + U\n",
            "code/qb.py": '"""Question b."""\n\n\ndef g():\n    return 3\n',
            "report.qmd": textwrap.dedent(
                """\
                ```{python}
                #| tags: [report-only]
                from listing import show_source
                ```

                ```{python}
                from data import X
                ```

                # Question

                ```{python}
                #| tags: [report-only]
                show_definitions("qa", "f")
                ```

                ```{python}
                from qa import f
                from qb import g
                from cache import C
                ```

                ```{python}
                #| tags: [report-only]
                show_source("qa", "qb")
                ```
                """
            ),
        },
    )
    doc = read(qmd)
    modules = code_modules(doc.root)
    tree = parse.parse(weave.weave(doc, None).markdown)
    plan = inline_plan(doc.chunks, modules, preamble_chunks(tree))
    assert {
        i: [(p.name, p.lead_in, p.supporting) for p in places]
        for i, places in plan.items()
    } == {
        0: [],
        1: [("data", True, True)],
        2: [("util", True, False), ("qa", False, False)],  # what qa imports: folded
        3: [("qb", True, False), ("cache", True, False)],
        4: [],
    }
    cells = module_cells(plan[1], modules, new_markdown_cell, new_code_cell)
    assert cells[0].source.startswith("# Supporting code")
    assert "- `data.py`: Data." in cells[0].source
    assert [c.metadata for c in cells[1:]] == [{"jupyter": {"source_hidden": True}}]
    cells = module_cells(plan[3], modules, new_markdown_cell, new_code_cell)
    assert [c.source.split(".")[0] for c in cells[::2]] == [
        "**Code of this part: `qb",
        "**Code of this part: `cache",
    ]
    assert cells[1].source == modules["qb"].read_text().strip()


def test_module_summary_keeps_words_in_angle_brackets(tmp_path):
    """A docstring is text: its <eos> must not become an HTML tag that Jupyter hides."""
    path = tmp_path / "data.py"
    path.write_text('"""Words split on whitespace, <eos> at line ends. More."""\n')
    summary = module_summary("data", {"data": path})
    assert summary == "Words split on whitespace, \\<eos> at line ends."
    path.write_text("x = 1\n")  # no docstring: nothing to say
    assert module_summary("data", {"data": path}) == ""
    html = MarkdownIt().render(summary)
    assert "&lt;eos&gt;" in html
