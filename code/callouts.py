"""Notes for the reader (draft status, missing weights or data) that render everywhere.

Under a renderer that knows Quarto callouts (the report's build, `quarto render`) a
note is a `::: {.callout-KIND}` div; in plain Jupyter (the notebook re-run by a grader)
it is a Markdown block quote with a bold title, so no raw Quarto markup is ever shown.
"""

import os
import sys

from IPython.display import Markdown
from tqdm import tqdm

KINDS = ("note", "tip", "important", "warning", "caution")


def quarto_rendering() -> bool:
    """True when the output goes through Quarto's or the builder's Markdown reader.

    The builder sets `REPORT_BUILD=1` in its kernel; Quarto sets `QUARTO_*` variables
    (for example `QUARTO_FIG_WIDTH`) in the kernels it starts.
    """
    if os.environ.get("REPORT_BUILD") == "1":
        return True
    return any(name.startswith("QUARTO_") for name in os.environ)


def callout(kind: str, title: str, body: str) -> Markdown:
    """A note of `kind` (one of KINDS) with a `title` and a Markdown `body`.

    Raises ValueError for an unknown kind.  Display it with `display(callout(...))`.
    """
    if kind not in KINDS:
        raise ValueError(f"callout kind {kind!r} is not one of {', '.join(KINDS)}")
    if quarto_rendering():
        return Markdown(f"::: {{.callout-{kind}}}\n## {title}\n\n{body}\n:::")
    quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
    return Markdown(f"> **{title}**\n>\n{quoted}")


_terminal = []  # the stream `terminal` opened, kept open for the kernel's lifetime


def terminal():
    """The stream of the terminal the report is built from, for progress and notes that
    must not go into the report. Under the builder (`REPORT_BUILD=1`, fd output not
    captured) the process's own stderr; in a Jupyter kernel that captures fd 2
    (Quarto's, plain Jupyter's), the copy of the original fd 2 it keeps (Quarto prints
    it on its terminal; in plain Jupyter it is the server's log); else sys.stderr."""
    if os.environ.get("REPORT_BUILD") == "1":
        return sys.__stderr__
    original = getattr(sys.stderr, "_original_stdstream_copy", None)  # ipykernel
    if original is None:
        return sys.stderr
    if not _terminal:
        _terminal.append(open(original, "w", closefd=False, encoding="utf-8"))
    return _terminal[0]


def progress_bar(iterable=None, **kwargs):
    """tqdm on `terminal()`, refreshed at most once a second: shown where that is a
    terminal, and under Quarto (which passes the kernel's stderr on to its own); off
    elsewhere (plain Jupyter, nbclient, a log file)."""
    stream = terminal()
    shown = stream.isatty() or (
        quarto_rendering() and stream is not sys.stderr and stream is not sys.__stderr__
    )
    return tqdm(iterable, file=stream, mininterval=1.0, disable=not shown, **kwargs)
