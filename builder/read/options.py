"""Document options: `_quarto.yml` (project), the active profiles' `_quarto-<profile>.yml`
and `_quarto.yml.local`, `_metadata.yml` (a folder's, from the project's root down to the
document's) and the front matter (document), merged as Quarto merges them (each over the
one before; at each level `format: pdf:` over top-level keys), validated
(builder/read/validate.py), and turned into pandoc arguments for the built-in path.  The
project's environment files (`_environment`, `_environment-<profile>`,
`_environment.local`) give the variables the chunks run with, as in Quarto.

Read: `execute:` (echo, warning, output, error, eval, include: defaults under every chunk's own
`#|` options) and the PDF options in `validate.PDF_OPTIONS`.
Sources: https://quarto.org/docs/computations/execution-options.html and
https://quarto.org/docs/output-formats/pdf-basics.html ; Quarto's defaults for a PDF
(documentclass scrartcl, colorlinks, toc-depth 3, no contents list, no section numbers) as
seen in the LaTeX Quarto 1.10 writes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from .. import vocabulary
from . import validate

PROJECT_FILE = "_quarto.yml"
METADATA_FILE = "_metadata.yml"  # a folder's metadata, between the project's and yours
ENVIRONMENT_FILE = "_environment"  # KEY=value lines (dotenv), for the chunks
PROFILE = "QUARTO_PROFILE"  # the active profiles, comma- or space-separated
# has Greek, arrows, box drawing (fonts-dejavu-core)
DEFAULT_MONOFONT = "DejaVu Sans Mono"


@dataclass
class Settings:
    """Merged document options. `execute`: chunk-option defaults; `pdf`: PDF options
    (validated; empty when the built-in typesetter is not used); `meta`: the front
    matter over `_quarto.yml` (all but `project`), as Quarto merges them, unvalidated;
    `output_dir`: the project's `output-dir`; `environment`: the variables the environment
    files add for the chunks (`QUARTO_PROFILE` among them)."""

    execute: dict = field(default_factory=dict)
    pdf: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    output_dir: str = ""  # project: output-dir: where the outputs go, from the root
    environment: dict = field(default_factory=dict)


def _where_of(path: Path, lines: dict[tuple, int]):
    def where(key: tuple) -> str:
        for n in range(len(key), 0, -1):
            if key[:n] in lines:
                return f"{path.name}:{lines[key[:n]]}"
        return str(path.name)

    return where


def settings(
    root: Path,
    meta: dict,
    meta_lines: dict[tuple, int],
    path: Path,
    used: set[str],
    pdf: bool = True,
) -> Settings:
    """The options of the document `path` (front matter `meta`, the line of each of its keys
    in `meta_lines`) in the project `root`; raises validate.BuildError on what the builder
    does not support, naming file and line.  `used`: keys named by {{< meta >}}.
    `pdf=False`: the built-in typesetter is not used, PDF options are Quarto's business."""
    output_dir = ""
    folders = [path.parent, *path.parent.parents]
    folders = folders[: folders.index(root) + 1] if root in folders else folders[:1]
    active = profiles(root)
    files = [
        root / PROJECT_FILE,
        *(_yml(root / f"_quarto-{p}") for p in reversed(active)),  # first one last
        _yml(root / "_quarto", ".local"),
        *(f / METADATA_FILE for f in reversed(folders)),
    ]
    levels = []  # (metadata, its execute and PDF options), _quarto.yml first
    for file in (f for f in files if f.is_file()):
        data, lines = validate.read_yaml_file(file)
        data.pop("profile", None)  # read by profiles()
        project = file.parent == root and file.name.startswith("_quarto")
        where_of = _where_of(file, lines)
        found = validate.check_metadata(data, where_of, used, project=project, pdf=pdf)
        _read_include_files(found["pdf"], where_of, file.parent)
        levels.append(({k: v for k, v in data.items() if k != "project"}, found))
        if project and isinstance(data.get("project"), dict):
            output_dir = str(data["project"].get("output-dir") or "")
    where_of = _where_of(path, meta_lines)
    document = validate.check_metadata(meta, where_of, used, False, pdf=pdf)
    _read_include_files(document["pdf"], where_of, path.parent)
    levels.append((meta, document))
    # Quarto reads the environment files of a project only (its project-context.ts)
    found = environment(root, active) if _yml(root / "_quarto").is_file() else {}
    settings = Settings(output_dir=output_dir, environment=found)
    for data, found in levels:  # each level over the one before
        settings.execute.update(found["execute"])
        settings.pdf = _merge(settings.pdf, found["pdf"])
        # the front matter's own keys replace the project's, but for the options Quarto
        # merges itself: pandoc, which reads the rest, takes a document's key whole
        deep = QUARTO_MERGED if data is meta else None
        settings.meta = _merge(settings.meta, data, deep)
    # under format: pdf: they join Quarto's KOMA ones; at the top they replace them
    if pdf and any("classoption" in _format_pdf(data) for data, _ in levels):
        settings.pdf["classoption"] = class_options(
            settings.pdf["classoption"],
            str(settings.meta.get("lang", "en")),
            settings.pdf.get("documentclass", "scrartcl"),
        )
    return settings


def class_options(given, lang: str, documentclass: str) -> list[str]:
    """The class options of a document that gives `given` under `format: pdf:`, as
    Quarto's format-pdf.ts sets them for its KOMA class: DIV=11 and numbers=noendperiod
    (not in German), but for those `given` sets by name, then `given`."""
    given = [given] if isinstance(given, str) else list(given)
    if documentclass != "scrartcl":
        return given
    defaults = ["DIV=11"] + (["numbers=noendperiod"] if lang != "de" else [])
    named = {str(option).split("=")[0] for option in given if "=" in str(option)}
    return [d for d in defaults if d.split("=")[0] not in named] + given


def _yml(stem: Path, suffix: str = "") -> Path:
    """`stem`.yml, or `stem`.yaml where only that exists (Quarto reads either)."""
    yaml = stem.with_name(f"{stem.name}.yaml{suffix}")
    return yaml if yaml.is_file() else stem.with_name(f"{stem.name}.yml{suffix}")


def profiles(root: Path) -> list[str]:
    """The project's active profiles, as Quarto chooses them (its project-profile.ts):
    `QUARTO_PROFILE` from the environment, else from `_environment.local` or
    `_environment`, else `profile: default:` of `_quarto.yml.local` or `_quarto.yml`;
    then the first of each `profile: group:` (of `_quarto.yml`) with no member active."""

    def profile(file: Path) -> dict:
        found = validate.read_yaml_file(file)[0].get("profile") if file.is_file() else 0
        return found if isinstance(found, dict) else {}

    files = [root / f"{ENVIRONMENT_FILE}.local", root / ENVIRONMENT_FILE]
    named = os.environ.get(PROFILE) or next(
        (v for f in files if f.is_file() and (v := dotenv_values(f).get(PROFILE))), ""
    )
    local = profile(_yml(root / "_quarto", ".local"))
    project = profile(root / PROJECT_FILE)
    default = local.get("default") or project.get("default") or ""
    named = named or (
        ",".join(map(str, default)) if isinstance(default, list) else default
    )
    active = [p for p in re.split(r"[ ,]+", str(named)) if p]
    group = project.get("group") or []
    for members in [group] if all(isinstance(g, str) for g in group) else group:
        if members and not set(map(str, members)) & set(active):
            active.append(str(members[0]))
    return active


def environment(root: Path, active: list[str]) -> dict[str, str]:
    """The variables that the project's environment files give the chunks, as Quarto
    sets them for a render (its dotenv.ts): `_environment.local` over
    `_environment-<profile>` (the first active profile first) over `_environment`, and
    none over a variable already set; `QUARTO_PROFILE` names the active profiles."""
    files = [
        root / f"{ENVIRONMENT_FILE}.local",
        *(root / f"{ENVIRONMENT_FILE}-{p}" for p in active),
        root / ENVIRONMENT_FILE,
    ]
    found: dict[str, str] = {}
    for file in (f for f in files if f.is_file()):
        for key, value in dotenv_values(file).items():
            if value is not None and key not in os.environ:
                found.setdefault(key, value)
    return {**found, PROFILE: ",".join(active)}


INCLUDES = ("include-in-header", "include-before-body", "include-after-body")


def _read_include_files(pdf: dict, where_of, folder: Path) -> None:
    """The files of `include-in-header`, `include-before-body` and
    `include-after-body` (`file: x.tex`, or the path alone) read into `text:` items, as
    Quarto includes them (paths from the folder of the file naming them); a missing
    file raises validate.BuildError with its line, as does LaTeX there or in
    `header-includes` that changes a counter of the cross-references."""
    for key in ("header-includes", *INCLUDES):
        if pdf.get(key) is None:
            continue
        where = where_of(("format", "pdf", key))
        if where == where_of(("format", "pdf")):  # not under format: pdf:, at the top
            where = where_of((key,))
        header = key in ("header-includes", "include-in-header")
        if key == "header-includes":
            texts = _header_includes(pdf[key])
            validate.check_yaml_latex(texts, where)
            for text in texts:
                validate.check_counters(text, where, header=True)
            continue
        texts = []
        for item in validate.listed(pdf[key]):
            name = item if isinstance(item, str) else item.get("file")
            if name is None:
                texts.append(item)
                text = str(item.get("text", ""))
                validate.check_yaml_latex([text], where)
                validate.check_counters(text, where, header=header)
                continue
            file = folder / name
            if not file.is_file():
                raise validate.BuildError(
                    f"{where}: {key} file '{name}' not found ({file})"
                )
            texts.append({"text": file.read_text(encoding="utf-8")})
            validate.check_counters(texts[-1]["text"], where, name, header)
        pdf[key] = texts


def pandoc_args(pdf: dict, lang: str = "en") -> list[str]:
    """pandoc arguments (LaTeX writer) for the merged PDF options of a document in
    language `lang`, with Quarto's defaults for what is not set.  `code-overflow` needs
    nothing: code always wraps at the margin (Quarto's PDF lets long lines run off the
    page); `cite-method` is citeproc only; `fig-pos` is metadata for filters/floats.lua."""
    args = []
    if pdf.get("fig-pos"):  # false: as if not set (Quarto 1.10)
        args += ["-M", f"fig-pos={pdf['fig-pos']}"]
    if pdf.get("fig-align", "default") != "default":  # every figure's (floats.lua)
        args += ["-M", f"fig-align={pdf['fig-align']}"]
    if "tbl-cap-location" in pdf:  # every table's (floats.lua)
        args += ["-M", f"tbl-cap-location={pdf['tbl-cap-location']}"]
    if pdf.get("toc", False):
        args += ["--toc", f"--toc-depth={pdf.get('toc-depth', 3)}"]
        title = pdf.get("toc-title", vocabulary.VOCABULARY["titles"]["toc"])
        args += ["-V", f"toc-title={title}"]
    args += [a for key in ("lof", "lot") if pdf.get(key) for a in ("-V", f"{key}=true")]
    if pdf.get("number-sections", False):
        args.append("--number-sections")
        if "number-depth" in pdf:  # as Quarto: LaTeX's secnumdepth
            args += ["-V", f"secnumdepth={pdf['number-depth']}"]
    documentclass = pdf.get("documentclass", "scrartcl")
    args += ["-V", f"documentclass={documentclass}"]
    # Quarto's template variables: graphicx and longtable always, and so figures placed
    # htbp by default (\fps@figure), also where every image is in raw LaTeX (sub-figures)
    args += ["-V", "graphics=true", "-V", "tables=true"]
    koma = documentclass == "scrartcl"
    if koma and "classoption" not in pdf:  # Quarto's for its class (settings())
        for option in class_options([], lang, documentclass):
            args += ["-V", f"classoption={option}"]
    # Quarto sets letter paper with its KOMA class (whose own default is A4); other
    # classes keep their own default (article: letter)
    papersize = pdf.get(
        "papersize", vocabulary.PDF_DEFAULTS["papersize"] if koma else ""
    )
    if papersize:
        args += ["-V", f"papersize={papersize}"]
    geometry = pdf.get("geometry", [])
    for item in [geometry] if isinstance(geometry, str) else geometry:
        args += ["-V", f"geometry:{item}"]
    if "fontsize" in pdf:
        args += ["-V", f"fontsize={pdf['fontsize']}"]
    if pdf.get("colorlinks", True):  # Quarto's colours, unless the document sets one
        colours = {"linkcolor": "blue", "filecolor": "Maroon", "citecolor": "Blue"}
        colours = {"colorlinks": "true", **colours, "urlcolor": "Blue"}
        args += [
            a for k, v in colours.items() if k not in pdf for a in ("-V", f"{k}={v}")
        ]
    if "mainfont" in pdf:
        args += ["-V", f"mainfont={pdf['mainfont']}"]
    args += ["-V", f"monofont={pdf.get('monofont', DEFAULT_MONOFONT)}"]
    if "monofont" not in pdf and "monofontoptions" not in pdf:
        args += ["-V", "monofontoptions=Scale=0.85"]
    for variable in ("include-before", "include-after"):
        items = pdf.get(f"{variable}-body", [])
        args += [a for item in items for a in ("-V", f"{variable}={item['text']}")]
    # pandoc's template variables, which Quarto's template reads the same way
    pdf = {"block-headings": True, **pdf}  # Quarto's default
    for key, spec in vocabulary.VOCABULARY["pdf_options"].items():
        value = pdf.get(key, False)
        if isinstance(spec, dict) and spec.get("variable") and value is not False:
            for item in validate.listed(value):
                args += ["-V", f"{key}={'true' if item is True else item}"]
    return args


def header_lines(pdf: dict) -> str:
    """LaTeX for the preamble from the PDF options: `header-includes` and the
    `include-in-header: text:` items.  (`fig-pos` goes to filters/floats.lua as
    metadata: Quarto sets it on each figure, not as a default placement.)"""
    lines = ""
    if pdf.get("documentclass", "scrartcl") == "scrartcl":  # Quarto's, for its class
        # the skip on the caption's side of the table, as Quarto sets it
        side = "signature" if pdf.get("tbl-cap-location") == "bottom" else "heading"
        lines += f"\\KOMAoption{{captions}}{{table{side}}}\n"
    extra = pdf.get("include-in-header", [])  # `text:` items (validate.py)
    texts = _header_includes(pdf.get("header-includes"))
    texts += [item["text"] for item in validate.listed(extra)]
    return lines + "".join(text.rstrip("\n") + "\n" for text in texts)


def _header_includes(value) -> list[str]:
    """`header-includes`: raw LaTeX, one text or a list of them."""
    return [str(v) for v in validate.listed(value) if v]


QUARTO_MERGED = ("format", "execute")  # merged key by key over the project's too


def _merge(base: dict, over: dict, deep: tuple | None = None) -> dict:
    """`over` on top of `base` as Quarto merges its configuration (its config.ts):
    mappings key by key, and lists (or a list and a value) joined, repeats dropped;
    `deep`: the only top-level keys so merged (the others replaced)."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if deep is None or key in deep:
            if isinstance(value, dict) and isinstance(old, dict):
                value = _merge(old, value)
            elif isinstance(value, list) or isinstance(old, list):
                value = _joined(old, value)
        merged[key] = value
    return merged


def _joined(old, new) -> list:
    """Two values, one a list at least, as one list without repeats (Quarto's
    mergeArrayCustomizer); an empty or missing one gives the other."""
    if not old or not new:
        return old or new
    items = validate.listed(old) + validate.listed(new)
    return [x for k, x in enumerate(items) if x not in items[:k]]


def pdf_option(doc, key: str, default=None):
    """An option of the PDF format as Quarto reads it, whoever typesets: `format: pdf:`
    over the top level, the document over `_quarto.yml`."""
    meta = doc.settings.meta
    pdf = _format_pdf(meta)
    return pdf[key] if key in pdf else meta.get(key, default)


def _format_pdf(meta: dict) -> dict:
    """The options under `format: pdf:` of `meta` ({} where there are none)."""
    pdf = meta.get("format") if isinstance(meta.get("format"), dict) else {}
    return pdf["pdf"] if isinstance(pdf.get("pdf"), dict) else {}


FIGURE_OPTIONS = ("fig-width", "fig-height", "fig-dpi", "fig-format")


def figure_defaults(doc) -> dict:
    """The figure options Quarto passes to the kernel (fig-width and fig-height in
    inches, fig-dpi, fig-format): the PDF format's, else Quarto's PDF defaults
    (vocabulary.PDF_DEFAULTS: 5.5 x 3.5 in, 300 dpi, pdf).  Read whoever typesets, since
    the builder executes for Quarto too.  Raises BuildError on a value of the wrong type.
    """
    out = {}
    for key in FIGURE_OPTIONS:
        value = pdf_option(doc, key, vocabulary.PDF_DEFAULTS[key])
        schema, allowed = vocabulary.entry("pdf_options", key)
        if not vocabulary.fits(value, schema):
            raise validate.BuildError(
                f"{doc.path.name}: '{key}: {value!r}' is not valid: must be {allowed}"
            )
        out[key] = value
    return out


def header_text(doc) -> str:
    """The LaTeX of `header-includes` and `include-in-header`, for the notebook's math:
    its macros are expanded there (parse.py)."""
    texts = _header_includes(pdf_option(doc, "header-includes"))
    return "\n".join(texts + included_texts(doc, "include-in-header"))


def included_texts(doc, key: str) -> list[str]:
    """The LaTeX of `include-in-header`, `include-before-body` or `include-after-body`:
    its text items, and its files (read here too where Quarto makes the PDF)."""
    texts = []
    for item in validate.listed(pdf_option(doc, key) or []):
        if isinstance(item, dict) and "text" in item:
            texts.append(str(item["text"]))
        elif isinstance(item, (dict, str)):
            file = doc.root / (item.get("file", "") if isinstance(item, dict) else item)
            texts.append(file.read_text(encoding="utf-8") if file.is_file() else "")
    return texts
