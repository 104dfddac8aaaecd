"""The PDF's code listings: whole modules, and single definitions cut out with ast."""

import pytest
from listing import show_definitions, show_source


def test_show_definitions_prints_exactly_the_named_definitions(tmp_path, capsys):
    (tmp_path / "m.py").write_text(
        '"""doc"""\n\nimport os\n\n\ndef a(x):\n    """A."""\n    return x\n\n\n'
        "@staticmethod\ndef b():\n    pass\n\n\nclass C:\n    def m(self):\n"
        "        return 1\n\n\nZ = 3\n"
    )
    show_definitions("m", "C", "b", directory=tmp_path)
    out = capsys.readouterr().out
    assert out.startswith("**From `code/m.py`:** `C`, `b`\n")
    code = out.split("```python\n")[1].split("\n```")[0]
    assert code == (
        "class C:\n    def m(self):\n        return 1\n\n\n@staticmethod\ndef b():\n"
        "    pass"
    )
    with pytest.raises(KeyError, match="defines no d"):
        show_definitions("m", "a", "d", directory=tmp_path)


def test_show_source_prints_the_whole_module(tmp_path, capsys):
    (tmp_path / "m.py").write_text("x = 1\n\n\ny = 2\n")
    show_source("m", directory=tmp_path)
    assert capsys.readouterr().out == (
        "**Listing: `code/m.py`**\n\n```python\nx = 1\n\n\ny = 2\n```\n\n"
    )


def test_show_source_leaves_out_definitions_already_listed(tmp_path, capsys):
    import listing

    listing.SHOWN.clear()
    (tmp_path / "m.py").write_text(
        "import os\n\n\ndef a():\n    return 1\n\n\n@staticmethod\ndef b():\n"
        "    return 2\n\n\nclass C:\n    pass\n"
    )
    show_definitions("m", "b", directory=tmp_path)
    capsys.readouterr()
    show_source("m", directory=tmp_path)
    out = capsys.readouterr().out
    assert out.startswith(
        "**Listing: `code/m.py`** (without `b`, listed with the answers)"
    )
    code = out.split("```python\n")[1].split("\n```")[0]
    assert code == "import os\n\n\ndef a():\n    return 1\n\n\nclass C:\n    pass"
    listing.SHOWN.clear()


def test_show_source_leaves_out_supporting_definitions(tmp_path, capsys):
    import listing

    listing.SHOWN.clear()
    (tmp_path / "m.py").write_text(
        "def a():\n    return 1\n\n\ndef cached_a():\n    return a()\n\n\n"
        "def b():\n    return 2\n"
    )
    show_definitions("m", "b", directory=tmp_path)
    capsys.readouterr()
    show_source("m", directory=tmp_path, supporting=["m.cached_a", "other.a"])
    out = capsys.readouterr().out
    assert out.startswith(
        "**Listing: `code/m.py`** (without `b`, listed with the answers; `cached_a`, "
        "in the notebook only)\n"
    )
    code = out.split("```python\n")[1].split("\n```")[0]
    assert code == "def a():\n    return 1"
    listing.SHOWN.clear()
