"""The real report.qmd, built end to end in fast mode in a fresh copy of the project that
downloads its inputs from a mirror on 127.0.0.1, and its notebook run again on its own:
downloading from the mirror in an empty folder, and from a data folder offline, where
every output must be the stored one."""

import ast
import difflib
import hashlib
import os
import re
import shutil
import subprocess

import nbformat
import parity
import pytest
from conftest import (
    DATA,
    HAS_DATA,
    ROOT,
    copy_project,
    http_server,
    needs_latex,
    pdf_text,
)
from markdown_it import MarkdownIt
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from pdf_layout import float_faults, past_right_margin, printed_words, split_outputs

from builder.__main__ import build
from builder.parse import pandoc_path
from builder.read import read
from builder.write.export import WRITER
from builder.write.modules import code_modules, standalone_source

pytestmark = needs_latex
MARGIN_CM = 2.0  # _quarto.yml's geometry
if not HAS_DATA:  # DATA is served as the mirror: imagen/, ptb/
    pytest.skip(f"the offline data is not in {DATA}", allow_module_level=True)
PHOTOS = sorted(p.name for p in (DATA / "imagen").iterdir())
INPUTS = [f"imagen/{name}" for name in PHOTOS] + [
    "ptb/ptb.valid.txt",
    "ptb/ptb.test.txt",
]  # fetched by the first cells, before any long computation
LABELS = "imagenet1000_clsidx_to_labels.txt"  # optional, fetched where it is compared


def kernel_env(**settings):
    """This process's environment without any REPORT_* variable, plus `settings`; and
    without pytest's PYTEST_CURRENT_TEST, which makes ipykernel stop watching fd 2: the
    kernel then runs as under Jupyter (notes for the terminal do not become outputs)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("REPORT_") and k != "PYTEST_CURRENT_TEST"
    }
    return env | settings


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Built as on a user's machine with internet: no local data, downloads allowed, the
    mirror in place of the original addresses (which hold the same files)."""
    root = tmp_path_factory.mktemp("report")
    copy_project(root)
    with pytest.MonkeyPatch.context() as env, http_server(DATA) as (base, requests):
        for name in [k for k in os.environ if k.startswith("REPORT_")]:
            env.delenv(name)
        env.setenv("REPORT_MIRROR_URL", base)
        env.setenv("TORCH_HOME", str(root / "torch"))  # no weights: a draft
        result = build(root / "report.qmd", fast=True, log=print)
    return root, result, pdf_text(root / "report.pdf"), list(requests)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def downloaded(requests):
    """The files a server sent (status 200), each exactly once."""
    sent = [path.lstrip("/") for path, status in requests if status == 200]
    assert len(sent) == len(set(sent)), f"downloaded twice: {sent}"
    return set(sent)


def run_notebook(nb, folder, env, until=None):
    """`nb` without its outputs, run in a fresh kernel in `folder` (created) with the
    environment `env`, up to the code cell containing `until`; returns the run copy."""
    folder.mkdir(parents=True, exist_ok=True)
    fresh = nbformat.from_dict(nb)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = NotebookClient(
        fresh,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    with client.setup_kernel(env=env):
        for i, cell in enumerate(fresh.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, i)
                if until and until in cell.source:
                    break
    return fresh


# What differs from run to run and is masked before outputs are compared: durations
# ('in 42 s', '1.3 s', 'in 3 min', 'in 2.5 h'), the cells of a Markdown table's
# 'seconds' column, and figures' sizes in pixels ('<Figure size 704x528 ...>': the
# build draws at 110 dpi).
MASKS = [
    (re.compile(r"\d+(\.\d+)? ?(s|min|h)\b"), "<t> s"),
    (re.compile(r"<Figure size [\d.]+x[\d.]+ "), "<Figure size <px> "),
]
TIMED_COLUMNS = {"seconds", "s"}  # table columns of measured times


def mask(text):
    """`text` with measured times masked; a Markdown table's cells stripped and its rule
    line as plain dashes (pandoc pads a table to its widest cell, which a time changes)."""
    if text is None:
        return None
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    lines, timed = text.splitlines(), None
    for n, line in enumerate(lines):
        if not line.startswith("|"):
            timed = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if timed is None:  # the header row
            timed = {i for i, c in enumerate(cells) if c in TIMED_COLUMNS}
        elif set(line) <= set("|-: "):  # the rule line: alignment kept, widths not
            cells = [
                c[:1].replace("-", "") + "---" + c[-1:].replace("-", "") for c in cells
            ]
        else:
            cells = ["<t>" if i in timed else c for i, c in enumerate(cells)]
        lines[n] = "| " + " | ".join(cells) + " |"
    return "\n".join(lines)


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
    """Each code cell's whole stdout, masked."""
    return [
        mask("".join(o["text"] for o in c.outputs if o.get("name") == "stdout"))
        for c in nb.cells
        if c.cell_type == "code"
    ]


def written(markdown):
    """Markdown as the notebook's writer (pandoc's, builder/write/export.py) writes it: the
    stored outputs went through it, a re-run's come straight from the code; the same
    Markdown gives the same text (table padding, escapes), different Markdown does not."""
    if markdown is None:
        return None
    return subprocess.run(
        [pandoc_path(), "-f", "markdown", "-t", WRITER, "--wrap=preserve"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def comparable(cell):
    """A code cell's outputs as comparable values: adjacent pieces of one stream joined,
    text and Markdown masked (Markdown as pandoc's writer gives it), images by kind
    (image/png, ...)."""
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            if out and out[-1][:2] == ("stream", o.name):
                out[-1] = ("stream", o.name, out[-1][2] + o.text)
            else:
                out.append(("stream", o.name, o.text))
        elif o.output_type == "error":
            out.append(("error", o.ename, o.evalue))
        else:
            data = o.get("data", {})
            out.append(
                (
                    o.output_type,
                    mask(written(data.get("text/markdown"))),
                    mask(data.get("text/plain")),
                    sorted(k for k in data if k.startswith("image/")),
                )
            )
    return [(o[0], o[1], mask(o[2])) if o[0] == "stream" else o for o in out]


def appendix_page(pages):
    """The index of the page where the appendix of question modules starts (after the
    contents)."""
    return next(
        i
        for i, page in enumerate(pages)
        if re.search(r"^Appendix: the question modules", page, re.M) and i > 1
    )


def test_pdf_has_title_block_draft_notice_and_no_loose_references(built):
    _, result, text, _ = built
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
    assert "the language model ran in a small configuration" in flat
    # Question 2's own box lists the changes
    q2 = " ".join(text.split()).split("An LSTM language model on Penn Treebank")[2]
    assert q2.index("hidden size 256 instead of 1024") < q2.index("Q2.1 Detaching")
    assert any("a draft" in w for w in result["warnings"])
    # the template's placeholders are reported at the end of the build
    assert any("Student Name" in w for w in result["warnings"])
    # no build jargon in the questions' part (the appendix lists code/ with its defaults,
    # such as cache_dir=".cache/models")
    pages = text.split("\f")
    questions = "\f".join(pages[: appendix_page(pages)])
    assert not re.search(r"--fast|\.cache|the build fails", questions)
    assert "site-packages" not in text  # no library's warning leaked into the report
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


def test_at_most_40_pages_answers_first_in_28(built):
    """The answers take at most 28 pages and the whole PDF at most 40; each question
    part opens with its answer; supporting modules are not listed at all."""
    pages = built[2].split("\f")
    appendix = appendix_page(pages)
    assert appendix <= 28, f"the answers take {appendix} pages"
    assert len(pages) - 1 <= 40, f"{len(pages) - 1} pages"  # the text ends with \f
    for support in SUPPORTING:
        assert f"Listing: code/{support}.py" not in built[2]
    flat = " ".join("\f".join(pages[:appendix]).split())
    for part in ("(a) Receptive fields Answer.", "Q2.1 Detaching or not? Answer."):
        assert part in flat


# Modules the PDF does not print: the supporting code that comes before Question 1 in
# the notebook, and each question's own loading and training code, folded there.
BEFORE_QUESTIONS = ("caching", "callouts", "downloads", "imagen_photos")
IN_QUESTION = {"1": ("imagenet_model", "images"), "2": ("ptb_data", "language_model")}
SUPPORTING = BEFORE_QUESTIONS + sum(IN_QUESTION.values(), ())


def test_each_function_of_the_question_modules_is_printed_once(built):
    """The appendix lists the question modules; a definition listed next to its answer
    is not listed again."""
    root, _, text, _ = built
    doc = read(root / "report.qmd")
    modules = code_modules(root)
    (appendix,) = [c for c in doc.chunks if c.label == "appendix-listings"]
    (call,) = [
        n
        for n in ast.walk(ast.parse(appendix.source))
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "show_source"
    ]
    question = [ast.literal_eval(a) for a in call.args]
    assert set(question).isdisjoint(SUPPORTING) and len(question) >= 7
    (left_out,) = [
        ast.literal_eval(k.value) for k in call.keywords if k.arg == "supporting"
    ]
    assert left_out == ["adversarial.cached_attack"]  # printed nowhere, named instead
    flat = " ".join(text.split())
    assert "cached_attack, in the notebook only)" in flat
    for name in question:
        assert f"Listing: code/{name}.py" in text
        source = modules[name].read_text()
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                keyword = "class" if isinstance(node, ast.ClassDef) else "def"
                assert flat.count(f"{keyword} {node.name}(") + flat.count(
                    f"{keyword} {node.name}:"
                ) == (0 if f"{name}.{node.name}" in left_out else 1), (
                    f"{name}.{node.name}"
                )


def test_layout_from_word_positions(built):
    """No word past the right margin (code and output wrap), every figure and table
    inside its section, no heading alone at the foot of a page, no printed output split
    across pages, and PTB's <unk> printed (pdftotext -bbox sees what lies beyond the
    paper's edge too)."""
    root = built[0]
    assert past_right_margin(root / "report.pdf", MARGIN_CM) == []
    assert float_faults(root / "report.pdf", root / "report.qmd") == []
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    printed = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if o.output_type == "stream" and o.name == "stdout"]  # fmt: skip
    assert len(printed) > 10
    assert split_outputs(root / "report.pdf", printed) == []
    assert "<unk>" in printed_words(root / "report.pdf")


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
    assert re.search(r"Theorem \d+\.\d+ \(Vanishing gradients\)", text)


def test_question_2_in_the_pdf(built):
    _, result, text, _ = built
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
    _, result, text, _ = built
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
    assert re.search(
        r"alpha = \S+ (meets the criterion|\(no alpha > 0 met the criterion\))", flat
    )
    table = pdf_text(built[0] / "report.pdf", layout=True)
    rows = re.findall(  # photo, target, steps (or "not reached"), s, alpha|r|, CE, ...
        r"^\s*[12]\s{2,}\S.*?\s(\d+|not)\s+\d+\.\d\s+\d+\.\d\d\s+\d+\.\d\d"
        r"\s+\d+\.\d\s+\d+\.\d\s",
        table,
        re.M,
    )
    assert len(rows) == 6  # 2 images x 3 targets


def test_the_build_downloaded_verified_and_cached_its_inputs(built):
    root, _, _, requests = built
    assert downloaded(requests) == {*INPUTS, LABELS}
    for name in [*INPUTS, LABELS]:
        assert sha256(root / ".cache" / "data" / name) == sha256(DATA / name), name


def test_the_notebook_alone_downloads_from_a_mirror(built, tmp_path):
    """The exported notebook's own code, up to the cell that fetches the inputs, in an
    empty folder: downloads, checks and caches; run again, downloads nothing; with a
    corrupted file on the mirror, stops with a message naming it."""
    nb = nbformat.read(built[0] / "report.ipynb", as_version=4)
    until = "fetch_inputs(fast=FAST)"
    folder = tmp_path / "nb"
    with http_server(DATA) as (base, requests):
        env = kernel_env(
            REPORT_FAST="1", REPORT_MIRROR_URL=base, TORCH_HOME=str(tmp_path / "t")
        )
        run_notebook(nb, folder, env, until)
        first = list(requests)
        run_notebook(nb, folder, env, until)
    assert downloaded(first) == set(INPUTS)
    assert downloaded(requests[len(first) :]) == set()  # the second run: from the cache
    for name in INPUTS:
        assert sha256(folder / ".cache" / "data" / name) == sha256(DATA / name), name

    mirror = tmp_path / "mirror"
    shutil.copytree(DATA / "imagen", mirror / "imagen")
    shutil.copytree(DATA / "ptb", mirror / "ptb")
    (mirror / "ptb" / "ptb.test.txt").write_text("not the PTB test split\n")
    with http_server(mirror) as (base, _):
        env = kernel_env(REPORT_FAST="1", REPORT_MIRROR_URL=base)
        with pytest.raises(CellExecutionError) as error:
            run_notebook(nb, tmp_path / "nb2", env, until)
    assert error.value.ename == "ValueError"
    assert error.value.evalue == (
        f"{base}/ptb/ptb.test.txt: not the expected PTB test split "
        "ptb/ptb.test.txt (its sha256 differs); not kept"
    )
    assert not (tmp_path / "nb2" / ".cache" / "data" / "ptb" / "ptb.test.txt").exists()


def test_notebook_runs_alone_offline_and_reproduces_every_output(built, tmp_path):
    """A fresh kernel, an empty folder, a data folder with only imagen/*.jpg,
    ptb/*.txt and the label table, no downloads: every output equals the stored one
    (MASKS aside)."""
    nb = nbformat.read(built[0] / "report.ipynb", as_version=4)
    nbformat.validate(nb)
    data = tmp_path / "data"
    for folder in ("imagen", "ptb"):
        shutil.copytree(DATA / folder, data / folder)
    shutil.copy(DATA / LABELS, data)
    env = kernel_env(
        REPORT_FAST="1",
        REPORT_OFFLINE="1",
        REPORT_DATA_DIR=str(data),
        TORCH_HOME=str(tmp_path / "torch"),
    )
    fresh = run_notebook(nb, tmp_path / "run", env)
    stored = [c for c in nb.cells if c.cell_type == "code"]
    again = [c for c in fresh.cells if c.cell_type == "code"]
    assert len(stored) == len(again)
    for old, new in zip(stored, again):
        a, b = comparable(old), comparable(new)
        assert a == b, f"cell differs:\n{old.source[-300:]}\n" + "\n".join(
            difflib.unified_diff(
                [repr(x) for x in a], [repr(x) for x in b], lineterm=""
            )
        )
    assert any("assert passed" in t for t in stdout_texts(fresh))
    markdown = [o[1] for c in again for o in comparable(c) if o[0] == "display_data"]
    assert "> **WARNING: a draft, not the numbers of the submission**" in "\n".join(
        filter(None, markdown)
    )
    assert not (tmp_path / "run" / ".cache" / "data").exists(), "it downloaded"


def test_the_notebook_speaks_to_the_reader_not_to_the_build(built):
    nb = nbformat.read(built[0] / "report.ipynb", as_version=4)
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"] + [
        str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    ]
    text = "\n".join(texts)
    for phrase in (
        "YAML header",
        "report.qmd",
        ".cache/",
        "cached in",
        "submitted notebook",
        "this build",
        "rebuild",
        ":::",
        "{.callout",
    ):
        assert phrase not in text, phrase
    assert "it/s" not in text and "\r" not in text  # no progress bars
    assert "site-packages" not in text  # no library's warning


def test_the_notebook_reads_top_to_bottom_for_a_grader(built):
    """Supporting code in one headed section, folded; no build jargon or reference to
    parts only the PDF has in the cells a grader reads; no cell announcing code (':')
    that does not follow; PTB's <unk> shown by Jupyter's Markdown renderer."""
    nb = nbformat.read(built[0] / "report.ipynb", as_version=4)
    cells = nb.cells
    start = next(
        i for i, c in enumerate(cells) if c.source.startswith("# Supporting code")
    )
    first_question = next(
        i for i, c in enumerate(cells) if re.search(r"^# \d+ ", c.source, re.M)
    )
    modules = code_modules(built[0])
    where = {}  # module -> (its cell's index, the question section it is in)
    question = None
    for i, c in enumerate(cells):
        question = ([question] + re.findall(r"^# (\d+) ", c.source, re.M))[-1]
        for name in modules:  # every module's cell folded, never a long block
            if c.source == standalone_source(name, modules):
                assert c.metadata.get("jupyter", {}).get("source_hidden"), name
                where[name] = i, question
    assert {"adversarial", "predictions", "receptive_field"} <= set(where)
    assert set(SUPPORTING) <= set(where)
    assert all(start < where[n][0] < first_question for n in BEFORE_QUESTIONS)
    assert {n: where[n][1] for n in SUPPORTING if n not in BEFORE_QUESTIONS} == {
        n: q for q, names in IN_QUESTION.items() for n in names
    }
    read_by_grader = [
        c
        for c in cells
        if not c.metadata.get("jupyter", {}).get("source_hidden")
        and not c.source.startswith("# Supporting code")
    ]
    # the one paragraph on running the notebook again, before the questions, names
    # the variables the code reads; no other cell a grader reads mentions them
    running = re.compile(r"\*Running it again\.\*.*?(?=\n\n|$)", re.S)
    text = "\n\n".join(c.source for c in cells)
    howto = running.findall(text)
    assert len(howto) == 1, howto
    assert text.index(howto[0]) < re.search(r"^# \d+ ", text, re.M).start()
    read = (ROOT / "code" / "downloads.py").read_text()
    named = set(re.findall(r"`(REPORT_\w+)=", howto[0]))
    assert named == {"REPORT_DATA_DIR", "REPORT_OFFLINE", "REPORT_FAST"}
    assert all(f'os.environ.get("{name}"' in read for name in named), named
    for cell in read_by_grader:
        for phrase in ("REPORT_", "Quarto", "quarto", "make draft", "appendix"):
            source = running.sub("", cell.source)
            assert phrase not in source, (phrase, cell.source[:200])
    for cell, after in zip(cells, cells[1:]):
        if cell.cell_type == "markdown" and cell.source.rstrip().endswith(":"):
            assert after.cell_type == "code", cell.source[-200:]
    rendered = MarkdownIt("commonmark").render(
        "\n\n".join(c.source for c in cells if c.cell_type == "markdown")
    )
    assert "&lt;unk&gt;" in rendered and "&lt;eos&gt;" in rendered
    numbered = [c.source for c in cells if re.match(r"#+ \d+(\.\d+)* Q\d", c.source)]
    assert not numbered, numbered  # headings numbered once


def top_level_names(source):
    """Names a piece of code binds in its global namespace: defs, classes, assignments and
    loop, `with` and `except` targets, also inside top-level loops, ifs, withs and trys
    (not inside functions or classes); imports are left out (the export replaces those
    of code/ modules)."""
    import ast

    names = set()

    def add(target):
        if target is not None:
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                continue
            for target in getattr(node, "targets", []):
                add(target)
            add(getattr(node, "target", None))  # x: int = ..., x += ..., for x in ...
            for item in getattr(node, "items", []):  # with ... as x
                add(item.optional_vars)
            for handler in getattr(node, "handlers", []):  # except E as x
                if handler.name:
                    names.add(handler.name)
                visit(handler.body)
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(node, field, []))

    visit(ast.parse(source).body)
    return names


def test_top_level_names_include_those_bound_in_loops():
    source = (
        "import os\nfrom statistics import median\nx = 1\n"
        "for i in range(3):\n    reached = i\n    if i:\n        y, z = 1, 2\n"
        "with open('f') as f:\n    pass\n"
        "try:\n    pass\nexcept ValueError as error:\n    w = 1\n"
        "def g():\n    inner = 1\nclass C:\n    attribute = 1\n"
    )
    assert top_level_names(source) == {
        "x",
        "i",
        "reached",
        "y",
        "z",
        "f",
        "error",
        "w",
        "g",
        "C",
    }


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
