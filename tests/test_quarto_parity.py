"""The built-in PDF against real Quarto's, and real Quarto on the builder's output.

- Golden-file tests (every `make test`, no Quarto needed): each fixture document is built
  with the built-in path and its PDF compared with what real Quarto's PDF of the same
  document numbers, names and captions (tests/golden/*.json, written by
  tools/quarto_golden.py; the report itself is compared in tests/test_report.py, which
  already builds it).  Re-run the script when a fixture or the report's structure
  changes; see tests/parity.py.
- Live tests (only where `quarto` is on PATH, skipped with the reason otherwise): real
  Quarto renders the fixtures and must still give the golden files; `quarto convert
  report.qmd` gives a valid notebook.  (`quarto render` of the project, each chunk
  executed once: tests/test_quarto_render.py.)
"""

import shutil
import subprocess

import nbformat
import parity
import pytest
from conftest import ROOT, needs_latex
from parity import comparable, golden, render, write_case

from builder.__main__ import build
from builder.read import read
from builder.write import texcheck

needs_quarto = pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="quarto is not on PATH: the live comparison with real Quarto is skipped "
    "(the golden-file tests still run)",
)
FIXTURES = ("pipeline",)  # names of tools/quarto_golden.py CASES


@pytest.fixture(scope="module")
def builtin_pdfs(tmp_path_factory):
    """{fixture name: comparable of its built-in PDF}, each built once."""
    found = {}
    for name in FIXTURES:
        root = tmp_path_factory.mktemp(name)
        build(write_case(name, root), fast=True, log=lambda *_: None)
        found[name] = comparable(root / "report.pdf")
    return found


@needs_latex
@pytest.mark.parametrize("name, aspect", parity.params(*FIXTURES))
def test_builtin_pdf_matches_quarto_golden(builtin_pdfs, name, aspect):
    parity.check(builtin_pdfs[name], name, aspect)


@needs_quarto
@needs_latex
@pytest.mark.parametrize("name", FIXTURES)
def test_live_quarto_gives_the_golden_files(name, tmp_path):
    """Real Quarto, executing the fixture itself: the golden files are up to date, and
    every package Quarto's LaTeX loads is among those the build checks up front."""
    pdf = render(write_case(name, tmp_path))
    assert comparable(pdf) == golden(name)
    loaded = texcheck.loaded_packages(pdf.with_suffix(".tex").read_text())
    checked = set(texcheck.needed(read(pdf.with_suffix(".qmd")), texcheck.QUARTO_STY))
    assert loaded and loaded <= checked, loaded - checked


@needs_quarto
def test_quarto_convert_gives_a_notebook_jupyter_opens(tmp_path):
    for name in ("report.qmd", "_quarto.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "proofs", tmp_path / "proofs")
    subprocess.run(
        ["quarto", "convert", "report.qmd"], cwd=tmp_path, check=True, timeout=300
    )
    nb = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == len(read(ROOT / "report.qmd").chunks)
    assert code[0].source.startswith("#| label: setup")
