"""The whole pipeline on a small fixture project: cache behaviour (jupyter-cache), errors,
atomic outputs, cross-references in the PDF, a notebook that runs on its own, the notebook
handed to Quarto and the up-front TeX checks."""

import json
import os
import shutil
import stat
import textwrap

import nbformat
import pytest
from conftest import needs_latex, pdf_text, write_project
from nbclient import NotebookClient

from builder import parse, weave
from builder.__main__ import build, main
from builder.read import BuildError, read
from builder.write import quarto as quarto_project
from builder.write import texcheck, typeset

pytestmark = needs_latex

FILES = {
    "report.qmd": """
        ---
        title: "Fixture report"
        author: "Ada Lovelace"
        discussed-with: "Bob, Cy"
        ---
        **Discussed with:** {{< meta discussed-with >}}

        ```{python}
        #| label: setup
        #| include: false
        import os, sys
        sys.path.insert(0, os.path.abspath("code"))
        ```

        # Theory {#sec-theory}

        {{< include proofs/p.qmd >}}

        # Numbers {#sec-numbers}

        As @fig-line shows and @thm-fix proves with @eq-fix, see @tbl-squares and @sec-theory.

        ```{python}
        #| label: compute
        from helper import answer
        print("the answer is", answer())
        ```

        ```{python}
        #| label: hidden
        #| echo: false
        print("output of a hidden chunk")
        ```

        ```{python}
        #| label: quiet
        #| warning: false
        import sys
        print("noise", "on stderr", file=sys.stderr)
        ```

        ```{python}
        #| label: fig-line
        #| fig-cap: "A straight line"
        import matplotlib.pyplot as plt
        plt.plot([0, 1], [0, 1])
        plt.show()
        ```

        ::: {#fig-dynamic}
        ```{python}
        #| label: dynamic-plot
        KIND = "dynamic"
        plt.plot([0, 1], [1, 0])
        plt.show()
        ```

        A `{python} KIND` caption, computed: `{python} 6 * 7`.
        :::

        See @fig-dynamic; the answer is `{python} answer()` and the kind `{python} KIND.upper()`.

        ```{python}
        #| label: tbl-squares
        #| tbl-cap: "Squares"
        from IPython.display import Markdown
        Markdown("| n | square |\\n|---|---|\\n| 2 | 4 |\\n| 3 | 9 |")
        ```
        """,
    # as the report's: numbered sections and a contents list (Quarto's defaults: neither)
    "_quarto.yml": """
        format:
          pdf:
            toc: true
            number-sections: true
        """,
    "proofs/p.qmd": """
        ::: {#thm-fix}
        ## Fixture theorem
        $$
        1 + 1 = 2
        $$ {#eq-fix}
        :::

        ::: {.proof}
        Count.
        :::
        """,
    "code/util.py": "BASE = 40\n",
    "code/helper.py": """
        from util import BASE


        def answer():
            return BASE + 2


        def fail():
            raise ValueError("deliberate failure")
        """,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    qmd = write_project(root, FILES)
    log = []
    result = build(qmd, fast=True, log=log.append)
    return root, qmd, log, result


def run_build(qmd, **kw):
    log = []
    build(qmd, fast=True, log=log.append, **kw)
    return "\n".join(log)


def test_first_build_executes_every_chunk(project):
    root, _, log, _ = project
    text = "\n".join(log)
    for label in (
        "setup",
        "compute",
        "hidden",
        "fig-line",
        "dynamic-plot",
        "tbl-squares",
    ):
        assert f"ran     {label}" in text
    assert (root / "report.pdf").exists() and (root / "report.ipynb").exists()
    assert (root / "figures" / "fig-line.pdf").exists()


def test_pdf_resolves_cross_references_and_hides_code(project):
    root = project[0]
    text = pdf_text(root / "report.pdf")
    flat = " ".join(text.split())
    assert (
        "As Figure 1 shows and Theorem 1.1 proves with Equation 1, see Table 1 and Section 1."
        in flat
    )
    assert (
        "Theorem 1.1 (Fixture theorem)" in flat and "Figure 1: A straight line" in flat
    )
    assert "Table 1: Squares" in flat
    assert "??" not in text and "@fig" not in text and "@thm" not in text
    assert "Fixture report" in text and "Ada Lovelace" in text and "Bob, Cy" in text
    assert "the answer is 42" in text and 'print("the answer is"' in text
    assert (
        "output of a hidden chunk" in text and 'print("output of a hidden' not in text
    )
    assert "noise on stderr" not in text  # warning: false
    assert "sys.path.insert" not in text  # include: false


def test_inline_expressions_and_figure_divs(project):
    root = project[0]
    flat = " ".join(pdf_text(root / "report.pdf").split())
    assert "Figure 2: A dynamic caption, computed: 42." in flat
    assert "See Figure 2; the answer is 42 and the kind DYNAMIC." in flat
    assert "Table 1: Squares" in flat
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "*Figure 2: A dynamic caption, computed: 42.*" in markdown
    assert (
        "the answer is 42 and the kind DYNAMIC." in markdown
        and "{python}" not in markdown
    )
    assert ":::" not in markdown


def test_an_inline_expression_in_a_front_matter_key_not_printed_is_located(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": '---\ntitle: "`{python} 2`"\ncourse: "`{python} 1`"\n---'
            '\n\n```{python}\nopen("ran.txt", "w").close()\n```\n'
        },
    )
    with pytest.raises(
        BuildError,
        match=r"report.qmd:3: inline expression `\{python\} 1` in the front matter's "
        r"'course': the built-in renderer evaluates them in the keys it prints",
    ):
        run_build(qmd, pdf=False)
    assert not (tmp_path / "ran.txt").exists()  # refused on reading, before any chunk


def test_eval_false_and_output_false(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": """
        ```{python}
        #| eval: false
        print("never run")
        raise SystemExit("would stop the build")
        ```

        ```{python}
        #| output: false
        print("ran but hidden")
        ```
        """
        },
    )
    log = run_build(qmd)
    assert "ran     chunk-2" in log and "chunk-1" not in log
    text = pdf_text(tmp_path / "report.pdf")
    assert 'print("never run")' in text and "ran but hidden" in text  # both codes shown
    assert "\nran but hidden" not in text.replace(
        'print("ran but hidden")', ""
    )  # no output
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    assert (
        "(This cell is not executed.)" in nb.cells[1].source
        and nb.cells[1].cell_type == "markdown"
    )


def test_failing_inline_expression_is_named(tmp_path):
    qmd = write_project(
        tmp_path,
        {"report.qmd": "Value: `{python} 1 / 0`.\n\n```{python}\nx = 1\n```\n"},
    )
    with pytest.raises(
        BuildError,
        match=r"report.qmd:1: inline expression `\{python\} 1 / 0` raised ZeroDivisionError",
    ):
        run_build(qmd)


def test_an_inline_table_is_located(tmp_path):
    """A DataFrame in the prose: Quarto's PDF prints its HTML form as raw HTML."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "```{python}\nimport pandas as pd\n"
            "df = pd.DataFrame({'a': [1]})\n```\n\nFrame: `{python} df`.\n"
        },
    )
    with pytest.raises(
        BuildError,
        match=r"report.qmd:6: inline expression `\{python\} df` is a table \(its "
        r"HTML form\), which Quarto's PDF prints as broken raw HTML",
    ):
        run_build(qmd, pdf=False)


def test_notebook_is_self_contained_and_runs_alone(project, tmp_path):
    root = project[0]
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert (
        "from helper" not in code and "from util" not in code and "sys.path" not in code
    )
    assert code.index("BASE = 40") < code.index("def answer") < code.index("answer())")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Ada Lovelace" in markdown and "Bob, Cy" in markdown
    assert (
        "**Theorem 1.1 (Fixture theorem).**" in markdown and "@fig-line" not in markdown
    )
    assert "As Figure 1 shows and Theorem 1.1 proves with Equation 1" in markdown
    # the code the PDF does not show (echo: false) is folded, its output shown
    folded = [c for c in nb.cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    hidden = [c for c in folded if "output of a hidden chunk" in c.source]
    assert len(hidden) == 1 and hidden[0].outputs
    assert not any("the answer is" in c.source for c in folded)
    # outputs were kept ...
    assert any(
        "the answer is 42" in o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    # ... and the notebook reproduces them in an empty folder, in a fresh kernel
    fresh = nbformat.read(root / "report.ipynb", as_version=4)
    for c in fresh.cells:
        if c.cell_type == "code":
            c.outputs = []
    assert list(tmp_path.iterdir()) == []  # nothing to import from: no code/ here
    NotebookClient(
        fresh,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert not (tmp_path / "code").exists()
    texts = [o.get("text", "") for c in fresh.cells for o in c.get("outputs", [])]
    assert "the answer is 42\n" in texts


def test_rebuild_and_prose_edit_execute_nothing(project):
    root, qmd, _, _ = project
    assert "ran " not in run_build(qmd)
    qmd.write_text(qmd.read_text().replace("see @tbl-squares", "and see @tbl-squares"))
    log = run_build(qmd)
    assert "from the cache" in log and "ran " not in log
    assert "and see Table 1" in " ".join(pdf_text(root / "report.pdf").split())


def test_code_edit_executes_again(project):
    root, qmd, _, _ = project
    util = root / "code" / "util.py"
    util.write_text("BASE = 41\n")
    try:
        log = run_build(qmd)
        assert "ran     compute" in log
        assert "the answer is 43" in pdf_text(root / "report.pdf")
    finally:
        util.write_text("BASE = 40\n")
        run_build(qmd)


def test_failing_chunk_names_label_line_and_module_and_keeps_outputs(project):
    root, qmd, _, _ = project
    before = {
        name: (root / name).read_bytes() for name in ("report.pdf", "report.ipynb")
    }
    good = qmd.read_text()
    lines = good.splitlines()
    lines += [
        "",
        "```{python}",
        "#| label: broken",
        "from helper import fail",
        "fail()",
        "```",
    ]
    qmd.write_text("\n".join(lines) + "\n")
    try:
        with pytest.raises(BuildError) as err:
            run_build(qmd)
        message = str(err.value)
        assert (
            f"report.qmd:{len(lines) - 4} (chunk 'broken') raised ValueError: deliberate failure"
            in message
        )
        assert "raised from code/helper.py:9" in message
        for name, data in before.items():
            assert (root / name).read_bytes() == data, (
                f"{name} changed by a failed build"
            )
        assert main([str(qmd), "--fast"]) == 1
    finally:
        qmd.write_text(good)


def test_interrupted_typesetting_keeps_outputs(project, monkeypatch):
    root, qmd, _, _ = project
    before = {
        name: (root / name).read_bytes() for name in ("report.pdf", "report.ipynb")
    }

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("builder.write.typeset.builtin", interrupted)
    assert main([str(qmd), "--fast"]) == 130
    for name, data in before.items():
        assert (root / name).read_bytes() == data


def test_without_latex_the_build_stops_before_executing(project, monkeypatch):
    root, qmd, _, _ = project
    before = {
        name: (root / name).read_bytes() for name in ("report.pdf", "report.ipynb")
    }
    monkeypatch.setattr("builder.write.typeset.shutil.which", lambda name: None)
    qmd.write_text(qmd.read_text() + "\n```{python}\nprint('new chunk')\n```\n")
    log = []
    try:
        with pytest.raises(
            BuildError,
            match="no LaTeX engine found.*Nothing was executed.*apt-get install "
            "texlive-xetex .*lmodern",
        ):
            build(qmd, fast=True, log=log.append)
        assert not any(line.startswith("execute") for line in log), log
        for name, data in before.items():
            assert (root / name).read_bytes() == data
        run_build(qmd, pdf=False)  # --no-pdf still writes the notebook
        assert (root / "report.pdf").read_bytes() == before["report.pdf"]
    finally:
        qmd.write_text(
            qmd.read_text().replace("\n```{python}\nprint('new chunk')\n```\n", "")
        )


def test_missing_latex_package_is_named_before_executing(
    project, tmp_path, monkeypatch
):
    """A kpsewhich that finds every file but fontawesome5.sty (Quarto's callouts) and
    fvextra.sty (the built-in code blocks): each path names its own missing package
    (quarto render in its pre-render hook, the built-in build before executing)."""
    root, qmd, _, _ = project
    real = shutil.which("kpsewhich")
    fake = tmp_path / "bin" / "kpsewhich"
    fake.parent.mkdir()
    fake.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        for f in "$@"; do
          case "$f" in fontawesome5.sty|fvextra.sty) ;; *) {real} "$f" ;; esac
        done
        """)
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("REPORT_UNSEEN_SETTING", "1")  # a cache miss: would execute
    log = []
    with pytest.raises(BuildError) as err:
        quarto_project.check_tex(read(qmd, builtin_pdf=False))
    assert "LaTeX packages not found by kpsewhich: fontawesome5.sty;" in str(err.value)
    assert "apt-get install texlive-fonts-extra" in str(err.value)
    with pytest.raises(BuildError) as err:
        build(qmd, fast=True, log=log.append)
    assert "LaTeX packages not found by kpsewhich: fvextra.sty;" in str(err.value)
    assert "apt-get install texlive-latex-extra" in str(err.value)
    assert not any(line.startswith("execute") for line in log), log


def test_builtin_package_list_covers_the_latex_pandoc_writes(project, tmp_path):
    """Every package the built-in path's LaTeX loads unconditionally is checked up front."""
    root, qmd, _, result = project
    source, tex = tmp_path / "report.json", tmp_path / "report.tex"
    doc = read(qmd)
    woven = weave.weave(doc, result["executed"], tmp_path / "f")
    source.write_text(json.dumps(parse.for_output(parse.parse(woven.markdown), "pdf")))
    typeset.to_latex(source, tex, doc.settings.pdf)
    loaded = texcheck.loaded_packages(tex.read_text())
    assert loaded and loaded <= set(texcheck.BUILTIN_STY), loaded - set(
        texcheck.BUILTIN_STY
    )


@pytest.mark.parametrize(
    "environment, argv, fast",
    [({}, [], False), ({}, ["--fast"], True), ({"REPORT_FAST": "1"}, [], True),
     ({"REPORT_FAST": "0"}, [], False)],
)  # fmt: skip
def test_report_fast_makes_a_draft_on_the_builtin_path_as_under_quarto(
    monkeypatch, environment, argv, fast
):
    """REPORT_FAST=1 means a draft whichever command builds (`quarto render` passes it
    to the chunks; the built-in path takes it as --fast)."""
    calls = []
    monkeypatch.delenv("REPORT_FAST", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("builder.__main__.build", lambda *a, **k: calls.append(k))
    assert main(["report.qmd", *argv]) == 0
    assert calls == [{"fast": fast, "pdf": True}]


def test_a_short_output_is_never_split_across_pages(tmp_path):
    """code-output.lua sets an output of fewer than 40 lines in a minipage: after
    fillers of several lengths it meets the foot of the first page, and moves whole to
    the next one (without the minipage, 14 filler lines split it)."""
    from pdf_layout import pdf_lines, pdf_words, split_outputs

    output = "\n".join(f"epoch {k}: perplexity {100 - k}.0" for k in range(1, 13))
    pages = set()
    for n in (12, 14, 16):
        filler = "\n\n".join(["A line."] * n)
        qmd = write_project(tmp_path / str(n), {"report.qmd": (
            f"---\ntitle: T\nauthor: A\n---\n\n{filler}\n\n```{{python}}\n"
            "for k in range(1, 13):\n    print(f'epoch {k}: perplexity {100 - k}.0')\n"
            "```\n\nAfter.\n")})  # fmt: skip
        build(qmd, log=lambda *_: None)
        pdf = qmd.with_suffix(".pdf")
        assert split_outputs(pdf, [output]) == []
        pages |= {line.page for line in pdf_lines(pdf_words(pdf)[1])
                  if line.text.startswith("epoch 1:")}  # fmt: skip
    assert pages == {1, 2}  # some fillers leave room for it on p. 1, some do not


def test_a_missing_package_of_the_documents_header_is_named(monkeypatch):
    """A package only the document's include-in-header loads (no Debian package known
    here): named with how to find its package, not an empty 'apt-get install'."""
    monkeypatch.setattr(texcheck, "missing_sty", lambda names: ["algorithm"])
    with pytest.raises(BuildError) as err:
        texcheck.check(("xelatex",), ["algorithm"], "the built-in PDF path")
    message = str(err.value)
    assert (
        "kpsewhich: algorithm.sty; the document's include-in-header loads 1 of"
        in message
    )
    assert "'apt-file search algorithm.sty'" in message and "apt-get" not in message


def test_packages_a_header_loads_over_several_lines_are_found():
    """A `\\usepackage` whose options or names run over several lines is found (it was
    missed, and its .sty not checked before executing); one in a comment, or loaded only
    if its file exists, is not."""
    header = (
        "\\usepackage[\n  ruled,\n  vlined]{algorithm2e}\n\\usepackage{amsmath,\n  bm}\n"
        "% \\usepackage{commented}\n\\IfFileExists{upquote.sty}{\\usepackage{upquote}}{}\n"
        "50\\% \\RequirePackage{xcolor}\n"
    )
    found = texcheck.loaded_packages(header)
    assert found == {"algorithm2e", "amsmath", "bm", "xcolor"}


def test_the_header_redefinitions_unicode_math_undoes_are_left_out(capsys):
    """unicode-math (the xelatex PDF's) defines \\epsilon and \\vec again at
    \\begin{document}: their header \\renewcommand, \\def and \\let are left out of the
    macros pandoc expands, with a warning; \\frac's is kept, and so is all inside
    \\AtBeginDocument{...}, where the definitions count; in the body everything counts."""
    header = (
        "\\renewcommand{\\epsilon}{\\varepsilon}\n\\def\\phi{\\varphi}\n"
        "\\let\\vec=\\mathbf\n\\renewcommand{\\frac}[2]{#1/#2}\n"
        "\\AtBeginDocument{\\let\\epsilon\\varepsilon}\n"
    )
    kept = weave.operators(header, preamble=True, where="report.qmd")
    assert (
        kept == "\n\n\n\\renewcommand{\\frac}[2]{#1/#2}\n\\let\\epsilon\\varepsilon\n"
    )
    said = capsys.readouterr().out.splitlines()
    assert [line.split(" in the header")[0] for line in said] == [
        "warning: report.qmd: \\renewcommand{\\epsilon}",
        "warning: report.qmd: \\def\\phi",
        "warning: report.qmd: \\let\\vec=\\mathbf",
    ]
    assert (
        weave.operators(header) == header.replace("\\AtBeginDocument{", "")[:-2] + "\n"
    )
