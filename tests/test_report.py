"""The real report.qmd, built end to end in fast mode in a copy of the project, and its
notebook run again from scratch in an empty folder."""

import difflib
import os
import re
import shutil

import nbformat
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
    flat = " ".join(first_page.split())
    # the first-page box names each substitution in words
    assert "WARNING: a draft, not the numbers of the submission" in flat
    assert "AlexNet ran with untrained, randomly initialised weights" in flat
    assert "trained on the PTB validation split (ptb.valid.txt)" in flat
    assert "hidden size 256 instead of 1024" in flat
    assert any("a draft" in w for w in result["warnings"])
    # the template's placeholders are reported at the end of the build
    assert any("Student Name" in w for w in result["warnings"])
    assert not re.search(r"--fast|\.cache|the build fails", text)  # no build jargon
    assert "??" not in text and not re.search(r"@(fig|eq|sec|thm|tbl)-", text)


def test_question_4_in_the_pdf(built):
    text = " ".join(built[2].split())
    assert re.search(r"Theorem \d+ \(Self-attention is permutation-equivariant\)", text)
    assert (
        "assert passed: nn.Linear and nn.Conv1d(kernel_size=1) give the same output"
        in text
    )
    assert re.search(r"max \|P S\(X\) - S\(PX\)\| = \d\.\d\de-1[3-9]", text)


def test_answers_first_and_the_questions_fit_in_30_pages(built):
    """Support modules are listed only in the appendix, which starts after at most 30
    pages; each question part opens with its answer."""
    pages = built[2].split("\f")
    appendix = next(
        i
        for i, page in enumerate(pages)
        if re.search(r"^\d+ Appendix: the code modules", page, re.M) and i > 1
    )
    assert appendix <= 30, f"the questions take {appendix} pages"
    before = "\f".join(pages[:appendix])
    for support in (
        "caching",
        "images",
        "imagenet_model",
        "ptb_data",
        "language_model",
    ):
        assert f"Listing: code/{support}.py" not in before
    flat = " ".join(before.split())
    for part in ("(a) Receptive fields Answer.", "Q2.1 Detaching or not? Answer."):
        assert part in flat


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
        "Layer 1 Layer 2 Layer 3 Layer 4",
        "Height 1 105 97 81 65",
        "Height 2 115 115 131 131",
        "Width 1 105 97 81 65",
        "Width 2 115 115 131 131",
        "Layer 4 65-131 65-131 65-131 yes",
    ):
        assert re.search(
            r"\s+".join(map(re.escape, row.split())), table
        )  # the Q1(a) answer
    text = " ".join(built[2].split())
    assert "check passed: no measured norm exceeds delta^T" in text
    assert re.search(r"Theorem \d+ \(Vanishing gradients\)", text)


def test_question_2_in_the_pdf(built):
    _, result, text = built
    flat = " ".join(text.split())
    assert "WARNING: Question 2 in this draft: a small model and trained on" in flat
    assert any("Question 2 in this draft" in w for w in result["warnings"])
    # Q2's figure captions say that they show the draft model
    assert re.search(
        r"Figure \d+: Training loss .{0,200}Draft: a small configuration; trained on "
        r"ptb\.valid\.txt, evaluated on ptb\.test\.txt\.",
        flat,
    )
    assert (
        "gradient of chunk 2's loss reaches chunk 1: without detach True, with detach False"
        in flat
    )
    assert re.search(r"cosine distance\('army', 'taxpayer'\) = \d\.\d{4}", flat)
    assert "error: 'quadrocopter' is not in the vocabulary" in flat
    ppl = [
        float(x)
        for x in re.findall(r"epoch \d: perplexity on ptb\.test\.txt (\d+\.\d)", flat)
    ]
    assert len(ppl) == 3 and ppl[-1] < ppl[0] < 1000
    assert "it/s" not in text  # progress bars stay in the terminal


def test_questions_1b_and_1c_in_the_pdf(built):
    _, result, text = built
    flat = " ".join(text.split()).replace("’", "'")
    assert "WARNING: untrained AlexNet in this draft" in flat and any(
        "AlexNet" in w for w in result["warnings"]
    )
    for caption in (
        r"Table \d+: AlexNet's top-1 prediction",
        r"Figure \d+: The five photos",
        r"Table \d+: Each targeted attack",
        r"Figure \d+: Each photo \(left\)",
        r"Figure \d+: Photo 1 and its adversarial image",
    ):
        assert re.search(
            caption + r".{0,400}?\. Untrained weights in this draft: the classes "
            r"AlexNet gives are meaningless\.",
            flat,
        ), caption
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
