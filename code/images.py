"""Questions 1(b) and 1(c) data: any image file -> a float tensor in [0, 1], and the sample
photos of the `imagen` collection (found locally or downloaded and verified)."""

import csv
import os
from pathlib import Path

import numpy as np
import torch
from caching import download, file_sha256
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGEN_URL = (
    "https://raw.githubusercontent.com/ajschumacher/imagen/"
    "2e8718956e3bb046db9a8e488c2254fd9846b6c5/imagen/{file}"
)


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}


class ImageError(ValueError):
    """An image file that cannot be used, with the file named in the message."""


def _to_rgb(img):
    """RGB for every PIL mode: 16-bit and 32-bit greyscale rescaled, alpha composited on white,
    palette, CMYK, greyscale and the rest converted."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or a.max() > 255 else 255.0
        img = Image.fromarray(
            np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8), "L"
        )
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def load_image(path, size=224):
    """An image file as a (3, size, size) float tensor in [0, 1], resized to size x size as
    the assignment says (whatever the format, mode, extension or original size)."""
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: the file is empty")
    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img)
            img.load()
            rgb = _to_rgb(img).resize((size, size), Image.BICUBIC)
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image file PIL can read") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageError(f"{path}: the image is damaged or truncated ({e})") from None
    return (
        torch.from_numpy(np.asarray(rgb, dtype=np.float32) / 255.0)
        .permute(2, 0, 1)
        .contiguous()
    )


def save_png(image, path):
    """Save a (3, H, W) tensor in [0, 1] as an 8-bit PNG (rounded to the nearest level)."""
    array = (
        (image.detach().clamp(0, 1) * 255)
        .round()
        .to(torch.uint8)
        .permute(1, 2, 0)
        .cpu()
        .numpy()
    )
    Image.fromarray(array, "RGB").save(path, format="PNG")


def quantize(images):
    """What saving as 8-bit does to an image: each value rounded to a multiple of 1/255."""
    return (images.clamp(0, 1) * 255).round() / 255


def data_dir():
    folder = os.environ.get("REPORT_DATA_DIR")
    return Path(folder) if folder else None


def read_manifest(path):
    """The imagen manifest: one dict per file (file, wnid, label, in1k_index, ..., sha256)."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def find_images(cache_dir=".cache/data/imagen"):
    """{file name: (path, ImageNet class index, sha256)} of the imagen photos of ImageNet-1k
    classes listed in the manifest ($REPORT_IMAGEN_MANIFEST or $REPORT_DATA_DIR/imagen_manifest.tsv).
    The path is the local copy in $REPORT_IMAGES_DIR or $REPORT_DATA_DIR/imagen if there is
    one, else where `fetch_images` downloads it in the cache; with $REPORT_OFFLINE=1 only
    local copies are listed.  Without a manifest: every image in $REPORT_IMAGES_DIR, with
    class and checksum None (unknown)."""
    root = data_dir()
    manifest_path = Path(
        os.environ.get("REPORT_IMAGEN_MANIFEST")
        or (root / "imagen_manifest.tsv" if root else "")
    )
    if not manifest_path.is_file():
        if os.environ.get(
            "REPORT_IMAGES_DIR"
        ):  # any folder of images, true classes unknown
            folder = Path(os.environ["REPORT_IMAGES_DIR"])
            return {
                p.name: (p, None, None)
                for p in sorted(folder.iterdir())
                if p.suffix.lower() in IMAGE_SUFFIXES
            }
        raise FileNotFoundError(
            "no imagen manifest: set REPORT_DATA_DIR to a folder with imagen_manifest.tsv "
            "(and imagen/ with the photos), REPORT_IMAGEN_MANIFEST to the manifest, or "
            "REPORT_IMAGES_DIR to any folder of images"
        )
    folders = [os.environ.get("REPORT_IMAGES_DIR"), root and root / "imagen", cache_dir]
    offline = os.environ.get("REPORT_OFFLINE", "0") == "1"
    found = {}
    for row in read_manifest(manifest_path):
        if not row["in1k_index"]:
            continue
        local = next(
            (
                Path(f) / row["file"]
                for f in folders
                if f and (Path(f) / row["file"]).is_file()
            ),
            None,
        )
        if local or not offline:
            found[row["file"]] = (
                local or Path(cache_dir) / row["file"],
                int(row["in1k_index"]),
                row["sha256"],
            )
    if not found:
        raise FileNotFoundError(
            f"none of the images listed in {manifest_path} is available offline"
        )
    return found


def fetch_images(found, names):
    """Make sure each named image is on disk (downloading it from the imagen collection if
    needed) and matches its sha256 from the manifest."""
    for name in names:
        path, _, sha256 = found[name]
        if not path.is_file():
            download(
                IMAGEN_URL.format(file=name), path, lambda p: file_sha256(p) == sha256
            )
        elif sha256 and file_sha256(path) != sha256:
            raise ImageError(
                f"{path}: does not match the sha256 listed for it in the imagen manifest"
            )


def pick_images(found, count, seed, distinct_classes=True):
    """`count` files drawn at random (fixed seed) from `found`, from different classes."""
    g = torch.Generator().manual_seed(seed)
    names, chosen, classes = sorted(found), [], set()
    for i in torch.randperm(len(names), generator=g).tolist():
        label = found[names[i]][1]
        if distinct_classes and label is not None and label in classes:
            continue
        chosen.append(names[i])
        classes.add(label)
        if len(chosen) == count:
            return chosen
    raise ValueError(
        f"only {len(chosen)} images of different classes are available, {count} needed"
    )
