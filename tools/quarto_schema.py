"""Which of Quarto's document options a PDF build uses, from Quarto's own schema files
(`src/resources/schema/document-*.yml` and `cell-*.yml`, each option's `tags: formats:`
with the aliases of `format-aliases.yml`), written into builder/vocabulary.json:

- `document_keys`: options that apply to a PDF (no format tag, or one naming `pdf` or
  `latex`); one the built-in path does not support stops the build;
- `document_keys_other_formats`: options only for other formats (HTML, revealjs, typst,
  ...), which Quarto ignores in a PDF: the built-in path warns and goes on;
- `crossref_keys`: the keys of `crossref:` (a closed mapping: Quarto stops on others).

Keys the builder reads itself stay in `document_keys` whatever their tags, as do those
in `PDF_DESPITE_TAGS`; a cell option whose contexts name a document one (`cap-location`)
is a document option too; hidden options are left out.

    .venv/bin/python tools/quarto_schema.py QUARTO_CLI          # print the two lists
    .venv/bin/python tools/quarto_schema.py QUARTO_CLI --write  # write them

QUARTO_CLI: a checkout of quarto-dev/quarto-cli, or its bare git directory (HEAD read).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

VOCABULARY = Path(__file__).resolve().parent.parent / "builder" / "vocabulary.json"
SCHEMA = "src/resources/schema"
PDF = {"pdf", "latex"}
# tagged for other formats only, yet Quarto 1.10.18's PDF applies them (seen: citations
# in the margin)
PDF_DESPITE_TAGS = {"citation-location"}


def schema_files(repo: Path) -> dict[str, str]:
    """name -> text of every schema file, from a checkout or a bare git directory."""
    if (repo / SCHEMA).is_dir():
        return {p.name: p.read_text() for p in (repo / SCHEMA).glob("*.yml")}
    git = ["git", "--git-dir", str(repo)]
    names = subprocess.run(
        [*git, "ls-tree", "--name-only", "HEAD", f"{SCHEMA}/"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return {
        Path(n).name: subprocess.run(
            [*git, "show", f"HEAD:{n}"], capture_output=True, text=True, check=True
        ).stdout
        for n in names
        if n.endswith(".yml")
    }


def split(files: dict[str, str], vocabulary: dict) -> tuple[list, list]:
    aliases = yaml.safe_load(files["format-aliases.yml"])["aliases"]

    def expand(formats) -> set[str]:
        out = set()
        for f in formats:
            neg, name = f.startswith("!"), f.lstrip("!")
            names = expand(aliases[name[1:]]) if name.startswith("$") else {name}
            out |= {"!" + n if neg else n for n in names}
        return out

    tags: dict[str, list] = {}  # option -> the format sets of its declarations
    documented = set()
    for name, text in files.items():
        if not re.match(r"(document|cell)-.*\.yml$", name):
            continue
        for item in yaml.safe_load(text) or []:
            if isinstance(item, dict) and "name" in item and not item.get("hidden"):
                formats = (item.get("tags") or {}).get("formats")
                tags.setdefault(item["name"], []).append(formats and expand(formats))
                contexts = (item.get("tags") or {}).get("contexts") or []
                if name.startswith("document-") or any(
                    c.startswith("document-") for c in contexts
                ):
                    documented.add(item["name"])

    def for_pdf(key: str) -> bool:
        if key in PDF_DESPITE_TAGS:
            return True
        for formats in tags.get(key, [None]):
            wanted = {f for f in formats or () if f[0] != "!"}
            unwanted = {f[1:] for f in formats or () if f[0] == "!"}
            if not formats or PDF & wanted or (not wanted and not PDF & unwanted):
                return True
        return False

    read = {*vocabulary["metadata_supported"], *vocabulary["pdf_options"]}
    read |= set(vocabulary["execute_options"])
    keys = set(vocabulary["document_keys"]) | documented
    keys |= set(vocabulary.get("document_keys_other_formats", []))
    pdf = sorted(k for k in keys if k in read or for_pdf(k))
    other = sorted(k for k in keys - set(pdf) if k in tags)
    return [
        k for k in pdf if k in vocabulary["document_keys"] or k in documented
    ], other


def crossref_keys(files: dict[str, str]) -> list[str]:
    """The keys of `crossref:`'s mapping (document-crossref.yml)."""

    def mappings(node):
        if isinstance(node, dict):
            if "title-delim" in node.get("properties", {}):
                yield sorted(node["properties"])
            for value in node.values():
                yield from mappings(value)
        elif isinstance(node, list):
            for value in node:
                yield from mappings(value)

    return next(mappings(yaml.safe_load(files["document-crossref.yml"])))


def main():
    files = schema_files(Path(sys.argv[1]))
    text = VOCABULARY.read_text(encoding="utf-8")
    pdf, other = split(files, json.loads(text))
    lists = {
        "document_keys": pdf,
        "document_keys_other_formats": other,
        "crossref_keys": crossref_keys(files),
    }
    if "--write" not in sys.argv:
        for name, keys in lists.items():
            print(f"{name} ({len(keys)}):", *keys)
        return
    for name, keys in lists.items():
        line = f' "{name}": {json.dumps(keys)}'
        pattern = rf'^ "{name}": \[.*\](,?)$'
        text, n = re.subn(pattern, lambda m: line + m.group(1), text, flags=re.M)
        if not n:  # a new list: before the closing brace
            text = text.rstrip().removesuffix("}").rstrip() + f",\n{line}\n}}\n"
    VOCABULARY.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
