"""The real report.qmd, built end to end in fast mode in a copy of the project, and its
notebook run again from scratch in an empty folder."""

import difflib
import os
import re
import shutil

import nbformat
import parity
import pytest
from conftest import ROOT, needs_latex, pdf_text
from nbclient import NotebookClient

from builder.__main__ import build
from builder.modules import code_modules, inline_plan
from builder.read import read

pytestmark = needs_latex


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    for name in ("report.qmd", "_quarto.yml"):
        shutil.copy(ROOT / name, root / name)
    for folder in ("code", "proofs"):
        shutil.copytree(
            ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    result = build(root / "report.qmd", fast=True, use_quarto=False, log=print)
    return root, result, pdf_text(root / "report.pdf")


@pytest.fixture(scope="module")
def compared(built):
    """What real Quarto's PDF of report.qmd is compared on, read from the built-in PDF."""
    return parity.comparable(built[0] / "report.pdf")


@pytest.mark.parametrize("name, aspect", parity.params("report"))
def test_pdf_matches_quarto_golden(compared, name, aspect):
    """Numbered labels, reference texts, sections, captions and theorem names as in real
    Quarto's PDF (tests/golden/report.json; when the report's structure changes, re-run
    `tools/quarto_golden.py report` where Quarto is installed, see tests/parity.py)."""
    parity.check(compared, name, aspect)


def stdout_texts(nb):
    """Each code cell's whole stdout (a stream may arrive in several pieces), with timings
    (`1.2 s`) masked: they differ from run to run."""
    return [
        re.sub(
            r"\d+(\.\d+)? ?s\b",
            "<t> s",
            "".join(o["text"] for o in c.outputs if o.get("name") == "stdout"),
        )
        for c in nb.cells
        if c.cell_type == "code"
    ]


def test_pdf_has_title_block_draft_notice_and_no_loose_references(built):
    _, result, text = built
    first_page = text.split("\f")[0]
    assert (
        "Deep Learning, Assignment 2" in first_page
        and "Discussed the questions with" in first_page
    )
    assert "WARNING: draft build" in first_page
    assert any("draft build" in w for w in result["warnings"])
    assert "??" not in text and not re.search(r"@(fig|eq|sec|thm|tbl)-", text)


def test_question_4_in_the_pdf(built):
    text = " ".join(built[2].split())
    assert re.search(
        r"Theorem \d+\.\d+ \(Self-attention is permutation-equivariant\)", text
    )
    assert (
        "assert passed: nn.Linear and nn.Conv1d(kernel_size=1) give the same output"
        in text
    )
    assert re.search(r"max \|P S\(X\) - S\(PX\)\| = \d\.\d\de-1[3-9]", text)


def test_every_imported_module_is_listed_in_the_pdf(built):
    root, _, text = built
    doc = read(root / "report.qmd")
    runnable = [c for c in doc.chunks if "report-only" not in c.options.get("tags", [])]
    used = {m for ms in inline_plan(runnable, code_modules(root)).values() for m in ms}
    assert used, "the report imports no module?"
    for name in used:
        assert f"Listing: code/{name}.py" in text


def test_questions_1a_and_3_in_the_pdf(built):
    table = pdf_text(built[0] / "report.pdf", layout=True)
    for row in (
        "Layer 1 105 115 105 115 11x11",
        "Layer 4 65 131 65 131 67x67 65-131 65-131 yes",
    ):
        assert re.search(
            r"\s+".join(map(re.escape, row.split())), table
        )  # the Q1(a) answer
    text = " ".join(built[2].split())
    assert "check passed: no measured norm exceeds delta^T" in text
    assert re.search(r"Theorem \d+\.\d+ \(Vanishing gradients\)", text)


def test_question_2_in_the_pdf(built):
    _, result, text = built
    flat = " ".join(text.split())
    assert "WARNING: the PTB training split is not available here" in flat
    assert any("PTB training split" in w for w in result["warnings"])
    assert (
        "gradient of chunk 2's loss reaches chunk 1: without detach True, with detach False"
        in flat
    )
    assert re.search(r"cosine distance\('army', 'taxpayer'\) = \d\.\d{4}", flat)
    assert "error: 'quadrocopter' is not in the vocabulary" in flat
    ppl = [
        float(x) for x in re.findall(r"epoch \d: validation perplexity (\d+\.\d)", flat)
    ]
    assert len(ppl) == 3 and ppl[-1] < ppl[0] < 1000
    assert "it/s" not in text  # progress bars stay in the terminal


def test_questions_1b_and_1c_in_the_pdf(built):
    _, result, text = built
    flat = " ".join(text.split()).replace("’", "'").replace("UN- TRAINED", "UNTRAINED")
    assert "WARNING: untrained AlexNet weights" in flat and any(
        "AlexNet" in w for w in result["warnings"]
    )
    for caption in (
        r"Figure \d+: AlexNet's top-1 class",
        r"Table \d+: Each targeted attack",
        r"Figure \d+: Original images",
    ):
        assert re.search(
            caption + r".{0,300}?\. UNTRAINED WEIGHTS: the predictions are meaningless",
            flat,
        )
    assert "51 -> 'triceratops'" in flat
    assert re.search(r"chosen alpha = \S+", flat)
    table = pdf_text(built[0] / "report.pdf", layout=True)
    assert (
        len(re.findall(r"\s(yes|not reached)\s+\d+\s+\d+\.\d", table)) == 6
    )  # 2 images x 3 targets


def test_notebook_runs_alone_and_reproduces_the_outputs(built, tmp_path):
    root, result, _ = built
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    nbformat.validate(nb)
    fresh = nbformat.read(root / "report.ipynb", as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = NotebookClient(
        fresh,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    env = dict(os.environ, REPORT_FAST="1")
    with client.setup_kernel(env=env):
        for i, cell in enumerate(fresh.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, i)
    for ours, theirs in zip(stdout_texts(fresh), stdout_texts(nb)):
        assert ours == theirs, "\n".join(
            difflib.unified_diff(theirs.splitlines(), ours.splitlines(), lineterm="")
        )
    assert len(stdout_texts(fresh)) == len(stdout_texts(nb))
    assert any("assert passed" in t for t in stdout_texts(fresh))


def top_level_names(source):
    """Names a piece of code binds at top level (defs, classes, assignments, loop targets)."""
    import ast

    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        for target in getattr(node, "targets", []) + [getattr(node, "target", None)]:
            if target is not None:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def test_inlined_modules_and_chunks_do_not_shadow_each_other():
    """In the single-file notebook every module shares one namespace with the chunks: a name
    bound twice would silently replace what another module's functions use."""
    modules = code_modules(ROOT)
    seen = {}
    for name, path in modules.items():
        for binding in top_level_names(path.read_text()):
            assert binding not in seen, (
                f"{binding} is defined in both {seen[binding]} and {name}"
            )
            seen[binding] = name
    doc = read(ROOT / "report.qmd")
    for chunk in doc.chunks:
        clash = top_level_names(chunk.source) & set(seen)
        assert not clash, f"{chunk.where()} rebinds {clash}, defined in code/"
