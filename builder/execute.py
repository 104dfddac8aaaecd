"""Stage 2, execute: run the chunks in one Jupyter kernel, behind a jupyter-cache store.

The notebook that runs is: a hidden key cell, a hidden preamble cell, one cell per executed
chunk, and hidden cells that evaluate the inline `{python} expr`s where they stand.  The
executed notebook is stored in one jupyter-cache project (`.cache/jupyter-cache/`, the
package Quarto's own `cache: true` uses), which matches notebooks by the source of their
code cells.  The key cell is a comment carrying a digest of every `code/*.py` file, the
`REPORT_*` settings, the build flags and the Python version, so that jupyter-cache's hash
covers exactly: every executed chunk's code, every inline expression, every module under
`code/`, the settings and the interpreter.  A prose-only edit executes nothing; an edit to
any module under `code/` executes everything again.  (Expensive results such as trained
models have their own finer caches inside `code/`.)
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .read import BuildError, Chunk, Document, options

CACHE_VERSION = "4"  # bump when the way chunks are executed changes
CACHE_LIMIT = 12  # executed notebooks kept; jupyter-cache drops the oldest
# Run first, hidden from both outputs: Matplotlib's figure size, resolution and format as
# Quarto's kernel set-up gives them (its resources/jupyter/lang/python/setup.py), plus PNG
# for the notebook.
PREAMBLE = """\
import matplotlib
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats(*{formats!r})
matplotlib.rcParams.update(
    {{"figure.figsize": ({width!r}, {height!r}), "figure.dpi": {dpi!r},
     "savefig.dpi": "figure"}}
)
del matplotlib, set_matplotlib_formats  # the chunks see no name of ours (Quarto: %reset)
"""


def preamble(doc: Document) -> str:
    """The hidden set-up cell for the document's figure options (options.py)."""
    fig = options.figure_defaults(doc)
    return PREAMBLE.format(
        formats=list(dict.fromkeys([fig["fig-format"], "png"])),
        width=fig["fig-width"],
        height=fig["fig-height"],
        dpi=fig["fig-dpi"],
    )


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
ROLE = "report-builder"  # cell metadata key of the hidden cells: "key", "preamble", "inline"


def executed_chunks(doc: Document) -> list[Chunk]:
    return [c for c in doc.chunks if c.options.get("eval", True) is not False]


def kernel_env(fast: bool, project: dict[str, str]) -> dict[str, str]:
    """The kernel's environment: this process's, the project's environment files'
    variables (`Settings.environment`) and the build's settings."""
    env = {**project, **os.environ, "REPORT_FAST": "1" if fast else "0"}
    env.update(REPORT_BUILD="1", PYDEVD_DISABLE_FILE_VALIDATION="1", PYTHONHASHSEED="0")
    return env


def settings_digest(doc: Document, fast: bool) -> str:
    """sha256 of what the chunks' code does not show: every `code/*.py` file, the
    `REPORT_*` settings, the build flags, the preamble and the Python version."""
    from .quarto_kernel import settings_digest as digest  # here: it loads ipykernel

    # error: true changes what a run does (it goes on past the error) but not the code
    error_true = [c.label for c in executed_chunks(doc) if c.options.get("error")]
    return digest(
        doc.root,
        version=CACHE_VERSION,
        fast=fast,
        preamble=preamble(doc),
        error_true=error_true,
        environment=doc.settings.environment,
    )


def key_cell_source(doc: Document, fast: bool) -> str:
    """The hidden first cell: a comment, so it does nothing, that jupyter-cache hashes."""
    return (
        "# report builder: digest of code/*.py, REPORT_* settings, flags, Python\n"
        f"# {settings_digest(doc, fast)}"
    )


def _code_location(traceback: str) -> str | None:
    """The last frame of the traceback that lies in `code/`, as 'code/x.py:line'."""
    found = None
    for m in re.finditer(
        r"File \"?([^\s\",]+?\.py)\"?(?::(\d+)|, line (\d+))", traceback
    ):
        path = Path(m.group(1))
        if path.parent.name == "code":
            found = f"code/{path.name}:{m.group(2) or m.group(3)}"
    return found


# Exceptions from `code/` whose message already says what is missing and how to provide it
# (code/downloads.py): shown alone, without a traceback.
PLAIN_ERRORS = {"MissingInputs"}


def describe_failure(error: CellExecutionError, chunk: Chunk) -> str:
    if error.ename in PLAIN_ERRORS:
        return f"{chunk.where()} stopped the build:\n{error.evalue}"
    traceback = ANSI.sub("", error.traceback)
    head = f"{chunk.where()} raised {error.ename}: {error.evalue}"
    if where := _code_location(traceback):
        head += f"\n  raised from {where}"
    tail = "\n".join(traceback.strip().splitlines()[-25:])
    return f"{head}\n--- traceback (last lines) ---\n{tail}"


INLINE_CELL = """\
import json as _json
def _inline_values(expressions):
    values = []
    for e in expressions:
        try:
            data, _ = get_ipython().display_formatter.format(eval(e))
            values.append([True, {k: v for k, v in data.items() if k.startswith("text/")}])
        except Exception as error:
            values.append([False, f"{type(error).__name__}: {error}"])
    return values
print(_json.dumps(_inline_values(%s)))
del _json, _inline_values
"""
# Markdown punctuation Quarto escapes in a string's text (its character class, "+-." a
# range as in JavaScript, so the comma too)
QUARTO_ESCAPED = re.compile(r"([\\`*_{}\[\]()>#+-.!])")


def inline_markdown(data: dict) -> str:
    """The Markdown Quarto puts in the prose for an inline expression's result, from
    its display data, as Quarto 1.10 does for a PDF (src/core/jupyter/jupyter-inline.ts,
    resolveUserExpressions, asEscapedMarkdown): text/latex as raw LaTeX, text/markdown
    as it is (IPython's `Markdown(...)`), text/plain (the value's repr) as literal text:
    a quoted string without its quotes, with every backslash doubled and then every
    backslash and Markdown punctuation escaped (so a backslash in a string's repr
    prints as two); any other repr as it is."""
    if "text/latex" in data:
        return f"`{data['text/latex']}`{{=tex}}"
    if "text/markdown" in data:
        return data["text/markdown"]
    text = data.get("text/plain", "")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return QUARTO_ESCAPED.sub(r"\\\1", text[1:-1].replace("\\", "\\\\"))
    return text


def inline_cell(expressions) -> nbformat.NotebookNode:
    """A hidden cell that prints the values of `expressions` as a JSON list."""
    return nbformat.v4.new_code_cell(
        INLINE_CELL % json.dumps([e for e, _, _ in expressions]),
        metadata={ROLE: "inline"},
    )


def collect_inline(cell, expressions, values: dict[str, dict[str, str]]):
    """Read the values an executed inline cell printed into `values` ({position of the
    block, as text: {expression: its Markdown, `inline_markdown`}}; "-1": the front
    matter), so that one expression may have other values in other places, as in Quarto.

    Raises BuildError naming the file and line of an expression that raised.
    """
    if not expressions:
        return
    results = json.loads(
        "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    )
    for (expression, where, position), (ok, value) in zip(expressions, results):
        if not ok:
            raise BuildError(
                f"{where}: inline expression `{{python}} {expression}` raised {value}"
            )
        if "<table" in value.get("text/html", "") and not (
            {"text/latex", "text/markdown"} & set(value)
        ):  # Quarto's PDF takes an HTML table's form, written as raw HTML in the text
            raise BuildError(
                f"{where}: inline expression `{{python}} {expression}` is a table (its "
                "HTML form), which Quarto's PDF prints as broken raw HTML; show it from "
                "a chunk, or write str(...) around it"
            )
        values.setdefault(str(position), {})[expression] = inline_markdown(value)


def _cell_metadata(chunk: Chunk) -> dict:
    """`error: true`: nbclient keeps the error as the cell's output and goes on."""
    tags = ["raises-exception"] if chunk.options.get("error") else []
    return {"label": chunk.label, **({"tags": tags} if tags else {})}


def build_notebook(doc: Document, fast: bool):
    """The notebook to execute, and for each cell what it is: (chunk or None, inline
    expressions it evaluates).  Inline expressions are evaluated where they stand: after
    the chunks that precede them."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    hidden = {"key": key_cell_source(doc, fast), "preamble": preamble(doc)}
    cells = [
        (nbformat.v4.new_code_cell(source, metadata={ROLE: role}), None, [])
        for role, source in hidden.items()
    ]
    inline = doc.inline_expressions()
    for chunk in executed_chunks(doc):
        position = doc.blocks.index(chunk)
        before = [e for e in inline if e[2] < position]
        if before:
            cells.append((inline_cell(before), None, before))
        inline = [e for e in inline if e[2] > position]
        cell = nbformat.v4.new_code_cell(chunk.source, metadata=_cell_metadata(chunk))
        cells.append((cell, chunk, []))
    if inline:
        cells.append((inline_cell(inline), None, inline))
    nb.cells = [cell for cell, _, _ in cells]
    return nb, [(chunk, exprs) for _, chunk, exprs in cells]


def run(nb, plan, doc: Document, fast: bool, log=print):
    """Execute `nb` cell by cell in a fresh kernel (cwd = the project), logging each chunk;
    a failing chunk raises BuildError with its label, its line and the `code/` line."""
    # IPC transport: no TCP ports, and no warning about unencrypted TCP from the kernel.
    sockets = tempfile.TemporaryDirectory(prefix="kernel-")
    km = KernelManager(
        kernel_name="python3",
        transport="ipc",
        ip=str(Path(sockets.name) / "ipc"),
        connection_file=str(Path(sockets.name) / "kernel.json"),
    )
    # capture_fd_output=False: what the code writes to the process's own stderr (progress bars,
    # see code/language_model.py) reaches this terminal and not the report.
    client = NotebookClient(
        nb,
        km=km,
        timeout=None,
        kernel_name="python3",
        record_timing=False,
        shutdown_kernel="immediate",
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(doc.root)}},
    )
    values: dict[str, dict[str, str]] = {}
    with (
        sockets,
        client.setup_kernel(
            env=kernel_env(fast, doc.settings.environment), cleanup_kc=True
        ),
    ):
        for i, (cell, (chunk, expressions)) in enumerate(zip(nb.cells, plan)):
            t0 = time.perf_counter()
            try:  # hidden cells use up no execution count (Quarto: Cell In[1] first)
                client.execute_cell(cell, i, store_history=chunk is not None)
            except CellExecutionError as e:
                if chunk is None:
                    raise BuildError(
                        f"the build's {cell.metadata[ROLE]} cell failed: {e}"
                    ) from None
                raise BuildError(describe_failure(e, chunk)) from None
            if chunk is not None:
                log(f"  ran     {chunk.label} ({time.perf_counter() - t0:.1f} s)")
            collect_inline(cell, expressions, values)
    return values


def execute(
    doc: Document, cache_dir: Path, fast: bool = False, log=print
) -> nbformat.NotebookNode:
    """The executed notebook, from the jupyter-cache store in `cache_dir` when it holds
    one for the same code and settings, else executed now and stored.

    Its cells: the hidden key and preamble cells, one cell per executed chunk (metadata
    `label`) and the hidden inline cells; `metadata.inline_values` maps each block's
    position to its inline expressions' texts (`collect_inline`).  Raises BuildError
    when a chunk or an expression fails.
    """
    nb, plan = build_notebook(doc, fast)
    chunks = [chunk for chunk, _ in plan if chunk is not None]
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = get_cache(cache_dir)
    if cache.get_cache_limit() != CACHE_LIMIT:
        cache.change_cache_limit(CACHE_LIMIT)
    try:
        pk, executed = cache.merge_match_into_notebook(nb)
    except KeyError:
        pass
    else:
        log(f"execute: all {len(chunks)} chunks from the cache (jupyter-cache #{pk})")
        for chunk in chunks:
            log(f"  cached  {chunk.label}")
        values: dict[str, dict[str, str]] = {}
        for cell, (_, expressions) in zip(executed.cells, plan):
            collect_inline(cell, expressions, values)
        executed.metadata["inline_values"] = values
        return executed

    log(f"execute: {len(chunks)} chunks in a fresh kernel (fast={fast})")
    start = time.perf_counter()
    values = run(nb, plan, doc, fast, log)
    log(f"execute: done in {time.perf_counter() - start:.1f} s")
    cache.cache_notebook_bundle(
        CacheBundleIn(nb, uri=str(doc.path)), check_validity=False, overwrite=True
    )
    nb.metadata["inline_values"] = values
    return nb


def outputs_by_label(nb: nbformat.NotebookNode) -> dict[str, list]:
    """{chunk label: outputs} of an executed notebook (hidden cells left out)."""
    return {
        cell.metadata["label"]: cell.outputs
        for cell in nb.cells
        if "label" in cell.metadata
    }
