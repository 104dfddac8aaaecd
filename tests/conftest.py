import os
import shutil
import subprocess
import sys
import textwrap
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build tool: import builder
sys.path.insert(
    0, str(ROOT / "code")
)  # the report's modules, as the report imports them

# Tests never download: they use the offline copies of the real data beside the project
# (tests and CI only; the product finds its data by configuration, see README).
os.environ.setdefault("REPORT_DATA_DIR", str(ROOT.parent / "shared" / "data"))
os.environ["REPORT_OFFLINE"] = "1"
# The download tests use a server on 127.0.0.1 only: never through a proxy.
os.environ["NO_PROXY"] = ",".join(
    filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"])
)

DATA = Path(os.environ["REPORT_DATA_DIR"])
HAS_DATA = all(
    (DATA / name).is_file()
    for name in ("imagen_manifest.tsv", "ptb/ptb.valid.txt", "ptb/ptb.test.txt")
)
needs_data = pytest.mark.skipif(
    not HAS_DATA, reason=f"the offline data is not in {DATA} (set REPORT_DATA_DIR)"
)
if os.environ.get("CI") and not HAS_DATA:
    raise RuntimeError(f"CI must have the offline data in {DATA}")

needs_latex = pytest.mark.skipif(
    shutil.which("xelatex") is None or shutil.which("pdftotext") is None,
    reason="xelatex and pdftotext are required (apt-get install "
    "texlive-xetex poppler-utils; .ci/run installs them)",
)
if os.environ.get("CI") and (
    shutil.which("xelatex") is None or shutil.which("pdftotext") is None
):
    raise RuntimeError("CI must have xelatex and pdftotext: .ci/run installs them")


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A small report project: {relative path: text}; returns the path of report.qmd."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root / "report.qmd"


def pdf_text(pdf: Path, layout: bool = False) -> str:
    """The PDF's text; with layout=True table rows stay on one line."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@contextmanager
def http_server(folder: Path):
    """Serve `folder` over HTTP on 127.0.0.1 (a free port, nothing else) in a thread,
    stopped on exit.  Yields (base URL, list of (path, status) of every request)."""
    requests = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def send_response(self, code, message=None):
            requests.append((self.path, code))
            super().send_response(code, message)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def copy_project(root: Path) -> Path:
    """A fresh copy of the report project (sources only, no caches) in `root`."""
    for name in ("report.qmd", "_quarto.yml"):
        shutil.copy(ROOT / name, root / name)
    for folder in ("code", "proofs"):
        shutil.copytree(
            ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return root / "report.qmd"
