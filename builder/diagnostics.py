"""The one sink for the build's messages: every stage reports warnings here (never with
`print`), each naming the file and line it is about; `build()` reports progress through
its `log`."""

from __future__ import annotations

WARNINGS: list[str] = []  # every warning of this process, in order


def warn(where: str, message: str) -> None:
    """A located warning ("warning: report.qmd:7: ..."), shown on the terminal."""
    text = f"warning: {where}: {message}" if where else f"warning: {message}"
    WARNINGS.append(text)
    print(text)
