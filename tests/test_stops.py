"""The located stops of the reader and the weaver that no document case of
test_quarto_cases.py reaches (found by measuring the suite's coverage of builder/): each
names the file, the line and what is wrong."""

import re

import pytest
from conftest import write_project

from builder.__main__ import build
from builder.read import BuildError

HEAD = "---\ntitle: X\n---\n\n"  # the body starts at line 5


def chunk(options: str, code: str) -> str:
    return HEAD + f"```{{python}}\n{options}\n{code}\n```\n"


PLOTS = "import matplotlib.pyplot as plt\nplt.plot([1]); plt.show(); plt.plot([2])"
FRAME = "import pandas as pd\npd.DataFrame({'a': [1]})"

STOPS = {
    # the numbering: LaTeX's \Alph stops past Z
    "appendix-past-z": (
        "---\ntitle: X\nnumber-sections: true\n---\n\n```{=latex}\n\\appendix\n```\n\n"
        + "".join(f"# S{i}\n\n" for i in range(27)),
        r"report.qmd:62: the 27th of a counter LaTeX writes as a letter",
    ),
    # the reader
    "blank-line-in-display-math": (  # Quarto fails in LaTeX: "Missing $ inserted"
        HEAD
        + "The objective is\n$$\n\\min_\\theta f\n\n+ \\lambda g\n$$\n\n$$ a\n$$\n",
        r"report.qmd:8: a blank line inside the display math opened at report.qmd:6: "
        r"it ends the math for pandoc \(and Quarto\), .*remove the blank line",
    ),
    "yaml-header-never-closed": (
        "---\ntitle: X\n\nText.\n",
        r"report.qmd:1: the YAML header opened with '---' is never closed",
    ),
    "yaml-header-not-a-mapping": (
        "---\n- a\n- b\n---\n\nText.\n",
        r"report.qmd:2: the YAML header must be 'key: value' lines",
    ),
    "not-utf-8": (
        HEAD.encode() + "Caf\xe9.\n".encode("latin-1"),
        r".*report.qmd: not UTF-8 text \(invalid continuation byte at byte 21\)",
    ),
    "pagebreak-not-alone-on-its-line": (
        HEAD + "Text {{< pagebreak >}} more.\n",
        r"report.qmd:5: \{\{< pagebreak >\}\} must stand alone on its line",
    ),
    "pagebreak-in-a-code-block": (
        HEAD + "```\n{{< pagebreak >}}\n```\n",
        r"report.qmd:6: \{\{< pagebreak >\}\} inside a code block",
    ),
    "inline-expression-across-lines": (
        HEAD + "```{python}\nx = 1\n```\n\nText `{python} round(x,\n2)` more.\n",
        r"report.qmd:9: the inline expression `\{python\} round\(x, 2\)` runs onto "
        r"the next line",
    ),
    "div-attribute-value-opening-with-a-space": (
        HEAD + '::: {.callout-note title=" Lead"}\nText.\n:::\n',
        r"""report.qmd:5: the attribute title=" Lead" starts with a space, so pandoc """
        r"\(and Quarto\) reads none of the attributes",
    ),
    "heading-attribute-value-opening-with-a-space": (
        HEAD + "Text.\n\n## Part {#sec-p title=' x'}\n",
        r"report.qmd:7: the attribute title=' x' starts with a space",
    ),
    "code-block-attribute-value-opening-with-a-space": (
        HEAD + '```{.python filename=" m.py"}\nx = 1\n```\n',
        r"""report.qmd:5: the attribute filename=" m.py" starts with a space""",
    ),
    "div-attribute-unreadable": (
        HEAD + "::: {.note !x}\nText.\n:::\n",
        r"report.qmd:5: cannot read the div attribute '!x'",
    ),
    "execute-not-a-mapping": (
        "---\ntitle: X\nexecute: true\n---\n\nText.\n",
        r"report.qmd:3: 'execute' must be a mapping of options",
    ),
    "crossref-key-quartos-schema-has-not": (  # Quarto: "invalid YAML"
        "---\ntitle: X\ncrossref:\n  nte-prefix: Box\n---\n\nText.\n",
        r"report.qmd:4: 'nte-prefix' is not a crossref option of Quarto's",
    ),
    "crossref-not-a-mapping": (
        "---\ntitle: X\ncrossref: true\n---\n\nText.\n",
        r"report.qmd:3: 'crossref' must be a mapping",
    ),
    "format-neither-a-name-nor-a-mapping": (
        "---\ntitle: X\nformat: [pdf]\n---\n\nText.\n",
        r"report.qmd:3: 'format' must be a format name or a",
    ),
    "pdf-options-not-a-mapping": (
        "---\ntitle: X\nformat:\n  pdf: [toc]\n---\n\nText.\n",
        r"report.qmd:4: 'pdf' must be a mapping of options",
    ),
    "project-not-a-mapping": (
        {"_quarto.yml": "project: default\n", "report.qmd": HEAD + "Text.\n"},
        r"_quarto.yml:1: 'project' must be a mapping",
    ),
    # the weaver: what a chunk's outputs cannot carry
    "fig-subcap-one-short": (
        chunk("#| label: fig-two\n#| fig-cap: Two\n#| fig-subcap: [a]", PLOTS),
        r"report.qmd:5 \(chunk 'fig-two'\): fig-subcap must be a list with one caption "
        r"per figure; the chunk drew 2 figures",
    ),
    "tbl-subcap-one-too-many": (
        chunk("#| label: tbl-one\n#| tbl-cap: One\n#| tbl-subcap: [a, b]", FRAME),
        r"report.qmd:5 \(chunk 'tbl-one'\): tbl-subcap must be a list with one caption "
        r"per table; the chunk printed 1",
    ),
    "tbl-subcap-over-markdown-tables": (
        chunk(
            "#| label: tbl-md\n#| tbl-cap: Two\n#| tbl-subcap: [a, b]",
            "from IPython.display import Markdown\n"
            "display(Markdown('| a |\\n|---|\\n| 1 |'))\n"
            "display(Markdown('| b |\\n|---|\\n| 2 |'))",
        ),
        r"report.qmd:5 \(chunk 'tbl-md'\): tbl-subcap over tables printed as Markdown "
        r"or LaTeX is not supported by the built-in renderer",
    ),
    "tbl-subcap-over-latex-tables": (
        chunk(
            "#| label: tbl-tex\n#| tbl-cap: Two\n#| tbl-subcap: [a, b]",
            "from IPython.display import Latex\n"
            "display(Latex(r'\\begin{tabular}{l} a \\end{tabular}'))\n"
            "display(Latex(r'\\begin{tabular}{l} b \\end{tabular}'))",
        ),
        r"report.qmd:5 \(chunk 'tbl-tex'\): tbl-subcap over tables printed as "
        r"Markdown or LaTeX is not supported by the built-in renderer",
    ),
    "an-image-type-latex-cannot-take": (
        chunk("", "display({'image/gif': 'R0lGODlhAQABAAAAACw='}, raw=True)"),
        r"report.qmd:5 \(chunk 'chunk-1'\): an image output of type image/gif cannot "
        r"be put in the PDF",
    ),
    "one-fig-cap-over-laid-out-figures": (
        chunk("#| label: fig-p\n#| fig-cap: Both\n#| layout-ncol: 2", PLOTS),
        r"report.qmd:5 \(chunk 'fig-p'\): fig-cap captions one figure but the chunk "
        r"drew 2, laid out by layout-ncol without fig-subcap",
    ),
    "a-fig-cap-list-laid-out": (
        chunk("#| label: fig-p\n#| fig-cap: [One, Two]\n#| layout-nrow: 1", PLOTS),
        r"report.qmd:5 \(chunk 'fig-p'\): a list of fig-cap with layout-nrow: Quarto "
        r"sets the figures side by side",
    ),
    "an-output-type-the-pdf-cannot-show": (
        chunk("", "display({'application/json': {'a': 1}}, raw=True)"),
        r"report.qmd:5 \(chunk 'chunk-1'\): an output of type application/json "
        r"cannot be put in the PDF",
    ),
}


@pytest.mark.parametrize("case", STOPS)
def test_stops_name_the_file_and_line(tmp_path, case):
    document, message = STOPS[case]
    if isinstance(document, bytes):
        (tmp_path / "report.qmd").write_bytes(document)
        qmd = tmp_path / "report.qmd"
    else:
        files = document if isinstance(document, dict) else {"report.qmd": document}
        qmd = write_project(tmp_path, files)
    with pytest.raises(BuildError) as e:
        build(qmd, log=lambda *_: None)  # PDF options are checked for the PDF
    assert re.match(message, str(e.value)), str(e.value)


def test_a_line_of_inline_code_opens_no_code_block(tmp_path):
    """```x``` on a line of its own is inline code for pandoc, not a fence: the
    paragraphs after it stay prose (a reference there is checked, at its line)."""
    qmd = write_project(tmp_path, {"report.qmd": HEAD + "```x```\n\nSee @fig-nope.\n"})
    with pytest.raises(BuildError, match=r"report.qmd:7: reference @fig-nope"):
        build(qmd, pdf=False, log=lambda *_: None)


def test_a_stop_names_the_outputs_it_kept_after_the_document(tmp_path, capsys):
    """A document not called report.qmd: the message names its own outputs."""
    from builder.__main__ import main

    write_project(tmp_path, {"notes.qmd": HEAD + "{{< pagebreak >}} x\n"})
    qmd = tmp_path / "notes.qmd"
    assert main([str(qmd), "--no-pdf"]) == 1
    err = capsys.readouterr().err
    assert "notes.qmd:5:" in err
    assert err.rstrip().endswith("notes.pdf and notes.ipynb were left as they were.")
