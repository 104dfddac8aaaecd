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
from base64 import b64decode
from pathlib import Path

import yaml

from . import options, texlog
from .execute import ANSI, outputs_by_label
from .read import PAGEBREAK, BuildError, Chunk, Document, resolve_inline

HERE = Path(__file__).parent
LATEX_ENGINES = ("xelatex", "lualatex")


def _stream_text(text: str) -> str:
    """What a terminal would show: a carriage return overwrites its line."""
    lines = text.replace("\r\n", "\n").split("\n")  # `!cmd` output ends lines with \r\n
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


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
        if out.output_type == "error":  # error: true: shown as Quarto shows it
            trace = ANSI.sub("", "\n".join(out.traceback))
            head = f"{out.ename}: {out.evalue}"
            parts.append(_fence(f"{head}\n{trace}", ".output"))
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
            parts.append(_fence(block.shown_source(), ".python"))
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


def to_latex(markdown: Path, tex: Path, pdf_options: dict | None = None):
    """pandoc Markdown -> LaTeX, with the document's PDF options (builder/options.py)."""
    pdf_options = {} if pdf_options is None else pdf_options
    header = tex.with_name("options-header.tex")
    header.write_text(options.header_lines(pdf_options), encoding="utf-8")
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
        "--include-in-header",
        str(header),
        "--syntax-highlighting=tango",
        *options.pandoc_args(pdf_options),
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
            print(f"warning: {warning}")
    undefined = re.findall(r"Reference `([^']+)' on page \d+ undefined", log)
    if undefined:
        if doc is not None:
            raise BuildError(texlog.describe_undefined(sorted(set(undefined)), doc))
        raise BuildError(
            f"undefined references in the PDF: {', '.join(sorted(set(undefined)))}"
        )
    return outdir / f"{tex.stem}.pdf"


def builtin(doc: Document, executed, workdir: Path) -> Path:
    markdown = workdir / "report.md"
    markdown.write_text(weave(doc, executed, doc.root / "figures"), encoding="utf-8")
    tex = workdir / "report.tex"
    to_latex(markdown, tex, doc.settings.pdf)
    return to_pdf(tex, doc.root, doc)


def quarto(doc: Document, workdir: Path, fast: bool) -> Path:
    """`quarto render` of the real document; Quarto executes it with its own kernel."""
    env = dict(os.environ, REPORT_FAST="1" if fast else "0")
    outdir = workdir / "quarto"
    result = subprocess.run(
        ["quarto", "render", doc.path.name, "--to", "pdf", "--output-dir", str(outdir)],
        cwd=doc.root,
        env=env,
    )
    pdf = outdir / f"{doc.path.stem}.pdf"
    if result.returncode != 0 or not pdf.exists():
        raise BuildError(
            f"quarto render {doc.path.name} failed (exit {result.returncode})"
        )
    return pdf
