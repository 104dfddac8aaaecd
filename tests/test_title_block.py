"""The build warns when the title block still holds the template's placeholders."""

from builder.__main__ import title_block_warnings


def test_placeholders_are_reported():
    warnings = title_block_warnings(
        {
            "author": "Student Name",
            "discussed-with": "nobody (edit discussed-with in the YAML header)",
        }
    )
    assert len(warnings) == 2 and all(w.startswith("WARNING:") for w in warnings)
    assert "Student Name" in warnings[0] and "discussed-with" in warnings[1]


def test_a_filled_in_title_block_gives_no_warning():
    assert (
        title_block_warnings({"author": "Ada Lovelace", "discussed-with": "nobody"})
        == []
    )
    assert len(title_block_warnings({"discussed-with": "nobody"})) == 1  # no author
