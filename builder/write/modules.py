"""The modules under `code/`: which a chunk imports, in which order, and their source ready
to stand inside the single-file notebook (imports of each other and `sys.path` set-up removed).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

from ..parse import shown_chunks
from ..read import BuildError, Chunk


def code_modules(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((root / "code").glob("*.py"))}


CELL_MAGIC = re.compile(r"^\s*%%")


def python_source(source: str) -> str:
    """A chunk's code as the IPython kernel runs it: `%magic`, `!shell` and `x?` lines
    become calls (IPython's own TransformerManager, line for line), so that `ast` can read
    it.  A cell that starts with a `%%cell magic` is one call holding its body as a
    string: its body is left out of the analysis (it may not be Python: `%%bash`)."""
    transformed = TransformerManager().transform_cell(source)
    if CELL_MAGIC.match(source) or transformed.count("\n") != source.count("\n") + (
        not source.endswith("\n")
    ):
        return "\n" * source.count("\n")  # no statements, the same line count
    return transformed


def _parse(source: str, where: str) -> ast.Module:
    """The statements of `source` (IPython syntax and top-level `await` allowed)."""
    try:
        flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        return compile(python_source(source), where, "exec", flags, dont_inherit=True)
    except SyntaxError as e:
        raise BuildError(f"{where}:{e.lineno}: syntax error: {e.msg}") from None


def _is_sys_path_edit(node: ast.stmt) -> bool:
    """`sys.path.insert(...)`, `sys.path.append(...)` and the like."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and ast.unparse(node.value.func.value) == "sys.path"
    )


def _is_main_guard(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and ast.unparse(node.test).replace("'", '"') == '__name__ == "__main__"'
    )


def local_imports(
    source: str, modules: dict, where: str
) -> tuple[list[str], list[ast.stmt]]:
    """Names of the code modules `source` imports, and the statements that import them."""
    if CELL_MAGIC.match(source):
        body = source.split("\n", 1)[1] if "\n" in source else ""
        try:
            inner, _ = local_imports(body, modules, where)
        except BuildError:
            inner = []  # the body is not Python (%%bash, %%writefile, ...)
        if inner:
            raise BuildError(
                f"{where}: an import of code/{inner[0]}.py inside a %%cell magic cannot "
                f"be inlined into the notebook; import it in a chunk of its own"
            )
    names, nodes = [], []
    for node in _parse(source, where).body:
        if isinstance(node, ast.ImportFrom) and not node.level:
            if node.module in modules:
                names.append(node.module)
                nodes.append(node)
        elif isinstance(node, ast.Import):
            if mod := next((a.name for a in node.names if a.name in modules), None):
                raise BuildError(
                    f"{where}:{node.lineno}: write 'from {mod} import ...' instead of "
                    f"'import {mod}' so that the notebook can inline code/{mod}.py"
                )
    return names, nodes


def _drop_lines(source: str, nodes: list[ast.stmt]) -> str:
    lines = source.splitlines()
    dropped = {n for node in nodes for n in range(node.lineno - 1, node.end_lineno)}
    kept = "\n".join(line for i, line in enumerate(lines) if i not in dropped)
    return re.sub(r"\n{4,}", "\n\n\n", kept).strip("\n")  # at most two blank lines


def dependency_order(
    name: str,
    modules: dict[str, Path],
    seen: list[str] | None = None,
    stack: tuple[str, ...] = (),
) -> list[str]:
    """`name` and every code module it needs, each after the modules it imports."""
    seen = [] if seen is None else seen
    if name in stack:
        raise BuildError(f"code/{name}.py: import cycle: {' -> '.join((*stack, name))}")
    if name in seen:
        return seen
    deps, _ = local_imports(modules[name].read_text(), modules, f"code/{name}.py")
    for dep in deps:
        dependency_order(dep, modules, seen, (*stack, name))
    seen.append(name)
    return seen


def standalone_source(name: str, modules: dict[str, Path]) -> str:
    """A module's source as it stands in the notebook."""
    source = modules[name].read_text()
    where = f"code/{name}.py"
    _, imports = local_imports(source, modules, where)
    guards = [n for n in _parse(source, where).body if _is_main_guard(n)]
    return _drop_lines(source, imports + guards)


def _shows_its_syntax_error(chunk: Chunk) -> bool:
    """An `error: true` chunk that is not Python: the kernel's SyntaxError is its output,
    as in Quarto, and it imports nothing."""
    if chunk.options.get("error") is not True:
        return False
    try:
        _parse(chunk.source, "")
    except BuildError:
        return True
    return False


def chunk_source(chunk: Chunk, modules: dict[str, Path]) -> tuple[list[str], str]:
    """The code modules a chunk imports, and its source without those imports or sys.path edits
    (`from m import a as b` becomes `b = a`, the module's source defining `a`)."""
    if _shows_its_syntax_error(chunk):
        return [], chunk.source
    names, imports = local_imports(chunk.source, modules, chunk.where())
    edits = [
        n for n in _parse(chunk.source, chunk.where()).body if _is_sys_path_edit(n)
    ]
    source = _drop_lines(chunk.source, imports + edits)
    aliases = [
        f"{a.asname} = {a.name}"
        for node in imports
        for a in node.names
        if a.asname and a.asname != a.name
    ]
    return names, "\n".join([*aliases, source]).strip("\n")


def listed_modules(chunk: Chunk, modules: dict) -> list[str]:
    """The code modules whose functions a report-only chunk lists: the first string
    argument of each `show_definitions("m", "name", ...)` call."""
    if _shows_its_syntax_error(chunk):
        return []
    return [
        node.args[0].value
        for node in ast.walk(_parse(chunk.source, chunk.where()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "show_definitions"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in modules
    ]


def preamble_chunks(tree: dict) -> set[int]:
    """Indices of the chunks the notebook shows before the document tree's first
    level-1 heading (the set-up that comes before the first question)."""
    blocks = tree["blocks"]
    first = next(
        (k for k, b in enumerate(blocks) if b["t"] == "Header" and b["c"][0] == 1),
        len(blocks),
    )
    return shown_chunks(blocks[:first], "ipynb")


@dataclass
class Placement:
    """A module's source as a notebook cell, always folded (`jupyter.source_hidden`): a
    long module never stands between an answer and its work.  `lead_in`: it comes where
    it is first imported, after a line of its own naming it; otherwise where the PDF
    lists its functions, after the prose that introduces them."""

    name: str
    lead_in: bool
    supporting: bool  # in the notebook's one "Supporting code" section


def inline_plan(
    chunks: list[Chunk], modules: dict[str, Path], preamble: set[int] = frozenset()
) -> dict[int, list[Placement]]:
    """For each chunk index, the modules whose source must come just before it (each
    once, after the modules it imports).

    The modules that the chunks of `preamble` (the chunk indices before the first
    question) import are supporting code: all of them, with the modules they import, go
    into one folded section at the first of those chunks that needs a module.  Every
    other module comes where it is first imported, after a line naming it (`lead_in`), or
    where a report-only chunk lists its functions (`show_definitions`) if that is
    earlier, after the prose that introduces them; a module it imports comes first,
    with its own line."""
    runnable = [c for c in chunks if "report-only" not in c.options.get("tags", [])]
    supporting = [
        n for c in runnable if c.index in preamble for n in chunk_source(c, modules)[0]
    ]
    done: list[str] = []
    plan: dict[int, list[Placement]] = {}

    def place(names, lead_in, supporting):
        new = []
        for name in names:
            for dep in dependency_order(name, modules):
                if dep not in done:  # a module a listed one imports gets its own line
                    done.append(dep)
                    new.append(Placement(dep, lead_in or dep != name, supporting))
        return new

    for chunk in chunks:
        if "report-only" in chunk.options.get("tags", []):
            listed = listed_modules(chunk, modules)
            plan[chunk.index] = place(listed, lead_in=False, supporting=False)
            continue
        names, _ = chunk_source(chunk, modules)
        first = supporting if names and chunk.index in preamble else []
        plan[chunk.index] = place(first, lead_in=True, supporting=True)
        plan[chunk.index] += place(names, lead_in=True, supporting=False)
    return plan


SUPPORTING_INTRO = (
    "# Supporting code\n\n"
    "The modules below find, download and check the photos, the Penn Treebank text and "
    "AlexNet's weights, cache expensive results on disk and format notes. Their cells "
    "are folded: click a cell's margin (or the three dots) to show its code. The code "
    "of each question stands in its part, further down."
)


def module_summary(name: str, modules: dict[str, Path]) -> str:
    """The first sentence of a module's docstring, on one line, as Markdown, with its
    full stop ("" without a docstring): a `<word>` escaped, so that Jupyter does not
    take it for an HTML tag and hide it."""
    doc = ast.get_docstring(ast.parse(modules[name].read_text())) or ""
    first = " ".join(doc.split("\n\n")[0].split()).split(". ")[0].rstrip(".")
    return first.replace("<", "\\<") + "." if first else ""


def module_cells(placements: list[Placement], modules: dict[str, Path], md, code):
    """The notebook cells of planned modules: the "Supporting code" heading with a
    list of the modules before the supporting ones, a title line before each `lead_in`
    question module, and each module's source (all with `jupyter.source_hidden`)."""
    cells = []
    support = [p.name for p in placements if p.supporting]
    if support:
        summaries = {n: module_summary(n, modules) for n in support}
        items = [f"- `{n}.py`" + (s and f": {s}") for n, s in summaries.items()]
        cells.append(md(SUPPORTING_INTRO + "\n\n" + "\n".join(items)))
    for p in placements:
        if p.lead_in and not p.supporting:  # a listed module follows the PDF's prose
            head = f"**Code of this part: `{p.name}.py`** (folded: click to show)."
            cells.append(md(f"{head} {module_summary(p.name, modules)}".rstrip()))
        meta = {"jupyter": {"source_hidden": True}}
        cells.append(code(standalone_source(p.name, modules), metadata=meta))
    return cells
