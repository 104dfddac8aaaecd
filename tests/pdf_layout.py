"""The layout of a typeset PDF read from word positions (`pdftotext -bbox`; plain
`pdftotext` silently drops what lies beyond the paper's edge): words past the right
margin, floats outside their section, headings alone at the foot of a page, output
blocks split across pages."""

import html
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CM = 72 / 2.54  # PDF points per centimetre


@dataclass
class Line:
    page: int  # from 1
    top: float  # points from the top of the page
    bottom: float
    right: float  # the largest xMax of its words
    text: str


def pdf_words(pdf: Path):
    """(page widths, words): every word as (page, xMin, yMin, xMax, yMax, text)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    widths, words, page = [], [], 0
    for m in re.finditer(r'<page width="([\d.]+)"|<word ([^>]*)>(.*?)</word>', out):
        if m.group(1):
            page += 1
            widths.append(float(m.group(1)))
            continue
        box = dict(re.findall(r'(\w+)="([\d.]+)"', m.group(2)))
        words.append(
            (
                page,
                *(float(box[k]) for k in ("xMin", "yMin", "xMax", "yMax")),
                unicodedata.normalize("NFKC", html.unescape(m.group(3))),
            )
        )
    return widths, words


def pdf_lines(words) -> list[Line]:
    """Words grouped into lines (same page, tops within 3 points of the line's first
    word), top to bottom, each line's words left to right."""
    groups: list[list] = []
    for word in sorted(words, key=lambda w: (w[0], w[2], w[1])):
        last = groups[-1] if groups else None
        if last and last[0][0] == word[0] and abs(last[0][2] - word[2]) < 3:
            last.append(word)
        else:
            groups.append([word])
    return [
        Line(
            g[0][0],
            min(w[2] for w in g),
            max(w[4] for w in g),
            max(w[3] for w in g),
            " ".join(w[5] for w in sorted(g, key=lambda w: w[1])),
        )
        for g in groups
    ]


def past_right_margin(pdf: Path, margin_cm: float, tolerance=3.0):
    """Words whose right edge passes the right margin (`margin_cm` from the edge) by
    more than `tolerance` points (pdftotext's boxes of a justified line's last word
    reach about 2 points past it)."""
    widths, words = pdf_words(pdf)
    return [
        (page, round(x1 - (widths[page - 1] - margin_cm * CM), 1), text)
        for page, _, _, x1, _, text in words
        if x1 > widths[page - 1] - margin_cm * CM + tolerance
    ]


def source_outline(qmd: Path):
    """The section headings (levels 1 and 2, as written, without their attributes) of a
    .qmd file, and its floats in order: [(kind, number, index of the heading before
    it)], numbered as Quarto numbers them (figures and tables each in document order)."""
    headings, floats, fence = [], [], None
    count = {"fig": 0, "tbl": 0}
    for line in qmd.read_text().splitlines():
        opening = re.match(r"^(`{3,})", line)
        labels = re.findall(r"(?:#\| label: |::: \{#)(fig|tbl)-", line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        heading = re.match(r"^(#{1,2}) (.*?)\s*(\{.*\})?$", line)
        if fence is None and heading:
            headings.append(heading.group(2))
        for kind in labels:
            count[kind] += 1
            floats.append((kind, count[kind], len(headings) - 1))
    return headings, floats


def find_heading(lines: list[Line], title: str) -> Line:
    """The body line of a heading: the whole line, after its number if numbered (the
    contents list ends each entry with a page number)."""
    pattern = r"(\d+(\.\d+)*\s+)?" + r"\s+".join(map(re.escape, title.split()))
    found = [line for line in lines if re.fullmatch(pattern, line.text)]
    if len(found) != 1:
        raise AssertionError(f"heading {title!r} found {len(found)} times")
    return found[0]


def float_faults(pdf: Path, qmd: Path):
    """Floats printed outside their section (before its heading or after the next
    heading), and headings with no text under them on their page."""
    _, words = pdf_words(pdf)
    lines = pdf_lines(words)
    titles, floats = source_outline(qmd)
    at = {title: find_heading(lines, title) for title in titles}
    where = [(at[t].page, at[t].top) for t in titles] + [(10**6, 0)]
    faults = []
    names = {"fig": "Figure", "tbl": "Table"}
    for kind, number, section in floats:
        caption = [
            line for line in lines if re.match(rf"{names[kind]} {number}:", line.text)
        ]
        if len(caption) != 1:
            faults.append(f"{names[kind]} {number}: caption found {len(caption)} times")
            continue
        place = (caption[0].page, caption[0].top)
        if not where[section] < place < where[section + 1]:
            faults.append(
                f"{names[kind]} {number} (p. {place[0]}) is outside "
                f"{titles[section]!r} (p. {where[section][0]})"
            )
    for title, line in at.items():
        below = [
            other
            for other in lines
            if other.page == line.page
            and other.top > line.bottom
            and not re.fullmatch(r"\d+", other.text)  # the page number
        ]
        if not below:
            faults.append(f"heading {title!r} is alone at the foot of p. {line.page}")
    return faults


def _words(text: str) -> str:
    return " ".join(text.split())


def split_outputs(pdf: Path, outputs: list[str]):
    """Outputs (texts of several lines, in document order) printed across a page
    break: each is found by its first line (its first five words) after the previous
    one, and its last line after that; an output not printed is skipped."""
    printed = pdf_lines(pdf_words(pdf)[1])
    lines, pages = [_words(line.text) for line in printed], [ln.page for ln in printed]
    faults, cursor = [], 0

    def find(text, start):
        prefix = " ".join(text.split()[:5])
        return next((i for i in range(start, len(lines)) if lines[i].startswith(prefix)),
                    None)  # fmt: skip

    for output in outputs:
        rows = [row for row in output.splitlines() if row.strip()]
        first = find(rows[0], cursor) if rows else None
        if first is None:
            continue
        last = find(rows[-1], first) if len(rows) > 1 else first
        if last is None:
            continue
        cursor = last + 1
        if pages[first] != pages[last]:
            faults.append(f"output {rows[0][:40]!r} runs from p. {pages[first]} "
                          f"to p. {pages[last]}")  # fmt: skip
    return faults


def printed_words(pdf: Path) -> str:
    """All the words of the PDF, in order, one space apart (with what lies beyond the
    paper's edge)."""
    return " ".join(w[-1] for w in pdf_words(pdf)[1])
