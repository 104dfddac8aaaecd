"""The build warns when the title block still holds the template's placeholders."""

from builder.diagnostics import title_block_warnings


def test_the_placeholder_author_is_reported():
    warnings = title_block_warnings({"author": "Student Name"})
    assert len(warnings) == 1 and warnings[0].startswith("WARNING:")
    assert "Student Name" in warnings[0]


def test_a_filled_in_title_block_gives_no_warning():
    assert title_block_warnings({"author": "Ada Lovelace"}) == []
    assert title_block_warnings({"author": "Student Names"}) == []
    # a document that names no author: Quarto says nothing, nor does the build
    assert title_block_warnings({"title": "Notes"}) == []


def test_the_student_line_is_the_first_line_of_the_author():
    """The author may hold a second line ("Discussed the questions with: ...") after a
    Markdown line break, so that both stand under the title."""
    placeholder = {"author": "Student Name\\\nDiscussed the questions with: nobody\n"}
    assert len(title_block_warnings(placeholder)) == 1
    filled = {"author": "Ada Lovelace\\\nDiscussed the questions with: nobody\n"}
    assert title_block_warnings(filled) == []


def test_front_matter_strings_reach_pandoc_as_text():
    """A quoted "Y" or "n" is text in YAML 1.1 and to Quarto (recorded: \\title{Y},
    \\subtitle{n}); written unquoted, pandoc's YAML reader would take it for a boolean
    (the title "true", the subtitle gone)."""
    from builder import parse
    from builder.weave import Woven

    meta = {"title": "Y", "subtitle": "n", "author": ["N", "Ada"], "date": "2026-12-02"}
    tree = parse.parse(Woven([], meta=meta).markdown)
    assert {k: parse.stringify(v) for k, v in tree["meta"].items()} == {
        "title": "Y",
        "subtitle": "n",
        "author": "NAda",
        "date": "2026-12-02",
    }


def test_a_note_reference_in_the_front_matter_stays_text():
    """Quarto hands pandoc the front matter apart from the body (recorded: the title
    "Losses[^t]", and pandoc's warning that the note is not used)."""
    from builder import parse
    from builder.weave import Woven

    woven = Woven(["Text.", "[^t]: Written for the course."], meta={"title": "L[^t]"})
    tree = parse.parse(woven.markdown)
    assert parse.stringify(tree["meta"]["title"]) == "L[^t]"
    assert not [e for e in parse.walk(tree) if e.get("t") == "Note"]


def test_only_the_reports_own_warning_lines_are_repeated_at_the_end():
    """`WARNING: ...` lines the report's code prints come back at the end of the build;
    a line of Python's logging (`WARNING:train:...`) does not."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from builder.diagnostics import status_lines

    printed = "WARNING: untrained AlexNet in this draft\nWARNING:train:lr too high\n"
    cell = new_code_cell(
        "x", outputs=[new_output("stream", name="stdout", text=printed)]
    )
    assert status_lines(new_notebook(cells=[cell])) == [
        "WARNING: untrained AlexNet in this draft"
    ]
