"""The shared helpers for checked downloads and digests."""

import hashlib

import pytest
from caching import download, file_sha256


def test_file_sha256(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"a" * (3 << 20))  # several read blocks
    assert file_sha256(path) == hashlib.sha256(b"a" * (3 << 20)).hexdigest()


def test_download_keeps_only_a_file_that_passes_its_check(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("payload")
    good = hashlib.sha256(b"payload").hexdigest()
    target = tmp_path / "cache" / "copy.txt"
    download(source.as_uri(), target, lambda p: file_sha256(p) == good)
    assert target.read_text() == "payload"
    other = tmp_path / "cache" / "other.txt"
    with pytest.raises(
        ValueError, match="source.txt: the downloaded file does not match its checksum"
    ):
        download(source.as_uri(), other, lambda p: False)
    assert sorted(p.name for p in other.parent.iterdir()) == [
        "copy.txt"
    ]  # nothing half-written left
