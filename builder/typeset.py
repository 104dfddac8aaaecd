"""Stage 4, typeset: the PDF.

Without Quarto: weave the document and the executed outputs into pandoc Markdown (figures
written to `figures/`), convert with pandoc 3 and the Lua filter `quarto.lua`, and run
xelatex until the cross-references settle.  With Quarto on PATH: `quarto render`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from base64 import b64decode
from pathlib import Path

import nbformat
import yaml

from .execute import outputs_by_label
from .read import PAGEBREAK, BuildError, Chunk, Document, resolve_inline

HERE = Path(__file__).parent
LATEX_ENGINES = ("xelatex", "lualatex")


def _stream_text(text: str) -> str:
    """What a terminal would show: a carriage return overwrites its line."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def _fence(text: str, classes: str) -> str:
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks} {{{classes}}}\n{text.rstrip()}\n{ticks}"


def weave_outputs(chunk: Chunk, outputs: list, figures: Path) -> list[str]:
    """The markdown for one chunk's outputs, honouring output/warning/fig-cap/tbl-cap."""
    opts = chunk.options
    label, parts, images = chunk.label, [], 0
    merged: list = []  # consecutive writes to one stream joined: ("stream", name, text)
    for out in outputs:
        if out.output_type != "stream":
            merged.append(out)
        elif merged and isinstance(merged[-1], tuple) and merged[-1][1] == out.name:
            merged[-1] = ("stream", out.name, merged[-1][2] + out.text)
        else:
            merged.append(("stream", out.name, out.text))
    for out in merged:
        if isinstance(out, tuple):
            _, name, text = out
            text = _stream_text(text)
            if name == "stderr":
                if opts.get("warning", True) is not False and text.strip():
                    parts.append(_fence(text, ".stderr"))
            elif opts.get("output") == "asis":
                parts.append(text)
            elif text.strip():
                parts.append(_fence(text, ".output"))
            continue
        if out.output_type not in ("display_data", "execute_result"):
            continue
        data = out.get("data", {})
        image = next((m for m in ("application/pdf", "image/png") if m in data), None)
        if image:
            images += 1
            name = label if images == 1 else f"{label}-{images}"
            path = figures / f"{name}.{'pdf' if image == 'application/pdf' else 'png'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b64decode(data[image]))
            rel = path.relative_to(figures.parent).as_posix()
            if images == 1 and label.startswith("fig-") and opts.get("fig-cap"):
                parts.append(f"![{opts['fig-cap']}]({rel}){{#{label}}}")
            else:
                parts.append(f"![]({rel})")
        elif "text/markdown" in data:
            text = data["text/markdown"]
            if label.startswith("tbl-") and opts.get("tbl-cap"):
                text = f"{text.rstrip()}\n\n: {opts['tbl-cap']} {{#{label}}}"
            parts.append(text)
        elif "text/latex" in data:
            parts.append(f"```{{=latex}}\n{data['text/latex']}\n```")
        elif "text/plain" in data:
            parts.append(_fence(data["text/plain"], ".output"))
    return parts


def weave(doc: Document, executed, figures: Path) -> str:
    """Pandoc Markdown for the whole report (hidden code left out)."""
    meta = {
        k: doc.meta[k] for k in ("title", "subtitle", "author", "date") if k in doc.meta
    }
    parts = ["---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---"]
    outputs = outputs_by_label(executed)
    values = executed.metadata.get("inline_values", {})
    for block in doc.blocks:
        if not isinstance(block, Chunk):
            text = resolve_inline(block.text, values)
            parts.append(PAGEBREAK.sub("```{=latex}\n\\newpage\n```", text))
            continue
        opts = block.options
        if opts.get("include", True) is False:
            continue
        if opts.get("echo", True) is not False:
            parts.append(_fence(block.source, ".python"))
        if opts.get("output", True) is not False and block.label in outputs:
            parts.extend(weave_outputs(block, outputs[block.label], figures))
    return "\n\n".join(parts) + "\n"


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def latex_engine() -> str:
    for engine in LATEX_ENGINES:
        if shutil.which(engine):
            return engine
    raise BuildError(
        "no LaTeX engine found (looked for xelatex and lualatex). On Debian or "
        "Ubuntu: sudo apt-get install texlive-xetex texlive-latex-recommended "
        "texlive-latex-extra texlive-fonts-recommended lmodern fonts-dejavu-core"
    )


def to_latex(markdown: Path, tex: Path):
    args = [
        pandoc_path(),
        str(markdown),
        "--from",
        "markdown",
        "--to",
        "latex",
        "--standalone",
        "--lua-filter",
        str(HERE / "quarto.lua"),
        "--include-in-header",
        str(HERE / "preamble.tex"),
        "--number-sections",
        "--toc",
        "--toc-depth=2",
        "--syntax-highlighting=tango",
        "-V",
        "geometry:margin=2.3cm",
        "-V",
        "fontsize=11pt",
        "-V",
        "colorlinks=true",
        "-V",
        "monofont=DejaVu Sans Mono",
        "-V",
        "monofontoptions=Scale=0.85",
        "-o",
        str(tex),
    ]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"pandoc failed on {markdown}:\n{result.stderr.strip()}")


def _latex_errors(log: str) -> str:
    lines = log.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("!")]
    return "\n".join("\n".join(lines[i : i + 6]) for i in errors[:3]) or "\n".join(
        lines[-20:]
    )


def to_pdf(tex: Path, root: Path) -> Path:
    """Run the LaTeX engine in `root` (so figures/ resolves) until references settle."""
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
            raise BuildError(
                f"{engine} failed on {tex} (full log: {outdir / tex.stem}.log):\n"
                f"{_latex_errors(log)}"
            )
        if not re.search(r"Rerun to get|Label\(s\) may have changed", log):
            break
    undefined = re.findall(r"Reference `([^']+)' on page \d+ undefined", log)
    if undefined:
        raise BuildError(
            f"undefined references in the PDF: {', '.join(sorted(set(undefined)))}"
        )
    return outdir / f"{tex.stem}.pdf"


def builtin(doc: Document, executed, workdir: Path) -> Path:
    markdown = workdir / "report.md"
    markdown.write_text(weave(doc, executed, doc.root / "figures"), encoding="utf-8")
    tex = workdir / "report.tex"
    to_latex(markdown, tex)
    return to_pdf(tex, doc.root)


def _merge(base: dict, over: dict) -> dict:
    """`over` on top of `base`, mappings merged key by key (as Quarto merges metadata)."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            value = _merge(merged[key], value)
        merged[key] = value
    return merged


def project_metadata(doc: Document) -> dict:
    """The document's YAML header on top of `_quarto.yml`'s settings (all but `project`).

    Quarto applies `_quarto.yml` only to the files its `project: render:` list names, so
    the notebook made for Quarto carries those settings in its own header.
    """
    config = doc.root / "_quarto.yml"
    project = (
        yaml.safe_load(config.read_text(encoding="utf-8")) if config.exists() else {}
    )
    project = {k: v for k, v in (project or {}).items() if k != "project"}
    meta = dict(doc.meta)
    if re.search(r"^date:\s*today\s*$", doc.path.read_text(encoding="utf-8"), re.M):
        meta["date"] = "today"  # the reader resolved it; Quarto formats it its own way
    return _merge(project, meta)


def quarto_engine(doc: Document) -> str:
    """The LaTeX engine Quarto will run: `pdf-engine` of the PDF format (lualatex, Quarto's
    default, when the document and `_quarto.yml` name none)."""
    meta = project_metadata(doc)
    pdf = (meta.get("format") or {}) if isinstance(meta.get("format"), dict) else {}
    pdf = pdf.get("pdf") if isinstance(pdf.get("pdf"), dict) else {}
    return str(pdf.get("pdf-engine") or meta.get("pdf-engine") or "lualatex")


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
