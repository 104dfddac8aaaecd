"""Stage 1, read: `report.qmd` and `_quarto.yml` to a `Document` (document.py), its
options merged as Quarto merges them (options.py) and checked against Quarto's vocabulary
with a located error for anything else (validate.py).  Nothing here runs code."""

from .document import (
    PAGEBREAK,
    Chunk,
    Document,
    Markdown,
    read,
    resolve_inline,
    source_name,
)
from .validate import BuildError

__all__ = [
    "PAGEBREAK",
    "BuildError",
    "Chunk",
    "Document",
    "Markdown",
    "read",
    "resolve_inline",
    "source_name",
]
