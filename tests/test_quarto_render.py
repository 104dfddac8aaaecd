"""`quarto render` builds both outputs, executing each chunk once (issue 20).

The replay kernel (builder/quarto_kernel.py) is tested with nbclient everywhere; the
whole path (`quarto render` with the project's _environment, pre-render, post-render) on
a small project where quarto is on PATH.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, needs_latex, pdf_text, write_project
from nbclient import NotebookClient

from builder.__main__ import build

needs_quarto = pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="quarto is not on PATH (the Quarto path is optional; CI has none)",
)

MODULE = '''
def f():
    """The answer minus one."""
    return 41
'''
REPORT = """
---
title: "Small `{python} 6 * 7`"
author: "A. Student"
---

```{python}
#| label: setup
#| include: false
import os
import sys

sys.path.insert(0, os.path.abspath("code"))
open("runs.log", "a").write("setup\\n")
```

```{python}
#| label: second
from mod import f

open("runs.log", "a").write("second\\n")
print("stdout", f())
print("BUILD" + "-MESSAGE", file=sys.__stderr__)  # the listing does not show it
```

The value is `{python} f() + 1`, and `{python} "a string"`. See @fig-a.

```{python}
#| label: fig-a
#| fig-cap: "A plot"
import matplotlib.pyplot as plt

open("runs.log", "a").write("fig-a\\n")
plt.plot([1, 2, 3])
plt.show()
```
"""


def small_project(root: Path) -> Path:
    """The project's Quarto set-up (builder/, _quarto.yml, _environment, requirements)
    around a small report; .venv is this interpreter's."""
    shutil.copytree(
        ROOT / "builder", root / "builder", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("_quarto.yml", "_environment", "requirements.txt"):
        shutil.copy(ROOT / name, root / name)
    (root / ".venv").symlink_to(Path(sys.prefix))
    write_project(root, {"report.qmd": REPORT, "code/mod.py": MODULE})
    return root


def runs(root: Path) -> list[str]:
    path = root / "runs.log"
    return path.read_text().split() if path.exists() else []


# --- the replay kernel, driven by nbclient as Quarto drives it ---------------------


def execute(root: Path, sources: list[str]) -> list[list]:
    """Run `sources` as cells in the project's kernel (cwd `root`); their outputs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    NotebookClient(
        nb, kernel_name="python3", resources={"metadata": {"path": str(root)}}
    ).execute()
    return [
        [
            {k: v for k, v in o.items() if k not in ("metadata", "execution_count")}
            for o in cell.outputs
        ]
        for cell in nb.cells
    ]


CELLS = [
    "import sys; sys.path.insert(0, 'code')\nopen('runs.log', 'a').write('a\\n')",
    "from mod import f\nx = f()\nopen('runs.log', 'a').write('b\\n')\nprint(x)",
    "open('runs.log', 'a').write('c\\n')\nx + 1",
]


@pytest.fixture
def kernel_project(tmp_path, monkeypatch):
    root = small_project(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(root / "builder" / "jupyter"))
    monkeypatch.chdir(root)
    return root


def test_kernel_replays_what_it_ran_and_runs_again_after_a_change(kernel_project):
    root = kernel_project
    first = execute(root, CELLS)
    assert runs(root) == ["a", "b", "c"]
    assert first[1][0]["text"] == "41\n"
    assert first[2][-1]["data"]["text/plain"] == "42"
    assert execute(root, CELLS) == first  # the same outputs, nothing executed
    assert runs(root) == ["a", "b", "c"]

    # a changed last cell: the first two are run muted (the state it needs), then it
    changed = CELLS[:2] + [CELLS[2].replace("x + 1", "x + 2")]
    out = execute(root, changed)
    assert out[:2] == first[:2] and out[2][-1]["data"]["text/plain"] == "43"
    assert runs(root) == ["a", "b", "c", "a", "b", "c"]

    # a module edit (not in any cell) executes everything again
    (root / "code" / "mod.py").write_text(MODULE.replace("41", "40 + 2"))
    out = execute(root, CELLS)
    assert out[1][0]["text"] == "42\n" and len(runs(root)) == 9
    # ... and so does a REPORT_* setting
    os.environ["REPORT_SOMETHING"] = "1"
    try:
        execute(root, CELLS)
    finally:
        del os.environ["REPORT_SOMETHING"]
    assert len(runs(root)) == 12


def test_kernel_stores_nothing_from_a_failure_on(kernel_project):
    root = kernel_project
    cells = CELLS[:1] + ["raise ValueError('boom')"]
    with pytest.raises(Exception, match="boom"):
        execute(root, cells)
    with pytest.raises(Exception, match="boom"):
        execute(root, cells)  # the failing cell runs again: it was not stored
    assert runs(root) == ["a", "a"]  # the first was replayed, then run for the state


# --- quarto render on a small project -----------------------------------------------


def render(root: Path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "QUARTO_PYTHON"}
    environ.update(env)
    environ.pop("JUPYTER_PATH", None)
    return subprocess.run(
        ["quarto", "render"],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=900,
    )


def notebook_code(root: Path) -> str:
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    nbformat.validate(nb)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


@needs_quarto
@needs_latex
def test_quarto_render_builds_both_outputs_and_executes_each_chunk_once(tmp_path):
    root = small_project(tmp_path)
    done = render(root)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert runs(root) == ["setup", "second", "fig-a"]
    # 3 chunks, Quarto's 2 own requests, 2 of inline expressions (front matter, prose)
    assert "7 requests executed, 0 replayed" in log
    assert "BUILD-MESSAGE" in log  # the channel of build messages: the terminal
    text = pdf_text(root / "report.pdf")
    assert "stdout 41" in text and "The value is 42, and a string." in text
    assert text.startswith("Small 42")
    assert "Figure 1: A plot" in text and "BUILD-MESSAGE" not in text
    assert "pre-render" not in text and "report kernel" not in text
    # the single-file notebook: the module inlined, no import of it, outputs kept
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    code = notebook_code(root)
    assert "def f():" in code and "from mod import" not in code
    assert "sys.path" not in code
    assert any(
        "image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])
    )
    assert any("The value is 42, and a string." in c.source for c in nb.cells)
    assert nb.cells[0].source.startswith("# Small 42")  # the front matter's value
    assert "BUILD-MESSAGE" not in (root / "report.ipynb").read_text()
    assert not list(root.glob("*.quarto_ipynb*"))  # Quarto's kept notebook removed

    # nothing changed, then a prose-only edit: nothing executes
    pdf_before = (root / "report.pdf").read_bytes()
    for edit in (None, "See @fig-a, drawn below."):
        if edit:
            qmd = root / "report.qmd"
            qmd.write_text(qmd.read_text().replace("See @fig-a.", edit))
        done = render(root)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 requests executed, 7 replayed" in done.stdout + done.stderr
        assert runs(root) == ["setup", "second", "fig-a"]
    assert "drawn below" in pdf_text(root / "report.pdf")
    assert pdf_before != (root / "report.pdf").read_bytes()

    # a module edit executes every chunk again, and the notebook inlines the new code
    (root / "code" / "mod.py").write_text(MODULE.replace("return 41", "return 40 + 1"))
    done = render(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert runs(root)[3:] == ["setup", "second", "fig-a"]
    assert "return 40 + 1" in notebook_code(root)

    # the same notebook as the built-in path writes: cells, sources, kinds of output
    def shape(path):
        nb = nbformat.read(path, as_version=4)
        return [
            (c.cell_type, c.source, [o.output_type for o in c.get("outputs", [])])
            for c in nb.cells
        ]

    by_quarto = shape(root / "report.ipynb")
    build(root / "report.qmd", pdf=False, log=lambda *_: None)
    assert by_quarto == shape(root / "report.ipynb")


@needs_quarto
def test_quarto_render_stops_on_a_python_without_the_requirements(tmp_path):
    root = small_project(tmp_path)
    (root / "report.ipynb").write_text("previous")
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", bare], check=True)
    started = time.time()
    done = render(root, QUARTO_PYTHON=str(bare / "bin" / "python"))
    log = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"QUARTO_PYTHON={bare / 'bin' / 'python'}, set in your environment" in log
    assert "lacks torch, torchvision" in log and "Unset QUARTO_PYTHON" in log
    assert runs(root) == [] and (root / "report.ipynb").read_text() == "previous"
    assert time.time() - started < 120


def test_project_files_name_the_hooks_and_the_kernel():
    """_quarto.yml runs the hooks and keeps Quarto's notebook; _environment points
    Quarto at the project's Python and the replay kernel, and the kernelspec runs it."""
    import yaml

    config = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    assert config["project"]["pre-render"] == "builder/write/quarto.py pre-render"
    assert config["project"]["post-render"] == "builder/write/quarto.py post-render"
    assert config["format"]["pdf"]["keep-ipynb"] is True
    env = dict(
        line.split("=", 1)
        for line in (ROOT / "_environment").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env == {
        "QUARTO_PYTHON": ".venv/bin/python",
        "JUPYTER_PATH": "builder/jupyter",
    }
    spec = json.loads(
        (ROOT / "builder/jupyter/kernels/python3/kernel.json").read_text()
    )
    assert spec["argv"][:3] == ["python", "-m", "builder.quarto_kernel"]
    assert "--IPKernelApp.capture_fd_output=False" in spec["argv"]


# --- the hooks' parts, without Quarto ------------------------------------------------


def test_requirements_a_render_needs_stop_before_the_tests_section():
    from builder.write.quarto import requirement_names

    names = requirement_names(ROOT / "requirements.txt")
    assert {"torch", "torchvision", "pooch", "nbformat", "ipykernel"} <= set(names)
    assert "pytest" not in names and "ruff" not in names


def test_a_python_without_torch_gets_one_message_naming_where_it_came_from(
    monkeypatch,
):
    from builder.write import quarto as quarto_project

    real = quarto_project.metadata.version

    def version(name):
        if name in ("torch", "pooch"):
            raise quarto_project.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(quarto_project.metadata, "version", version)
    monkeypatch.setenv("QUARTO_PYTHON", "/somewhere/bin/python")
    with pytest.raises(quarto_project.HookError) as err:
        quarto_project.check_interpreter()
    message = str(err.value)
    assert "QUARTO_PYTHON=/somewhere/bin/python, set in your environment" in message
    assert "lacks torch, pooch (requirements.txt)" in message
    assert "Unset QUARTO_PYTHON to use the project's .venv/bin/python" in message
    monkeypatch.setenv("QUARTO_PYTHON", ".venv/bin/python")  # the _environment's
    with pytest.raises(quarto_project.HookError, match="Run `make` in"):
        quarto_project.check_interpreter()


def test_inline_values_are_the_markdown_quarto_puts_in_the_prose():
    """Both paths give an inline value's display data to execute.inline_markdown
    (Quarto's own rule; tests/test_quarto_cases.py checks the PDF against Quarto)."""
    from builder.execute import inline_markdown

    assert inline_markdown({"text/plain": "'it\\'s 42'"}) == r"it\\\\'s 42"
    assert inline_markdown({"text/plain": "'a*b, c'"}) == "a\\*b\\, c"
    assert inline_markdown({"text/plain": "42"}) == "42"
    assert inline_markdown({"text/plain": "np.float64(0.5)"}) == "np.float64(0.5)"
    both = {"text/plain": "<Markdown>", "text/markdown": "**b**"}
    assert inline_markdown(both) == "**b**"
    assert inline_markdown({**both, "text/latex": "$x$"}) == "`$x$`{=tex}"


def test_quartos_notebook_becomes_the_builders_executed_notebook(tmp_path):
    from builder.read import BuildError, read
    from builder.write.quarto import from_quarto

    write_project(tmp_path, {"report.qmd": REPORT, "code/mod.py": MODULE})
    doc = read(tmp_path / "report.qmd", builtin_pdf=False)
    cells = []
    for chunk in doc.chunks:
        cell = nbformat.v4.new_code_cell(f"#| label: {chunk.label}\n{chunk.source}")
        cell.outputs = [nbformat.v4.new_output("stream", text=f"{chunk.label}\n")]
        cells.append(cell)
    prose = nbformat.v4.new_markdown_cell("The value is `{python} f() + 1`.")
    prose.metadata["user_expressions"] = [
        {"expression": "f() + 1", "result": {"data": {"text/plain": "42"}}}
    ]
    nb = nbformat.v4.new_notebook(cells=[*cells[:2], prose, cells[2]])
    executed = from_quarto(nb, doc)
    assert [c.metadata["label"] for c in executed.cells] == [
        c.label for c in doc.chunks
    ]
    assert [c.outputs[0]["text"] for c in executed.cells] == [
        f"{c.label}\n" for c in doc.chunks
    ]
    # the values of the Markdown cell after two code cells: those of the block after
    # two chunks, where the expression stands (block 2); none before it
    assert executed.metadata["inline_values"] == {"-1": {}, "2": {"f() + 1": "42"}}
    nb.cells[1].source = "#| label: second\nsomething else"
    with pytest.raises(BuildError, match="Quarto's notebook has another cell here"):
        from_quarto(nb, doc)
    nb.cells.pop()
    with pytest.raises(BuildError, match="2 code cells for 3 chunks"):
        from_quarto(nb, doc)


def test_builtin_path_reads_the_project_with_its_quarto_hooks(tmp_path):
    """The built-in path does itself what the hooks do: it accepts them and
    keep-ipynb, and still stops on any other pre-render script."""
    from builder.read import BuildError, read

    write_project(tmp_path, {"report.qmd": REPORT, "code/mod.py": MODULE})
    shutil.copy(ROOT / "_quarto.yml", tmp_path / "_quarto.yml")
    assert len(read(tmp_path / "report.qmd").chunks) == 3
    config = (tmp_path / "_quarto.yml").read_text()
    (tmp_path / "_quarto.yml").write_text(
        config.replace("builder/write/quarto.py pre-render", "make-data.py")
    )
    with pytest.raises(BuildError, match="'pre-render' scripts are not run"):
        read(tmp_path / "report.qmd")


def test_post_render_words_the_notebook_in_the_documents_language(
    tmp_path, monkeypatch
):
    """post-render writes report.ipynb with the document's words (`lang:`), as the
    built-in path does, from the notebook Quarto kept."""
    from builder import vocabulary
    from builder.read import read
    from builder.write import quarto

    report = REPORT.replace('author: "A. Student"', 'author: "A. Student"\nlang: de')
    write_project(tmp_path, {"report.qmd": report, "code/mod.py": MODULE})
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
    cells = [
        nbformat.v4.new_code_cell(
            f"#| label: {c.label}\n{c.source}",
            outputs=[png] if c.label == "fig-a" else [],
        )
        for c in read(tmp_path / "report.qmd", builtin_pdf=False).chunks
    ]
    prose = nbformat.v4.new_markdown_cell("The value is ...")
    prose.metadata["user_expressions"] = [
        {"expression": e, "result": {"data": {"text/plain": v}}}
        for e, v in (("f() + 1", "42"), ('"a string"', "'a string'"))
    ]
    front = nbformat.v4.new_markdown_cell("---\ntitle: ...\n---")
    front.metadata["user_expressions"] = [
        {"expression": "6 * 7", "result": {"data": {"text/plain": "42"}}}
    ]
    kept = nbformat.v4.new_notebook(cells=[front, *cells[:2], prose, cells[2]])
    nbformat.write(kept, tmp_path / "report.quarto_ipynb")
    monkeypatch.setattr(quarto, "ROOT", tmp_path)
    monkeypatch.setenv("QUARTO_PROJECT_OUTPUT_FILES", "report.pdf")
    monkeypatch.delenv("QUARTO_PROJECT_INPUT_FILES", raising=False)
    try:
        quarto.post_render(log=lambda *_: None)
    finally:
        vocabulary.use_document({})  # the next document gets English again
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "The value is 42, and a string. See Abbildung 1." in text
    assert "Abbildung 1: A plot" in text and "Figure" not in text
    assert "- `mod.py`\n" in text + "\n"  # a module without a docstring: no summary
