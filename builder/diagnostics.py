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


STATUS_PREFIX = "WARNING: "  # not logging's "WARNING:name:message"


def status_lines(nb) -> list[str]:
    """Lines the report's code printed to say it ran without the real data or weights."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = (
                out.get("text", "")
                + data.get("text/markdown", "")
                + data.get("text/plain", "")
            )
            for line in text.splitlines():
                line = line.lstrip("#> *")
                if line.startswith(STATUS_PREFIX) and line not in found:
                    found.append(line)
    return found


def title_block_warnings(meta: dict) -> list[str]:
    """A warning while the title block still names the report template's placeholder
    author, "Student Name" (the first line of `author`); a document that names no author
    gets none, as in Quarto."""
    author = str(meta.get("author", "")).strip().split("\n")[0].rstrip("\\ ")
    if author != "Student Name":
        return []
    return [
        f"{STATUS_PREFIX}the title block still names 'Student Name': set author in the "
        "YAML header of the report"
    ]


def report_warnings(meta: dict, executed, log=print) -> list[str]:
    """The warnings of the title block (`meta`) and the executed notebook's status lines,
    logged between two bars at the end of a build; returns them."""
    warnings = title_block_warnings(meta) + status_lines(executed)
    if warnings:
        log("\n".join(["!" * 78, *warnings, "!" * 78]))
    return warnings
