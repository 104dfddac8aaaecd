"""Build report.pdf and report.ipynb from report.qmd:  python -m builder [options]

The built-in path (pandoc and LaTeX, no Quarto needed); with Quarto, `quarto render` does
the same job through the project's hooks (write/quarto.py).  Stages: read (read/) ->
execute (execute.py) -> weave and parse once (weave.py, parse.py) -> number (number.py) ->
write (write/export.py: the notebook; write/typeset.py: the PDF).  Both outputs are
written to temporary files and moved into place only when every stage succeeded, so a
failed or interrupted build leaves the previous ones untouched.
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

from . import diagnostics, execute, number, read, vocabulary, weave
from .write import export, texcheck, typeset


def build(source: Path, fast: bool = False, pdf: bool = True, log=print) -> dict:
    """Run every stage; returns the paths written and the executed notebook."""
    started = time.perf_counter()
    doc = read.read(source, builtin_pdf=pdf)
    log(f"read: {source.name}: {len(doc.blocks)} blocks, {len(doc.chunks)} chunks")
    vocabulary.use_document(doc.settings.meta)  # lang:, crossref: words
    root = doc.root
    out = root / doc.settings.output_dir  # project: output-dir, as Quarto
    if pdf:  # before executing anything: can the PDF be typeset here?
        texcheck.check(
            typeset.latex_engines(doc),
            texcheck.needed(doc, texcheck.BUILTIN_STY),
            "the built-in PDF path",
        )
    executed = execute.execute(
        doc, root / ".cache" / "jupyter-cache", fast=fast, log=log
    )
    # weave once, parse once: the document tree every later step works on; each output
    # is numbered as it shows (.content-visible) and as executed (labels code prints)
    woven, tree = weave.woven_tree(doc, executed)
    nums = number.document_numbers(doc, tree, "ipynb")
    pdf_nums = number.document_numbers(doc, tree, "pdf") if pdf else None
    log(f"number: {len(nums.numbers)} labels")
    notebook = export.export(doc, executed, nums, tree)
    (root / ".cache").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=root / ".cache"))
    try:
        outputs = {out / f"{source.stem}.ipynb": work / "report.ipynb"}
        nbformat.write(notebook, work / "report.ipynb")
        log(f"export: {source.stem}.ipynb: {len(notebook.cells)} cells")
        if pdf:
            t0 = time.perf_counter()
            tmp_pdf = typeset.builtin(doc, woven, tree, work, pdf_nums)
            log(f"typeset: pandoc + LaTeX ({time.perf_counter() - t0:.1f} s)")
            outputs[out / f"{source.stem}.pdf"] = tmp_pdf
            if doc.settings.pdf.get("keep-tex"):  # as Quarto: beside the document
                outputs[root / f"{source.stem}.tex"] = tmp_pdf.with_suffix(".tex")
        out.mkdir(parents=True, exist_ok=True)
        for final, tmp in outputs.items():  # the only writes to the outputs
            staged = final.with_name(final.name + ".tmp")
            shutil.copyfile(tmp, staged)
            os.replace(staged, final)
            log(f"wrote {final.relative_to(root)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    warnings = diagnostics.report_warnings(doc.meta, executed, log)
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
        default=os.environ.get("REPORT_FAST") == "1",
        help="draft build: every question runs a cheap configuration, and the "
        "report says so on its first page (default: on when REPORT_FAST=1, as "
        "for `quarto render`)",
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
    parser.add_argument(
        "--profile",
        help="the active project profile(s), comma-separated: `_quarto-<profile>.yml` "
        "and `_environment-<profile>` are read, as `quarto render --profile` "
        "(default: QUARTO_PROFILE, or the project's own default)",
    )
    args = parser.parse_args(argv)
    if args.profile:
        os.environ["QUARTO_PROFILE"] = args.profile
    kept = (
        f"{args.source.stem}.pdf and {args.source.stem}.ipynb were left as they were."
    )
    try:
        build(args.source, fast=args.fast, pdf=args.pdf)
    except read.BuildError as e:
        print(f"build failed: {e}\n{kept}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ninterrupted: {kept}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
