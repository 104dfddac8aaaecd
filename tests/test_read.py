"""Stage 1: includes, the YAML header, chunks and their options."""

import time

import jupytext
import pytest
from conftest import write_project

from builder.read import BuildError, Markdown, read

DOC = """
---
title: "T"
author: "Ada"
helpers: "Bob and Cy"
---
Hello {{< meta author >}}, with {{< meta helpers >}}.

{{< include proofs/a.qmd >}}

```{python}
#| label: fig-first
#| echo: false
#| fig-cap: "A caption: with colon"
x = 1
```

```python
{{{< include not-a-shortcode-inside-a-code-block.qmd >}}}
```

```{python}
print(x)
```
"""


def test_includes_options_and_lines(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": DOC,
            "proofs/a.qmd": "A says\n{{< include proofs/sub/b.qmd >}}\n",
            "proofs/sub/b.qmd": "B (nested, from the main document's folder)\n",
        },
    )
    doc = read(qmd)
    assert doc.meta["title"] == "T"
    prose = "\n".join(b.text for b in doc.blocks if isinstance(b, Markdown))
    assert "Hello Ada, with Bob and Cy." in prose
    assert "A says\nB (nested, from the main document's folder)" in prose
    # escaped with a third brace: printed as the shortcode (Quarto), not expanded
    assert "{{< include not-a-shortcode-inside-a-code-block.qmd >}}" in prose
    first, second = doc.chunks
    assert first.options == {
        "label": "fig-first",
        "echo": False,
        "fig-cap": "A caption: with colon",
    }
    assert first.source == "x = 1"
    assert first.line == 10 and first.file == qmd
    assert second.label == "chunk-2" and second.options == {}
    # an included file is named by its path from the document's folder
    origins = [b.where(k) for b in doc.blocks if isinstance(b, Markdown)
               for k, line in enumerate(b.text.splitlines()) if line.startswith(("A", "B"))]  # fmt: skip
    assert origins == ["proofs/a.qmd:1", "proofs/sub/b.qmd:1"]


def test_chunks_agree_with_jupytext(tmp_path):
    """Oracle: jupytext reads {python} chunks as R Markdown; the code must be the same."""
    text = tmp_path / "d.qmd"
    write_project(tmp_path, {"d.qmd": DOC.replace("{{< include proofs/a.qmd >}}", "")})
    ours = [c.source for c in read(text).chunks]
    nb = jupytext.reads(text.read_text(), fmt="Rmd")
    theirs = [
        "\n".join(l for l in c.source.splitlines() if not l.startswith("#|")).strip(
            "\n"
        )
        for c in nb.cells
        if c.cell_type == "code"
    ]
    assert ours == theirs


def test_missing_include_names_file_and_line(tmp_path):
    qmd = write_project(
        tmp_path, {"report.qmd": "line one\n\n{{< include proofs/nope.qmd >}}\n"}
    )
    with pytest.raises(
        BuildError, match=r"report.qmd:3: include file 'proofs/nope.qmd' not found"
    ):
        read(qmd)


def test_missing_nested_include_names_the_partial(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "{{< include a.qmd >}}\n",
            "a.qmd": "x\n{{< include gone.qmd >}}\n",
        },
    )
    with pytest.raises(BuildError, match=r"a.qmd:2: include file 'gone.qmd' not found"):
        read(qmd)


def test_nested_include_is_read_from_the_main_documents_folder(tmp_path):
    """Quarto 1.10 resolves every include from the main document's folder (a partial's
    own folder is not looked at): a path written from the partial stops the build, with
    the path Quarto needs."""
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "{{< include parts/a.qmd >}}\n",
            "parts/a.qmd": "x\n{{< include sub/b.qmd >}}\n",
            "parts/sub/b.qmd": "B\n",
        },
    )
    with pytest.raises(BuildError) as e:
        read(qmd)
    assert (
        f"parts/a.qmd:2: include file 'sub/b.qmd' not found (looked for "
        f"{tmp_path}/sub/b.qmd)" in str(e.value)
    )
    assert "write 'parts/sub/b.qmd'" in str(e.value)
    (tmp_path / "parts/a.qmd").write_text("x\n{{< include /parts/sub/b.qmd >}}\n")
    assert "x\nB" in "\n".join(
        b.text for b in read(qmd).blocks if isinstance(b, Markdown)
    )


def test_include_cycle(tmp_path):
    qmd = write_project(
        tmp_path,
        {
            "report.qmd": "{{< include a.qmd >}}\n",
            "a.qmd": "{{< include report.qmd >}}\n",
        },
    )
    with pytest.raises(
        BuildError, match="include cycle: report.qmd -> a.qmd -> report.qmd"
    ):
        read(qmd)


def test_meta_reads_quarto_yml_too_and_fills_the_title(tmp_path):
    """As Quarto (1.10.18): `{{< meta >}}` finds keys of `_quarto.yml` as well as of
    the front matter (which wins), also in the title; `author` set in `_quarto.yml`
    is the document's author."""
    text = (
        "---\ntitle: Training {{< meta model >}}\nepochs: 30\n---\n"
        "We train {{< meta model >}} for {{< meta epochs >}} epochs.\n"
    )
    project = "model: ResNet-18\nepochs: 5\nauthor: Ada\n"
    qmd = write_project(tmp_path, {"report.qmd": text, "_quarto.yml": project})
    doc = read(qmd)
    assert doc.meta["title"] == "Training ResNet-18" and doc.meta["author"] == "Ada"
    assert doc.blocks[0].text == "We train ResNet-18 for 30 epochs."


@pytest.mark.parametrize(
    "text, message",
    [
        ("```{python}\nx = 1\n", r"report.qmd:1: python chunk is never closed"),
        (
            "```{python}\n#| label: [unclosed\nx\n```\n",
            r"report.qmd:2: the chunk.s option block does not parse",
        ),
        (
            "{{< meta nothere >}}\n",
            r"report.qmd:1: .*names a key that neither the YAML header nor _quarto.yml",
        ),
        ("{{< video x.mp4 >}}\n", r"report.qmd:1: shortcode 'video' is not supported"),
        (
            "```{python}\n#| label: a\n```\n```{python}\n#| label: a\n```\n",
            r"report.qmd:4: chunk label 'a' is used more than once",
        ),
        ("---\ntitle: [oops\n---\n", r"the YAML header does not parse"),
        (
            "Text.\n\nA `{python} 1``{python} 2` pair.\n",
            r"report.qmd:3: an inline expression right after a backtick is not evaluated",
        ),
    ],
)
def test_bad_input_gives_a_clear_error(tmp_path, text, message):
    qmd = write_project(tmp_path, {"report.qmd": text})
    with pytest.raises(BuildError, match=message):
        read(qmd)


# Quarto 1.10.18's PDF title block for `date: 2026-03-05` with each date-format (recorded)
DATE_FORMATS = {
    "long": "March 5, 2026",
    "full": "Thursday, March 5, 2026",
    "medium": "Mar 5, 2026",
    "short": "3/5/26",
    "iso": "2026-03-05",
    "D MMMM YYYY": "5 March 2026",
    "[Week of] ddd, MMM D": "Week of Thu, Mar 5",
    "DD.MM.YY": "05.03.26",
}


@pytest.mark.parametrize("fmt", list(DATE_FORMATS))
def test_date_format_as_quarto_writes_it(tmp_path, fmt):
    text = f'---\ntitle: T\ndate: 2026-03-05\ndate-format: "{fmt}"\n---\n\nText.\n'
    doc = read(write_project(tmp_path, {"report.qmd": text}))
    assert doc.meta["date"] == DATE_FORMATS[fmt]


# Quarto 1.10.18's PDF date for each date as written, with no date-format and with
# ALL_TOKENS (recorded; in UTC): it reads the date in several forms and writes it by
# date-format, "iso" by default
ALL_TOKENS = "dddd MMM Do, YYYY (dd) h:mm A HH:mm:ss Q k X [Week] d"
DATES = {
    '"March 5, 2024"': ("2024-03-05", "Tuesday Mar 5th, 2024 (Tu) 12:00 AM 00:00:00 "
                        "1 24 1709596800 Week 2"),
    "2024-03-05T14:30:00": ("2024-03-05", "Tuesday Mar 5th, 2024 (Tu) 2:30 PM "
                            "14:30:00 1 14 1709649000 Week 2"),
    '"05/03/2024"': ("2024-05-03", "Friday May 3rd, 2024 (Fr) 12:00 AM 00:00:00 2 24 "
                     "1714694400 Week 5"),
    '"2024-03"': ("2024-03-01", "Friday Mar 1st, 2024 (Fr) 12:00 AM 00:00:00 1 24 "
                  "1709251200 Week 5"),
    '"5 March 2024"': ("2024-03-05", "Tuesday Mar 5th, 2024 (Tu) 12:00 AM 00:00:00 1 "
                       "24 1709596800 Week 2"),
    "2024-03-05T23:30:00-05:00": ("2024-03-06", "Wednesday Mar 6th, 2024 (We) 4:30 AM "
                                  "04:30:00 1 4 1709699400 Week 3"),
    '"2024-03-05 14:30"': ("2024-03-05", "Tuesday Mar 5th, 2024 (Tu) 2:30 PM "
                           "14:30:00 1 14 1709649000 Week 2"),
}  # fmt: skip


@pytest.mark.parametrize("date", list(DATES))
def test_dates_read_and_written_as_quarto(tmp_path, monkeypatch, date):
    monkeypatch.setenv("TZ", "UTC")  # the zone Quarto's dates were recorded in
    time.tzset()
    for fmt, expected in zip(("", f'date-format: "{ALL_TOKENS}"\n'), DATES[date]):
        text = f"---\ntitle: T\ndate: {date}\n{fmt}---\n\nText.\n"
        doc = read(write_project(tmp_path, {"report.qmd": text}))
        assert doc.meta["date"] == expected


def test_ordinals_and_twelve_hour_clock():
    from builder.read.document import format_date

    days = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th",
            13: "13th", 21: "21st", 22: "22nd", 23: "23rd", 31: "31st"}  # fmt: skip
    for day, word in days.items():
        assert format_date(f"2024-01-{day:02d}", "Do", {}, "x") == word
    hours = {"00": "12 AM 24", "01": "1 AM 1", "11": "11 AM 11", "12": "12 PM 12",
             "13": "1 PM 13", "23": "11 PM 23"}  # fmt: skip
    for hour, words in hours.items():
        assert format_date(f"2024-01-01T{hour}:05", "h A k", {}, "x") == words
    assert format_date("2024-11-01", "Q [Q] YY", {}, "x") == "4 Q 24"


def test_week_tokens_stop(tmp_path):
    text = '---\ntitle: T\ndate: 2024-03-05\ndate-format: "W YYYY"\n---\n\nText.\n'
    with pytest.raises(BuildError, match=r"report.qmd:4: the date-format token 'W'"):
        read(write_project(tmp_path, {"report.qmd": text}))


# Quarto 1.10.18's dates in a named style in another language: Intl.DateTimeFormat in
# dayjs's locale (recorded with `quarto run`, which is Quarto's Deno; en-GB also in a
# PDF, round40 46): fr-BE falls back to fr, as dayjs has no fr-be
LANG_DATES = {
    ("en-GB", "long"): "5 March 2026",
    ("de", "full"): "Donnerstag, 5. März 2026",
    ("fr-BE", "short"): "05/03/2026",
    ("pt-BR", "medium"): "5 de mar. de 2026",
}


@pytest.mark.parametrize("lang, fmt", list(LANG_DATES))
def test_a_date_style_is_written_in_the_documents_language(tmp_path, lang, fmt):
    text = f"---\ntitle: T\nlang: {lang}\ndate: 2026-03-05\ndate-format: {fmt}\n---\n"
    doc = read(write_project(tmp_path, {"report.qmd": text + "\nText.\n"}))
    assert doc.meta["date"] == LANG_DATES[lang, fmt]


def test_date_words_in_another_language_stop(tmp_path, capsys):
    text = "---\ntitle: T\nlang: de\ndate: 2026-03-05\ndate-format: D MMMM\n---\n\nT.\n"
    with pytest.raises(BuildError, match=r"report.qmd:5: date-format .D MMMM. in a "
                       r"document with lang: de is not supported"):  # fmt: skip
        read(write_project(tmp_path, {"report.qmd": text}))
    text = "---\ntitle: T\ndate: sometime in May\ndate-format: long\n---\n\nText.\n"
    assert read(write_project(tmp_path, {"report.qmd": text})).meta["date"] == (
        "sometime in May"  # not a date: as written (Quarto prints "Invalid Date")
    )
    assert (
        "report.qmd:4: date 'sometime in May' is not a date" in capsys.readouterr().out
    )


def test_special_dates_as_quarto_resolves_them(tmp_path):
    """`today`, `now` and `last-modified` (src/core/date.ts): Quarto 1.10.18 prints the
    day (ISO, or by date-format); `last-modified` is the day the file was saved."""
    import datetime
    import os

    today = datetime.date.today()
    for word in ("today", "now"):
        text = f"---\ntitle: T\ndate: {word}\n---\n\nText.\n"
        assert read(write_project(tmp_path, {"report.qmd": text})).meta["date"] == (
            today.isoformat()
        )
    text = "---\ntitle: T\ndate: last-modified\ndate-format: long\n---\n\nText.\n"
    qmd = write_project(tmp_path, {"report.qmd": text})
    os.utime(qmd, (0, datetime.datetime(2025, 3, 5, 12).timestamp()))
    assert read(qmd).meta["date"] == "March 5, 2025"


def test_a_chunk_inside_a_code_block_is_text_with_a_warning(tmp_path, capsys):
    """Quarto 1.10 runs a ```{python} chunk inside a ````markdown block (round41): the
    builder shows it as the code block's text, and says so at its line."""
    text = "---\ntitle: T\n---\n\n````markdown\n```{python}\nx = 5\n```\n````\n"
    doc = read(write_project(tmp_path, {"report.qmd": text}))
    assert doc.chunks == [] and "```{python}\nx = 5" in doc.blocks[0].text
    assert (
        "report.qmd:6: a python chunk inside the code block opened at report.qmd:5 is "
        "shown as text and not run" in capsys.readouterr().out
    )
    read(
        write_project(tmp_path, {"report.qmd": text.replace("{python}", "{{python}}")})
    )
    assert "chunk inside" not in capsys.readouterr().out  # escaped: shown, as Quarto


def test_authors_is_quartos_other_name_for_author(tmp_path, capsys):
    """`authors:` (Quarto's authors.lua takes it before `author:`), read as the title
    block's authors, with no warning (round42)."""
    text = "---\ntitle: T\nauthors:\n  - name: Alice\n  - Bob\n---\n\nText.\n"
    doc = read(write_project(tmp_path, {"report.qmd": text}))
    assert doc.meta["author"] == ["Alice", "Bob"] and "authors" not in doc.meta
    assert "authors" not in capsys.readouterr().out


def test_position_marks_go_only_where_pandoc_starts_a_block(tmp_path):
    """The reader marks headings, div fences and paragraph starts with their source
    line; pandoc's reading of the marked text decides: a mark it reads as text, code,
    math or raw markup is taken back. Here a `<pre>` block's line after a blank line
    (which the reader's own rules marked, and the notebook showed), a heading right
    after a paragraph's line, a list item's line inside inline math."""
    body = (
        "Intro.\n\n<pre>\nfirst\n\nafter a blank\n</pre>\n\nText\n# Not a heading\n\n"
        "The sum $a\n- b$ ends.\n\n# A heading\n\n- item\n- other\n"
    )
    qmd = write_project(tmp_path, {"report.qmd": "---\ntitle: T\n---\n\n" + body})
    doc = read(qmd)
    marked = [
        b.where(k)
        for b in doc.blocks
        if isinstance(b, Markdown)
        for k, m in enumerate(b.marks)
        if m
    ]
    assert marked == [f"report.qmd:{n}" for n in (5, 13, 16, 19, 21, 22)]
