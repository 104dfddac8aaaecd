"""Listings of the modules under code/ for the PDF (the notebook inlines them)."""

import ast
from pathlib import Path


def show_source(*names, directory="code"):
    """Print each code/<name>.py in full as a Markdown code listing (for a chunk with
    `output: asis`)."""
    for name in names:
        source = Path(directory, f"{name}.py").read_text(encoding="utf-8").rstrip()
        print(f"**Listing: `code/{name}.py`**\n\n```python\n{source}\n```\n")


def show_definitions(name, *definitions, directory="code"):
    """Print only the named top-level functions or classes of code/<name>.py, in the
    order given, as one Markdown code listing.  Raises KeyError for a name that the
    module does not define."""
    source = Path(directory, f"{name}.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    found = {
        node.name: node
        for node in ast.parse(source).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }
    missing = [d for d in definitions if d not in found]
    if missing:
        raise KeyError(f"code/{name}.py defines no {', '.join(missing)}")
    parts = []
    for definition in definitions:
        node = found[definition]
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        parts.append("\n".join(lines[first - 1 : node.end_lineno]))
    shown = ", ".join(f"`{d}`" for d in definitions)
    print(f"**From `code/{name}.py`:** {shown}\n")
    print("```python\n" + "\n\n\n".join(parts) + "\n```\n")
