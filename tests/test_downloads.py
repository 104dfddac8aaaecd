"""Where the inputs come from (code/downloads.py): the photo list against the imagen
manifest, downloads from a local mirror on 127.0.0.1 (verified, cached, not repeated,
corrupted files rejected), and the clear stop when inputs are missing."""

import csv
import hashlib
import os
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import DATA, ROOT, copy_project, http_server, needs_data
from downloads import (
    IMAGEN_PHOTOS,
    LABELS_NAME,
    SOURCES,
    WEIGHTS_NAME,
    MissingInputs,
    download,
    fetch,
    fetch_inputs,
)
from imagenet_model import WEIGHTS, load_alexnet
from images import ImageError, fetch_images, find_images
from ptb_data import load_corpus


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_data
def test_photo_list_matches_the_imagen_manifest_and_the_synset_list():
    with open(DATA / "imagen_manifest.tsv", encoding="utf-8", newline="") as f:
        manifest = {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}
    synsets = [
        line.split()[0]
        for line in (DATA / "LOC_synset_mapping.txt").read_text().splitlines()
    ]
    for file, wnid, index, digest in IMAGEN_PHOTOS:
        row = manifest[file]
        assert (row["wnid"], row["sha256"]) == (wnid, digest) and file.startswith(wnid)
        assert index == (synsets.index(wnid) if wnid in synsets else None)
        assert row["in1k_index"] == ("" if index is None else str(index))
    listed = {file for file, *_ in IMAGEN_PHOTOS}
    assert listed == {p.name for p in (DATA / "imagen").iterdir()}  # the awkward too
    assert len({index for _, _, index, _ in IMAGEN_PHOTOS if index is not None}) == 16
    assert SOURCES[WEIGHTS_NAME] == WEIGHTS.url  # where torchvision gets them


@pytest.fixture
def online(tmp_path, monkeypatch):
    """A fresh working folder and hub cache, downloads allowed, no local data."""
    monkeypatch.chdir(tmp_path)
    for name in ("REPORT_DATA_DIR", "REPORT_OFFLINE", "REPORT_ALEXNET_WEIGHTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path


@needs_data
def test_downloads_from_a_mirror_are_verified_cached_and_not_repeated(
    online, monkeypatch
):
    with http_server(DATA) as (base, requests):
        monkeypatch.setenv("REPORT_MIRROR_URL", base)
        fetch_inputs(fast=True)
        first = list(requests)
        inputs = fetch_inputs(fast=True)
        corpus = load_corpus(allow_fallback=True)
        found = find_images()
    got = {path for path, status in first if status == 200}
    assert got == {f"/imagen/{file}" for file, *_ in IMAGEN_PHOTOS} | {
        "/ptb/ptb.valid.txt",
        "/ptb/ptb.test.txt",
    }
    assert len(got) == len([s for _, s in first if s == 200])  # each file once
    # not on the mirror: asked once each (no retry of a 404), left to the draft fallback
    assert sorted(p for p, s in first if s == 404) == [
        "/alexnet-owt-7be5be79.pth",
        "/ptb/ptb.train.txt",
    ]
    again = requests[len(first) :]
    assert all(status == 404 for _, status in again)  # the second run downloads nothing
    cache = online / ".cache" / "data"
    for name in [f"imagen/{file}" for file, *_ in IMAGEN_PHOTOS] + [
        "ptb/ptb.valid.txt",
        "ptb/ptb.test.txt",
    ]:
        assert sha256(cache / name) == sha256(DATA / name), name
    assert corpus["paths"]["train"].resolve() == cache / "ptb" / "ptb.valid.txt"
    assert {n: p and p.resolve() for n, p in inputs.items()} == {
        "ptb/ptb.valid.txt": cache / "ptb" / "ptb.valid.txt",
        "ptb/ptb.test.txt": cache / "ptb" / "ptb.test.txt",
        "ptb/ptb.train.txt": None,  # what tells the report it is a draft
        WEIGHTS_NAME: None,
    }
    assert {p.resolve().parent for p, _, _ in found.values()} == {cache / "imagen"}


@needs_data
def test_a_corrupted_mirror_file_is_rejected_and_not_kept(online, monkeypatch):
    mirror = online / "mirror"
    shutil.copytree(DATA / "imagen", mirror / "imagen")
    shutil.copytree(DATA / "ptb", mirror / "ptb")
    photo = IMAGEN_PHOTOS[0][0]
    for name in (f"imagen/{photo}", "ptb/ptb.valid.txt"):
        (mirror / name).write_bytes((DATA / name).read_bytes()[:-1] + b"!")
    torch.save({"w": torch.zeros(2)}, mirror / "alexnet-owt-7be5be79.pth")
    with http_server(mirror) as (base, _):
        monkeypatch.setenv("REPORT_MIRROR_URL", base)
        with pytest.raises(
            ValueError,
            match=rf"{base}/ptb/ptb.valid.txt: not the expected PTB valid split "
            r"ptb/ptb.valid.txt \(its sha256 differs\); not kept",
        ):
            fetch("ptb/ptb.valid.txt")
        with pytest.raises(
            ImageError, match=rf"{base}/imagen/{photo}: not the expected"
        ):
            fetch_images(find_images(), [photo])
        with pytest.raises(
            ValueError,
            match=r"alexnet-owt-7be5be79.pth: not the expected pretrained AlexNet "
            r"weights .*its sha256 does not start with 7be5be79\); not kept",
        ):
            load_alexnet(allow_untrained=True)
        with pytest.raises(ValueError, match="not the expected"):
            fetch_inputs(fast=True)  # a wrong file stops the run, it is not "missing"
    kept = [p for p in online.rglob("*") if p.is_file() and mirror not in p.parents]
    assert not kept, f"left behind: {kept}"
    cached = online / ".cache" / "data"
    assert not (cached / "ptb" / "ptb.valid.txt").exists()
    assert not (cached / "imagen" / photo).exists()


@needs_data
def test_the_label_table_is_checked_by_its_text(online, monkeypatch):
    """Copies of the assignment's table differ in the final newline only: both are
    accepted, downloaded once; a copy with another text is rejected and not kept."""
    text = (DATA / LABELS_NAME).read_bytes()
    assert text.endswith(b"}\n")
    mirror = online / "mirror"
    mirror.mkdir()
    for name, body in [("a", text), ("b", text.rstrip()), ("c", text + b"\r\n")]:
        (mirror / name).mkdir()
        (mirror / name / LABELS_NAME).write_bytes(body)
    (mirror / "d").mkdir()
    (mirror / "d" / LABELS_NAME).write_bytes(text.replace(b"tench", b"trench"))
    with http_server(mirror) as (base, requests):
        for folder in "abc":
            monkeypatch.setenv("REPORT_MIRROR_URL", f"{base}/{folder}")
            path = download(LABELS_NAME)
            assert path.read_bytes().rstrip() == text.rstrip()
            path.unlink()
        monkeypatch.setenv("REPORT_MIRROR_URL", f"{base}/d")
        with pytest.raises(
            ValueError,
            match=rf"{base}/d/{LABELS_NAME}: not the expected assignment's class-name "
            r"table .*\(the sha256 of its text differs\); not kept",
        ):
            fetch(LABELS_NAME)
        assert len(requests) == 4
    assert not (online / ".cache" / "data" / LABELS_NAME).exists()
    monkeypatch.setenv("REPORT_OFFLINE", "1")
    monkeypatch.setenv("REPORT_DATA_DIR", str(DATA))
    assert fetch(LABELS_NAME) == DATA / LABELS_NAME
    assert SOURCES[LABELS_NAME].endswith(
        f"yrevar/942d3a0ac09ec9e5eb3a/raw/{LABELS_NAME}"
    )


def test_a_file_checked_like_torchvision_weights(online, monkeypatch):
    """The weights' check (the start of the sha256 in the file name, as torchvision
    does) on a small file: the real weights are not available offline."""
    mirror = online / "mirror"
    mirror.mkdir()
    torch.save({"w": torch.arange(3.0)}, mirror / "tmp.pth")
    digest = sha256(mirror / "tmp.pth")
    name = f"tiny-{digest[:8]}.pth"
    (mirror / "tmp.pth").rename(mirror / name)
    with http_server(mirror) as (base, requests):
        monkeypatch.setenv("REPORT_MIRROR_URL", base)
        path = download(name)
        assert sha256(path) == digest and requests == [(f"/{name}", 200)]
        assert torch.load(path, weights_only=True)["w"].tolist() == [0.0, 1.0, 2.0]
        assert fetch(name).resolve() == path and len(requests) == 1  # cached
        with pytest.raises(OSError, match="HTTP 404"):
            download("tiny-00000000.pth")


def test_missing_inputs_are_all_named_with_the_way_to_provide_them(online, monkeypatch):
    monkeypatch.setenv("REPORT_OFFLINE", "1")
    with pytest.raises(MissingInputs) as error:
        fetch_inputs(fast=False)
    message = str(error.value)
    for needed in (
        "imagen photos of 5 different classes (found 0)",
        "PTB valid split ptb/ptb.valid.txt",
        "PTB test split ptb/ptb.test.txt",
        "PTB train split ptb/ptb.train.txt",
        "pretrained AlexNet weights alexnet-owt-7be5be79.pth",
        "REPORT_DATA_DIR=",
        "REPORT_OFFLINE=1",
        "a draft (REPORT_FAST=1)",
    ):
        assert needed in message
    monkeypatch.delenv("REPORT_OFFLINE")
    with http_server(online) as (base, _):
        closed = base  # a port on 127.0.0.1 where nothing listens any more
    monkeypatch.setenv("REPORT_MIRROR_URL", closed)
    with pytest.raises(MissingInputs, match="could not be downloaded") as error:
        fetch_inputs(fast=True)  # no network: the first failure stops all downloads
    assert "PTB train split" not in str(error.value)  # a draft does without


@pytest.mark.parametrize("offline", ["1", "0"])
def test_a_build_without_inputs_stops_before_any_long_step(tmp_path, offline):
    """Offline with nothing provided (REPORT_OFFLINE=1, or downloads that cannot
    connect), the draft build stops at its first chunk with the list of what is missing,
    no traceback, and writes no output."""
    source = copy_project(tmp_path)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("REPORT_") or k == "REPORT_OFFLINE"
    }
    env.update(REPORT_OFFLINE=offline, TORCH_HOME=str(tmp_path / "torch"))
    if offline == "0":
        with http_server(tmp_path) as (base, _):
            pass
        env["REPORT_MIRROR_URL"] = base  # nothing listens there: no network
    run = subprocess.run(
        [sys.executable, "-m", "builder", str(source), "--fast"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert (
        "report.qmd" in run.stderr
        and "(chunk 'inputs') stopped the build" in run.stderr
    )
    for needed in ("imagen photos", "PTB valid split", "REPORT_DATA_DIR="):
        assert needed in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert "ran     inputs" not in run.stdout and "q1-model" not in run.stdout
    assert not (tmp_path / "report.ipynb").exists()
    assert not (tmp_path / "report.pdf").exists()
