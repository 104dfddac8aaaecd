"""Stage 4, typeset: the PDF.

Without Quarto: weave the document and the executed outputs into pandoc Markdown
(`weave.py`, figures written to `figures/`), convert with pandoc 3 and the Lua filters of
`filters/`, one per Quarto feature (and citeproc when there is a bibliography), run xelatex until the
cross-references settle, and check that LaTeX numbered every label as `number.py` did.
With Quarto on PATH: Quarto typesets the builder's executed notebook (`quarto render
--no-execute`), executing nothing itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from . import diagnostics, options, parse, texlog, vocabulary
from .execute import outputs_by_label
from .options import pdf_option, project_metadata
from .read import BuildError, Chunk, Document, resolve_inline
from .weave import Woven

HERE = Path(__file__).parent
LATEX_ENGINES = ("xelatex", "lualatex")
# The Lua filters of the Quarto features the built-in renderer supports, in the order
# pandoc runs them: references first, so that captions and titles carry them.
FILTERS = (
    "crossref.lua",  # @fig-x ... -> the kind's name and number
    "floats.lua",  # figure and table divs, sub-figures, placement
    "listings.lua",  # code blocks with #lst- and lst-cap
    "theorems.lua",  # theorem kinds, proof, remark, solution
    "callouts.lua",  # the callout kinds
    "code-output.lua",  # chunk outputs as wrapped verbatim
)
TOKEN_INDENT = re.compile(r"^(\\[A-Za-z]+Tok)\{( +)", re.M)


pandoc_path = parse.pandoc_path


def latex_engine() -> str:
    for engine in LATEX_ENGINES:
        if shutil.which(engine):
            return engine
    raise BuildError(
        "no LaTeX engine found (looked for xelatex and lualatex). On Debian or "
        "Ubuntu: sudo apt-get install texlive-xetex texlive-latex-recommended "
        "texlive-latex-extra texlive-fonts-recommended lmodern fonts-dejavu-core"
    )


def to_latex(
    source: Path, tex: Path, pdf_options: dict | None = None, citations: bool = False
):
    """The one pandoc run: the document tree (`.json`, parse.py) or Quarto Markdown ->
    LaTeX, with the document's PDF options (builder/options.py) and citeproc when there
    is a bibliography.  Raises BuildError on pandoc errors and citation keys not found."""
    pdf_options = {} if pdf_options is None else pdf_options
    header = tex.with_name("options-header.tex")
    header.write_text(
        vocabulary.preamble() + options.header_lines(pdf_options), encoding="utf-8"
    )
    args = [
        pandoc_path(),
        str(source),
        "--from",
        "json" if source.suffix == ".json" else "markdown",
        "--to",
        "latex",
        "--standalone",
        *(
            arg
            for name in FILTERS
            for arg in ("--lua-filter", str(HERE / "filters" / name))
        ),
        *(["--citeproc"] if citations else []),
        "--include-in-header",
        str(HERE / "preamble.tex"),
        "--include-in-header",
        str(header),
        "--syntax-highlighting=tango",
        *options.pandoc_args(pdf_options),
        "-o",
        str(tex),
    ]
    words = vocabulary.document_file(tex.with_name("vocabulary.json"))
    env = dict(os.environ, BUILDER_VOCABULARY=str(words))  # read by filters/latex.lua
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BuildError(f"pandoc failed on {source}:\n{result.stderr.strip()}")
    # Highlighted code: pandoc puts a line's indentation inside its first token macro
    # (\NormalTok{    x}), where fvextra cannot see it; moved in front of the macro, a
    # wrapped line's continuation is indented deeper than the line itself, after an arrow.
    text = tex.read_text(encoding="utf-8")
    tex.write_text(TOKEN_INDENT.sub(r"\2\1{", text), encoding="utf-8")
    missing = re.findall(r"Citeproc: citation (\S+) not found", result.stderr)
    if missing:
        raise BuildError(
            f"citation keys not found in the bibliography: {', '.join(missing)}"
        )


def _latex_errors(log: str) -> str:
    lines = log.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("!")]
    return "\n".join("\n".join(lines[i : i + 6]) for i in errors[:3]) or "\n".join(
        lines[-20:]
    )


def to_pdf(tex: Path, root: Path, doc: Document | None = None) -> Path:
    """Run the LaTeX engine in `root` (so figures/ resolves) until references settle.
    An error names the document line it comes from (builder/texlog.py) and keeps the log in
    `.cache/latex/`; characters no font has become warnings."""
    engine, outdir = latex_engine(), tex.parent
    for _ in range(4):
        result = subprocess.run(
            [
                engine,
                "-interaction=nonstopmode",
                "-halt-on-error",
                f"-output-directory={outdir}",
                str(tex),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            errors="replace",
        )
        log = (outdir / f"{tex.stem}.log").read_text(errors="replace")
        if result.returncode != 0:
            kept = texlog.keep([outdir / f"{tex.stem}.log", tex], root)
            if doc is None:
                raise BuildError(
                    f"{engine} failed (full log: {kept}):\n{_latex_errors(log)}"
                )
            raise BuildError(
                f"{engine} failed: " + texlog.describe_error(log, tex, doc, kept)
            )
        if not re.search(r"Rerun to get|Label\(s\) may have changed", log):
            break
    if doc is not None:
        for warning in texlog.missing_characters(log, doc):
            diagnostics.warn("", warning)
    undefined = re.findall(r"Reference `([^']+)' on page \d+ undefined", log)
    if undefined:
        if doc is not None:
            raise BuildError(texlog.describe_undefined(sorted(set(undefined)), doc))
        raise BuildError(
            f"undefined references in the PDF: {', '.join(sorted(set(undefined)))}"
        )
    return outdir / f"{tex.stem}.pdf"


AUX_LABEL = re.compile(r"\\newlabel\{([^}]+)\}\{\{([^}]*)\}")


def check_numbers(aux: str, nums) -> None:
    """LaTeX must have numbered every label as number.py did (the notebook uses those);
    where it did not, name the label, where it stands and both numbers."""
    latex = dict(AUX_LABEL.findall(aux))
    differ = [
        f"{nums.where.get(ident, '?')}: label '{ident}' is {latex[ident]} in the PDF "
        f"but {number} in the notebook"
        for ident, number in nums.numbers.items()
        if ident in latex and ident not in nums.unnumbered and latex[ident] != number
    ]
    if differ:
        raise BuildError(
            "\n".join(differ[:5])
            + "\n(LaTeX counted something the builder does not see, such as raw LaTeX "
            "that numbers or changes counters; write it the Quarto way, or build with "
            "Quarto)"
        )


def builtin(doc: Document, woven: Woven, tree: dict, workdir: Path, nums=None) -> Path:
    """The PDF of the document tree (parse.py) as the PDF shows it."""
    woven.write_figures()
    source = workdir / "report.json"
    source.write_text(json.dumps(parse.for_output(tree, "pdf")), encoding="utf-8")
    tex = workdir / "report.tex"
    to_latex(source, tex, doc.settings.pdf, citations="bibliography" in woven.meta)
    pdf = to_pdf(tex, doc.root, doc)
    if nums is not None:
        check_numbers((workdir / "report.aux").read_text(errors="replace"), nums)
    return pdf


def quarto_engine(doc: Document) -> str:
    """The LaTeX engine Quarto will run: `pdf-engine` of the PDF format (lualatex, Quarto's
    default, when the document and `_quarto.yml` name none)."""
    return str(pdf_option(doc, "pdf-engine") or "lualatex")


def quarto_notebook(doc: Document, executed) -> nbformat.NotebookNode:
    """The document as Quarto's notebook input, already executed: the YAML header as a raw
    cell, the prose (includes expanded, inline `{python}` values substituted) as Markdown
    cells with Quarto's markup left for Quarto, and each chunk as a code cell with its `#|`
    options and the outputs of the builder's one execution."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    header = yaml.safe_dump(project_metadata(doc), allow_unicode=True, sort_keys=False)
    nb.cells.append(nbformat.v4.new_raw_cell(f"---\n{header}---"))
    outputs = outputs_by_label(executed)
    values = executed.metadata.get("inline_values", {})
    for block in doc.blocks:
        if not isinstance(block, Chunk):
            nb.cells.append(
                nbformat.v4.new_markdown_cell(resolve_inline(block.text, values))
            )
            continue
        options = "".join(
            "#| "
            + yaml.safe_dump(
                {key: value}, default_flow_style=True, width=1 << 20, allow_unicode=True
            ).strip()[1:-1]
            + "\n"
            for key, value in block.options.items()
        )
        cell = nbformat.v4.new_code_cell(options + block.source)
        cell.outputs = outputs.get(block.label, [])
        nb.cells.append(cell)
    return nb


def quarto(doc: Document, executed, workdir: Path) -> Path:
    """`quarto render` of the executed document, without executing anything again.

    The builder's executed outputs and the document's Quarto markup are written to a
    notebook beside `report.qmd` (`<stem>.typeset.ipynb`, removed afterwards) and rendered
    with `--no-execute`; Quarto numbers, cross-references and typesets it.  Should Quarto
    start Python at all, it is this interpreter (`QUARTO_PYTHON`), the project's own.
    Raises BuildError with the end of Quarto's messages when it fails (its LaTeX files
    `<stem>.typeset.tex` and `.log` are then left beside `report.qmd`).
    """
    source = doc.root / f"{doc.path.stem}.typeset.ipynb"
    nbformat.write(quarto_notebook(doc, executed), source)
    env = dict(os.environ, QUARTO_PYTHON=sys.executable)
    written = doc.root / f"{source.stem}.pdf"
    try:
        result = subprocess.run(
            [
                "quarto",
                "render",
                source.name,
                "--to",
                "pdf",
                "--no-execute",
            ],
            cwd=doc.root,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
        )
    finally:
        source.unlink(missing_ok=True)
        shutil.rmtree(doc.root / f"{source.stem}_files", ignore_errors=True)
    pdf = workdir / f"{doc.path.stem}.pdf"
    if written.exists():
        shutil.move(written, pdf)
    if result.returncode != 0 or not pdf.exists():
        tail = "\n".join(result.stderr.strip().splitlines()[-25:])
        raise BuildError(
            f"quarto render {source.name} (made from {doc.path.name}) failed "
            f"(exit {result.returncode}):\n{tail}"
        )
    return pdf
