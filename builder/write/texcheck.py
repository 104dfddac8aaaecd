"""Up-front check of the TeX installation, before anything is executed.

Typesetting is the last stage; a LaTeX package missing there would waste a whole execution.
So the build first asks `kpsewhich` for the TeX engine's needs: every `.sty` file that the
LaTeX of the chosen path loads unconditionally (the built-in path: pandoc 3's default
template with the options of `typeset.to_latex` and `builder/write/preamble.tex`; the Quarto path:
Quarto's PDF template and its callouts, which need `fontawesome5`).  Packages a template
loads only `\\IfFileExists` are left out.  The names of the Debian packages that ship the
missing files are in the error message.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from ..read import BuildError, options

# engine: the Debian package that ships it
ENGINES = {"xelatex": "texlive-xetex", "lualatex": "texlive-luatex"}
# Debian package: the .sty files (without the extension) it ships
SHIPPED = {
    "texlive-base": "amssymb iftex",
    "texlive-latex-base": "amsmath amsthm array bookmark calc color fontenc geometry "
    "graphicx hyperref longtable textcomp",
    "texlive-latex-recommended": "booktabs caption etoolbox fancyvrb float fontspec "
    "subcaption unicode-math xcolor",
    "texlive-latex-extra": "adjustbox framed fvextra needspace placeins tcolorbox",
    "texlive-fonts-extra": "fontawesome5",
    "texlive-xetex": "ucharclasses",
    "lmodern": "lmodern",
}
# .sty file: the Debian package that ships it
STY_PACKAGES = {sty: deb for deb, names in SHIPPED.items() for sty in names.split()}
# What each path loads for the report's content (tables, figures, code, theorems, callouts)
# with xelatex; tests/test_pipeline.py checks these lists against the LaTeX that pandoc
# and Quarto write.
# (fontawesome5 is optional for the built-in path: preamble.tex falls back to symbols)
COMMON_STY = (
    "amsmath amssymb amsthm array bookmark booktabs calc caption color etoolbox fancyvrb "
    "float fontenc fontspec framed geometry graphicx hyperref iftex lmodern longtable "
    "subcaption tcolorbox textcomp unicode-math xcolor"
).split()
BUILTIN_STY = sorted(COMMON_STY + ["adjustbox", "fvextra", "ucharclasses"])
QUARTO_STY = sorted(COMMON_STY + ["fontawesome5"])


def loaded_packages(tex: str) -> set[str]:
    """The packages a LaTeX file loads unconditionally: every `\\usepackage` and
    `\\RequirePackage`, less those loaded only `\\IfFileExists` (and their fallbacks on
    the same line) and `inputenc` (pdfTeX only; the engines here are xelatex, lualatex)."""
    lines = (re.sub(r"(?<!\\)%.*", "", line) for line in tex.splitlines())  # comments
    kept = "\n".join(line for line in lines if "IfFileExists" not in line)
    loaded = set()  # a \usepackage's options and names may run over several lines
    for m in re.finditer(
        r"\\(?:usepackage|RequirePackage)\s*(?:\[[^]]*\])?\s*\{([^}]*)\}", kept
    ):
        loaded |= {name.strip() for name in m.group(1).split(",")}
    optional = set(re.findall(r"\\IfFileExists\{([^}]*)\.sty\}", tex))
    return loaded - optional - {"inputenc"}


def needed(doc, sty: list[str]) -> list[str]:
    """`sty` (what a path loads) and every package the document's own
    `include-in-header` loads, which the same LaTeX run needs."""
    header = loaded_packages(options.header_text(doc))
    return list(dict.fromkeys([*sty, *sorted(header)]))


def missing_sty(names: list[str]) -> list[str]:
    """The `.sty` files of `names` that `kpsewhich` does not find (all, without it)."""
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return list(names)
    result = subprocess.run(
        [kpsewhich, *(f"{name}.sty" for name in names)],
        capture_output=True,
        text=True,
    )
    found = {line.rsplit("/", 1)[-1] for line in result.stdout.splitlines()}
    return [name for name in names if f"{name}.sty" not in found]


def check(engines: tuple[str, ...], sty: list[str], what: str) -> str:
    """The first of `engines` on PATH, once every file of `sty` is found.

    Raises BuildError naming the missing engine or `.sty` files and the Debian packages
    to install (`what` names the path, e.g. "the built-in PDF path").
    """
    engine = next((e for e in engines if shutil.which(e)), None)
    missing = missing_sty(sty)
    if engine and not missing:
        return engine
    packages = sorted(set(STY_PACKAGES[n] for n in missing if n in STY_PACKAGES))
    problems = []
    if engine is None:
        packages.insert(0, ENGINES[engines[0]])
        problems.append(f"no LaTeX engine found (looked for {' and '.join(engines)})")
    if missing:
        problems.append(
            "LaTeX packages not found by kpsewhich: "
            + ", ".join(f"{name}.sty" for name in missing)
        )
    unknown = [f"{n}.sty" for n in missing if n not in STY_PACKAGES]
    if unknown:  # loaded by the document's include-in-header
        problems.append(
            f"the document's include-in-header loads {len(unknown)} of them: find the "
            f"TeX Live package of each with 'apt-file search {unknown[0]}'"
        )
    install = f" On Debian or Ubuntu: sudo apt-get install {' '.join(packages)}"
    raise BuildError(
        f"{'; '.join(problems)}; {what} needs them. Nothing was executed."
        + (install if packages else "")
    )
