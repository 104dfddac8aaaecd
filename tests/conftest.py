import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build tool: import builder
sys.path.insert(
    0, str(ROOT / "code")
)  # the report's modules, as the report imports them

# Tests never download: they use the offline copies of the real data beside the project
# (tests and CI only; the product finds its data by configuration, see README).
os.environ.setdefault("REPORT_DATA_DIR", str(ROOT.parent / "shared" / "data"))
os.environ["REPORT_OFFLINE"] = "1"

needs_latex = pytest.mark.skipif(
    shutil.which("xelatex") is None or shutil.which("pdftotext") is None,
    reason="xelatex and pdftotext are required (apt-get install "
    "texlive-xetex poppler-utils; .ci/run installs them)",
)
if os.environ.get("CI") and (
    shutil.which("xelatex") is None or shutil.which("pdftotext") is None
):
    raise RuntimeError("CI must have xelatex and pdftotext: .ci/run installs them")


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A small report project: {relative path: text}; returns the path of report.qmd."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root / "report.qmd"


def pdf_text(pdf: Path, layout: bool = False) -> str:
    """The PDF's text; with layout=True table rows stay on one line."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout
