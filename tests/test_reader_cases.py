"""Real-world documents (../shared/quarto-cases, issue 11a's cases 01 02 04 07 08 09 13 14,
copied here so the tests stand alone) built with the built-in renderer: each gives the value
Quarto 1.10.18 gives, or stops with a located error.  Where real Quarto is installed, the
same documents are rendered with it and hold the same values (the oracle); CI has no Quarto,
so that test is skipped there."""

import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import needs_latex, pdf_text, write_project
from nbclient import NotebookClient

from builder.__main__ import build
from builder.read import BuildError

QUARTO_YML = "format:\n  pdf:\n    pdf-engine: xelatex\n    number-sections: true\n"

CASES = {
    "01-error-true": {
        "report.qmd": """
            ---
            title: "Showing an exception on purpose"
            ---

            # Division by zero

            The next cell is meant to fail, and the reader should see the traceback.

            ```{python}
            #| error: true
            def ratio(a, b):
                return a / b

            ratio(1, 0)
            ```

            Execution goes on after the error:

            ```{python}
            print("still running")
            ```
            """,
    },
    "02-unicode-greek-arrows": {
        "report.qmd": """
            ---
            title: "Unicode in code, output and prose"
            ---

            # Symbols

            ```{python}
            # learning rate η, momentum β → update rule
            η, β = 0.1, 0.9
            θ = [1.0, 2.0]
            print(f"η={η}, β={β}, θ → {[t * β for t in θ]}")
            print("≤ ≥ ≠ ∞ ∑ √ ∂ ∇ ⊙ × ÷ ± ° µ Å ✓ ✗ ─ │ └")
            ```

            In prose: the step size η and the decay β, with θ ← θ − η∇L, and ≤, ≥, ✓.
            """,
    },
    "07-multiline-yaml-options": {
        "report.qmd": """
            ---
            title: "Multi-line cell options"
            ---

            # Results

            @fig-long and @tbl-scores hold the results.

            ```{python}
            #| fig-cap: |
            #|   A caption written as a YAML literal block,
            #|   spread over two source lines.
            #| echo: false
            #| label: fig-long
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.bar(["a", "b"], [2, 3])
            plt.show()
            ```

            ```{python}
            #| tbl-cap: >-
            #|   Scores per model, folded
            #|   over two lines.
            #| label: tbl-scores
            #| echo: false
            from IPython.display import Markdown
            Markdown("| model | score |\\n|---|---|\\n| small | 0.81 |\\n| large | 0.88 |")
            ```
            """,
    },
    "08-echo-fenced": {
        "report.qmd": """
            ---
            title: "Showing a chunk with its options"
            ---

            # How to label a chunk

            A chunk is written like this (the fence and its options are part of the lesson):

            ```{python}
            #| echo: fenced
            #| label: demo-sum
            total = sum(range(5))
            total
            ```
            """,
    },
    "09-escaped-shortcodes": {
        "report.qmd": """
            ---
            title: "Writing about shortcodes"
            ---

            # Includes

            To pull in a partial, write {{{< include partial.qmd >}}} on a line of its own.

            The same, shown as a listing:

            ```markdown
            {{{< include partial.qmd >}}}
            {{{< meta title >}}}
            ```

            A listing filled from a file:

            ```python
            {{< include snippet.py >}}
            ```
            """,
        "snippet.py": "def double(x):\n    return 2 * x\n",
    },
    "13-document-execute-options": {
        "report.qmd": """
            ---
            title: "Report options in the front matter"
            execute:
              echo: false
              warning: false
            format:
              pdf:
                toc: false
                number-sections: false
            ---

            # Results

            Only outputs should appear below: no code, no warning, no contents list, no section numbers.

            ```{python}
            import warnings
            warnings.warn("this estimate is noisy")
            print("accuracy = 0.88")
            ```
            """,
    },
    "14-ipython-magics": {
        "report.qmd": """
            ---
            title: "IPython magics in chunks"
            ---

            # Timing

            ```{python}
            %matplotlib inline
            import matplotlib.pyplot as plt
            values = [i * i for i in range(5)]
            plt.plot(values);
            ```

            ```{python}
            %%capture captured
            print("hidden by the cell magic")
            ```

            ```{python}
            !echo shell escape works
            len(captured.stdout)
            ```
            """,
    },
}

# What Quarto 1.10.18's PDF shows (its text, in order) and never shows, per case.
EXPECTED = {
    "01-error-true": (
        [
            "1 Division by zero",
            "ratio(1, 0)",
            "ZeroDivisionError: division by zero",
            "Traceback (most recent call last)",
            "----> 4 ratio(1, 0)",
            "Execution goes on after the error:",
            'print("still running")',
            "still running",
        ],
        ["\x1b", "[0;31m"],
    ),
    "02-unicode-greek-arrows": (
        [
            "# learning rate η, momentum β → update rule",
            "η=0.1, β=0.9, θ → [0.9, 1.8]",
            "≤ ≥ ≠ ∞ ∑ √ ∂ ∇ ⊙ × ÷ ± ° µ Å ✓ ✗ ─ │ └",
            "In prose: the step size η and the decay β, with θ ← θ − η∇L, and ≤, ≥, ✓.",
        ],
        ["\ufffd"],
    ),
    "07-multiline-yaml-options": (
        [
            "Figure 1 and Table 1 hold the results.",
            "Figure 1: A caption written as a YAML literal block, spread over two source "
            "lines.",
            "Table 1: Scores per model, folded over two lines.",
            "model score",
        ],
        ["?@", "import matplotlib"],
    ),
    "08-echo-fenced": (
        [
            "```{python}",
            "#| label: demo-sum",
            "total = sum(range(5))",
            "total",
            "```",
            "10",
        ],
        ["echo: fenced"],
    ),
    "09-escaped-shortcodes": (
        [
            "To pull in a partial, write {{< include partial.qmd >}} on a line of its own.",
            "{{< include partial.qmd >}}",
            "{{< meta title >}}",
            "A listing filled from a file:",
            "def double(x):",
            "return 2 * x",
        ],
        ["{{{", "}}}", "include snippet.py"],
    ),
    "13-document-execute-options": (
        ["Results", "Only outputs should appear below", "accuracy = 0.88"],
        ["Contents", "1 Results", "import warnings", "UserWarning", "print("],
    ),
    "14-ipython-magics": (
        [
            "1 Timing",
            "%matplotlib inline",
            "plt.plot(values);",
            "%%capture captured",
            'print("hidden by the cell magic")',
            "!echo shell escape works",
            "len(captured.stdout)",
            "shell escape works",
            "25",
        ],
        [],
    ),
}
# Where Quarto itself gives something else (../shared/quarto-cases/README.md: the builder
# keeps the better result), the oracle checks Quarto's own value instead.
QUARTO_DIFFERS = {
    "02-unicode-greek-arrows": (  # Latin Modern has no Greek: the glyphs vanish in prose
        ["In prose: the step size \ufffd and the decay \ufffd"],
        [],
    ),
    "07-multiline-yaml-options": (  # Quarto breaks a multi-line tbl-cap
        [
            "Figure 1 and ?@tbl-scores hold the results.",
            "Figure 1: A caption written as a YAML literal block, spread over two source "
            "lines.",
        ],
        [],
    ),
}


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_shows(text: str, present: list[str], absent: list[str]):
    """`present` appear in this order in the PDF's text (spacing ignored); `absent` never."""
    text, at = normal(text), 0
    for item in present:
        found = text.find(normal(item), at)
        assert found >= 0, f"{item!r} missing (after position {at}) in:\n{text}"
        at = found + len(normal(item))
    for item in absent:
        assert normal(item) not in text, f"{item!r} should not be in:\n{text}"


def make_case(tmp_path, name):
    return write_project(tmp_path, {"_quarto.yml": QUARTO_YML, **CASES[name]})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each case built once with the built-in renderer: (pdf text, notebook, log)."""
    results = {}

    def get(name):
        if name not in results:
            qmd = make_case(tmp_path_factory.mktemp(name), name)
            log = []
            out = build(qmd, log=log.append)
            results[name] = (
                pdf_text(qmd.with_suffix(".pdf")),
                out["notebook"],
                "\n".join(log),
            )
        return results[name]

    return get


@needs_latex
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_gives_quartos_value(built, name):
    text, notebook, _ = built(name)
    assert_shows(text, *EXPECTED[name])
    nbformat.validate(notebook)


@needs_latex
def test_error_true_notebook_runs_past_the_error(built):
    """Case 01: the notebook keeps the traceback and, tagged raises-exception, runs top to
    bottom on its own as the build did (nbclient stops at an untagged error)."""
    _, notebook, _ = built("01-error-true")
    failing = next(c for c in notebook.cells if "ratio(1, 0)" in c.get("source", ""))
    assert failing.metadata["tags"] == ["raises-exception"]
    assert [o.output_type for o in failing.outputs] == ["error"]
    assert failing.outputs[0].ename == "ZeroDivisionError"
    ran = NotebookClient(nbformat.from_dict(json.loads(json.dumps(notebook)))).execute()
    assert ran.cells[-1].outputs[0].text == "still running\n"


@needs_latex
def test_warning_false_drops_warnings_from_the_notebook_too(built):
    """Case 13: Quarto's notebook has only `accuracy = 0.88` (no UserWarning)."""
    _, notebook, _ = built("13-document-execute-options")
    (cell,) = [c for c in notebook.cells if c.cell_type == "code"]
    assert [o.get("text") for o in cell.outputs] == ["accuracy = 0.88\n"]


def test_error_without_error_true_stops_naming_the_chunk(tmp_path):
    qmd = write_project(
        tmp_path,
        {"report.qmd": "# A\n\n```{python}\n#| label: divide\n1 / 0\n```\n"},
    )
    with pytest.raises(
        BuildError, match=r"report.qmd:3 \(chunk 'divide'\) raised ZeroDivisionError"
    ):
        build(qmd, pdf=False, log=lambda *_: None)


def test_align_inside_labelled_display_stops_before_execution(tmp_path):
    """Case 04: Quarto fails in LaTeX (line 186 of its .tex); the builder names the line
    of report.qmd and what to write instead, before running anything."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: T\n---\n\n# Model\n\nSee @eq-sys.\n\nSome text before.\n\n"
            "$$\n\\begin{align}\na &= b + c \\\\\nd &= e\n\\end{align}\n$$ {#eq-sys}\n"
        },
    )
    with pytest.raises(
        BuildError,
        match=r"report.qmd:12: \\begin\{align\} inside labelled display math .*"
        r"\\begin\{aligned\}",
    ):
        build(qmd, log=lambda *_: None)


def test_an_environment_inside_display_math_stops_where_pandoc_wraps_it(tmp_path):
    """pandoc writes `$$\\begin{align}...$$` as it is (Quarto's PDF builds), but wraps
    math that opens with anything else in \\[ \\], where an environment is a LaTeX
    error; `eqnarray*` is wrapped too (pandoc 3.9)."""
    for math in (
        "x = \\begin{align} a \\end{align}",
        "\\begin{eqnarray*} a \\end{eqnarray*}",
    ):
        qmd = write_project(tmp_path, {"report.qmd": f"# A\n\n$$ {math} $$\n"})
        with pytest.raises(BuildError, match=r"report.qmd:3: \\begin\{"):
            build(qmd, pdf=False, log=lambda *_: None)
    qmd = write_project(
        tmp_path, {"report.qmd": "# A\n\n$$\n\\begin{align} a \\end{align}\n$$\n"}
    )
    build(qmd, pdf=False, log=lambda *_: None)  # unlabelled and opening: as pandoc


@needs_latex
def test_latex_error_in_an_output_names_its_chunk(tmp_path):
    """LaTeX that code displays (IPython's Code, whose text/latex Quarto also picks,
    and fails on the same way): the error names the chunk whose output it is."""
    doc = (
        "---\ntitle: T\n---\n\nText.\n\n```{python}\n#| label: show\n"
        "from IPython.display import Latex\nLatex(r'A \\nosuchmacro{x} here')\n```\n"
    )
    with pytest.raises(BuildError) as failure:
        build(write_project(tmp_path, {"report.qmd": doc}), log=lambda *_: None)
    message = str(failure.value)
    assert "report.qmd:7 (chunk 'show') output: LaTeX error here" in message, message


@needs_latex
@pytest.mark.parametrize(
    "body",
    [  # TeX reads the note at the paragraph's end, the table at its end (round40)
        "We use decay.[^wd] More text here.\n\n[^wd]: A penalty; see $\\Loss$.\n",
        "| a | b |\n|---|---|\n| 1 | $\\Loss$ |\n\n: Cap {#tbl-e}\n",
        '::: {.callout-note title="About $\\Loss$"}\nBody.\n:::\n',
        # a chunk's caption: its option line, not the chunk's fence (round40)
        "```{python}\n#| label: fig-s\n#| fig-cap: Main\n#| fig-subcap:\n#|   - Left\n"
        "#|   - 'Right $\\Loss$'\n#| layout-ncol: 2\nimport matplotlib.pyplot as plt\n"
        "for k in (1, 2):\n    plt.figure(); plt.plot([0, k]); plt.show()\n```\n",
    ],
)
def test_an_undefined_command_is_named_where_it_is_used(tmp_path, body):
    qmd = write_project(tmp_path, {"report.qmd": "Some text.\n\n" + body})
    with pytest.raises(BuildError) as failure:
        build(qmd, log=lambda *_: None)
    used = next(k for k, t in enumerate(qmd.read_text().splitlines(), 1) if "Loss" in t)
    assert f"report.qmd:{used}: LaTeX error here" in str(failure.value)


@needs_latex
def test_latex_error_names_the_source_line_and_keeps_the_log(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: T\n---\n\n# A\n\nSome text.\n\n"
            "A bad macro \\nosuchmacro{x} in prose.\n"
        },
    )
    (tmp_path / "report.pdf").write_bytes(b"previous")
    with pytest.raises(BuildError) as failure:
        build(qmd, log=lambda *_: None)
    message = str(failure.value)
    assert re.search(r"report.qmd:9: LaTeX error here", message), message
    assert "! Undefined control sequence." in message and "\\nosuchmacro" in message
    kept = re.search(r"full log: (\S+)\)", message).group(1)
    assert "! Undefined control sequence." in open(kept).read()
    assert (tmp_path / "report.pdf").read_bytes() == b"previous"


@needs_latex
def test_a_blank_line_in_a_latex_environment_names_the_line_before_it(tmp_path):
    """A blank line ends a paragraph, and inside `align` LaTeX stops at it ("Paragraph
    ended before \\align was complete", in Quarto too): the .tex line is blank, so the
    line named is the one before the blank line."""
    body = "Text.\n\n\\begin{align}\na &= b\n\nc &= d\n\\end{align}\n"
    qmd = write_project(tmp_path, {"report.qmd": "---\ntitle: T\n---\n\n" + body})
    with pytest.raises(BuildError) as failure:
        build(qmd, log=lambda *_: None)
    assert "report.qmd:8: LaTeX error here" in str(failure.value)
    assert "Paragraph ended before \\align was complete" in str(failure.value)


@needs_latex
def test_a_missing_image_of_an_included_file_names_its_line(tmp_path, capsys):
    """Quarto reads an include as text, so `../figs/a.png` in chapters/part.qmd is looked
    for beside report.qmd, and LaTeX fails (Quarto 1.10.18 too, naming no line): the
    line that names the image, in the included file, not a line of report.qmd before."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "Main text.\n\n{{< include chapters/part.qmd >}}\n",
            "chapters/part.qmd": "## Part\n\n![A plot](../figs/a.png){#fig-a}\n",
        },
    )
    with pytest.raises(BuildError, match=r"part.qmd:3: LaTeX error here"):
        build(qmd, log=lambda *_: None)
    out = capsys.readouterr().out
    assert "part.qmd:3: image ../figs/a.png not found: a broken image" in out


@needs_latex
def test_missing_characters_become_located_warnings(tmp_path, capsys):
    """A glyph no font has (CJK in the title, in prose and in an output) is a warning
    naming the character, the font and the line, not a silent blank; a Greek letter
    unicode-math sets for a command in the text (round38 88) names the command."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "---\ntitle: T 報\n---\n\n# A\n\nThe character 漢 in prose.\n\n"
            '```{python}\nprint("".join(map(chr, [0x5B57])))\n```\n\nRate \\eta.\n'
        },
    )
    build(qmd, log=lambda *_: None)
    out = capsys.readouterr().out
    assert re.search(
        r"warning: report.qmd:7: the character 漢 \(U\+6F22\) is missing .*lmroman", out
    ), out
    assert re.search(r"the character 字 \(U\+5B57\) .*an output of the code\)", out)
    assert re.search(r"the character 𝜂 \(U\+1D702\) .*code, or \\eta in the text", out)
    assert "warning: report.qmd:2: the character 報 (U+5831)" in out  # the title


@needs_latex
def test_content_visible_in_pdf_and_notebook(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": '# A\n\n::: {.content-visible when-format="pdf"}\nPDF-ONLY text.\n:::\n\n'
            '::: {.content-hidden when-format="pdf"}\nNOTEBOOK-ONLY text.\n:::\n\n'
            "Both.\n\n"
            'A [pdf-span]{.content-visible when-format="pdf"} B [html-span]{.content-'
            'visible when-format="html"} C [nb-span]{.content-hidden when-format="pdf"}'
            " D.\n"
        },
    )
    out = build(qmd, log=lambda *_: None)
    assert_shows(
        pdf_text(qmd.with_suffix(".pdf")), ["PDF-ONLY text.", "Both."], ["NOTEBOOK"]
    )
    cells = "\n".join(c.source for c in out["notebook"].cells)
    assert "NOTEBOOK-ONLY text." in cells and "PDF-ONLY" not in cells
    # spans too: Quarto 1.10.18's PDF "A pdf-span B C D.", its notebook "A B C nb-span D."
    assert "A pdf-span B C D." in " ".join(pdf_text(qmd.with_suffix(".pdf")).split())
    assert "A B C nb-span D." in cells


@needs_latex
def test_a_condition_on_a_float_theorem_or_callout_keeps_it_one(tmp_path):
    """The condition classes beside a label or another class (Quarto 1.9+, #13992):
    the div keeps its meaning, only the condition goes.  Recorded from Quarto 1.10.18
    (round40 67b, 67d, 67e, 72b): "Figure 1: Only in the PDF. See Figure 1." ..."""
    from PIL import Image

    Image.new("RGB", (60, 40), "gray").save(tmp_path / "a.png")
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": '::: {#fig-x .content-visible when-format="pdf"}\n'
            "![](a.png){width=15%}\n\nOnly in the PDF.\n:::\n\n"
            '::: {#tbl-x .content-hidden unless-format="pdf"}\n| a | b |\n|---|---|\n'
            "| 1 | 2 |\n\nA PDF-only table.\n:::\n\n"
            '::: {#thm-x .content-visible when-format="pdf"}\nA theorem.\n:::\n\n'
            '::: {.callout-warning .content-visible when-format="pdf"}\nBoxed.\n:::\n\n'
            "See @fig-x, @tbl-x and @thm-x.\n"
        },
    )
    build(qmd, log=lambda *_: None)
    flat = " ".join(pdf_text(qmd.with_suffix(".pdf")).split())
    assert flat.startswith(
        "Figure 1: Only in the PDF. Table 1: A PDF-only table. a b 1 2 Theorem 0.1. "
        "A theorem. Á Warning Boxed. See Figure 1, Table 1 and Theorem 0.1."  # Á: its icon
    ), flat


@needs_latex
def test_a_div_with_data_latex_is_a_latex_environment(tmp_path):
    """`::: {.center data-latex=""}` (R Markdown's convention, Quarto's latexdiv.lua):
    the class is a LaTeX environment; the text is centred, or set flush right, as in
    Quarto 1.10.18's PDF (round40 69), and the class is not said to have no effect."""
    from pdf_layout import pdf_words

    qmd = write_project(
        tmp_path,
        {
            "report.qmd": '::: {.center data-latex=""}\nMiddle words.\n:::\n\n'
            "::: {.flushright latex=true}\nRight words.\n:::\n\nLeft words.\n"
        },
    )
    build(qmd, log=lambda *_: None)
    widths, words = pdf_words(qmd.with_suffix(".pdf"))
    first = [w[5] for w in words].index
    span = {
        k: (words[first(k)][1], words[first(k) + 1][3]) for k in ("Middle", "Right")
    }
    left, right = span["Middle"]
    assert abs((left + right) / 2 - widths[0] / 2) < 3  # centred on the page
    right_edge = span["Right"][1]  # at the text's right margin, where a line ends
    assert widths[0] - right_edge < widths[0] / 4 and right_edge - left > 100
    assert words[first("Left")][1] < left - 100  # the plain paragraph: at the left


@pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="real Quarto is not installed (CI has none); the expected values above are "
    "those Quarto 1.10.18 gave",
)
@needs_latex
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_quarto_gives_the_same(tmp_path, name):
    """The oracle: real Quarto on the same document shows what the test above expects
    (or, where Quarto is known to fall short, its own documented value)."""
    qmd = make_case(tmp_path, name)
    result = subprocess.run(
        ["quarto", "render", qmd.name, "--to", "pdf"],
        cwd=tmp_path,
        env=dict(os.environ, QUARTO_PYTHON=sys.executable),  # Quarto's Jupyter: ours
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    present, absent = QUARTO_DIFFERS.get(name, EXPECTED[name])
    assert_shows(pdf_text(qmd.with_suffix(".pdf")), present, absent)


def test_an_unclosed_div_is_named_at_its_line(tmp_path, capsys):
    """A div with no ':::' to close it runs to the end of the document, in Quarto's PDF
    as in the built-in one; Quarto warns ("Div at line 10 ... unclosed", pandoc's, with
    the line of its own intermediate file), the build names the div's line (round39
    F1); a closed div inside it says nothing."""
    doc = (
        "---\ntitle: T\n---\n\n# A\n\n::: {.callout-tip}\nTip.\n\n::: {.callout-note}\n"
        "Closed.\n:::\n\n# B\n\nMore.\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": doc})
    nb = build(qmd, pdf=False, log=lambda *_: None)["notebook"]
    out = capsys.readouterr().out
    assert re.findall(r"warning: (report.qmd:\d+): this div is never closed", out) == [
        "report.qmd:7"
    ]
    assert "> # B" in nb.cells[-1].source  # inside the tip's quote, as in the PDF


@needs_latex
def test_a_heading_or_fence_right_after_a_paragraph_line_is_its_text(tmp_path):
    """pandoc (and so Quarto) reads `# x` or `::: {.callout-note}` on the line after a
    paragraph's as the paragraph's text, in a list item too; no position marker of the
    builder's may show there (round41). After a block's end they are a heading, a div."""
    body = (
        "Some text\n# Looks like a heading {#sec-no}\n\nMore text\n"
        "::: {.callout-note}\nInside\n:::\n\n- item\n## Not either\n\n```\ncode\n```\n"
        "# Real {#sec-real}\n\n::: {.callout-tip}\nTip.\n:::\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": "---\ntitle: T\n---\n\n" + body})
    build(qmd, log=lambda *_: None)
    words = " ".join(pdf_text(tmp_path / "report.pdf").split())
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    md = " ".join(" ".join(c.source.split()) for c in nb.cells)
    assert (
        "Some text # Looks like a heading {#sec-no} More text ::: {.callout-note}"
        in (words)
    )
    assert "Inside ::: • item ## Not either code Real" in words and "Tip Tip." in words
    assert "data-pos" not in words + md
    assert "Some text \\# Looks like a heading {#sec-no}" in md
    assert "- item \\## Not either" in md and "# Real" in md
