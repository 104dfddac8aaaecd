"""Golden files from real Quarto: what the built-in PDF must agree on.

Renders `report.qmd` (a draft: REPORT_FAST=1, offline data) and each small fixture
document of the tests with real Quarto (`quarto render --to pdf`, Quarto executing the
chunks with this interpreter as QUARTO_PYTHON), reads the PDFs with pdftotext and writes
what two PDFs typeset by different tools can be compared on to `tests/golden/NAME.json`:

- `labels`: every numbered label and reference text, by kind ("Theorem 3.1", "Figure 4",
  "Equation 2", "Table 1", "Section 2.3"), as a sorted set;
- `references`: every numbered label and reference text in the order the PDF has them,
  repeats kept, each with the word before it where that is a word ("see Figure 2",
  "proves Theorem 1.1"): so order, count and wording are compared, not only which
  numbers occur;
- `sections`: the table of contents, "number title" (page numbers left out);
- `captions`: the first words of every figure and table caption, with its number;
- `theorems`: the kind and name of every named theorem-like block, in order.

tests/test_quarto_parity.py and tests/test_report.py compare the built-in PDF against
these files on every `make test`, without Quarto.  Re-run this script (and commit the
JSON files) whenever the report's structure changes: a section, theorem, figure, table,
equation or caption added, removed or renamed, or a fixture document edited:

    .venv/bin/python tools/quarto_golden.py            # all: report (minutes), fixtures
    .venv/bin/python tools/quarto_golden.py pipeline   # one case

Needs `quarto` (1.4 or newer), a LaTeX engine and pdftotext.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"

KINDS = (
    "Figure",
    "Table",
    "Equation",
    "Section",
    "Theorem",
    "Lemma",
    "Corollary",
    "Proposition",
    "Conjecture",
    "Definition",
    "Example",
    "Exercise",
)
THEOREM_KINDS = KINDS[4:]
NUMBER = r"\d+(?:\.\d+)*"
LABEL = re.compile(rf"\b({'|'.join(KINDS)})\s+(\({NUMBER}\)|{NUMBER})")
# a label and the word before it, if that is a word (not a number or a figure's text)
IN_CONTEXT = re.compile(
    rf"(?:(?<!\S)([A-Za-z]+)\s+)?\b({'|'.join(KINDS)})\s+(\({NUMBER}\)|{NUMBER})"
)
CAPTION = re.compile(rf"^(Figure|Table)\s+({NUMBER}):\s*(.*)$", re.M)
THEOREM = re.compile(
    rf"\b({'|'.join(THEOREM_KINDS)})\s+{NUMBER}\s+\(([^()]{{1,100}})\)"
)
TOC_ENTRY = re.compile(rf"^\s*(?:({NUMBER})\s+)?(\S.*?)[\s.]*\s(\d+)\s*$")
TOC_START = re.compile(r"^\s*(Table of )?Contents\s*$", re.I)
CAPTION_WORDS = 6


def pdf_text(pdf: Path, layout: bool = False) -> str:
    """The PDF's text, ligatures ("ﬀ", "ﬁ") spelled out as letters."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFKC", text)


def dehyphenate(text: str) -> str:
    """Join words a line break split with a hyphen ("UN-\\nTRAINED" -> "UNTRAINED")."""
    return re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)


def table_of_contents(layout_text: str) -> list[str]:
    """'number title' of each entry of the first table of contents (wrapped titles
    joined, page numbers and dot leaders left out)."""
    lines = layout_text.splitlines()
    start = next((i for i, line in enumerate(lines) if TOC_START.match(line)), None)
    if start is None:
        return []
    entries, pending = [], None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        if pending is not None:  # a title that wrapped onto this line
            line = pending + " " + line.strip()
        m = TOC_ENTRY.match(line)
        if m:
            entries.append(" ".join(filter(None, (m.group(1), m.group(2).strip()))))
            pending = None
        elif pending is None and re.match(rf"^\s*{NUMBER}\s+\S", line):
            pending = line.strip()
        else:
            break
    return entries


def comparable(pdf: Path) -> dict:
    """What two PDFs of one document, typeset by different tools, must agree on."""
    text = dehyphenate(pdf_text(pdf).replace("\f", "\n"))
    flat = " ".join(text.split())
    labels: dict[str, set] = {}
    for kind, number in LABEL.findall(flat):
        labels.setdefault(kind, set()).add(f"{kind} {number}")
    captions = []
    for kind, number, rest in CAPTION.findall(text):
        words = rest.split()[:CAPTION_WORDS]
        captions.append(" ".join([f"{kind} {number}:", *words]))
    references = [" ".join(filter(None, m)) for m in IN_CONTEXT.findall(flat)]
    return {
        "labels": {k: sorted(v, key=_natural) for k, v in sorted(labels.items())},
        "references": references,
        "sections": table_of_contents(pdf_text(pdf, layout=True)),
        "captions": sorted(set(captions), key=_natural),
        "theorems": [f"{kind} ({name})" for kind, name in THEOREM.findall(flat)],
    }


def _natural(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def same_caption(a: str, b: str) -> bool:
    """Captions agree on their number and on the first words both PDFs hold."""
    wa, wb = a.split(), b.split()
    n = min(len(wa), len(wb))
    return n >= 3 and wa[:n] == wb[:n]


# ---- the cases ------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    """The tests' own fixture writer, plus the project's _quarto.yml."""
    qmd = _fixture("conftest", "write_project")(root, files)
    shutil.copy(ROOT / "_quarto.yml", root / "_quarto.yml")
    _quarto_setup(root)
    return qmd


def _quarto_setup(root: Path) -> None:
    """What _quarto.yml's pre-render and post-render scripts need: builder/, the
    project's _environment (its replay kernel) and requirements.txt."""
    shutil.copytree(
        ROOT / "builder", root / "builder", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("_environment", "requirements.txt"):
        shutil.copy(ROOT / name, root / name)


def _fixture(module: str, name: str):
    """A name from a test module: a {path: text} dict (one document's text becomes
    {"report.qmd": text}), or a helper such as conftest.copy_project."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]
    value = getattr(__import__(module), name)
    return {"report.qmd": value} if isinstance(value, str) else value


CASES = {
    "report": lambda root: (
        _fixture("conftest", "copy_project")(root),
        _quarto_setup(root),
    )[0],
    "pipeline": lambda root: _write(root, _fixture("test_pipeline", "FILES")),
}


def write_case(name: str, root: Path) -> Path:
    """Write the project of case `name` into `root`; returns its report.qmd."""
    return CASES[name](root)


def quarto_env() -> dict[str, str]:
    """Draft configuration, offline data, and this interpreter for Quarto's kernel."""
    env = dict(os.environ)
    env.setdefault("REPORT_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    env.update(REPORT_FAST="1", REPORT_OFFLINE="1", QUARTO_PYTHON=sys.executable)
    return env


def render(qmd: Path) -> Path:
    """`quarto render` of `qmd` to PDF, Quarto executing it; returns the PDF (its LaTeX
    is kept beside it)."""
    result = subprocess.run(
        ["quarto", "render", qmd.name, "--to", "pdf", "-M", "keep-tex:true"],
        cwd=qmd.parent,
        env=quarto_env(),
        capture_output=True,
        text=True,
        errors="replace",
    )
    pdf = qmd.with_suffix(".pdf")
    if result.returncode != 0 or not pdf.exists():
        raise RuntimeError(
            f"quarto render {qmd} failed (exit {result.returncode}):\n"
            + "\n".join(result.stderr.splitlines()[-30:])
        )
    return pdf


def golden(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    names = argv or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case {unknown}; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    if shutil.which("quarto") is None:
        print("quarto is not on PATH", file=sys.stderr)
        return 2
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"golden-{name}-") as tmp:
            print(f"{name}: quarto render ...", flush=True)
            found = comparable(render(write_case(name, Path(tmp))))
        out = GOLDEN / f"{name}.json"
        out.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
        counts = ", ".join(f"{len(v)} {k}" for k, v in found.items())
        print(f"{name}: wrote {out.relative_to(ROOT)} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
