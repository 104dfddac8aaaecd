"""Listings of the modules under code/ for the PDF (the notebook inlines them instead)."""

from pathlib import Path


def show_source(*names, directory="code"):
    """Print each code/<name>.py as a Markdown code listing (use in an `output: asis` chunk)."""
    for name in names:
        source = Path(directory, f"{name}.py").read_text(encoding="utf-8").rstrip()
        print(f"**Listing: `code/{name}.py`**\n\n```python\n{source}\n```\n")
