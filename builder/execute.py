"""Stage 2, execute: run the chunks in one Jupyter kernel, behind a cache of whole notebooks.

The cache key covers every executed chunk's source, every `code/*.py` file, the build
flags and the Python version, and nothing else: a prose-only edit executes nothing, an edit
to any module under `code/` executes everything again.  (Expensive results such as trained
models have their own finer caches inside `code/`.)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .read import BuildError, Chunk, Document

CACHE_VERSION = "2"  # bump when the way chunks are executed changes
# Run first, hidden from both outputs: vector figures for the PDF beside PNG for the notebook.
PREAMBLE = """\
import matplotlib
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats("png", "pdf")
matplotlib.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110})
"""
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def executed_chunks(doc: Document) -> list[Chunk]:
    return [c for c in doc.chunks if c.options.get("eval", True) is not False]


def kernel_env(fast: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REPORT_FAST="1" if fast else "0",
        REPORT_BUILD="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        PYTHONHASHSEED="0",
    )
    return env


def cache_key(doc: Document, fast: bool) -> str:
    h = hashlib.sha256()
    settings = {k: v for k, v in sorted(os.environ.items()) if k.startswith("REPORT_")}
    settings.update(
        version=CACHE_VERSION, fast=fast, python=sys.version, preamble=PREAMBLE
    )
    h.update(json.dumps(settings, sort_keys=True).encode())
    for chunk in executed_chunks(doc):
        h.update(b"\0chunk\0" + chunk.source.encode())
        h.update(b"\0error: true" if chunk.options.get("error") else b"")
    for expression, _, position in doc.inline_expressions():
        h.update(b"\0inline\0%d\0" % position + expression.encode())
    for module in sorted((doc.root / "code").glob("*.py")):
        h.update(b"\0module\0" + module.name.encode() + b"\0" + module.read_bytes())
    return h.hexdigest()[:20]


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


def describe_failure(error: CellExecutionError, chunk: Chunk) -> str:
    traceback = ANSI.sub("", error.traceback)
    where = _code_location(traceback)
    head = f"{chunk.where()} raised {error.ename}: {error.evalue}"
    if where:
        head += f"\n  raised from {where}"
    tail = "\n".join(traceback.strip().splitlines()[-25:])
    return f"{head}\n--- traceback (last lines) ---\n{tail}"


INLINE_CELL = """\
import json as _json
def _inline_values(expressions):
    values = []
    for e in expressions:
        try:
            values.append([True, str(eval(e))])
        except Exception as error:
            values.append([False, f"{type(error).__name__}: {error}"])
    return values
print(_json.dumps(_inline_values(%s)))
del _json, _inline_values
"""


def _evaluate_inline(client: NotebookClient, expressions, values: dict[str, str]):
    """Evaluate inline `{python} expr`s in the kernel as it is now, into `values`."""
    if not expressions:
        return
    cell = nbformat.v4.new_code_cell(
        INLINE_CELL % json.dumps([e for e, _, _ in expressions])
    )
    client.nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1)
    finally:
        client.nb.cells.pop()
    results = json.loads(
        "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    )
    for (expression, where, _), (ok, value) in zip(expressions, results):
        if not ok:
            raise BuildError(
                f"{where}: inline expression `{{python}} {expression}` raised {value}"
            )
        if values.setdefault(expression, value) != value:
            raise BuildError(
                f"{where}: inline expression `{{python}} {expression}` has another value "
                f"here than earlier in the document; assign it to a variable of its own"
            )


def _cell_metadata(chunk: Chunk) -> dict:
    """`error: true`: nbclient keeps the error as the cell's output and goes on."""
    tags = ["raises-exception"] if chunk.options.get("error") else []
    return {"label": chunk.label, **({"tags": tags} if tags else {})}


@contextmanager
def _shutdown_after(km: KernelManager):
    try:
        yield
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def execute(
    doc: Document, cache_dir: Path, fast: bool = False, log=print
) -> nbformat.NotebookNode:
    """The executed notebook: cell 0 is the preamble, then one cell per executed chunk."""
    chunks = executed_chunks(doc)
    key = cache_key(doc, fast)
    cached = cache_dir / f"{key}.ipynb"
    if cached.exists():
        log(f"execute: all {len(chunks)} chunks from the cache ({cached.name})")
        for chunk in chunks:
            log(f"  cached  {chunk.label}")
        return nbformat.read(cached, as_version=4)

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(PREAMBLE)]
    nb.cells += [
        nbformat.v4.new_code_cell(c.source, metadata=_cell_metadata(c)) for c in chunks
    ]
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
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(doc.root)}},
    )
    log(f"execute: {len(chunks)} chunks in a fresh kernel (fast={fast})")
    start = time.perf_counter()
    # Inline expressions are evaluated where they stand: after the chunks that precede them.
    position = {chunk.index: doc.blocks.index(chunk) for chunk in chunks}
    inline = doc.inline_expressions()
    values: dict[str, str] = {}
    with sockets, _shutdown_after(km), client.setup_kernel(env=kernel_env(fast)):
        for i, cell in enumerate(nb.cells):
            if i:
                before = position[chunks[i - 1].index]
                _evaluate_inline(client, [e for e in inline if e[2] < before], values)
                inline = [e for e in inline if e[2] > before]
            t0 = time.perf_counter()
            try:
                client.execute_cell(cell, i)
            except CellExecutionError as e:
                if i == 0:
                    raise BuildError(f"the build's preamble cell failed: {e}") from None
                raise BuildError(describe_failure(e, chunks[i - 1])) from None
            if i:
                log(
                    f"  ran     {chunks[i - 1].label} ({time.perf_counter() - t0:.1f} s)"
                )
        _evaluate_inline(client, inline, values)
        nb.metadata["inline_values"] = values
    log(f"execute: done in {time.perf_counter() - start:.1f} s")
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, cached)
    return nb


def outputs_by_label(nb: nbformat.NotebookNode) -> dict[str, list]:
    return {cell.metadata["label"]: cell.outputs for cell in nb.cells[1:]}
