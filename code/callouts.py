"""Notes for the reader (draft status, missing weights or data) that render everywhere.

Under a renderer that knows Quarto callouts (the report's build, `quarto render`) a
note is a `::: {.callout-KIND}` div; in plain Jupyter (the notebook re-run by a grader)
it is a Markdown block quote with a bold title, so no raw Quarto markup is ever shown.
"""

import os

from IPython.display import Markdown

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
