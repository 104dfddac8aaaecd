"""Stage 1, what the reader accepts (issue 11a): option values, divs, shortcodes, front
matter and _quarto.yml, pandoc's fences, IPython syntax, conditional content.

Each kind of fault: the build stops naming file, line and what is wrong, or (where Quarto
itself ignores the thing) warns with file and line.  Supported features give Quarto's value
(as Quarto 1.10.18 gave it on the same input)."""

import pytest
from conftest import write_project

from builder import parse
from builder.read import BuildError, Markdown, options, read
from builder.weave import weave
from builder.write.modules import chunk_source, local_imports


def read_text(tmp_path, text, **files):
    return read(write_project(tmp_path, {"report.qmd": text, **files}))


def prose(doc):
    return "\n\n".join(b.text for b in doc.blocks if isinstance(b, Markdown))


# --- chunk option values ---------------------------------------------------------------


@pytest.mark.parametrize(
    "option, message",
    [
        (
            'echo: "false"',
            r"'echo: 'false'' is not valid: 'echo' must be true, false or fenced",
        ),
        ("echo: yes please", r"'echo' must be true, false or fenced"),
        ("output: maybe", r"'output' must be true, false or asis"),
        ("eval: 1", r"'eval' must be true or false"),
        ('include: "no"', r"'include' must be true or false"),
        ("warning: sometimes", r"'warning' must be true or false"),
        ('error: "true"', r"'error' must be true or false"),
        ("label: my plot", r"'label' must be a label of letters"),
        ("fig-cap: 3", r"'fig-cap' must be a caption"),
        ("tbl-cap: [a, b]", r"valid Quarto, but the built-in renderer supports only a"),
        ("layout-ncol: 0", r"'layout-ncol' must be a whole number >= 1"),
        ('layout-ncol: "2"', r"'layout-ncol' must be a whole number >= 1"),
        ("tags: report-only", r"'tags' must be a list of strings"),
    ],
)
def test_bad_option_value_names_its_line(tmp_path, option, message):
    first = "echo: true" if option.startswith("label:") else "label: ok"  # not twice
    text = f"# A\n\n```{{python}}\n#| {first}\n{'#| ' + option}\nx = 1\n```\n"
    with pytest.raises(BuildError, match=r"report.qmd:5: chunk option .*" + message):
        read_text(tmp_path, text)


@pytest.mark.parametrize(
    "option",
    [
        "tbl-column: page",
        "fig-cap-location: top",
        "layout-valign: top",
        "fig-env: figure*",
    ],
)
def test_quarto_option_not_implemented_stops(tmp_path, option):
    text = f"```{{python}}\n#| {option}\nx = 1\n```\n"
    name = option.split(":")[0]
    with pytest.raises(
        BuildError, match=rf"report.qmd:2: chunk option '{name}' is not supported"
    ):
        read_text(tmp_path, text)


@pytest.mark.parametrize(
    "options, message",
    [
        (
            "#| label: tbl-x\n#| fig-cap: A plot",
            r"report.qmd:3: 'fig-cap' needs a chunk label starting.*label: tbl-x",
        ),
        (
            "#| tbl-cap: Scores\n#| label: fig-x",
            r"report.qmd:2: 'tbl-cap' needs .*'tbl-'",
        ),
    ],
)
def test_caption_without_its_label_stops(tmp_path, options, message):
    with pytest.raises(BuildError, match=message):
        read_text(tmp_path, f"```{{python}}\n{options}\nx = 1\n```\n")


def test_ignored_options_warn_with_line(tmp_path, capsys):
    text = (
        "```{python}\n#| label: a\n#| code-fold: true\n#| my-own: 1\n#| fig-width: 4\n"
        "#| classes: log\nx = 1\n```\n"
    )
    read_text(tmp_path, text)
    out = capsys.readouterr().out
    assert "report.qmd:3: chunk option 'code-fold' has no effect in a PDF" in out
    assert "report.qmd:6: chunk option 'classes' has no effect in a PDF" in out
    assert "report.qmd:4: chunk option 'my-own' is not a Quarto option" in out
    assert "report.qmd:5: chunk option 'fig-width' is for the knitr engine" in out


def test_multiline_yaml_options_any_order(tmp_path):
    """Case 07: block scalars, label last (one YAML document, as Quarto reads it)."""
    text = (
        "```{python}\n#| fig-cap: |\n#|   A caption written as a YAML literal block,\n"
        "#|   spread over two source lines.\n#| echo: false\n#| label: fig-long\nx = 1\n```\n"
        "\n```{python}\n#| tbl-cap: >-\n#|   Scores per model, folded\n#|   over two lines.\n"
        "#| label: tbl-scores\nx = 2\n```\n"
    )
    fig, tbl = read_text(tmp_path, text).chunks
    assert fig.options == {
        "fig-cap": "A caption written as a YAML literal block,\nspread over two source lines.\n",
        "echo": False,
        "label": "fig-long",
    }
    assert tbl.options["tbl-cap"] == "Scores per model, folded over two lines."
    assert (fig.source, tbl.source) == ("x = 1", "x = 2")


# --- fences (pandoc's rules) -----------------------------------------------------------


def test_four_backtick_chunk_holds_a_three_backtick_line(tmp_path):
    text = (
        '````{python}\nDOC = """\n```\nnot the end\n```\n"""\nprint(DOC)\n````\n\n'
        "After the chunk.\n"
    )
    doc = read_text(tmp_path, text)
    (chunk,) = doc.chunks
    assert chunk.source == 'DOC = """\n```\nnot the end\n```\n"""\nprint(DOC)'
    assert prose(doc) == "After the chunk."


def test_chunk_inside_a_longer_code_block_is_not_executed(tmp_path):
    text = (
        "````markdown\n```{python}\nx = 1\n```\n````\n\n~~~\n```{python}\ny\n```\n~~~\n"
    )
    doc = read_text(tmp_path, text)
    assert doc.chunks == []
    assert "```{python}\nx = 1\n```" in prose(doc)


def test_unclosed_four_backtick_chunk(tmp_path):
    with pytest.raises(
        BuildError, match=r"report.qmd:1: python chunk is never closed with ````"
    ):
        read_text(tmp_path, "````{python}\nx = 1\n```\n")


@pytest.mark.parametrize(
    "fence, message",
    [
        ("```{r}", r"report.qmd:1: '\{r\}' chunks are run or drawn by Quarto's own "),
        ("```{mermaid}", r"report.qmd:1: '\{mermaid\}' chunks are run or drawn by"),
        ("```{python echo=FALSE}", r"report.qmd:1: options in the chunk header"),
        ("```{bash echo=FALSE}", r"report.qmd:1: options in the chunk header.*```bash"),
    ],
)
def test_other_chunk_headers_stop(tmp_path, fence, message):
    with pytest.raises(BuildError, match=message):
        read_text(tmp_path, f"{fence}\nx = 1\n```\n")


def test_a_chunk_of_another_language_is_shown_not_run(tmp_path, capsys):
    """Quarto 1.10.18's Jupyter engine shows a `{bash}` chunk's code as written, its
    `#|` lines too, and runs nothing (checked live: test_quarto_cases.py's kinds)."""
    doc = read_text(tmp_path, "```{bash}\n#| echo: false\necho hi\n```\n")
    assert not doc.chunks
    assert prose(doc) == "```bash\n#| echo: false\necho hi\n```"
    assert "report.qmd:1: a '{bash}' chunk is not run" in capsys.readouterr().out


# --- shortcodes ------------------------------------------------------------------------


def test_escaped_shortcodes_and_include_in_code(tmp_path):
    """Case 09, with the value Quarto 1.10.18 gives: three braces print as two, also in
    code blocks; an include alone in a code block inserts the file as it is."""
    text = (
        "---\ntitle: Writing about shortcodes\n---\n"
        "To pull in a partial, write {{{< include partial.qmd >}}} on a line of its own.\n\n"
        "```markdown\n{{{< include partial.qmd >}}}\n{{{< meta title >}}}\n```\n\n"
        "```python\n{{< include snippet.py >}}\n```\n\n"
        "Inline `{{< meta title >}}` and {{< meta title >}}.\n"
    )
    doc = read_text(
        tmp_path, text, **{"snippet.py": "def double(x):\n    return 2 * x\n"}
    )
    assert prose(doc) == (
        "To pull in a partial, write {{< include partial.qmd >}} on a line of its own.\n\n"
        "```markdown\n{{< include partial.qmd >}}\n{{< meta title >}}\n```\n\n"
        "```python\ndef double(x):\n    return 2 * x\n```\n\n"
        "Inline `Writing about shortcodes` and Writing about shortcodes."
    )


def test_include_inside_a_chunk_is_its_code(tmp_path):
    text = "```{python}\n{{< include snippet.py >}}\nprint(VALUE)\n```\n"
    doc = read_text(tmp_path, text, **{"snippet.py": "VALUE = 41 + 1\n"})
    assert doc.chunks[0].source == "VALUE = 41 + 1\nprint(VALUE)"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "{{< fa star >}}\n",
            r"report.qmd:1: shortcode 'fa' is not supported .*a Quarto shortcode",
        ),
        (
            "x {{< lipsum 1 >}} y\n",
            r"report.qmd:1: shortcode 'lipsum' is not supported",
        ),
        (
            "{{< var course >}}\n",
            r"report.qmd:1: \{\{< var course >\}\} names a key "
            r"that the project's _variables.yml does not have",
        ),  # fmt: skip
        (
            "{{< env NO_SUCH_VARIABLE_X >}}\n",
            r"report.qmd:1: .*no environment variable NO_SUCH_VARIABLE_X \(Quarto prints "
            r"\?env:NO_SUCH_VARIABLE_X\): set it, or give a default, "
            r'\{\{< env NO_SUCH_VARIABLE_X "default" >\}\}',
        ),
        ("{{< kbd mac=Cmd-C win=Ctrl-C >}}\n", r"report.qmd:1: .*in no fixed order"),
        (
            "---\ntitle: T\nitems: [1, 2]\n---\n{{< meta items >}}\n",
            r"report.qmd:5: .*names a list value, which Quarto prints as '\?invalid",
        ),
        (
            "Text.\n\n{{< mything a=1 >}}\n",
            r"report.qmd:3: shortcode 'mything' is not supported .*not a Quarto",
        ),
        (
            "see {{< include a.qmd >}} here\n",
            r"report.qmd:1: .*include >\}\} must stand alone",
        ),
        ("```\n{{< video x.mp4 >}}\n```\n", r"report.qmd:2: shortcode 'video'"),
        (
            '```{python}\nprint("{{< meta title >}}")\n```\n',
            r"report.qmd:5: shortcode 'meta' inside a python chunk .*: write its value "
            r"into the code, or build with Quarto",
        ),
        (  # Quarto: as written in the code, `{{< meta title >}}` in the output
            '```{python}\nprint("{{{< meta title >}}}")\n```\n',
            r"report.qmd:5: an escaped shortcode inside a python chunk: Quarto shows",
        ),
    ],
)
def test_unsupported_shortcodes_stop(tmp_path, text, message):
    with pytest.raises(BuildError, match=message):
        meta = "meta" in text and not text.startswith("---")
        read_text(tmp_path, "---\ntitle: T\n---\n" + text if meta else text)


# --- divs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "div, message",
    [
        ("::: {.panel-tabset}", r"div class '.panel-tabset' is a Quarto feature"),
        (
            "::: column-margin",
            r"div class '.column-margin' is a Quarto feature .*: remove the class "
            r"\(its content is then set as plain text\), or build with Quarto",
        ),
        ("::: {.callout-danger}", r"unknown callout '.callout-danger'"),
        (
            '::: {.callout-note collapse="maybe"}',
            r'callout attribute collapse="maybe" is not valid',
        ),
        (
            '::: {.content-visible when-meta="draft"}',
            r"'when-meta' on .content-visible is not supported .*: use those, keep or "
            r"remove the content by hand, or build with Quarto",
        ),
        ("::: {#lst-code}", r"id '#lst-code' .*is not supported"),
        (
            '::: {#fig-a layout-align="left"}',
            r"div attribute 'layout-align' is not supported",
        ),
        ('::: {.proof width="3"}', r"div attribute 'width' is not supported"),
    ],
)
def test_unsupported_divs_stop(tmp_path, div, message):
    with pytest.raises(BuildError, match=r"report.qmd:3: .*" + message):
        read_text(tmp_path, f"Text.\n\n{div}\nInside.\n:::\n")


@pytest.mark.parametrize(
    "text, line",
    [
        ("1. First.\n\n   ```{python}\n   print(1)\n   ```\n\n2. Second.\n", 3),
        (
            "- A.\n\n   ::: {.callout-note}\n   ```{python}\n   x = 1\n   ```\n   :::\n",
            4,
        ),
    ],
)
def test_a_chunk_in_a_list_item_stops(tmp_path, text, line):
    """Quarto keeps such a chunk in its item; the built-in renderer would set it after
    the list (and a callout's closing fence as text): a located error.  A top-level
    chunk indented a little, after a paragraph, stops too: Quarto 1.10.18 runs it but
    prints its cell's markup as text (round seventeen, 1102c)."""
    with pytest.raises(
        BuildError, match=rf"report.qmd:{line}: a python chunk inside a"
    ):
        read_text(tmp_path, text)
    with pytest.raises(BuildError, match=r"report.qmd:3: an indented chunk fence"):
        read_text(tmp_path, "Text.\n\n  ```{python}\n  x = 1\n  ```\n")


def test_unknown_div_class_warns(tmp_path, capsys):
    read_text(tmp_path, "::: {.my-box}\nInside.\n:::\n")
    assert "report.qmd:1: div class '.my-box' has no effect" in capsys.readouterr().out
    # `.hidden` hides only in HTML: Quarto 1.10.18's PDF and notebook show the content
    doc = read_text(tmp_path, "::: {.hidden}\nShown.\n:::\n")
    assert "report.qmd:1: div class '.hidden' has no effect" in capsys.readouterr().out
    tree = parse.parse(weave(doc, None).markdown)
    for output in ("pdf", "ipynb"):
        assert parse.stringify(parse.for_output(tree, output)["blocks"]) == "Shown."
    # Quarto 1.10.18's PDF stacks `.columns` and ignores a column's width: so here
    text = ':::: {.columns}\n::: {.column width="50%"}\nA.\n:::\n::::\n'
    read_text(tmp_path, text)
    assert "report.qmd:2: div class '.column' has no" in capsys.readouterr().out
    with pytest.raises(BuildError, match=r"report.qmd:1: div attribute 'width'"):
        read_text(tmp_path, '::: {.my-box width="50%"}\nInside.\n:::\n')


def test_content_visible_per_output(tmp_path):
    """Which text each output gets: the values Quarto 1.10.18 gives for --to pdf and
    --to ipynb on the same document."""
    text = (
        '::: {.content-visible when-format="pdf"}\nPDF-ONLY\n:::\n\n'
        '::: {.content-visible when-format="markdown"}\nMARKDOWN-ONLY\n:::\n\n'
        '::: {.content-hidden when-format="ipynb"}\nHIDDEN-IN-IPYNB\n:::\n\n'
        '::: {.content-visible unless-format="pdf"}\nUNLESS-PDF\n:::\n\n'
        '::: {.content-visible when-format="latex"}\nLATEX-ONLY\n\n'
        "```{python}\nx = 1\n```\n:::\n\nEVERYWHERE\n"
    )
    doc = read_text(tmp_path, text)
    tree = parse.parse(weave(doc, None).markdown)

    def paragraphs(output):
        shown = parse.for_output(tree, output)["blocks"]
        return [parse.stringify(b) for b in shown if b["t"] == "Para"]

    assert paragraphs("pdf") == [
        "PDF-ONLY",
        "HIDDEN-IN-IPYNB",
        "LATEX-ONLY",
        "EVERYWHERE",
    ]
    assert paragraphs("ipynb") == ["UNLESS-PDF", "EVERYWHERE"]
    assert parse.shown_chunks(tree["blocks"], "pdf") == {0}
    assert parse.shown_chunks(tree["blocks"], "ipynb") == set()
    assert len(doc.chunks) == 1  # executed once for both


def test_a_code_block_keeps_attributes_named_like_the_builders_markers(tmp_path):
    """Only weave.py's divs are unwrapped: a listing written with `data-output=` or
    `data-chunk=` stays a code block (it was once unwrapped into its text, which pandoc
    then refused as JSON)."""
    text = '```{.python data-output="markdown" data-chunk="0"}\nx = 1\n```\n'
    tree = parse.parse(weave(read_text(tmp_path, text), None).markdown)
    for output in ("pdf", "ipynb"):
        (block,) = parse.for_output(tree, output)["blocks"]
        assert block["t"] == "CodeBlock" and block["c"][1] == "x = 1"


# --- display math ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "math, line, env",
    [
        ("$$\n\\begin{align}\na &= b\n\\end{align}\n$$ {#eq-sys}", 4, "align"),
        ("$$x = \\begin{gather*} a \\end{gather*}$$", 3, "gather\\*"),
    ],
)
def test_environment_inside_display_math_stops(tmp_path, math, line, env):
    """Case 04: Quarto's LaTeX fails there too (a label, or math before the environment:
    pandoc wraps it in \\[ \\]); the builder says where and what to write."""
    with pytest.raises(
        BuildError,
        match=rf"report.qmd:{line}: \\begin\{{{env}\}} inside .*display math",
    ):
        read_text(tmp_path, f"# M\n\n{math}\n")


def test_aligned_inside_display_math_is_fine(tmp_path):
    doc = read_text(
        tmp_path, "$$\n\\begin{aligned}\na &= b\n\\end{aligned}\n$$ {#eq-a}\n"
    )
    assert "aligned" in prose(doc)


# --- front matter and _quarto.yml ------------------------------------------------------


def test_front_matter_over_quarto_yml(tmp_path):
    """Case 13: `execute:` defaults under the chunk's own options; format: pdf: options of
    the front matter over _quarto.yml's (what Quarto's pandoc options showed)."""
    text = (
        "---\ntitle: T\nexecute:\n  echo: false\n  warning: false\nformat:\n  pdf:\n"
        "    toc: false\n    number-sections: false\n---\n"
        "```{python}\nx = 1\n```\n\n```{python}\n#| echo: true\ny = 2\n```\n"
    )
    project = "format:\n  pdf:\n    pdf-engine: xelatex\n    number-sections: true\n    toc: true\n"
    doc = read_text(tmp_path, text, **{"_quarto.yml": project})
    assert doc.settings.pdf == {
        "pdf-engine": "xelatex",
        "number-sections": False,
        "toc": False,
    }
    assert doc.chunks[0].options == {"echo": False, "warning": False}
    assert doc.chunks[1].options == {"echo": True, "warning": False}
    top_level = "---\necho: false\n---\n```{python}\nx = 1\n```\n"
    assert read_text(tmp_path, top_level).chunks[0].options == {"echo": False}
    # the PDF format's own, over the document's (Quarto 1.10.18 hid the code and the
    # warning of `format: pdf: echo: false, warning: false`)
    text = (
        "---\necho: true\nformat:\n  pdf:\n    echo: false\n    execute:\n"
        "      warning: false\n---\n```{python}\nx = 1\n```\n"
    )
    doc = read_text(tmp_path, text)
    assert doc.chunks[0].options == {"echo": False, "warning": False}
    assert not {"echo", "execute"} & set(doc.settings.pdf)


def test_metadata_yml_between_the_project_and_the_document(tmp_path):
    """A folder's `_metadata.yml` counts between `_quarto.yml` and the front matter,
    each level's `format: pdf:` over its own top level: Quarto 1.10.18 numbered the
    sections (the folder's top-level `number-sections: true` over the project's
    `format: pdf:` false) and printed the folder's author and contents."""
    project = "format:\n  pdf:\n    pdf-engine: xelatex\n    number-sections: false\n"
    folder = (
        "author: Jane Student\nnumber-sections: true\nexecute:\n  echo: false\n"
        "format:\n  pdf:\n    toc: true\n"
    )
    text = "---\ntitle: T\nexecute:\n  warning: false\n---\n```{python}\nx = 1\n```\n"
    files = {"_quarto.yml": project, "_metadata.yml": folder}
    doc = read_text(tmp_path, text, **files)
    assert doc.settings.pdf == {
        "pdf-engine": "xelatex",
        "number-sections": True,
        "toc": True,
    }
    assert doc.meta["author"] == "Jane Student"
    assert doc.chunks[0].options == {"echo": False, "warning": False}
    # a folder's file is checked as the front matter is, naming its line
    with pytest.raises(BuildError, match=r"_metadata.yml:1: .*'links-as-notes'"):
        read_text(tmp_path, text, **{"_metadata.yml": "links-as-notes: true\n"})


def test_pdf_options_become_pandoc_arguments():
    from builder.read.options import header_lines, pandoc_args

    args = pandoc_args(
        {
            "toc": True,
            "toc-depth": 2,
            "number-sections": True,
            "documentclass": "article",
            "geometry": ["margin=2.3cm"],
            "fontsize": "11pt",
            "colorlinks": False,
            "mainfont": "DejaVu Serif",
        }
    )
    assert args == [
        "--toc",
        "--toc-depth=2",
        "-V",
        "toc-title=Table of contents",
        "--number-sections",
        "-V",
        "documentclass=article",
        "-V",
        "graphics=true",
        "-V",
        "tables=true",
        "-V",
        "geometry:margin=2.3cm",
        "-V",
        "fontsize=11pt",
        "-V",
        "mainfont=DejaVu Serif",
        "-V",
        "monofont=DejaVu Sans Mono",
        "-V",
        "monofontoptions=Scale=0.85",
        "-V",
        "block-headings=true",  # Quarto's: level 4 and 5 headings stand alone
    ]
    # Quarto's defaults: no contents, no numbers, KOMA article, coloured links
    assert pandoc_args({}) == [
        "-V",
        "documentclass=scrartcl",
        "-V",
        "graphics=true",
        "-V",
        "tables=true",
        "-V",
        "classoption=DIV=11",
        "-V",
        "classoption=numbers=noendperiod",
        "-V",
        "papersize=letter",  # Quarto's, with its KOMA class (whose own default is A4)
        "-V",
        "colorlinks=true",
        "-V",
        "linkcolor=blue",
        "-V",
        "filecolor=Maroon",
        "-V",
        "citecolor=Blue",
        "-V",
        "urlcolor=Blue",
        "-V",
        "monofont=DejaVu Sans Mono",
        "-V",
        "monofontoptions=Scale=0.85",
        "-V",
        "block-headings=true",  # Quarto's: level 4 and 5 headings stand alone
    ]
    assert "papersize=a4" in pandoc_args({"papersize": "a4"})
    # pandoc's template variables, as Quarto's template reads them: the document's class
    # options replace Quarto's KOMA ones, its colours Quarto's; German keeps the period
    args = " ".join(
        pandoc_args(
            {
                "classoption": ["twocolumn", "DIV=12"],
                "linestretch": 1.25,
                "indent": True,
                "linkcolor": "red",
                "monofontoptions": "Scale=0.9",
            }
        )
    )
    assert "-V classoption=twocolumn -V classoption=DIV=12" in args
    assert "DIV=11" not in args and "noendperiod" not in args
    assert "-V linestretch=1.25 -V indent=true -V linkcolor=red" in args
    assert "linkcolor=blue" not in args and "-V urlcolor=Blue" in args
    assert "-V monofontoptions=Scale=0.9" in args and "Scale=0.85" not in args
    assert "indent" not in " ".join(pandoc_args({"indent": False}))
    assert "block-headings" not in " ".join(pandoc_args({"block-headings": False}))
    assert "classoption=numbers=noendperiod" not in pandoc_args({}, lang="de")
    assert "classoption=DIV=11" in pandoc_args({}, lang="de")
    # fig-pos: metadata for filters/floats.lua, which places each figure as Quarto does
    assert pandoc_args({"fig-pos": "htbp"})[:2] == ["-M", "fig-pos=htbp"]
    assert "-M" not in pandoc_args({"fig-pos": False})  # false: as if not set
    assert header_lines({"documentclass": "article", "fig-pos": "htbp"}) == ""


def test_options_of_other_formats_warn_as_quarto_ignores_them(tmp_path, capsys):
    """Quarto 1.10.18 builds a PDF with `number-offset`, `toc-location`, `theme` (HTML
    and other formats, by its schema's format tags) and ignores them, saying nothing:
    the built-in path warns with the line and goes on.  An option Quarto uses in a PDF
    (`links-as-notes`) still stops it."""
    header = (
        "---\nnumber-sections: true\nnumber-offset: 2\ncode-fold: true\n"
        "format:\n  pdf:\n    toc-location: left\n    theme: cosmo\n---\n# A\n"
    )
    doc = read_text(tmp_path, header)
    out = capsys.readouterr().out
    for line, key in ((3, "number-offset"), (4, "code-fold"), (7, "toc-location")):
        assert (
            f"report.qmd:{line}: '{key}' is an option of other formats than PDF" in out
        )
    assert "report.qmd:8: 'theme'" in out
    assert doc.settings.pdf == {"number-sections": True}
    with pytest.raises(
        BuildError, match=r"report.qmd:2: the Quarto option 'links-as-notes' is"
    ):
        read_text(tmp_path, "---\nlinks-as-notes: true\n---\nText.\n")


@pytest.mark.parametrize(
    "header, message",
    [
        (
            "toc: yes please",
            r"report.qmd:3: PDF option 'toc: 'yes please'' is not valid",
        ),
        (
            "format:\n  pdf:\n    toc-depth: 9",
            r"report.qmd:5: PDF option 'toc-depth: 9'",
        ),
        (
            "format:\n  pdf:\n    keep-md: true",
            r"report.qmd:5: PDF option 'keep-md' is not supported",
        ),
        ("format:\n  pdf:\n    cite-method: biblatex", r"report.qmd:5: .*citeproc"),
        (  # Quarto's PDF numbers "Equation 1.1" in chapter 1 of a report
            "format:\n  pdf:\n    documentclass: scrreprt",
            r"report.qmd:5: PDF option 'documentclass: 'scrreprt'' is not valid: .*chapters",
        ),
        (
            "metadata-files: [more.yml]",
            r"report.qmd:3: the Quarto option 'metadata-files' is not supported",
        ),
        ("abstract: [a, b]", r"report.qmd:3: 'abstract' must be text"),
        ("execute:\n  echo: 'no'", r"report.qmd:4: execute option 'echo: 'no''"),
        (
            "execute:\n  daemon-x: 1",
            r"report.qmd:4: execute option 'daemon-x' is not supported",
        ),
        (
            "jupyter: julia-1.9",
            r"report.qmd:3: jupyter kernel 'julia-1.9' is not supported",
        ),
        ("engine: knitr", r"report.qmd:3: engine 'knitr' is not supported"),
        (  # a key without effect on the outputs: its value checked, as Quarto does
            "editor: visual\nverbosity: 1",
            r"report.qmd:4: option 'verbosity: 1' is not valid: must be ERROR, WARNING",
        ),
        ("editor: wysiwyg", r"report.qmd:3: option 'editor: 'wysiwyg''.*source or"),
        (
            "author:\n  - name:\n      given: Ada\n      family: Lovelace",
            r"report.qmd:3: 'author' must be text, a list of names, or authors each "
            r"with a 'name:' that is text",
        ),
    ],
)
def test_bad_front_matter_names_its_line(tmp_path, header, message):
    with pytest.raises(BuildError, match=message):
        read_text(tmp_path, f"---\ntitle: T\n{header}\n---\nText.\n")


@pytest.mark.parametrize(
    "jupyter",
    [
        "python3",
        "true",
        "\n  kernelspec:\n    name: python3\n    display_name: Python 3"
        "\n    language: python",
    ],
)
def test_the_python3_kernel_may_be_named_as_quarto_schema_allows(tmp_path, jupyter):
    """Quarto's document-execute.yml: jupyter is a boolean, a kernel's name, or an object
    with a kernelspec; another kernel's kernelspec is still refused at its line."""
    doc = read_text(tmp_path, f"---\ntitle: T\njupyter: {jupyter}\n---\nText.\n")
    assert doc.meta["title"] == "T"
    other = jupyter.replace("python3", "ir").replace("true", "false")
    with pytest.raises(BuildError, match=r"report.qmd:3: jupyter kernel '(ir|False)'"):
        read_text(tmp_path, f"---\ntitle: T\njupyter: {other}\n---\nText.\n")


@pytest.mark.parametrize(
    "project, message",
    [
        (
            "project:\n  type: book\n",
            r"_quarto.yml:2: project type 'book' is not supported",
        ),
        (
            "format:\n  pdf:\n    number-sections: maybe\n",
            r"_quarto.yml:3: PDF option 'number-sections",
        ),
        (
            "format:\n  pdf:\n    include-in-header: x.tex\n",
            r"_quarto.yml:3: include-in-header file 'x.tex' not found",
        ),
        (
            "format:\n  pdf:\n    include-in-header: 3\n",
            r"_quarto.yml:3: PDF option 'include-in-header: 3' is not valid",
        ),
        ("execute:\n  output: sometimes\n", r"_quarto.yml:2: execute option 'output"),
    ],
)
def test_bad_quarto_yml_names_its_line(tmp_path, project, message):
    with pytest.raises(BuildError, match=message):
        read_text(tmp_path, "Text.\n", **{"_quarto.yml": project})


def test_unused_custom_key_and_ignored_execute_option_warn(tmp_path, capsys):
    text = "---\ntitle: T\ncourse: DL\nhelper: Bob\nexecute:\n  freeze: auto\n---\n{{< meta helper >}}\n"
    read_text(tmp_path, text)
    out = capsys.readouterr().out
    assert "warning: report.qmd:3: 'course' is not a Quarto option" in out
    assert "helper" not in out  # used by {{< meta >}}
    assert "warning: report.qmd:6: execute option 'freeze'" in out


def test_pdf_options_keep_ipynb_silent_document_key_stops_unknown_warns(
    tmp_path, capsys
):
    """keep-ipynb (what `quarto render`'s post-render reads) passes without a word; a
    Quarto document key the built-in path lacks stops at its line; any other key
    warns."""
    project = "format:\n  pdf:\n    keep-ipynb: true\n    colorlinks: true\n"
    doc = read_text(tmp_path, "Text.\n", **{"_quarto.yml": project})
    assert (
        doc.settings.pdf["colorlinks"] is True and "keep-ipynb" not in doc.settings.pdf
    )
    assert capsys.readouterr().out == ""
    with pytest.raises(BuildError, match=r"_quarto.yml:3: PDF option 'keep-md' is not"):
        read_text(
            tmp_path, "T.\n", **{"_quarto.yml": "format:\n  pdf:\n    keep-md: true\n"}
        )
    read_text(tmp_path, "T.\n", **{"_quarto.yml": "format:\n  pdf:\n    shiny: 1\n"})
    assert "_quarto.yml:3: 'shiny' is not a Quarto PDF option: ignored" in (
        capsys.readouterr().out
    )


# --- echo: fenced ----------------------------------------------------------------------


def test_echo_fenced_shows_fence_and_options(tmp_path):
    """Case 08 (and an `output: false` variant): Quarto 1.10.18 shows the fence and the
    `#|` lines except `echo` itself."""
    text = (
        "```{python}\n#| echo: fenced\n#| label: demo-sum\ntotal = sum(range(5))\ntotal\n```\n\n"
        "```{python}\n#| echo: fenced\n#| output: false\nx = 1\n```\n"
    )
    first, second = read_text(tmp_path, text).chunks
    assert first.shown_source() == (
        "```{python}\n#| label: demo-sum\ntotal = sum(range(5))\ntotal\n```"
    )
    assert second.shown_source() == "```{python}\n#| output: false\nx = 1\n```"


# --- IPython syntax in chunks -----------------------------------------------------------


def test_ipython_syntax_is_read_with_ipythons_transformer(tmp_path):
    """Case 14: magics and shell escapes are IPython, not Python syntax errors; imports of
    code/ modules next to them are still found and removed."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": (
                "```{python}\n%matplotlib inline\nfrom helper import answer\n"
                "!echo shell escape works\nfiles = !ls\nanswer?\nawait_me = 1\n```\n\n"
                "```{python}\n%%capture captured\nprint('hidden')\n```\n\n"
                "```{python}\nimport asyncio\nawait asyncio.sleep(0)\n```\n"
            ),
            "code/helper.py": "def answer():\n    return 42\n",
        },
    )
    doc = read(qmd)
    modules = {"helper": tmp_path / "code" / "helper.py"}
    names, source = chunk_source(doc.chunks[0], modules)
    assert names == ["helper"]
    assert source == (
        "%matplotlib inline\n!echo shell escape works\nfiles = !ls\nanswer?\nawait_me = 1"
    )
    assert chunk_source(doc.chunks[1], modules) == (
        [],
        "%%capture captured\nprint('hidden')",
    )
    assert chunk_source(doc.chunks[2], modules)[0] == []


def test_import_inside_a_cell_magic_cannot_be_inlined():
    modules = {"helper": None}
    with pytest.raises(
        BuildError, match=r"w: an import of code/helper.py inside a %%cell"
    ):
        local_imports("%%time\nfrom helper import answer\n", modules, "w")
    assert local_imports("%%bash\necho from helper import x\n", modules, "w") == (
        [],
        [],
    )


def test_section_reference_needs_numbered_sections(tmp_path):
    """Quarto 1.10.18 without number-sections prints "See Section and Section ." (no
    numbers); the builder stops at the reference instead."""
    text = "# Intro {#sec-intro}\n\nSee @sec-intro.\n"
    with pytest.raises(
        BuildError, match=r"report.qmd:3: the reference @sec-intro needs"
    ):
        read_text(tmp_path, text)
    numbered = "format:\n  pdf:\n    number-sections: true\n"
    assert read_text(tmp_path, text, **{"_quarto.yml": numbered}).settings.pdf == {
        "number-sections": True
    }


def test_document_level_echo_fenced_and_error_true(tmp_path):
    """`execute:` defaults reach every chunk: fenced echo, and errors kept as output
    (the cell is tagged so that nbclient, and the notebook, go on)."""
    from builder.execute import _cell_metadata

    text = "---\nexecute:\n  echo: fenced\n  error: true\n---\n```{python}\n#| label: a\n1 / 0\n```\n"
    (chunk,) = read_text(tmp_path, text).chunks
    assert chunk.shown_source() == "```{python}\n#| label: a\n1 / 0\n```"
    assert _cell_metadata(chunk) == {"label": "a", "tags": ["raises-exception"]}


def test_latex_error_traced_to_chunk_and_prose_lines(tmp_path):
    """builder/write/texlog.py: the .tex line named by the log is found in the document."""
    from builder.write import texlog

    doc = read_text(
        tmp_path,
        "# A\n\nSome \\badmacro here.\n\n```{python}\n#| label: c\nx = 'distinctive'\n```\n",
    )
    tex = tmp_path / "report.tex"
    tex.write_text(
        "\\begin{document}\nSome \\badmacro here.\n\n\\NormalTok{x}\nx = 'distinctive'\n"
    )
    log = (
        "! Undefined control sequence.\nl.2 Some \\badmacro\n                  here.\n"
    )
    message = texlog.describe_error(log, tex, doc, tmp_path / "kept.log")
    assert message.startswith("report.qmd:3: LaTeX error here (line 2 of ")
    assert "! Undefined control sequence." in message and "(full log: " in message
    assert (
        texlog.locate(tex.read_text().splitlines(), 5, doc)
        == "report.qmd:7 (chunk 'c')"
    )
    assert texlog.locate(["\\unrelated{}"], 1, doc) is None
    # math and emphasis written otherwise in LaTeX: found by the line's words
    doc = read_text(tmp_path, "# A\n\nThe *prediction* is $\\bm{w}$.\n")
    assert texlog.locate(["is \\(\\bm{w}\\)."], 1, doc) is None  # too short to tell
    line = "The \\emph{prediction} is \\(\\bm{w}\\)."
    assert texlog.locate([line], 1, doc) == "report.qmd:3"
    # ... or by its paragraph's, where pandoc wrapped the line and expanded macros
    doc = read_text(
        tmp_path,
        "# A\n\nLet $\\bm{x} \\in \\R^d$ and $\\loss(\\bm{x}) = \\|\\bm{x}\\|^2$.\n",
    )
    wrapped = [
        "Let \\(\\bm{x} \\in \\mathbb{R}^d\\) and",
        "\\(\\mathcal{L}(\\bm{x}) = \\|\\bm{x}\\|^2\\).",
    ]
    assert texlog.locate(wrapped, 1, doc) == "report.qmd:3"
    assert texlog.locate([wrapped[0], "", "Other words entirely."], 1, doc) is None
    # a line neither text nor words tell: by its label, where the element stands
    from builder import parse, weave

    doc = read_text(tmp_path, "Text.\n\n# In $\\R$\n\n# Out {#sec-out}\n")
    tree = parse.parse(weave.weave(doc, None).markdown)
    heading = (
        "\\section{\\texorpdfstring{In \\(\\R\\)}{In \\textbackslash R}}\\label{in-r}"
    )
    assert texlog.locate([heading], 1, doc) is None
    assert texlog.locate([heading], 1, doc, tree) == "report.qmd:3"
    assert texlog.locate(["x", "\\hypertarget{sec-out}{}x"], 2, doc, tree) == (
        "report.qmd:5"
    )


def test_undefined_reference_names_lines_and_why(tmp_path):
    """Found in the document tree: where each reference stands, where its target is
    defined, and why LaTeX may lack it. A reference in a list item or a table cell
    (blocks pandoc keeps no line for) is placed at the nearest line before it."""
    from builder import parse, weave
    from builder.write import texlog

    doc = read_text(
        tmp_path,
        "See @tbl-scores.\n\n```{python}\n#| label: tbl-scores\n#| tbl-cap: Scores\n"
        "x = 1\n```\n\nText.\n\n- a\n- and @box-x\n\n::: {#box-x}\nA div.\n:::\n\n"
        "| a |\n|---|\n| @eq-none |\n",
    )
    tree = parse.parse(weave.weave(doc, None).markdown)
    assert texlog.describe_undefined(["tbl-scores", "box-x", "eq-none"], doc, tree) == (
        "report.qmd:1: the reference @tbl-scores has no target in the PDF: it is the label "
        "of report.qmd:3 (chunk 'tbl-scores'), whose outputs gave the PDF no table to "
        "caption (an output kind the built-in renderer cannot show, or no output)\n"
        "report.qmd:12: the reference @box-x has no target in the PDF: it is defined at "
        "report.qmd:14 but the PDF has no numbered element there\n"
        "report.qmd:15: the reference @eq-none has no target in the PDF: nothing in the "
        "document defines it"
    )


def test_pdf_options_are_quartos_business_when_quarto_makes_the_pdf(tmp_path):
    """With Quarto typesetting (or --no-pdf), a PDF option the built-in typesetter lacks
    does not stop the build: Quarto reads it."""
    text = "---\ntitle: T\nformat:\n  pdf:\n    links-as-notes: true\nlang: de\n---\nText.\n"
    qmd = write_project(tmp_path, {"report.qmd": text})
    with pytest.raises(BuildError, match=r"report.qmd:5: PDF option 'links-as-notes'"):
        read(qmd)
    assert read(qmd, builtin_pdf=False).settings.pdf == {}


def test_include_in_header_text_reaches_the_latex_header(tmp_path):
    """`include-in-header: text:` (the report's _quarto.yml uses it) goes into the header
    the built-in typesetter adds."""
    project = (
        "format:\n  pdf:\n    fig-pos: htbp\n    include-in-header:\n"
        "      text: |\n        \\newcommand{\\fromheader}{x}\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": "Text.\n", "_quarto.yml": project})
    header = options.header_lines(read(qmd).settings.pdf)
    assert header == (
        "\\KOMAoption{captions}{tableheading}\n"  # Quarto's, with its KOMA class
        "\\newcommand{\\fromheader}{x}\n"
    )
    assert options.header_lines({"documentclass": "article"}) == ""


@pytest.mark.parametrize(
    "text",
    [
        "```{python}\n#| fig-env: figure*\n1\n```\n",  # a chunk option
        "```{python}\n#| label: a\n1\n```\n\n```{python}\n#| label: a\n2\n```\n",
        "::: {.column-margin}\nA note.\n:::\n",  # a div class
    ],
)
def test_messages_name_the_file_as_the_user_wrote_it(tmp_path, text):
    """The file's name and line (as every message gives them), not its absolute path."""
    with pytest.raises(BuildError) as error:
        read_text(tmp_path, text)
    assert str(error.value).startswith("report.qmd:")


@pytest.mark.parametrize(
    "option", ["cap-location: margin", "citation-location: margin"]
)
def test_margin_options_quartos_pdf_applies_stop_the_build(tmp_path, option):
    """Quarto 1.10.18's PDF puts captions (a cell option of document context in its
    schema) and citations (tagged for HTML there) in the margin, with a narrower text:
    not an unknown option, nor one of other formats, but one the builder refuses."""
    text = f"---\ntitle: T\n{option}\n---\n\nText.\n"
    name = option.split(":")[0]
    with pytest.raises(BuildError, match=rf"report.qmd:3: the Quarto option '{name}'"):
        read_text(tmp_path, text)


def test_a_document_below_its_projects_folder_stops_the_build(tmp_path):
    """Quarto 1.10.18 reads the `_quarto.yml` of a folder above the document (recorded:
    its contents list and section numbers) and runs the code from the document's folder
    (or the project's, `execute-dir: project`): the built-in renderer, which takes the
    document's folder for the project, stops instead of ignoring that file."""
    project = "format:\n  pdf:\n    toc: true\n    number-sections: true\n"
    files = {"_quarto.yml": project, "analysis/report.qmd": "# Intro\n\nText.\n"}
    write_project(tmp_path, files)
    with pytest.raises(BuildError, match=r"analysis/report.qmd: a document in a "
                       r"subfolder of the project .*_quarto.yml"):  # fmt: skip
        read(tmp_path / "analysis" / "report.qmd")
    (tmp_path / "analysis" / "_quarto.yml").write_text(
        "title: Own\n"
    )  # its own project
    assert read(tmp_path / "analysis" / "report.qmd").meta["title"] == "Own"


@pytest.mark.parametrize(
    "front, expected",
    [  # the \documentclass options of Quarto 1.10.18's LaTeX (keep-tex)
        ("format:\n  pdf:\n    classoption: landscape\n", ["DIV=11", "numbers=noendperiod", "landscape"]),
        ("format:\n  pdf:\n    classoption: [twocolumn, DIV=9]\n", ["numbers=noendperiod", "twocolumn", "DIV=9"]),
        ("format:\n  pdf:\n    classoption: DIV=9\n", ["numbers=noendperiod", "DIV=9"]),
        ("lang: de\nformat:\n  pdf:\n    classoption: landscape\n", ["DIV=11", "landscape"]),
        ("classoption: [twocolumn]\n", ["twocolumn"]),  # at the top: replaces them
    ],
)  # fmt: skip
def test_class_options_join_or_replace_quartos_as_quarto_does(
    tmp_path, front, expected
):
    doc = read_text(tmp_path, f"---\ntitle: T\n{front}---\n\nText.\n")
    args = options.pandoc_args(doc.settings.pdf, doc.meta.get("lang", "en"))
    assert [
        a.split("=", 1)[1] for a in args if a.startswith("classoption=")
    ] == expected


def test_class_options_are_quartos_business_when_quarto_makes_the_pdf(tmp_path):
    """Under `quarto render` (or --no-pdf) the PDF options are not read: `classoption`
    under `format: pdf:` is left to Quarto (was a KeyError)."""
    front = "---\ntitle: T\nformat:\n  pdf:\n    classoption: [twocolumn]\n---\n\nT.\n"
    (tmp_path / "report.qmd").write_text(front)
    assert read(tmp_path / "report.qmd", builtin_pdf=False).settings.pdf == {}
    assert read(tmp_path / "report.qmd").settings.pdf["classoption"][-1] == "twocolumn"


def test_yaml_latex_cut_by_a_comment_is_named_not_a_group_across_entries():
    """An entry may open a group a later entry closes; the first entry left open is
    named when the whole stays open."""
    from builder.read.validate import check_yaml_latex

    check_yaml_latex(["\\AtBeginDocument{", "\\relax}", "\\usepackage{bm}"], "x:1")
    with pytest.raises(BuildError, match=r"x:1: the LaTeX '\\newcommand\{\\KL\}\[2\]"):
        check_yaml_latex(["\\usepackage{bm}", "\\newcommand{\\KL}[2]{D(#1"], "x:1")
    check_yaml_latex(["\\newcommand{\\lb}{\\{}"], "x:1")  # an escaped brace is text
