"""tools/setup-system.sh, the system set-up of `make report`, `make test` and .ci/run, on
simulated machines: a PATH of stand-ins for id, sudo, apt-get, kpsewhich, fc-list and
quarto that record how they were called (nothing is installed)."""

import os
import shutil
import subprocess

import pytest
from conftest import ROOT

SCRIPT = ROOT / "tools" / "setup-system.sh"
LATEX = (
    "texlive-xetex texlive-latex-recommended texlive-latex-extra "
    "texlive-fonts-recommended lmodern fonts-dejavu-core"
)


def machine(tmp_path, uid=1000, sudo=False, quarto=False, tools=()):
    """A bin folder standing in for a machine without LaTeX: `id -u` prints uid, `sudo -n`
    works if sudo, apt-get logs its arguments, and `tools` (commands) are present."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "calls.log"
    stubs = {
        "id": f"echo {uid}",
        "apt-get": f'echo "apt-get $*" >> {log}',
        "true": "exit 0",
        "kpsewhich": "exit 0",  # finds nothing
        "fc-list": "exit 0",
        "sudo": ('[ "$1" = -n ] && shift && exec "$@"' if sudo else "exit 1"),
    }
    for name in [*tools, *(["quarto"] if quarto else [])]:
        stubs[name] = "exit 0"
    for name, body in stubs.items():
        (bin_ / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_ / name).chmod(0o755)
    os.symlink(shutil.which("grep"), bin_ / "grep")
    return bin_, log


def run(bin_, *args):
    return subprocess.run(
        ["/bin/sh", str(SCRIPT), *args],
        env={"PATH": str(bin_)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_root_or_sudo_it_stops_with_the_exact_command(tmp_path):
    bin_, log = machine(tmp_path)
    result = run(bin_, "--tests")
    assert result.returncode == 1
    assert (
        f"sudo apt-get update && sudo apt-get install -y {LATEX} poppler-utils"
        in result.stderr
    )
    assert not log.exists()  # nothing was tried


def test_as_root_it_installs_what_is_missing(tmp_path):
    bin_, log = machine(tmp_path, uid=0, quarto=True)
    result = run(bin_)
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        "apt-get update -q",
        # quarto: the callouts' icons, and rsvg-convert for SVG image files
        f"apt-get install -y -q {LATEX} texlive-fonts-extra librsvg2-bin",
    ]


def test_with_sudo_it_installs_and_skips_what_is_there(tmp_path):
    bin_, log = machine(tmp_path, sudo=True, tools=("xelatex", "pdftotext", "pdftoppm"))
    result = run(bin_, "--tests")
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines()[-1] == "apt-get install -y -q " + LATEX.replace(
        "texlive-xetex ", ""
    )


@pytest.mark.skipif(
    shutil.which("xelatex") is None or shutil.which("pdftotext") is None,
    reason="this machine lacks LaTeX or poppler-utils",
)
def test_on_a_set_up_machine_it_does_nothing():
    result = subprocess.run(
        ["/bin/sh", str(SCRIPT), "--tests"], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
