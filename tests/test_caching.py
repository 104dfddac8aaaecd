"""The shared digest helpers."""

import hashlib

from caching import file_sha256


def test_file_sha256(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"a" * (3 << 20))  # several read blocks
    assert file_sha256(path) == hashlib.sha256(b"a" * (3 << 20)).hexdigest()
