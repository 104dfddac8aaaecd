"""builder/ is laid out as its stages, and no stage imports a later one (README: "How the
build works"): read/ -> execute -> weave, parse -> number -> write/ -> __main__."""

import ast

from conftest import ROOT

BUILDER = ROOT / "builder"
# module (dotted, under builder) -> its stage; a package's modules share its stage
STAGE = {
    "vocabulary": 0,
    "diagnostics": 0,
    "read": 1,
    "execute": 2,
    "quarto_kernel": 2,
    "weave": 3,
    "parse": 3,
    "number": 4,
    "write": 5,
    "__main__": 6,
}


def stage(dotted: str) -> int:
    return STAGE[dotted.split(".")[0]]


def imported(path, dotted: str) -> set[str]:
    """The builder modules that `path` (module `dotted`) imports, as dotted names."""
    package = (
        dotted.split(".")[:-1] if path.name != "__init__.py" else dotted.split(".")
    )
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
            elif (node.module or "").startswith("builder"):
                base, node.module = [], node.module.removeprefix("builder").lstrip(".")
            else:
                continue
            stem = base + (node.module.split(".") if node.module else [])
            if stem:
                found.add(".".join(stem))
            else:  # from . import a, b
                found |= {a.name for a in node.names}
    return found


def modules():
    for path in sorted(BUILDER.rglob("*.py")):
        parts = path.relative_to(BUILDER).with_suffix("").parts
        yield path, ".".join(p for p in parts if p != "__init__") or "__init__"


def test_every_module_has_a_stage():
    for path, dotted in modules():
        if dotted != "__init__":
            assert dotted.split(".")[0] in STAGE, path


def test_no_stage_imports_a_later_one():
    later = []
    for path, dotted in modules():
        if dotted == "__init__":
            continue
        for name in imported(path, dotted):
            if stage(name) > stage(dotted):
                later.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not later, later


def test_the_import_reader_sees_imports():
    """The check above can fail: it finds the imports that make the order."""
    found = imported(BUILDER / "write" / "export.py", "write.export")
    assert {"execute", "number", "read", "weave", "write.modules"} <= found
    assert {"read"} <= imported(BUILDER / "number.py", "number")


def test_readme_states_the_line_counts_of_the_stages():
    """The README's table of stages gives each stage's lines of Python, Lua and LaTeX
    (rows in the order of the table) and the vocabulary data's, and its Size paragraph
    their sum."""
    lines = {}
    for path in BUILDER.rglob("*"):
        if path.suffix in (".py", ".lua", ".tex") and "__pycache__" not in path.parts:
            top = path.relative_to(BUILDER).parts[0].removesuffix(".py")
            n = len(path.read_text().splitlines())
            lines[STAGE[top]] = lines.get(STAGE[top], 0) + n
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| stage | where | lines |") :].split("\n\n")[0]
    stated = [
        int(row.split("|")[-2].replace(",", "")) for row in table.splitlines()[2:]
    ]
    assert stated == [lines[s] for s in (6, 0, 1, 2, 3, 4, 5)]
    assert f"Size: `builder/` is {sum(lines.values()):,} lines" in readme
    data = len((BUILDER / "vocabulary.json").read_text().splitlines())
    assert f"(`vocabulary.json`, {data} lines)" in table
