"""Layout of the Python sources: `ruff format` (88 columns, pyproject.toml) everywhere, and
no line of `code/` longer than 88 columns, since those modules are listed in the PDF where a
longer line would wrap."""

import shutil
import subprocess
import sys

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
