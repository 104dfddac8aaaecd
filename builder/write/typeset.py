"""Stage 4, typeset: the PDF.

Without Quarto: weave the document and the executed outputs into pandoc Markdown
(`weave.py`, figures written to `figures/`), convert with pandoc 3 and the Lua filters of
`filters/`, one per Quarto feature (and citeproc when there is a bibliography), run xelatex until the
cross-references settle, and check that LaTeX numbered every label as `number.py` did.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

from .. import diagnostics, parse, vocabulary
from ..read import BuildError, Document, options
from ..weave import Woven, svg_to_pdf
from . import texlog

HERE = Path(__file__).parent
LATEX_ENGINES = ("xelatex", "lualatex")
# The Lua filters of the Quarto features the built-in renderer supports, in the order
# pandoc runs them: references first, so that captions and titles carry them; citeproc
# (when there is a bibliography) after the others, as Quarto runs it.
FILTERS = (
    "crossref.lua",  # @fig-x ... -> the kind's name and number
    "floats.lua",  # figure and table divs, sub-figures, placement
    "listings.lua",  # code blocks with #lst- and lst-cap
    "theorems.lua",  # theorem kinds, proof, remark, solution
    "callouts.lua",  # the callout kinds
    "code-output.lua",  # chunk outputs as wrapped verbatim
    "latex-divs.lua",  # divs with data-latex: a LaTeX environment
    "--citeproc",
    "caption-notes.lua",  # a note-style CSL's notes in captions, after the float
)
TOKEN_INDENT = re.compile(r"^(\\[A-Za-z]+Tok)\{( +)", re.M)


def latex_engines(doc: Document | None) -> tuple[str, ...]:
    """The document's `pdf-engine`, else the engines the built-in path can run, in the
    order it takes them."""
    wanted = doc and options.pdf_option(doc, "pdf-engine")
    return (str(wanted),) if wanted else LATEX_ENGINES


def latex_engine(doc: Document | None = None) -> str:
    """The first of `latex_engines(doc)` installed; BuildError if none is."""
    for engine in latex_engines(doc):
        if shutil.which(engine):
            return engine
    raise BuildError(
        f"no LaTeX engine found (looked for {' and '.join(latex_engines(doc))}). On "
        f"Debian or Ubuntu: sudo apt-get install texlive-xetex "
        f"texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended "
        f"lmodern fonts-dejavu-core"
    )


def to_latex(
    source: Path,
    tex: Path,
    pdf_options: dict | None = None,
    citations: bool = False,
    lang: str = "en",
):
    """The one pandoc run: the document tree (`.json`, parse.py) or Quarto Markdown ->
    LaTeX, with the document's PDF options (builder/read/options.py) and language, and
    citeproc when there is a bibliography.  Raises BuildError on pandoc errors and
    citation keys not found."""
    pdf_options = {} if pdf_options is None else pdf_options
    header = tex.with_name("options-header.tex")
    header.write_text(
        vocabulary.preamble() + options.header_lines(pdf_options), encoding="utf-8"
    )
    fmt = "json" if source.suffix == ".json" else "markdown"
    args = [parse.pandoc_path(), str(source), "--from", fmt, "--to", "latex"]
    args.append("--standalone")
    for name in FILTERS:
        if name != "--citeproc":
            args += ["--lua-filter", str(HERE / "filters" / name)]
        elif citations:
            args.append(name)
    for included in (HERE / "preamble.tex", header):
        args += ["--include-in-header", str(included)]
    args += ["--syntax-highlighting=tango", *options.pandoc_args(pdf_options, lang)]
    words = vocabulary.document_file(tex.with_name("vocabulary.json"))
    env = dict(os.environ, BUILDER_VOCABULARY=str(words))  # read by filters/latex.lua
    result = subprocess.run(
        [*args, "-o", str(tex)], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        raise BuildError(f"pandoc failed on {source}:\n{result.stderr.strip()}")
    # Highlighted code: pandoc puts a line's indentation inside its first token macro
    # (\NormalTok{    x}), where fvextra cannot see it; moved in front of the macro, a
    # wrapped line's continuation is indented deeper than the line itself, after an arrow.
    text = tex.read_text(encoding="utf-8")
    tex.write_text(TOKEN_INDENT.sub(r"\2\1{", text), encoding="utf-8")
    if missing := re.findall(r"Citeproc: citation (\S+) not found", result.stderr):
        keys = ", ".join(missing)
        raise BuildError(f"citation keys not found in the bibliography: {keys}")


def to_pdf(
    tex: Path, root: Path, doc: Document | None = None, tree: dict | None = None
) -> Path:
    """Run the LaTeX engine in `root` (so figures/ resolves) until references settle.
    An error names the document line it comes from (builder/write/texlog.py) and keeps the log in
    `.cache/latex/`; characters no font has become warnings. An undefined reference is
    located in the document `tree` (references and targets)."""
    engine, outdir = latex_engine(doc), tex.parent
    command = [engine, "-interaction=nonstopmode", "-halt-on-error"]
    command += [f"-output-directory={outdir}", str(tex)]
    log_file = outdir / f"{tex.stem}.log"
    for _ in range(4):
        result = subprocess.run(
            command, cwd=root, capture_output=True, text=True, errors="replace"
        )
        log = log_file.read_text(errors="replace")
        if result.returncode != 0:
            kept = texlog.keep([log_file, tex], root)
            raise BuildError(
                f"{engine} failed: " + texlog.describe_error(log, tex, doc, kept, tree)
            )
        if not re.search(r"Rerun to get|Label\(s\) may have changed", log):
            break
    if doc is not None:
        for warning in texlog.missing_characters(log, doc):
            diagnostics.warn("", warning)
    if doc is not None and (cited := texlog.raw_citations(log, tex, doc, tree)):
        raise BuildError(cited)
    undefined = sorted(
        set(re.findall(r"Reference `([^']+)' on page \d+ undefined", log))
    )
    if undefined and doc is not None and tree is not None:
        raise BuildError(texlog.describe_undefined(undefined, doc, tree))
    if undefined:
        raise BuildError(f"undefined references in the PDF: {', '.join(undefined)}")
    return outdir / f"{tex.stem}.pdf"


# \newlabel{label}{{number}{page}...}; a number given by \tag{G} is braced: {{G}}
AUX_LABEL = re.compile(r"\\newlabel\{([^}]+)\}\{\{((?:[^{}]|\{[^{}]*\})*)\}")


def check_numbers(aux: str, nums) -> None:
    """LaTeX must have numbered every label as number.py did (the notebook uses those);
    where it did not, name the label, where it stands and both numbers."""

    def plain(number: str) -> str:  # LaTeX writes `\ast ` for \tag{$\ast$}
        return re.sub(r"(\\[A-Za-z]+) +", r"\1", re.sub(r"[{}]", "", number))

    latex = {k: plain(v) for k, v in AUX_LABEL.findall(aux)}
    differ = [
        f"{nums.where.get(ident, '?')}: label '{ident}' is {latex[ident]} in the PDF "
        f"but {number} in the notebook"
        for ident, number in nums.numbers.items()
        if ident in latex
        and ident not in nums.unnumbered
        and latex[ident] != plain(number)
    ]
    if differ:
        raise BuildError(
            "\n".join(differ[:5])
            + "\n(LaTeX counted something the builder's numbering did not, such as raw "
            "LaTeX that numbers or changes counters: write it in Quarto's syntax (theorem "
            "divs, {#eq-} labels, a heading's {.appendix}), or build with Quarto)"
        )


def svg_images(tree: dict, root: Path, folder: Path) -> dict:
    """`tree` with its local SVG images as PDF files in `folder` (cairosvg), which LaTeX
    can include, as Quarto converts them (with rsvg-convert)."""
    for k, image in enumerate(parse.elements(tree, "Image")):
        file = root / unquote(image["c"][2][0])
        if file.suffix.lower() == ".svg" and file.is_file():
            pdf = folder / f"svg-{k}-{file.stem}.pdf"
            pdf.write_bytes(svg_to_pdf(file.read_bytes()))
            image["c"][2][0] = pdf.as_posix()
    return tree


def builtin(doc: Document, woven: Woven, tree: dict, workdir: Path, nums=None) -> Path:
    """The PDF of the document tree (parse.py) as the PDF shows it."""
    woven.write_figures()
    source = workdir / "report.json"
    pdf_tree = svg_images(parse.for_output(tree, "pdf"), doc.root, workdir)
    source.write_text(json.dumps(pdf_tree), encoding="utf-8")
    tex = workdir / "report.tex"
    lang = str(woven.meta.get("lang", "en"))
    to_latex(source, tex, doc.settings.pdf, parse.citeproc(woven.meta), lang)
    pdf = to_pdf(tex, doc.root, doc, tree)
    if nums is not None:
        check_numbers((workdir / "report.aux").read_text(errors="replace"), nums)
    return pdf
