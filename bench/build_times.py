"""Build times of the real report in fast mode, in a copy of the project:
cold build (empty cache), rebuild with nothing changed, rebuild after a prose-only edit.
The last two should execute no cell and be dominated by LaTeX.

    .venv/bin/python bench/build_times.py
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from builder.__main__ import build  # noqa: E402


def timed(qmd):
    log = []
    start = time.perf_counter()
    build(qmd, fast=True, log=log.append)
    ran = sum(line.startswith("  ran ") for line in log)
    return time.perf_counter() - start, ran


def main():
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("report.qmd", "_quarto.yml"):
            shutil.copy(ROOT / name, root)
        for folder in ("code", "proofs"):
            shutil.copytree(
                ROOT / folder,
                root / folder,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        qmd = root / "report.qmd"
        results = [
            ("cold build", *timed(qmd)),
            ("rebuild, nothing changed", *timed(qmd)),
        ]
        qmd.write_text(
            qmd.read_text().replace(
                "Every number in this report", "Each number in this report"
            )
        )
        results.append(("rebuild after a prose-only edit", *timed(qmd)))
    print(f"{'':34s} {'seconds':>8s} {'cells run':>10s}")
    for name, seconds, ran in results:
        print(f"{name:34s} {seconds:8.1f} {ran:10d}")


if __name__ == "__main__":
    main()
