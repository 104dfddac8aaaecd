"""Listings of the modules under code/ for the PDF (the notebook inlines them).

Each top-level function or class is printed once in the whole document: a definition
that `show_definitions` has listed next to its answer is left out of the module's full
listing by `show_source`, whose heading names it instead.
"""

import ast
from pathlib import Path

SHOWN = set()  # (module, definition) pairs listed so far in this document


def _definitions(source):
    """{name: (first line, last line)} of the top-level functions and classes of
    `source` (1-based, inclusive, decorators included)."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


def show_source(*names, directory="code", supporting=()):
    """Print each code/<name>.py as a Markdown code listing (for a chunk with
    `output: asis`), without the definitions already listed by `show_definitions` and
    without the `supporting` ones ("module.definition": caching and the like, which the
    notebook has); the listing's heading names those left out."""
    for name in names:
        source = Path(directory, f"{name}.py").read_text(encoding="utf-8").rstrip()
        lines = source.splitlines()
        spans = _definitions(source)
        shown = [d for d in spans if (name, d) in SHOWN]
        kept = [d for d in spans if f"{name}.{d}" in supporting]
        for first, last in sorted((spans[d] for d in shown + kept), reverse=True):
            while last < len(lines) and not lines[last].strip():
                last += 1  # the blank lines after it go too
            del lines[first - 1 : last]
        notes = [
            f"{', '.join(f'`{d}`' for d in left)}, {why}"
            for left, why in (
                (shown, "listed with the answers"),
                (kept, "in the notebook only"),
            )
            if left
        ]
        heading = f"**Listing: `code/{name}.py`**" + (
            f" (without {'; '.join(notes)})" if notes else ""
        )
        text = "\n".join(lines).rstrip()
        print(f"{heading}\n\n```python\n{text}\n```\n")


def show_definitions(name, *definitions, directory="code"):
    """Print only the named top-level functions or classes of code/<name>.py, in the
    order given, as one Markdown code listing, and remember them (SHOWN) so that the
    full listing of the module leaves them out.  Raises KeyError for a name that the
    module does not define."""
    source = Path(directory, f"{name}.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    spans = _definitions(source)
    missing = [d for d in definitions if d not in spans]
    if missing:
        raise KeyError(f"code/{name}.py defines no {', '.join(missing)}")
    parts = ["\n".join(lines[spans[d][0] - 1 : spans[d][1]]) for d in definitions]
    SHOWN.update((name, d) for d in definitions)
    shown = ", ".join(f"`{d}`" for d in definitions)
    print(f"**From `code/{name}.py`:** {shown}\n")
    print("```python\n" + "\n\n\n".join(parts) + "\n```\n")
