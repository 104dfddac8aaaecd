"""`quarto render` builds both outputs: the project's pre-render and post-render.

`_quarto.yml` names this file twice (Quarto runs a `.py` script with the Python it
renders with: `QUARTO_PYTHON`, which the project's `_environment` sets to
`.venv/bin/python` when the user has not set it):

- `pre-render`, before Quarto executes anything: the interpreter has what
  `requirements.txt` lists (it is also the kernel's), the LaTeX engine and packages of
  Quarto's PDF are installed (`texcheck.py`), the report's inputs are at hand or
  downloaded (`fetch_inputs` of `code/downloads.py`), and notebooks left by an earlier
  failed render are removed.  A failed check stops the render with the build's message.
- `post-render`, after Quarto wrote the PDF: the executed notebook Quarto kept
  (`keep-ipynb: true`, `report.quarto_ipynb`), made the builder's executed notebook,
  goes through the builder's own export (`export.py`, `modules.py`): the single-file
  `report.ipynb`, written only when the render succeeded (Quarto skips post-render
  otherwise).  Then the build's warnings, as `python -m builder` prints them.

The chunks run once, in the kernel `builder/quarto_kernel.py` (replay cache).
Messages go to stdout/stderr of this script, which Quarto shows on the terminal.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).absolute().parents[2]  # the project (cwd of quarto scripts)
ENVIRONMENT = ROOT / "_environment"
KERNELS = "builder/jupyter"  # JUPYTER_PATH entry of the replay kernel (_environment)


class HookError(Exception):
    """A check that stops the render; the message says what to do."""


def requirement_names(path: Path) -> list[str]:
    """Distribution names a render needs from a requirements file: those listed before
    its '# Tests' section (comments and versions left out)."""
    names = []
    for line in path.read_text().splitlines():
        if line.strip().lower().startswith("# tests"):
            break
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line.split(";")[0].split("[")[0])
    return [n.split(">")[0].split("=")[0].split("<")[0].strip() for n in names]


def environment_file() -> dict[str, str]:
    """KEY=value lines of the project's `_environment`."""
    values = {}
    if ENVIRONMENT.is_file():
        for line in ENVIRONMENT.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


def check_interpreter() -> None:
    """Raise HookError when this interpreter (Quarto's, and the kernel's) lacks a
    distribution of `requirements.txt`, saying where QUARTO_PYTHON came from."""
    missing = []
    for name in requirement_names(ROOT / "requirements.txt"):
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if not missing:
        return
    ours = environment_file().get("QUARTO_PYTHON")
    given = os.environ.get("QUARTO_PYTHON")
    if given and given != ours:
        where = (
            f"QUARTO_PYTHON={given}, set in your environment, runs the report's "
            f"chunks: {sys.executable} lacks {', '.join(missing)} (requirements.txt). "
            f"Unset QUARTO_PYTHON to use the project's {ours} (set up by `make`), or "
            f"install requirements.txt into that interpreter."
        )
    elif given:
        where = (
            f"{sys.executable} (QUARTO_PYTHON={given}, from _environment) lacks "
            f"{', '.join(missing)}. Run `make` in {ROOT} first: it creates .venv "
            f"and installs requirements.txt (and run quarto in that folder)."
        )
    else:
        where = (
            f"quarto found no QUARTO_PYTHON and runs {sys.executable}, which lacks "
            f"{', '.join(missing)}: run quarto in {ROOT} (its _environment names "
            f".venv/bin/python), after `make` has set up .venv."
        )
    raise HookError(where)


def kernel_note() -> str:
    """Which kernel will run the chunks."""
    entries = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    if KERNELS in entries or str(ROOT / KERNELS) in entries:
        return "kernel: builder/quarto_kernel.py (replays what it has already run)"
    return (
        "kernel: plain python3, because JUPYTER_PATH is set in your environment "
        f"without {KERNELS}: every render executes every chunk"
    )


def inputs(names: list[str]) -> list[Path]:
    """The documents being rendered (QUARTO_PROJECT_INPUT_FILES), else report.qmd."""
    listed = os.environ.get("QUARTO_PROJECT_INPUT_FILES", "").splitlines()
    return [ROOT / n for n in (listed or names) if n.strip().endswith(".qmd")]


def kept_notebooks(source: Path) -> list[Path]:
    """Notebooks Quarto kept for `source` (keep-ipynb), newest last: .quarto_ipynb,
    then report.quarto_ipynb_1, ... when an earlier one was not removed."""
    found = source.parent.glob(f"{source.stem}.quarto_ipynb*")
    return sorted(found, key=lambda p: p.stat().st_mtime)


def check_tex(doc) -> None:
    """The LaTeX engine Quarto will run (`pdf-engine`, else Quarto's default lualatex)
    and every package its PDF loads are installed; else BuildError naming them."""
    from builder.read import options
    from builder.write import texcheck

    engine = str(options.pdf_option(doc, "pdf-engine") or "lualatex")
    texcheck.check((engine,), texcheck.needed(doc, texcheck.QUARTO_STY), "Quarto's PDF")


def pre_render(log=print) -> None:
    """The up-front checks, before Quarto executes anything (module docstring)."""
    check_interpreter()
    sys.path.insert(0, str(ROOT))
    from builder import read

    fast = os.environ.get("REPORT_FAST", "0") == "1"
    log(f"pre-render: Python {sys.executable}; {kernel_note()}")
    log(f"pre-render: {'draft (REPORT_FAST=1)' if fast else 'full build'}")
    for source in inputs(["report.qmd"]):
        for old in kept_notebooks(source):
            old.unlink()
        check_tex(read.read(source, builtin_pdf=False))
    downloads = ROOT / "code" / "downloads.py"
    if downloads.is_file():
        sys.path.insert(0, str(downloads.parent))
        from downloads import fetch_inputs

        fetch_inputs(fast=fast)


def post_render(log=print) -> None:
    """Write report.ipynb from the notebook Quarto executed (module docstring)."""
    sys.path.insert(0, str(ROOT))
    import nbformat

    from builder import diagnostics, number, read, vocabulary, weave
    from builder.write import export

    made = os.environ.get("QUARTO_PROJECT_OUTPUT_FILES", "").split()
    if made and not any(name.endswith(".pdf") for name in made):
        log(
            "post-render: report.ipynb is written with the PDF (quarto render --to pdf)"
        )
        return
    for source in inputs(["report.qmd"]):
        kept = kept_notebooks(source)
        if not kept:
            raise HookError(
                f"{source.stem}.quarto_ipynb was not written: _quarto.yml must keep "
                f"'keep-ipynb: true' under format: pdf"
            )
        doc = read.read(source, builtin_pdf=False)
        vocabulary.use_document(doc.settings.meta)  # lang:, crossref: words
        executed = from_quarto(nbformat.read(kept[-1], as_version=4), doc)
        _, tree = weave.woven_tree(doc, executed)
        nums = number.document_numbers(doc, tree, "ipynb")
        notebook = export.export(doc, executed, nums, tree)
        final = source.parent / doc.settings.output_dir / f"{source.stem}.ipynb"
        staged = final.with_name(final.name + ".tmp")
        nbformat.write(notebook, staged)
        os.replace(staged, final)
        for old in kept:
            old.unlink()
        log(f"post-render: wrote {final.name} ({len(notebook.cells)} cells)")
        diagnostics.report_warnings(doc.meta, executed, log)


def from_quarto(nb, doc):
    """Quarto's executed notebook as execute.py's: one code cell per executed chunk
    (metadata `label`), and `metadata.inline_values` {block position: {expression:
    text}}, as `execute.collect_inline` gives them.

    Raises read.BuildError when its code cells are not the document's chunks.
    """
    import nbformat

    from builder.execute import executed_chunks, inline_markdown
    from builder.read import BuildError, Chunk

    cells = [c for c in nb.cells if c.cell_type == "code"]
    if len(cells) != len(doc.chunks):
        raise BuildError(
            f"{doc.path.name}: Quarto's notebook has {len(cells)} code cells for "
            f"{len(doc.chunks)} chunks"
        )
    by_chunk = dict(zip((c.index for c in doc.chunks), cells))
    out = nbformat.v4.new_notebook()
    for chunk in executed_chunks(doc):
        cell = by_chunk[chunk.index]
        if not _lines(cell.source).endswith(_lines(chunk.source)):
            raise BuildError(
                f"{chunk.where()}: Quarto's notebook has another cell here"
            )
        out.cells.append(
            nbformat.v4.new_code_cell(
                chunk.source, outputs=cell.outputs, metadata={"label": chunk.label}
            )
        )
    # Quarto evaluates a Markdown cell's expressions after the code cells before it:
    # the values of those after n code cells are those of the blocks after n chunks
    after: dict[int, dict[str, str]] = {}
    code_cells = 0
    for cell in nb.cells:
        code_cells += cell.cell_type == "code"
        for item in cell.get("metadata", {}).get("user_expressions", []):
            value = inline_markdown(item["result"].get("data", {}))
            after.setdefault(code_cells, {})[item["expression"]] = value
    chunks_before = 0
    values = {"-1": after.get(0, {})}  # the front matter: in the first Markdown cell
    for position, block in enumerate(doc.blocks):
        if isinstance(block, Chunk):
            chunks_before += 1
        else:
            values[str(position)] = after.get(chunks_before, {})
    out.metadata["inline_values"] = values
    return out


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv not in (["pre-render"], ["post-render"]):
        print("usage: builder/write/quarto.py pre-render|post-render", file=sys.stderr)
        return 2
    try:
        (pre_render if argv == ["pre-render"] else post_render)()
    except Exception as e:  # the message is the point; Quarto stops the render
        if type(e).__name__ not in ("HookError", "BuildError", "MissingInputs"):
            raise
        print(f"{argv[0]} stopped the render:\n{e}", file=sys.stderr)
        kept = (
            "report.pdf and report.ipynb were left as they were."
            if argv[0] == "pre-render"
            else "report.ipynb was left as it was."
        )
        print(kept, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # run as a script: this folder is sys.path[0], where export.py, modules.py ... would
    # shadow installed packages of the same names; the builder is imported from ROOT
    sys.path[0] = str(ROOT)
    sys.exit(main())
