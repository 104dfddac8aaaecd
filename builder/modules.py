"""The modules under `code/`: which a chunk imports, in which order, and their source ready
to stand inside the single-file notebook (imports of each other and `sys.path` set-up removed).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

from .read import BuildError, Chunk


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
        return compile(
            python_source(source),
            where,
            "exec",
            flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
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
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module in modules
        ):
            names.append(node.module)
            nodes.append(node)
        elif isinstance(node, ast.Import) and any(
            a.name in modules for a in node.names
        ):
            mod = next(a.name for a in node.names if a.name in modules)
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


def chunk_source(chunk: Chunk, modules: dict[str, Path]) -> tuple[list[str], str]:
    """The code modules a chunk imports, and its source without those imports or sys.path edits
    (`from m import a as b` becomes `b = a`, the module's source defining `a`)."""
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


def inline_plan(chunks: list[Chunk], modules: dict[str, Path]) -> dict[int, list[str]]:
    """For each chunk index, the modules whose source must come just before it (each once)."""
    done: list[str] = []
    plan: dict[int, list[str]] = {}
    for chunk in chunks:
        names, _ = chunk_source(chunk, modules)
        new = []
        for name in names:
            for dep in dependency_order(name, modules):
                if dep not in done:
                    done.append(dep)
                    new.append(dep)
        plan[chunk.index] = new
    return plan
