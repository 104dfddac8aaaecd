"""Quarto's vocabulary is declared once (builder/vocabulary.json): no display name of a
numbered kind or block, and no callout kind, is written anywhere else in builder/; the
value types follow Quarto's schema; the LaTeX preamble and the Lua filters read it."""

import json
import re
import subprocess

import pytest
from conftest import ROOT

from builder import vocabulary

VOCABULARY = json.loads((ROOT / "builder" / "vocabulary.json").read_text())
SOURCES = [
    p
    for p in (ROOT / "builder").rglob("*")
    if p.is_file()
    and p.suffix in (".py", ".lua", ".tex")
    and "__pycache__" not in p.parts
]
DISPLAY_NAMES = sorted(
    {kind["name"] for kind in VOCABULARY["crossref"].values()}
    | set(VOCABULARY["unnumbered_blocks"].values())
    | {c["title"] for c in VOCABULARY["callouts"].values()}
)


# pandoc's own names, not display names: Lua element types and the `Table:` caption syntax
PANDOC_NAMES = re.compile(
    r'(\bt|\["t"\]|get\("t"\)) (==|!=) "(Figure|Table|Note)"|\{"t": "(Note|Figure|Table)"|\{Note = |\b(Figure|Table) = (Figure|Table|function)\b'
    r'|^.*("BulletList"|\bCodeBlock\b).*$'
    r"|function (Figure|Table)\(|\(pandoc Figure\)|\(\?:Table\)\?:|\"Table: \""
    r'|\b(Figure|Table)="\w+"'  # element type -> its method (export.RENDER)
    r'|elements\([^()]*, "(Figure|Table)"\)'  # parse.elements(value, type)
)


def test_sources_are_found():
    names = {p.name for p in SOURCES}
    assert {"vocabulary.py", "validate.py", "latex.lua", "preamble.tex"} <= names


@pytest.mark.parametrize("name", DISPLAY_NAMES)
def test_display_name_is_written_only_in_the_vocabulary(name):
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in SOURCES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(rf"\b{name}\b", PANDOC_NAMES.sub("", line))
    ]
    assert not found, f"'{name}' is written outside builder/vocabulary.json: {found}"


def test_callout_kinds_are_written_only_in_the_vocabulary():
    kinds = list(VOCABULARY["callouts"])
    for p in SOURCES:
        for n, line in enumerate(p.read_text().splitlines(), 1):
            named = [k for k in kinds if re.search(rf"\b{k}\b", line)]
            assert len(named) < 2 and not re.search(
                r"callout-(%s)\b" % "|".join(kinds[1:]), line
            ), f"{p.relative_to(ROOT)}:{n} lists callout kinds: {line.strip()}"


@pytest.mark.parametrize(
    "table, key, good, bad",
    [
        ("chunk_options", "echo", [True, False, "fenced"], ["yes", 1, None]),
        ("chunk_options", "label", ["fig-a", "a.b:c"], ["a b", "", 3]),
        ("chunk_options", "layout-ncol", [1, 3], [0, True, "2", 2.0]),
        ("chunk_options", "fig-pos", ["H", "htbp", False], [True, "x"]),
        ("chunk_options", "fig-subcap", [["a", "b"], True, "a"], [False, [1], [None]]),
        ("pdf_options", "toc-depth", [1, 6], [0, 7, True]),
        ("pdf_options", "fig-pos", ["H"], ["q"]),  # the chunk option's type
        (
            "pdf_options",
            "include-in-header",
            [{"text": "x"}, [{"text": "x"}, {"file": "x.tex"}, "y.tex"], "x.tex"],
            [[{"text": ""}], 3, {"file": ""}, {"text": "x", "file": "y"}],
        ),
    ],
)
def test_value_types(table, key, good, bad):
    schema, _ = vocabulary.entry(table, key)
    assert all(vocabulary.fits(v, schema) for v in good)
    assert not any(vocabulary.fits(v, schema) for v in bad)


def test_chunk_options_are_quartos_schema():
    """Every chunk option the vocabulary names is in Quarto's cell schema (1.10.18),
    checked where Quarto's source is at hand."""
    git = ["git", "--git-dir=/work/.mirror/quarto-dev+quarto-cli/repo", "show"]
    names = set()
    for part in (
        "attributes",
        "cache",
        "card",
        "codeoutput",
        "figure",
        "include",
        "layout",
        "pagelayout",
        "table",
        "textoutput",
    ):
        run = subprocess.run(
            [*git, f"v1.10.18:src/resources/schema/cell-{part}.yml"],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            pytest.skip("Quarto's source is not here")
        names |= set(re.findall(r"^- name: (\S+)", run.stdout, re.M))
    declared = set()
    for table in (
        "chunk_options",
        "chunk_options_ignored_in_pdf",
        "chunk_options_knitr_only",
        "chunk_options_quarto",
    ):
        declared |= set(VOCABULARY[table])
    assert names <= declared
    assert declared - names <= {"code-tools", "fig-responsive", "filename"}


def test_options_kept_in_the_cells_source_are_quartos():
    """`chunk_options_in_cell_source` is Quarto's kJupyterCellOptionKeys (jupyter.ts,
    1.10.18), the constants' names read from its constants.ts, where its source is here."""
    git = ["git", "--git-dir=/work/.mirror/quarto-dev+quarto-cli/repo", "show"]
    texts = []
    for path in ("src/core/jupyter/jupyter.ts", "src/config/constants.ts"):
        run = subprocess.run([*git, f"v1.10.18:{path}"], capture_output=True, text=True)
        if run.returncode != 0:
            pytest.skip("Quarto's source is not here")
        texts.append(run.stdout)
    jupyter, constants = texts
    value = dict(re.findall(r'export const (k\w+) = "([^"]+)";', constants))
    lists = re.findall(
        r"kJupyterCell(?:Internal)?OptionKeys = [^\[]*\[([^\]]*)\]", jupyter
    )
    keys = {value[k] for block in lists for k in re.findall(r"k\w+", block)}
    assert len(keys) > 30
    assert keys == set(VOCABULARY["chunk_options_in_cell_source"])


def test_preamble_declares_every_theorem_kind_and_callout():
    tex = vocabulary.preamble()
    for kind in vocabulary.THEOREMS.values():
        assert f"\\newtheorem{{{kind['env']}}}{{{kind['name']}}}[section]" in tex
    for kind in vocabulary.CALLOUTS:
        assert f"\\definecolor{{callout-{kind}-frame}}" in tex
