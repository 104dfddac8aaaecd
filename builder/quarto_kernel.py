"""The Jupyter kernel of `quarto render` here: IPython's, plus a replay cache.

Quarto's own execution cache (`execute: cache: true`, jupyter-cache) refuses documents
with inline expressions (Quarto 1.10: "Inline expressions cannot be used with Jupyter
Cache"), and its freezer is skipped when a single file is rendered (the editor's Render
button).  So the cache lives in the kernel, where every request of a render arrives in
order: Quarto's set-up cell, each chunk, each paragraph's inline expressions
(`user_expressions`) and its clean-up cell.

Each request gets a key: sha256 of the previous request's key and this request (code,
flags, expressions); the first key starts from a digest of every `code/*.py` module, the
`REPORT_*` settings and the Python version.  A request whose key is stored under
`.cache/quarto-kernel/` is not executed: its outputs and reply are sent again as they
were recorded.  At the first request that is not stored, the kernel runs the requests
it replayed (muted, to rebuild the kernel's state), then this one and the rest for real,
recording each (records unused for 30 days are removed).  So a second render with
nothing changed, or after a prose-only edit, executes nothing, and an edit to a chunk, a
module or a setting executes from the first request it changes.  A request that fails
is not stored, nor is anything after it.

Build messages and progress bars go to the kernel's own stderr, which this kernel does
not capture into the cell outputs (`capture_fd_output=False`, as the builder's kernel):
Quarto passes it on to the terminal, never into the PDF.

Launched by the kernelspec `builder/jupyter/kernels/python3`, which the project's
`_environment` puts first on `JUPYTER_PATH` for Quarto only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from ipykernel.ipkernel import IPythonKernel
from ipykernel.kernelapp import IPKernelApp

VERSION = "1"  # bump when what a record holds changes
CACHE_DIR = Path(".cache") / "quarto-kernel"
KEEP_DAYS = 30  # records neither written nor replayed for this long are removed
OUTPUT_TYPES = set(
    "stream display_data update_display_data execute_result error clear_output".split()
)
# Run after Quarto's set-up cell (which sets the figure size, resolution and the one
# format `fig_format` from the document's options, as the builder's own set-up cell
# does): PNG beside it, for the notebook (report.ipynb).
PREAMBLE = """\
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats(*dict.fromkeys([globals().get("fig_format", "pdf"), "png"]))
"""


def settings_digest(root: Path, **settings) -> str:
    """sha256 of what the chunks' code does not show: every `code/*.py` module under
    `root`, the `REPORT_*` environment variables, the Python version and `settings`
    (this kernel's version and preamble; the builder's own, execute.py)."""
    env = {k: v for k, v in sorted(os.environ.items()) if k.startswith("REPORT_")}
    text = json.dumps({**env, "python": sys.version, **settings}, sort_keys=True)
    h = hashlib.sha256(text.encode())
    for module in sorted((root / "code").glob("*.py")):
        h.update(b"\0module\0" + module.name.encode() + b"\0" + module.read_bytes())
    return h.hexdigest()


def request_key(previous: str, request: dict) -> str:
    """The key of a request: sha256 of the previous key and the request's fields."""
    text = json.dumps([previous, request], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def say(message: str) -> None:
    """A line for the terminal of the render (the kernel's uncaptured stderr)."""
    print(f"[report kernel] {message}", file=sys.__stderr__, flush=True)


class ReplayKernel(IPythonKernel):
    """IPython's kernel with the replay cache described in the module docstring."""

    implementation = "report-replay"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cache_dir = Path.cwd() / CACHE_DIR
        self._send = self.session.send
        self.session.send = self._send_and_record
        self._recording: list | None = None  # outputs of the request being run
        self._muted = False
        self._parent_id = None
        self.comm_manager.register_target("quarto_kernel_setup", self._new_render)
        self._start()
        self._prune()

    def _prune(self):
        """Remove the records not used for KEEP_DAYS (each replay renews its date)."""
        oldest = time.time() - KEEP_DAYS * 86400
        for record in self.cache_dir.glob("*/*.json"):
            if record.stat().st_mtime < oldest:
                record.unlink(missing_ok=True)

    def _start(self):
        self.key = settings_digest(Path.cwd(), version=VERSION, preamble=PREAMBLE)
        self.replaying = True  # until the first request that is not stored
        self.storing = True  # until a request fails
        self.pending: list[dict] = []  # replayed requests not yet run in this kernel
        self.counts = {"replayed": 0, "executed": 0}
        self.first = True  # the next request is Quarto's set-up cell

    def _new_render(self, comm, msg):
        """Quarto opens this comm before each render's set-up cell: a new chain."""
        if self.counts["replayed"] or self.counts["executed"]:
            self._summary()
        self._start()

    def _summary(self):
        say(
            f"{self.counts['executed']} requests executed, {self.counts['replayed']} "
            f"replayed from {CACHE_DIR}"
        )

    def _send_and_record(
        self, stream, msg_or_type, content=None, parent=None, *a, **kw
    ):
        """Session.send, which also records (or drops, when muted) the outputs sent
        for the request being run."""
        if isinstance(msg_or_type, dict):
            msg_type, body = msg_or_type["msg_type"], msg_or_type["content"]
            parent_id = msg_or_type.get("parent_header", {}).get("msg_id")
        else:
            msg_type, body = msg_or_type, content
            parent_id = (parent or {}).get("header", parent or {}).get("msg_id")
        if msg_type in OUTPUT_TYPES and parent_id == self._parent_id:
            if self._muted:
                return None
            if self._recording is not None:
                self._recording.append([msg_type, body])
        return self._send(stream, msg_or_type, content, parent, *a, **kw)

    async def _run(self, request: dict, first: bool, **kwargs):
        reply = await super().do_execute(**request, **kwargs)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # streamed output is sent now, while it is recorded
        if first:
            self.shell.run_cell(PREAMBLE, store_history=False, silent=True)
        return reply

    async def _catch_up(self):
        """Run the requests that were replayed, muted: the kernel's state as if they
        had been executed."""
        self._muted = True
        try:
            for i, request in enumerate(self.pending):
                if request["code"].strip():
                    await self._run(dict(request, user_expressions={}), first=i == 0)
        finally:
            self._muted = False
        self.pending = []

    async def do_execute(
        self,
        code,
        silent,
        store_history=True,
        user_expressions=None,
        allow_stdin=False,
        **kwargs,
    ):
        request = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": user_expressions or {},
        }
        key = request_key(self.key, request)
        path = self.cache_dir / key[:2] / f"{key}.json"
        first, self.first = self.first, False
        self._parent_id = self.get_parent("shell")["header"]["msg_id"]
        if self.replaying and path.exists():
            record = json.loads(path.read_text())
            os.utime(path)  # in use: kept by _prune
            for msg_type, content in record["outputs"]:
                self.session.send(
                    self.iopub_socket,
                    msg_type,
                    content,
                    parent=self.get_parent("shell"),
                    ident=self._topic(msg_type),
                )
            if store_history and not silent and code.strip():
                self.shell.execution_count += 1
            self.pending.append(request)
            self.counts["replayed"] += 1
            self.key = key
            return record["reply"]
        if self.replaying:
            self.replaying = False
            n = len(self.pending)
            say(
                f"request {n + 1} is not stored: executing from here"
                + (f" (re-running the {n} before it silently)" if n else "")
            )
            await self._catch_up()
        self._recording = [] if self.storing else None
        try:
            reply = await self._run(
                request, first=first, allow_stdin=allow_stdin, **kwargs
            )
        finally:
            outputs, self._recording = self._recording, None
        self.counts["executed"] += 1
        if reply.get("status") != "ok":
            self.storing = False  # nothing from a failure on is stored
        if self.storing:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"outputs": outputs, "reply": reply}))
            os.replace(tmp, path)
        self.key = key
        return reply

    def do_shutdown(self, restart):
        self._summary()
        return super().do_shutdown(restart)


def main():
    IPKernelApp.launch_instance(kernel_class=ReplayKernel)


if __name__ == "__main__":
    main()
