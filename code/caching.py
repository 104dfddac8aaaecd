"""A small disk cache for expensive results (trained models, adversarial searches),
keyed by the code that computes them and everything they depend on; and digests."""

import hashlib
import inspect
import json
import os
from pathlib import Path

import torch


def fingerprint(*objects):
    """A digest (64 hex digits) of the source of functions and classes (their bytecode
    where the source is not available, as for code typed into a notebook in some front
    ends)."""
    h = hashlib.sha256()
    for obj in objects:
        try:
            h.update(inspect.getsource(obj).encode())
        except (OSError, TypeError):
            codes = (
                [obj.__code__]
                if hasattr(obj, "__code__")
                else [f.__code__ for f in vars(obj).values() if hasattr(f, "__code__")]
            )
            for code in codes:
                h.update(code.co_code + repr(code.co_consts).encode())
    return h.hexdigest()


def tensor_digest(*tensors):
    """sha256 (64 hex digits) of the tensors' values, in order (any shape, device)."""
    h = hashlib.sha256()
    for t in tensors:
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def file_sha256(path):
    """sha256 of a file's bytes (64 hex digits), read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_path(name, key, cache_dir=".cache/results"):
    """The file `cached` keeps the result for `key` (anything JSON can show) in:
    cache_dir/name-<16 hex digits of the key's sha256>.pt."""
    digest = hashlib.sha256(
        json.dumps(key, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return Path(cache_dir) / f"{name}-{digest}.pt"


def cached(name, key, compute, cache_dir=".cache/results"):
    """compute() once per key (anything JSON can show): the result (tensors, numbers,
    strings, lists and dicts of them) is saved under cache_dir (`cache_path`) and
    loaded on the next call with the same key, its tensors on the CPU wherever they
    were made (a model trained on a GPU loads on a machine without one).
    Returns (result, True if it came from the cache)."""
    path = cache_path(name, key, cache_dir)
    if path.exists():
        return torch.load(path, map_location="cpu", weights_only=True), True
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(result, tmp)
    os.replace(tmp, path)
    return result, False
