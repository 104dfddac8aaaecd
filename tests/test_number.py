"""Numbering on the document tree (builder/number.py): what LaTeX counts, raw LaTeX
included, and located errors where a number cannot be known."""

import pytest
from conftest import write_project

from builder import number as numbering
from builder import parse, weave
from builder.read import BuildError, read


def document(tmp_path, text: str, sections: bool | None = None):
    """The document of `text` (number-sections set in _quarto.yml unless None) and its
    tree, woven without executing anything."""
    files = {"report.qmd": text}
    if sections is not None:
        files["_quarto.yml"] = (
            f"format:\n  pdf:\n    number-sections: {str(sections).lower()}\n"
        )
    doc = read(write_project(tmp_path, files))
    return doc, parse.parse(weave.weave(doc, None).markdown)


def number(tmp_path, text: str, sections: bool = True, output: str = "pdf"):
    return numbering.number(document(tmp_path, text, sections)[1], output, sections)


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


def test_appendix_counter_zero_has_no_letter(tmp_path):
    """LaTeX's \\Alph{0} is empty: after \\appendix, before its first section (or with no
    numbered sections at all), theorems are ".1" and a subsection ".1", as Quarto 1.10.18
    prints them (round twenty-two stopped here: "0.1" against LaTeX's ".1")."""
    text = (
        "# One\n\n::: {#thm-a}\nA.\n:::\n\n\\appendix\n\n::: {#lem-b}\nB.\n:::\n\n"
        "## Sub {#sec-sub}\n\n::: {#lem-c}\nC.\n:::\n\n# Extra {#sec-extra}\n\n"
        "See @thm-a, @lem-b, @sec-sub, @lem-c and @sec-extra.\n"
    )
    nums = number(tmp_path, text)
    assert [nums.text(k) for k in ("thm-a", "lem-b", "sec-sub", "lem-c", "sec-extra")] == [
        "Theorem 1.1", "Lemma .1", "Section .1", "Lemma .2", "Section A"
    ]  # fmt: skip
    text = "# Main\n\n::: {#lem-a}\nA.\n:::\n\n\\appendix\n\n# More\n\n::: {#lem-b}\nB.\n:::\n"
    nums = number(tmp_path / "plain", text + "\n@lem-a and @lem-b.\n", sections=False)
    assert (nums.numbers["lem-a"], nums.numbers["lem-b"]) == ("0.1", ".1")
    text = (
        "# Method\n\n\\appendix\n\n# Appendix {.unnumbered}\n\n## Proof\n\n## Extra\n"
    )
    nums = number(tmp_path / "headings", text)  # the notebook's headings: not "Z.1"
    assert list(nums.headings.values()) == [["1"], [".1"], [".2"]]


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
            'Text.\n\n``` {.python code-fold="true"}\nx = 1\n```\n',
            r"report.qmd:3: 'code-fold' on a code block is a Quarto listing",
        ),
        (
            "See @lst-up.\n",
            r"report.qmd:1: reference @lst-up points to no label",
        ),
        (  # every missing label named, as Quarto warns of each
            "See @fig-a.\n\nAnd @tbl-b, @fig-a.\n",
            r"report.qmd:1: reference @fig-a points to no label in the document\n"
            r"report.qmd:3: reference @tbl-b points to no label in the document\n"
            r"report.qmd:3: reference @fig-a points to no label in the document$",
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


def test_multline_gather_and_starred_rows_as_latex(tmp_path):
    r"""multline: one number for the whole display, its label gets it; gather numbers
    each row (\\) unless \notag; a starred environment numbers nothing, and a label in
    it has no number; the notebook's copy carries each number as \tag, labels gone."""
    multline = "\\begin{multline}\na \\\\\nb \\label{eq:m}\n\\end{multline}"
    gather = "\\begin{gather}\nc \\label{eq:g1} \\\\\nd \\notag \\\\\ne \\label{eq:g3}\n\\end{gather}"
    text = (
        f"{multline}\n\n{gather}\n\n"
        "\\begin{multline*}\nf \\\\\ng\n\\end{multline*}\n\n"
        "\\begin{align*}\nh \\label{eq:star}\n\\end{align*}\n\n"
        "$$ i $$ {#eq-last}\n\nSee @eq-last.\n"
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {"eq:m": "1", "eq:g1": "2", "eq:g3": "3", "eq-last": "4"}
    assert nums.unknown["eq:star"].startswith(
        "a \\label outside anything LaTeX numbers"
    )
    assert nums.tagged[multline] == [
        "\\begin{multline}\na \\\\\nb \n \\tag{1}\\end{multline}"
    ]
    assert nums.tagged[gather] == [
        "\\begin{gather}\nc   \\tag{2}\\\\\nd \\notag \\\\\ne \n \\tag{3}\\end{gather}"
    ]


def test_a_tagged_raw_row_is_numbered_by_its_tag(tmp_path, capsys):
    r"""`\tag{A}` in a row of align: the row's number is A (its label gets it), no
    counter stepped; the notebook's copy keeps that tag and gets no second one.  A
    reference to a raw equation's label is numbered, with a warning that Quarto
    1.10.18 prints ?@eq-b there."""
    align = (
        "\\begin{align}\na \\label{eq:a} \\\\\nb \\tag{A} \\label{eq-b} \\\\\n"
        "c \\label{eq:c}\n\\end{align}"
    )
    nums = number(tmp_path, f"{align}\n\nSee @eq-b.\n", output="ipynb")
    assert nums.numbers == {"eq:a": "1", "eq-b": "A", "eq:c": "2"}
    assert (
        "report.qmd:7: @eq-b refers to a raw LaTeX equation's \\label: the built-in "
        "path numbers it (Equation A), Quarto prints ?@eq-b instead"
    ) in capsys.readouterr().out
    assert nums.tagged[align] == [
        "\\begin{align}\na   \\tag{1}\\\\\nb \\tag{A}  \\\\\nc \n \\tag{2}\\end{align}"
    ]


def test_a_label_in_an_unnumbered_row_or_before_a_caption_has_no_number(tmp_path):
    text = (
        "\\begin{align}\na \\label{eq:off} \\nonumber \\\\\nb \\label{eq:on}\n"
        "\\end{align}\n\n"
        "\\begin{figure}\n\\caption{A raw figure}\\label{fig-raw}\n\\end{figure}\n\n"
        "\\begin{longtable}{l}\n\\caption{A long table}\\label{tbl-long}\\\\\n"
        "x\\\\\n\\end{longtable}\n"
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {"eq:on": "1", "fig-raw": "1", "tbl-long": "1"}
    assert nums.unknown["eq:off"].startswith("a row of align without a number (raw")
    assert nums.where["eq:off"] == "report.qmd:1"


def test_raw_subsections_starred_theorems_and_theorem_labels(tmp_path):
    text = (
        "\\section{One}\n\n\\subsection{One.a}\n\n\\subsection*{Not counted}\n\n"
        "## Two {#sec-two}\n\n"
        "\\begin{theorem}\\label{thm-raw}x\\end{theorem}\n\n"
        "\\begin{theorem*}y\\end{theorem*}\n\n"
        "::: {#thm-md}\nz\n:::\n"
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {"sec-two": "1.2", "thm-raw": "1.1", "thm-md": "1.2"}


def test_unlabelled_figures_and_captioned_tables_take_numbers(tmp_path):
    """pandoc numbers a captioned image and a captioned table with no label, so the
    labelled ones after them count on."""
    text = (
        "![An unlabelled figure](a.png)\n\n![A labelled one](b.png){#fig-b}\n\n"
        "| a |\n|---|\n| 1 |\n\n: No label\n\n"
        "| b |\n|---|\n| 2 |\n\n: Labelled {#tbl-b}\n\nSee @fig-b and @tbl-b.\n"
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {"fig-b": "2", "tbl-b": "2"}


def test_sub_figures_restart_in_each_figure_and_tables_in_divs(tmp_path):
    text = (
        "::: {#fig-one}\n![x](a.png){#fig-one-a}\n\n![y](b.png){#fig-one-b}\n\nOne.\n:::\n\n"
        "::: {#fig-two}\n![z](c.png){#fig-two-a}\n\nTwo.\n:::\n\n"
        "::: {#tbl-div}\n| a |\n|---|\n| 1 |\n\nA table.\n:::\n\n"
        "See @fig-one-b, @fig-two-a and @tbl-div.\n"
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {
        "fig-one": "1",
        "fig-one-a": "1a",
        "fig-one-b": "1b",
        "fig-two": "2",
        "fig-two-a": "2a",
        "tbl-div": "1",
    }


def test_without_number_sections_theorems_count_from_zero_and_sections_have_none(
    tmp_path,
):
    """As LaTeX with \\newtheorem{theorem}[section] and secnumdepth 0: "Theorem 0.1"; a
    section's label has no number to show (Quarto prints its name)."""
    text = "# Intro {#sec-intro}\n\n::: {#thm-a}\nx\n:::\n\n::: {#cor-b}\ny\n:::\n"
    nums = number(tmp_path, text, sections=False)
    assert nums.numbers == {"sec-intro": "", "thm-a": "0.1", "cor-b": "0.1"}
    assert nums.unnumbered == {"sec-intro"}
    assert nums.headings == {"report.qmd:1": [""]}
    assert nums.text("thm-a") == "Theorem 0.1"
    assert nums.text("cor-b", caption=True) == "Corollary 0.1"


def test_references_in_callout_titles_and_hidden_parts(tmp_path):
    """A callout's title= may hold a reference, checked like any other; a part hidden
    from this output is not counted and its labels are not there to refer to."""
    text = (
        '::: {.callout-note title="About @eq-a"}\nText.\n:::\n\n$$ a $$ {#eq-a}\n\n'
        '::: {.content-visible when-format="ipynb"}\n$$ b $$ {#eq-nb}\n:::\n'
    )
    assert number(tmp_path, text).numbers == {"eq-a": "1"}
    missing = text.replace("About @eq-a", "About @eq-nb")
    with pytest.raises(BuildError, match=r"reference @eq-nb points to no label"):
        number(tmp_path, missing)
    assert number(tmp_path, missing, output="ipynb").numbers == {
        "eq-a": "1",
        "eq-nb": "2",
    }


def test_a_reference_to_a_pdf_only_label_reads_as_quartos_in_the_notebook(
    tmp_path, capsys
):
    """The PDF shows the figure and its reference (Quarto 1.10.18: "See Figure 1."); the
    notebook, which does not show it, reads "?@fig-pdf" as Quarto's notebook, with a
    located warning, instead of stopping the build."""
    from builder.write.export import Jupyter

    text = (
        '::: {.content-visible when-format="pdf"}\n![Only here.](a.png){#fig-pdf}\n\n'
        "$$ a $$ {#eq-pdf}\n:::\n\nSee @fig-pdf and @eq-pdf.\n"
    )
    assert number(tmp_path, text).numbers == {"fig-pdf": "1", "eq-pdf": "1"}
    nums = number(tmp_path, text, output="ipynb")
    assert nums.numbers == {}
    out = capsys.readouterr().out
    for ident in ("fig-pdf", "eq-pdf"):
        assert (
            f"report.qmd:7: the reference @{ident} points to a label the notebook does not"
            in out
        )
    cite = parse.parse("@fig-pdf")["blocks"][0]["c"][0]
    assert Jupyter(nums, {}).cite(cite) == [{"t": "Str", "c": "?@fig-pdf"}]


def test_listings_are_numbered_and_crossref_ids_recognised(tmp_path):
    text = (
        '```{#lst-one .python lst-cap="One"}\nx = 1\n```\n\n'
        '```{#lst-two .python lst-cap="Two"}\ny = 2\n```\n\nSee @Lst-two.\n'
    )
    assert number(tmp_path, text).numbers == {"lst-one": "1", "lst-two": "2"}
    assert numbering.is_crossref("Fig-x") and numbering.is_crossref("thm-a")
    assert numbering.is_crossref("fig-a-b") and numbering.is_crossref("Eq-x-y")
    assert not numbering.is_crossref("smith-2020")  # a citation key, not a prefix
    assert not numbering.is_crossref("fig")
    assert numbering.label("Eq-x") == "eq-x" and numbering.label("eq-X") == "eq-X"


def test_document_numbers_reads_number_sections(tmp_path):
    text = "# A\n\n::: {#thm-a}\nx\n:::\n"
    for sections, expected in ((True, "1.1"), (False, "0.1")):
        doc, tree = document(tmp_path, text, sections)
        nums = numbering.document_numbers(doc, tree, "pdf")
        assert nums.numbers == {"thm-a": expected}


def test_a_reference_to_an_empty_chunk_says_why_it_is_empty(tmp_path):
    chunks = "".join(
        f"```{{python}}\n#| label: fig-{name}\n{option}print(1)\n```\n\n"
        for name, option in (
            ("skipped", "#| eval: false\n"),
            ("hidden", "#| include: false\n"),
            ("quiet", "#| output: false\n"),
            ("drawn", ""),
        )
    )
    doc = read(write_project(tmp_path, {"report.qmd": chunks}))
    why = numbering.chunk_reason(doc.chunks)
    assert (
        why("fig-skipped")
        == " (the chunk at report.qmd:1 (chunk 'fig-skipped') has eval: false)"
    )
    assert (
        why("fig-hidden")
        == " (the chunk at report.qmd:7 (chunk 'fig-hidden') has include: false)"
    )
    assert (
        why("fig-quiet")
        == " (the chunk at report.qmd:13 (chunk 'fig-quiet') has output: false)"
    )
    assert why("fig-drawn") == (
        " (the chunk at report.qmd:19 (chunk 'fig-drawn') printed nothing with that label)"
    )
    assert why("fig-other") == ""
    tree = parse.parse("See @fig-skipped.\n")
    with pytest.raises(
        BuildError, match=r"points to no label in the document \(the chunk at report"
    ):
        numbering.number(tree, "pdf", True, why)


@pytest.mark.parametrize(
    "where",
    [
        "Text, *see @fig-missing*.\n",
        "- an item\n- @fig-missing here\n",
        "> A quote with @fig-missing.\n",
        "| a |\n|---|\n| @fig-missing |\n\n: A table\n",
        "| a |\n|---|\n| 1 |\n\n: A table after @fig-missing\n",
        "Text.[^1]\n\n[^1]: A note on @fig-missing.\n",
        "Term\n\n: A definition with @fig-missing.\n",
        "A term with @fig-missing\n\n: its definition\n",
        "[A link to @fig-missing](https://example.org)\n",
        "1. first\n\n   ---\n\n   @fig-missing\n",
    ],
)
def test_a_reference_is_checked_wherever_pandoc_puts_it(tmp_path, where):
    with pytest.raises(BuildError, match=r"reference @fig-missing points to no label"):
        number(tmp_path, "# A\n\n" + where)


def test_labels_are_counted_wherever_pandoc_puts_them(tmp_path):
    """An image with a fig- label inside a paragraph, an equation in a list item or a
    quote, equations written with or without a space before their label, raw LaTeX
    given as `{=latex}` blocks and inlines, labels of several words."""
    text = (
        "Inline ![a plot](a.png){#fig-in-text} in a sentence.\n\n"
        "- $$ a $$ {#eq-in-list}\n\n"
        "> $$b$${#eq-in-quote}\n\n"
        "```{=latex}\n\\begin{equation}\\label{eq:raw-block}c\\end{equation}\n```\n\n"
        "Text `\\begin{equation}\\label{eq:raw-inline}d\\end{equation}`{=latex}.\n\n"
        "::: {#thm-long-name}\nx\n:::\n\n"
        "See @fig-in-text, @eq-in-list, @eq-in-quote and @thm-long-name.\n"
    )
    nums = number(tmp_path, "# A\n\n" + text)
    assert nums.numbers == {
        "fig-in-text": "1",
        "eq-in-list": "1",
        "eq-in-quote": "2",
        "eq:raw-block": "3",
        "eq:raw-inline": "4",
        "thm-long-name": "1.1",
    }
    assert nums.where["thm-long-name"] == "report.qmd:15"
    assert nums.text("thm-long-name") == "Theorem 1.1"


def test_reference_prefixes_and_caption_titles_are_the_documents(tmp_path):
    """crossref: fig-prefix words a reference ("Fig. 1"); a caption keeps the title."""
    from builder import vocabulary

    vocabulary.use_document({"crossref": {"fig-prefix": "Fig."}})
    try:
        nums = number(tmp_path, "![A](a.png){#fig-a-b}\n\nSee @fig-a-b.\n")
        assert nums.text("fig-a-b") == "Fig. 1"
        assert nums.text("fig-a-b", caption=True) == "Figure 1"
    finally:
        vocabulary.use_document({})
    assert nums.text("fig-a-b") == "Figure 1"


def test_an_unnumbered_heading_keeps_its_label_without_a_number(tmp_path):
    nums = number(
        tmp_path, "# Notes {#sec-notes .unnumbered}\n\n# First {#sec-first}\n"
    )
    assert nums.numbers == {"sec-notes": "", "sec-first": "1"}
    assert nums.unnumbered == {"sec-notes"}
    assert nums.unknown["sec-notes"] == (
        "it is the label of an unnumbered heading (at report.qmd:1), which has no "
        "number to refer to: link to it by name instead, [Notes](#sec-notes)"
    )


def test_a_callout_or_proof_title_is_no_section(tmp_path):
    """A callout's or a proof's leading '## Title' is its title: the sections after it
    count on as if it were not there; with title= given, a callout has its title and a
    leading heading is an ordinary (numbered) heading."""
    text = (
        "# One\n\n::: {.callout-note}\n## A note\nText.\n:::\n\n"
        "::: {.proof}\n## Proof of everything\nDone.\n:::\n\n"
        "# Two {#sec-two}\n\n"
        '::: {.callout-tip title="Tip"}\n## Inside {#sec-inside}\nText.\n:::\n'
    )
    nums = number(tmp_path, text)
    assert nums.numbers == {"sec-two": "2", "sec-inside": "2.1"}


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "```{#lst-a .python}\nx = 1\n```\n",
            "report.qmd:1: a listing needs both a #lst- label and lst-cap (here: "
            "#lst-a, no lst-cap)",
        ),
        (
            '```{.python lst-cap="A"}\nx = 1\n```\n',
            "report.qmd:1: a listing needs both a #lst- label and lst-cap (here: no "
            "label, lst-cap)",
        ),
        (
            'Text.\n\n```{.python code-fold="true"}\nx = 1\n```\n',
            "report.qmd:3: 'code-fold' on a code block is a Quarto listing "
            "option the built-in renderer does not support: remove it, or build with "
            "Quarto",
        ),
        (
            "Text.\n\n```python\nx = 1\ny = 2  # <1>\n```\n1. Why.\n",
            "report.qmd:3: '# <1>' is a Quarto code annotation (circled numbers "
            "explained by the list after the code), which the built-in renderer does "
            "not support: remove it, or build with Quarto",
        ),
    ],
)
def test_code_block_messages_in_full(tmp_path, text, message):
    with pytest.raises(BuildError) as error:
        number(tmp_path, text)
    assert str(error.value) == message


def test_sub_figures_written_as_divs_stop_with_their_line(tmp_path):
    """A figure div inside a figure div is a sub-figure ("Figure 1a", parse.py) when it
    holds one image and its caption; one holding more stops with its line, not a LaTeX
    failure with no line."""
    text = (
        "# A\n\n::: {#fig-main}\n\n::: {#fig-a}\n![](a.png)\n\n![](b.png)\n\n"
        "First\n:::\n\nMain.\n:::\n"
    )
    with pytest.raises(BuildError) as error:
        number(tmp_path, text)
    assert str(error.value) == (
        "report.qmd:5: the figure div #fig-a is inside another figure div: sub-figures "
        "written as divs are not supported by the built-in renderer; give each "
        "sub-figure as an image with its own label inside the figure div "
        "(![caption](file){#fig-a}), or build with Quarto"
    )


def test_more_raw_latex_as_latex_counts_it(tmp_path):
    r"""A starred float's caption is numbered like the float's; a \ line break outside
    any environment counts nothing; unlabelled display math, at the end of a paragraph
    or before a line break, takes no number."""
    text = (
        "```{=latex}\n\\begin{figure*}\\caption{Wide}\\label{fig-wide}"
        "\\end{figure*}\n```\n\n"
        "```{=latex}\nfirst line \\\\ second line\n```\n\n"
        "```{=latex}\n\\end{minipage}\n```\n\n"  # an end whose begin is elsewhere
        "# Next {#sec-next}\n\nA sum $$ a + b $$\nand more text, then $$ c $$\n\n"
        "$$ d $$ {#eq-d}\n\nSee @fig-wide, @sec-next and @eq-d.\n"
    )
    assert number(tmp_path, text).numbers == {
        "fig-wide": "1",
        "sec-next": "1",
        "eq-d": "1",
    }


def test_a_title_is_only_the_first_heading_of_a_callout(tmp_path):
    text = (
        "# One\n\n::: {.callout-note}\n## The title\nText.\n\n## Inside {#sec-in}\n"
        "More.\n:::\n\n::: {.callout-tip}\n## Its title\n\n## Next {#sec-next}\n:::\n\n"
        "::: {.my-class}\n## Plain div {#sec-plain}\n:::\n\n## After {#sec-after}\n"
    )
    assert number(tmp_path, text).numbers == {
        "sec-in": "1.1",
        "sec-next": "1.2",
        "sec-plain": "1.3",
        "sec-after": "1.4",
    }


def test_number_defaults_and_its_plain_message(tmp_path):
    """number(tree): the PDF's view with numbered sections; a reference to nothing says
    just that when no reason is given; generated labels (kind--chunk) are not
    referable."""
    text = (
        "# A\n\n::: {#thm-a}\nx\n:::\n\n"
        '::: {.content-visible when-format="pdf"}\n$$ a $$ {#eq-pdf}\n:::\n'
    )
    doc, tree = document(tmp_path, text)
    assert numbering.number(tree).numbers == {"thm-a": "1.1", "eq-pdf": "1"}
    assert numbering.number(tree, "ipynb").numbers == {"thm-a": "1.1"}
    with pytest.raises(BuildError) as error:
        numbering.number(parse.parse("See @eq-none.\n"))
    assert str(error.value).endswith(
        "reference @eq-none points to no label in the document"
    )
    nums = numbering.Numbering(numbers={"tbl--scores": "1", "tbl-scores": "2"})
    assert not nums.referable("tbl--scores") and nums.referable("tbl-scores")


def test_document_numbers_defaults_to_no_section_numbers_and_says_why(tmp_path):
    """Without number-sections (Quarto's default) theorems are "0.1"; the output shown
    is the one asked for; a reference to an empty chunk says why it is empty."""
    text = (
        "# A\n\n::: {#thm-a}\nx\n:::\n\n"
        '::: {.content-visible when-format="ipynb"}\n$$ b $$ {#eq-nb}\n:::\n'
    )
    doc, tree = document(tmp_path, text)
    assert numbering.document_numbers(doc, tree, "ipynb").numbers == {
        "thm-a": "0.1",
        "eq-nb": "1",
    }
    assert numbering.document_numbers(doc, tree, "pdf").numbers == {"thm-a": "0.1"}
    chunk = "```{python}\n#| label: fig-none\n#| eval: false\nprint(1)\n```\n"
    doc = read(write_project(tmp_path, {"report.qmd": chunk}))
    with pytest.raises(
        BuildError, match=r"\(the chunk at report.qmd:1 .*eval: false\)"
    ):
        numbering.document_numbers(doc, parse.parse("See @fig-none.\n"), "pdf")


@pytest.mark.parametrize("cls", ["aside", "column-margin", "column-page"])
def test_margin_and_page_column_spans_stop_with_their_line(tmp_path, cls):
    """Quarto 1.10.18's PDF sets `[..]{.aside}` and `.column-margin` spans in the margin
    (\\marginnote, a narrower text): a located error, as the divs of those classes."""
    text = f"# A\n\nMain text.\n\nMore.[In the margin.]{{.{cls}}} After.\n"
    with pytest.raises(
        BuildError, match=rf"report.qmd:5: the span class '.{cls}'.*: remove the class"
    ):
        number(tmp_path, text)
    number(tmp_path, "# A\n\n[Small]{.smallcaps} and [hidden]{.hidden}.\n")
