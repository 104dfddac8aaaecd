"""Comparison of a built-in PDF with the golden files real Quarto gave (tests/golden/).

The golden files are written by `tools/quarto_golden.py`, which renders `report.qmd` and
the fixture documents with real Quarto.  When the report's structure changes (a section,
theorem, figure, table, equation or caption added, removed or renamed) or a fixture
document is edited, re-run it where Quarto is installed and commit the JSON files:

    .venv/bin/python tools/quarto_golden.py            # report (minutes) and fixtures
    .venv/bin/python tools/quarto_golden.py pipeline   # one case
"""

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from quarto_golden import (  # noqa: E402, F401 (re-exported for the tests)
    GOLDEN,
    THEOREM_KINDS,
    comparable,
    golden,
    quarto_env,
    render,
    same_caption,
    write_case,
)


def params(*names: str) -> list:
    """pytest params (name, aspect) for golden files `names`, one per aspect: each label
    kind, the set of kinds, the sections, the captions, the theorem names and every
    reference in order (with repeats and the word before it)."""
    found = []
    for name in names:
        if not (GOLDEN / f"{name}.json").exists():
            reason = (
                f"tests/golden/{name}.json is missing: run tools/quarto_golden.py "
                f"{name} where Quarto is installed and commit it"
            )
            skip = pytest.mark.skip(reason=reason)
            found.append(
                pytest.param(name, "missing", marks=skip, id=f"{name}-missing")
            )
            continue
        aspects = [f"labels:{kind}" for kind in golden(name)["labels"]]
        for aspect in [*aspects, "kinds", "sections", "captions", "theorems"]:
            found.append(pytest.param(name, aspect, id=f"{name}-{aspect}"))
        if "references" in golden(name):
            found.append(pytest.param(name, "references", id=f"{name}-references"))
        else:  # written before the golden files recorded the order of references
            reason = (
                f"tests/golden/{name}.json has no 'references' (labels in order, with "
                f"repeats and wording): re-run tools/quarto_golden.py {name}"
            )
            found.append(
                pytest.param(
                    name,
                    "references",
                    marks=pytest.mark.skip(reason=reason),
                    id=f"{name}-references",
                )
            )
    return found


def check(got: dict, name: str, aspect: str):
    """Assert that `got` (`comparable` of a built-in PDF) agrees with golden file `name`
    on `aspect`."""
    assert aspect != "missing", (
        f"tests/golden/{name}.json is missing: run tools/quarto_golden.py {name}"
    )
    want = golden(name)
    hint = f"(if the document changed: tools/quarto_golden.py {name})"
    if aspect.startswith("labels:"):
        kind = aspect.split(":", 1)[1]
        assert got["labels"].get(kind, []) == want["labels"][kind], hint
    elif aspect == "references":  # in order, with repeats and the word before
        assert got["references"] == want["references"], hint
    elif aspect == "kinds":
        assert sorted(got["labels"]) == sorted(want["labels"]), hint
    elif aspect == "captions":
        assert len(got["captions"]) == len(want["captions"]), (got["captions"], hint)
        for ours, quartos in zip(got["captions"], want["captions"]):
            assert same_caption(ours, quartos), (ours, quartos, hint)
    else:
        assert got[aspect] == want[aspect], hint
