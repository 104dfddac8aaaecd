"""Text in angle brackets (PTB's <unk> and <eos>) survives every Markdown reader: a
string an inline expression puts in the prose is escaped (Quarto's rule, shared by the
built-in path), and so is the report's own prose."""

import re
from pathlib import Path

import pypandoc
from markdown_it import MarkdownIt

from builder.execute import inline_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_inline_strings_survive_pandoc_and_jupyter():
    words = inline_markdown({"text/plain": repr("the, <unk>, <eos>")})
    text = f"The most frequent words ({words})."
    # Quarto escapes Markdown punctuation, ">" among it (not "<"): no tag is closed
    assert text == r"The most frequent words (the\, <unk\>\, <eos\>)."
    plain = pypandoc.convert_text(text, "plain", "markdown").strip()
    assert plain == "The most frequent words (the, <unk>, <eos>)."
    latex = pypandoc.convert_text(text, "latex", "markdown")
    assert r"\textless unk\textgreater" in latex
    # Jupyter renders Markdown as CommonMark: the escaped form is text, not a tag
    html = MarkdownIt("commonmark").render(text)
    assert "(the, &lt;unk&gt;, &lt;eos&gt;)" in html
    unescaped = MarkdownIt("commonmark").render("(the, <unk>, <eos>)")
    assert "&lt;unk&gt;" not in unescaped  # what the report printed before


def prose_lines(path):
    """(line number, text) of the Markdown prose of a .qmd file: code chunks, code spans
    and inline expressions left out."""
    fence = None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        opening = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence is None and opening:
            fence = opening.group(1)
            continue
        if fence is not None:
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            continue
        yield number, re.sub(r"`[^`]*`", "", line)


def test_the_report_prose_escapes_angle_brackets():
    """`<word>` in prose is an HTML tag to pandoc, Quarto and Jupyter, which drop it:
    write \\<word\\> (or `<word>` as code)."""
    files = [ROOT / "report.qmd", *sorted((ROOT / "proofs").glob("*.qmd"))]
    found = [
        f"{path.name}:{number}: {tag.group(0)}"
        for path in files
        for number, line in prose_lines(path)
        for tag in re.finditer(r"(?<!\\)<(/?[A-Za-z][\w-]*)\\?>", line)
    ]
    assert not found, "unescaped angle brackets in prose: " + "; ".join(found)


def test_the_prose_check_finds_an_unescaped_tag(tmp_path):
    qmd = tmp_path / "x.qmd"
    qmd.write_text(
        "A <unk> word.\n\n```{python}\nprint('<eos>')\n```\n\nAn \\<eos\\>.\n"
    )
    lines = list(prose_lines(qmd))
    tags = [n for n, line in lines if re.search(r"(?<!\\)<[A-Za-z][\w-]*\\?>", line)]
    assert tags == [1]
