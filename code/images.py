"""Questions 1(b) and 1(c) data: any image file -> a float tensor in [0, 1], and the
sample photos of the `imagen` collection listed in IMAGEN_PHOTOS (found locally or
downloaded and verified, see `downloads`)."""

import os
from pathlib import Path

import numpy as np
import torch
from downloads import IMAGE_SUFFIXES, fetch, find, offline
from imagen_photos import IMAGEN_PHOTOS
from PIL import Image, ImageOps, UnidentifiedImageError


class ImageError(ValueError):
    """An image file that cannot be used, with the file named in the message."""


def _to_rgb(img):
    """RGB for every PIL mode: 16-bit and 32-bit greyscale rescaled to 8 bits (rounded,
    clipped to 0..255), alpha and transparent colours composited on white, palette,
    CMYK, greyscale and the rest converted."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or a.max() > 255 else 255.0
        img = Image.fromarray(
            np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8), "L"
        )
    if img.mode == "La":  # premultiplied grey and alpha: PIL converts it to LA only
        img = img.convert("LA")
    if "transparency" in img.info:  # a palette index or colour that is transparent
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def load_image(path, size=224):
    """An image file as a (3, size, size) float tensor in [0, 1], resized to size x size
    as the assignment says (whatever the format, mode, extension or original size).
    Raises ImageError naming the file if it is missing, empty, damaged or no image."""
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
    """Save a (3, H, W) tensor in [0, 1] as an 8-bit PNG,
    each value rounded to the nearest level.."""
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
    """What saving as 8-bit does to images (any shape, values in [0, 1]): each value
    rounded to a multiple of 1/255."""
    return (images.clamp(0, 1) * 255).round() / 255


def find_images():
    """{file name: (path, ImageNet-1k class index or None, sha256 or None)} of the
    photos the report may draw from: those of IMAGEN_PHOTOS found locally or in the
    download cache, and, unless $REPORT_OFFLINE=1, the others too (with the path in the
    cache where `fetch_images` downloads them).  With $REPORT_IMAGES_DIR set: every
    image in that folder instead, with the class and sha256 of the listed photos and
    None for others.  Raises FileNotFoundError if no photo is available."""
    listed = {file: (index, sha256) for file, _, index, sha256 in IMAGEN_PHOTOS}
    own = os.environ.get("REPORT_IMAGES_DIR")
    if own:
        return {
            p.name: (p, *listed.get(p.name, (None, None)))
            for p in sorted(Path(own).iterdir())
            if p.suffix.lower() in IMAGE_SUFFIXES
        }
    found = {}
    for file, (index, sha256) in listed.items():
        path = find(f"imagen/{file}")
        if path or not offline():
            found[file] = (path or Path(".cache/data/imagen") / file, index, sha256)
    if not found:
        raise FileNotFoundError(
            "none of the imagen photos is available offline: set REPORT_DATA_DIR to a "
            "folder with imagen/<file> for the files listed in code/imagen_photos.py"
        )
    return found


def fetch_images(found, names):
    """Make sure each named photo is on disk (downloading it if needed) and matches its
    sha256 (photos of $REPORT_IMAGES_DIR that are not listed are not checked).
    Raises ImageError naming the file if it cannot be had or is not the listed one."""
    for name in names:
        path, _, sha256 = found[name]
        if sha256 is None:
            continue
        try:
            got = fetch(f"imagen/{name}")
        except ValueError as e:
            raise ImageError(str(e)) from None
        if got is None:
            raise ImageError(f"{path}: could not be found or downloaded")
        found[name] = (got, *found[name][1:])


def pick_images(found, count, seed, distinct_classes=True):
    """`count` file names drawn at random (fixed seed) from `found`, of different
    classes (None, an unknown class, counts as different from all).
    Raises ValueError if fewer than `count` classes are available."""
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
