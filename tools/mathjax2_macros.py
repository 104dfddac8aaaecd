"""The macro names the classic Jupyter notebook's MathJax 2.7 knows, written to
builder/write/mathjax2.json: those of its TeX input with the configuration
`TeX-AMS_CHTML-full` (the TeX jax, AMSmath, AMSsymbols and what the jax loads by
itself), and, per TeX extension it has but does not load (cancel, mhchem, enclose, ...),
the macros that `\\require{extension}` brings.  The notebook writer (write/export.py)
requires an extension where the notebook's math uses one of its macros, so that the
math renders in MathJax 2 and 3 alike (JupyterLab's MathJax 3 knows `\\require` too).

Read from MathJax 2's sources: the keys of their `macros`, `mathchar0mi`,
`mathchar0mo`, `mathchar7` and `delimiter` tables.

    npm install --prefix /tmp/mathjax2 mathjax@2.7.9
    .venv/bin/python tools/mathjax2_macros.py /tmp/mathjax2/node_modules/mathjax
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "builder" / "write" / "mathjax2.json"
TABLE = re.compile(r"\b(macros|mathchar0mi|mathchar0mo|mathchar7|delimiter)\s*:\s*\{")
KEY = re.compile(
    r"""^\s*['"]?(?:\\\\)?([A-Za-z]+)['"]?\s*:""", re.M
)  # in: 'in': "\\in":
STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'" + r'|"(?:[^"\\\n]|\\.)*"')  # a JS string
BASE = [
    "jax/input/TeX/jax.js",
    "extensions/TeX/AMSmath.js",
    "extensions/TeX/AMSsymbols.js",
]
SKIPPED = {"mediawiki-texvc"}  # Wikipedia's aliases (\Alpha), not LaTeX's


def names(js: str) -> set[str]:
    """The control words a MathJax 2 source file defines in its tables."""
    blank = STRING.sub(
        lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", js
    )  # same length
    found = set()
    for m in TABLE.finditer(blank):  # braces inside strings blanked out
        depth, end = 0, m.end() - 1
        for end in range(m.end() - 1, len(blank)):
            depth += {"{": 1, "}": -1}.get(blank[end], 0)
            if depth == 0:
                break
        found |= set(KEY.findall(js[m.end() : end]))
    return found


def main(mathjax: Path) -> None:
    unpacked = mathjax / "unpacked"
    base = set().union(*(names((unpacked / f).read_text()) for f in BASE))
    extensions = {}
    for f in sorted((unpacked / "extensions/TeX").glob("*.js")):
        if f"extensions/TeX/{f.name}" not in BASE and f.stem not in SKIPPED:
            own = names(f.read_text()) - base
            if own:
                extensions[f.stem] = sorted(own)
    version = json.loads((mathjax / "package.json").read_text())["version"]
    data = {
        "source": f"mathjax {version}, TeX-AMS_CHTML-full",
        "macros": sorted(base),
        "extensions": extensions,
    }
    OUT.write_text(json.dumps(data) + "\n")
    print(f"{len(base)} names, {len(extensions)} extensions -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
