"""Build report.pdf and report.ipynb from report.qmd:  python -m builder [options]

The built-in path (pandoc and LaTeX, no Quarto needed); with Quarto, `quarto render` does
the same job through the project's hooks (quarto_project.py).  Stages: read (read.py) ->
execute (execute.py) -> export (export.py) -> typeset (typeset.py).  Both outputs are written to temporary files and moved into place only when
every stage succeeded, so a failed or interrupted build leaves the previous ones untouched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from . import execute, number, parse, read, vocabulary, weave
from .read import options
from .write import export, texcheck, typeset

STATUS_PREFIX = "WARNING:"


def status_lines(nb) -> list[str]:
    """Lines the report's code printed to say it ran without the real data or weights."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = (
                out.get("text", "")
                + data.get("text/markdown", "")
                + data.get("text/plain", "")
            )
            for line in text.splitlines():
                line = line.lstrip("#> *")
                if line.startswith(STATUS_PREFIX) and line not in found:
                    found.append(line)
    return found


def title_block_warnings(meta: dict) -> list[str]:
    """Warnings for a title block that still holds the template's placeholders (the
    author "Student Name", a discussed-with that asks to be edited)."""
    found = []
    author = str(meta.get("author", "")).strip().split("\n")[0].rstrip("\\ ")
    if author in ("", "Student Name"):
        found.append(
            f"{STATUS_PREFIX} the title block "
            + ("still names 'Student Name'" if author else "names no author")
            + ": set author in the YAML header of the report"
        )
    if "edit discussed-with" in str(meta.get("discussed-with", "")):
        found.append(
            f"{STATUS_PREFIX} the title block still holds the placeholder "
            "discussed-with text: set discussed-with in the YAML header of the report"
        )
    return found


def woven_tree(doc, executed):
    """Weave once, parse once: the executed document as Markdown, and pandoc's tree of
    it that every later step works on (the built-in build and quarto render's
    post-render alike)."""
    woven = weave.weave(doc, executed)
    return woven, parse.parse(woven.markdown)


def numbering(doc, tree, output: str):
    """Every label of `tree` numbered as `output` ('pdf' or 'ipynb') shows it
    (.content-visible parts) and as executed (labels that code prints count)."""
    sections = bool(options.pdf_option(doc, "number-sections", False))
    return number.number(tree, output, sections, number.chunk_reason(doc.chunks))


def build(
    source: Path,
    fast: bool = False,
    pdf: bool = True,
    log=print,
) -> dict:
    """Run every stage; returns the paths written and the executed notebook."""
    started = time.perf_counter()
    doc = read.read(source, builtin_pdf=pdf)
    log(f"read: {source.name}: {len(doc.blocks)} blocks, {len(doc.chunks)} chunks")
    vocabulary.use_document(options.project_metadata(doc))  # lang:, crossref: words
    root = doc.root
    if pdf:  # before executing anything: can the PDF be typeset here?
        texcheck.check(
            typeset.LATEX_ENGINES,
            texcheck.needed(doc, texcheck.BUILTIN_STY),
            "the built-in PDF path",
        )
    executed = execute.execute(
        doc, root / ".cache" / "jupyter-cache", fast=fast, log=log
    )
    # weave once, parse once: the document tree every later step works on; each output
    # is numbered as it shows (.content-visible) and as executed (labels code prints)
    woven, tree = woven_tree(doc, executed)
    nums = numbering(doc, tree, "ipynb")
    pdf_nums = numbering(doc, tree, "pdf") if pdf else None
    log(f"number: {len(nums.numbers)} labels")
    notebook = export.export(doc.for_format("ipynb"), executed, nums, tree)
    (root / ".cache").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=root / ".cache"))
    try:
        outputs = {}
        tmp_nb = work / "report.ipynb"
        nbformat.write(notebook, tmp_nb)
        outputs[root / f"{source.stem}.ipynb"] = tmp_nb
        log(f"export: {tmp_nb.name}: {len(notebook.cells)} cells")
        if pdf:
            t0 = time.perf_counter()
            tmp_pdf = typeset.builtin(doc, woven, tree, work, pdf_nums)
            log(f"typeset: pandoc + LaTeX ({time.perf_counter() - t0:.1f} s)")
            outputs[root / f"{source.stem}.pdf"] = tmp_pdf
            if doc.settings.pdf.get("keep-tex"):  # as Quarto
                outputs[root / f"{source.stem}.tex"] = tmp_pdf.with_suffix(".tex")
        for final, tmp in outputs.items():  # the only writes to the outputs
            staged = final.with_name(final.name + ".tmp")
            shutil.copyfile(tmp, staged)
            os.replace(staged, final)
            log(f"wrote {final.relative_to(root)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    warnings = title_block_warnings(doc.meta) + status_lines(executed)
    if warnings:
        bar = "!" * 78
        log("\n".join([bar, *warnings, bar]))
    log(f"build: done in {time.perf_counter() - started:.1f} s")
    return {
        "outputs": list(outputs),
        "executed": executed,
        "notebook": notebook,
        "warnings": warnings,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m builder",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        nargs="?",
        default="report.qmd",
        type=Path,
        help="the Quarto document (default: report.qmd)",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="draft build: every question runs a cheap configuration, and the "
        "report says so on its first page",
    )
    parser.add_argument(
        "--no-quarto",
        action="store_true",
        help="the built-in path (always: `quarto render` is Quarto's own route); kept "
        "so that scripts written for older versions still run",
    )
    parser.add_argument(
        "--no-pdf",
        dest="pdf",
        action="store_false",
        help="execute and write report.ipynb only",
    )
    args = parser.parse_args(argv)
    try:
        build(args.source, fast=args.fast, pdf=args.pdf)
    except read.BuildError as e:
        print(f"build failed: {e}", file=sys.stderr)
        print("report.pdf and report.ipynb were left as they were.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\ninterrupted: report.pdf and report.ipynb were left as they were.",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
