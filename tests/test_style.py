"""Layout of the Python sources: `ruff format` (88 columns, pyproject.toml) everywhere, and
no line of `code/` longer than 88 columns, since those modules are listed in the PDF where a
longer line would wrap."""

import re
import shutil
import subprocess
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the toml package mutmut itself needs there
    import toml as tomllib

import pytest
from conftest import ROOT

FOLDERS = ["code", "builder", "tests", "bench"]


def ruff():
    exe = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    if exe is None:
        try:
            import ruff as _  # noqa: F401
        except ImportError:
            pytest.fail("ruff is not installed: pip install -r requirements.txt")
        return [sys.executable, "-m", "ruff"]
    return [exe]


def run(*args):
    return subprocess.run(
        [*ruff(), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_sources_are_formatted():
    result = run("format", "--check", *FOLDERS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_with_no_line_of_code_over_88_columns():
    """E501 applies to code/ only (pyproject.toml's per-file-ignores)."""
    result = run("check", "--output-format", "concise", *FOLDERS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_listed_equivalent_mutant_names_a_line_its_module_still_has():
    """tools/mutation_equivalent.toml explains surviving mutants by the line they change;
    an entry whose line is gone explains nothing and would hide a new survivor's reason
    (mutmut writes a function's own def line as `def x_<name>`)."""
    listed = tomllib.loads((ROOT / "tools" / "mutation_equivalent.toml").read_text())
    stale = []
    for e in listed["equivalent"]:
        folder = "builder" if e["module"] == "number" else "code"
        source = (ROOT / folder / f"{e['module']}.py").read_text()
        before = re.sub(r"^def x_", "def ", e["before"].strip())
        if before not in source:
            stale.append(f"{e['module']}.{e['function']}: {before}")
    assert not stale, stale
