"""The macro names that unicode-math defines again at \\begin{document}, written to
builder/write/unicode-math.json.  The PDF of xelatex (Quarto's and the built-in path's)
loads unicode-math in its preamble, so a `\\renewcommand{\\epsilon}{\\varepsilon}` or
`\\let\\phi\\varphi` in the header has no effect there; weave.py leaves such definitions
out of the macros pandoc expands, so that the notebook shows what the PDF shows.

Found by LaTeX itself: pandoc's own template (as the PDF has it) with a header that
saves the meaning of every candidate name (MathJax's macros, write/mathjax.json, and the
names of unicode-math-table.tex) and a body that lists the names whose meaning changed.

    .venv/bin/python tools/unicode_math_macros.py
"""

import json
import re
import subprocess
import tempfile
from pathlib import Path

import pypandoc

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "builder" / "write" / "unicode-math.json"


def candidates() -> list[str]:
    """Control words MathJax knows, and those unicode-math's table defines."""
    mathjax = json.loads((ROOT / "builder/write/mathjax.json").read_text())["macros"]
    table = subprocess.run(
        ["kpsewhich", "unicode-math-table.tex"], capture_output=True, text=True
    ).stdout.strip()
    names = set(mathjax) | set(
        re.findall(r"\{\\([A-Za-z]+)\s*\}", Path(table).read_text())
    )
    return sorted(n for n in names if n.isascii() and n.isalpha())


def main() -> None:
    names = candidates()
    save = "".join(
        f"\\expandafter\\let\\csname saved@{n}\\expandafter\\endcsname"
        f"\\csname {n}\\endcsname\n"
        for n in names
    )
    compare = "".join(
        f"\\expandafter\\ifx\\csname {n}\\expandafter\\endcsname\\csname saved@{n}"
        f"\\endcsname\\else\\immediate\\write\\changed{{{n}}}\\fi\n"
        for n in names
    )
    with tempfile.TemporaryDirectory() as tmp:
        header = Path(tmp, "header.tex")
        header.write_text("\\makeatletter\n" + save + "\\makeatother\n")
        body = (
            "```{=latex}\n\\makeatletter\\newwrite\\changed"
            "\\immediate\\openout\\changed=changed.txt\n"
            f"{compare}\\immediate\\closeout\\changed\\makeatother\n```\n\n$x$\n"
        )
        tex = pypandoc.convert_text(
            body,
            "latex",
            "markdown",
            extra_args=["--standalone", f"--include-in-header={header}"],
            sandbox=False,
        )
        Path(tmp, "probe.tex").write_text(tex)
        subprocess.run(
            ["xelatex", "-interaction=nonstopmode", "probe.tex"],
            cwd=tmp,
            capture_output=True,
            check=True,
        )
        changed = sorted(Path(tmp, "changed.txt").read_text().split())
    sty = subprocess.run(
        ["kpsewhich", "unicode-math.sty"], capture_output=True, text=True
    ).stdout.strip()
    provided = re.search(r"\{(\d{4}/\d\d/\d\d)\}\s*\{([^}]*)\}", Path(sty).read_text())
    source = f"unicode-math {provided[2]} ({provided[1]}), in pandoc's LaTeX template"
    OUT.write_text(json.dumps({"source": source, "macros": changed}) + "\n")
    print(
        f"{len(changed)} of {len(names)} names defined again -> {OUT.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
