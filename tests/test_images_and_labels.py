"""Questions 1(b)/(c): images of every kind load as (3, 224, 224) tensors in [0, 1], broken files
give errors naming the file, and classes come out by name."""

import io
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
from conftest import DATA, needs_data
from imagenet_model import Normalized, class_names, load_alexnet, read_label_table
from images import (
    ImageError,
    _to_rgb,
    fetch_images,
    find_images,
    load_image,
    pick_images,
    quantize,
    save_png,
)
from PIL import Image
from predictions import predict, top_prediction

IMAGEN = DATA / "imagen"


def check(tensor, size=224):
    assert tensor.shape == (3, size, size) and tensor.dtype == torch.float32
    assert 0 <= tensor.min() and tensor.max() <= 1


@pytest.mark.parametrize(
    "name",
    [
        "n03017168_6589_chime.jpg",  # greyscale JPEG (mode L)
        "n04074963_15621_remote_control.jpg",  # 40x122 thumbnail
        "n07697100_25048_hamburger.jpg",
    ],
)  # 2848x2136 photo
@needs_data
def test_awkward_real_photos(name):
    image = load_image(IMAGEN / name)
    check(image)
    if "chime" in name:
        assert torch.equal(image[0], image[1]) and torch.equal(image[1], image[2])


def make(tmp_path, name, image, fmt):
    path = tmp_path / name
    image.save(path, format=fmt)
    return path


def test_rgba_is_composited_on_white(tmp_path):
    rgba = Image.new("RGBA", (30, 20), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((0, 0), (0, 0, 255, 255))
    image = load_image(make(tmp_path, "a.png", rgba, "PNG"), size=30)
    assert torch.allclose(image[:, 10, 15], torch.ones(3))  # transparent -> white
    check(image, 30)


def test_palette_cmyk_and_16_bit(tmp_path):
    palette = Image.new("P", (10, 10))
    palette.putpalette([0, 128, 255] * 256)
    check(load_image(make(tmp_path, "p.gif", palette, "GIF")))
    cmyk = Image.new(
        "CMYK", (10, 10), (0, 255, 255, 0)
    )  # no cyan, full magenta+yellow: red
    red = load_image(make(tmp_path, "c.jpg", cmyk, "JPEG"), size=10)
    assert red[0].mean() > 0.9 and red[1].mean() < 0.1 and red[2].mean() < 0.1
    deep = Image.fromarray(np.full((8, 8), 65535, dtype=np.uint16))
    assert deep.mode.startswith("I;16")
    assert torch.allclose(
        load_image(make(tmp_path, "d.png", deep, "PNG"), size=8), torch.ones(3, 8, 8)
    )
    half = Image.fromarray(np.full((8, 8), 32768, dtype=np.uint16))
    assert load_image(
        make(tmp_path, "h.png", half, "PNG"), size=8
    ).mean().item() == pytest.approx(128 / 255)


def test_wrong_extension_is_read_by_content(tmp_path):
    png_named_jpg = make(
        tmp_path, "really_a_png.jpg", Image.new("RGB", (5, 5), (0, 255, 0)), "PNG"
    )
    image = load_image(png_named_jpg, size=5)
    assert torch.equal(image[:, 2, 2], torch.tensor([0.0, 1.0, 0.0]))


def test_broken_files_name_the_file(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.png").write_text("this is not an image")
    good = io.BytesIO()
    Image.new("RGB", (200, 200), (10, 20, 30)).save(good, format="JPEG")
    (tmp_path / "truncated.jpg").write_bytes(good.getvalue()[:300])
    cases = {
        "empty.jpg": "the file is empty",
        "text.png": "not an image file PIL can read",
        "truncated.jpg": "damaged or truncated",
        "missing.jpg": "no such file",
    }
    for name, message in cases.items():
        with pytest.raises(ImageError, match=rf"{name}: .*{message}"):
            load_image(tmp_path / name)


def test_png_round_trip_is_exact(tmp_path):
    image = quantize(
        torch.rand(3, 224, 224, generator=torch.Generator().manual_seed(0))
    )
    save_png(image, tmp_path / "x.png")
    assert torch.equal(load_image(tmp_path / "x.png"), image)


@needs_data
def test_finding_and_picking_images():
    found = find_images()  # offline: the 31 listed photos, all in REPORT_DATA_DIR
    assert len(found) == 31 and sorted(found) == sorted(
        p.name for p in IMAGEN.iterdir()
    )
    labels = [label for _, label, _ in found.values()]
    assert labels.count(None) == 1 and found["n07697100_25048_hamburger.jpg"][1] is None
    assert all(0 <= label < 1000 for label in labels if label is not None)
    assert found["n01882714_11334_koala_bear.jpg"][1] == 105  # koala
    fetch_images(found, list(found))  # all local, all checksums match
    picked = pick_images(found, 5, seed=3)
    assert (
        picked == pick_images(found, 5, seed=3)
        and len({found[f][1] for f in picked}) == 5
    )


@needs_data
def test_a_local_copy_with_the_wrong_checksum_is_rejected(tmp_path, monkeypatch):
    name = "n01882714_11334_koala_bear.jpg"
    (tmp_path / name).write_bytes((IMAGEN / name).read_bytes() + b"x")
    monkeypatch.setenv("REPORT_IMAGES_DIR", str(tmp_path))  # looked at first
    found = find_images()
    assert found[name][0] == tmp_path / name
    with pytest.raises(ImageError, match=rf"{name}: not the expected imagen photo"):
        fetch_images(found, [name])
    with pytest.raises(ValueError, match="only"):
        pick_images(found, 50, seed=0)


def test_any_folder_of_images(tmp_path, monkeypatch):
    for name in ("a.png", "b.JPG", "notes.txt"):
        fmt = "PNG" if name.endswith("png") else "JPEG"
        if name.endswith("txt"):
            (tmp_path / name).write_text("not an image")
        else:
            Image.new("RGB", (9, 9)).save(tmp_path / name, format=fmt)
    monkeypatch.setenv("REPORT_DATA_DIR", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("REPORT_IMAGES_DIR", str(tmp_path))
    found = find_images()
    assert found == {
        "a.png": (tmp_path / "a.png", None, None),
        "b.JPG": (tmp_path / "b.JPG", None, None),
    }
    assert sorted(pick_images(found, 2, seed=0)) == ["a.png", "b.JPG"]


@needs_data
def test_label_table_and_torchvision_names():
    names = class_names()
    assert len(names) == 1000 and names[51] == "triceratops"
    table = read_label_table(DATA / "imagenet1000_clsidx_to_labels.txt")
    assert table[51] == "triceratops" and len(set(table)) == 1000
    assert (table[134], table[517]) == ("crane (class 134)", "crane (class 517)")
    assert (table[638], table[639]) == ("maillot", "maillot, tank suit")
    same = sum(t.split(",")[0].split(" (class")[0] == n for t, n in zip(table, names))
    assert same == 998  # as the data README says (134 and 639 differ)


def test_bad_label_table(tmp_path):
    (tmp_path / "labels.txt").write_text("{0: 'a', 1: 'b',")
    with pytest.raises(ValueError, match=r"labels.txt: not a Python dict literal"):
        read_label_table(tmp_path / "labels.txt")


class FixedLogits(nn.Module):
    def __init__(self, index):
        super().__init__()
        self.index = index

    def forward(self, x):
        logits = torch.zeros(x.shape[0], 1000)
        logits[:, self.index] = 5.0
        return logits


@needs_data
def test_naming_helper_with_controlled_logits():
    name, probability = top_prediction(
        FixedLogits(51), IMAGEN / "n02129604_20374_tiger.jpg", class_names()
    )
    assert name == "triceratops"
    assert probability == pytest.approx(np.exp(5) / (np.exp(5) + 999), rel=1e-5)
    top = predict(FixedLogits(7), torch.rand(3, 224, 224), class_names(), k=3)
    assert top[0][0] == class_names()[7] and len(top) == 3


def test_normalisation_lives_inside_the_model():
    inner = nn.Identity()
    x = torch.rand(2, 3, 4, 4)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    assert torch.allclose(Normalized(inner)(x), (x - mean) / std)


def test_missing_weights_stop_with_a_useful_message(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache
    monkeypatch.delenv("REPORT_ALEXNET_WEIGHTS", raising=False)
    with pytest.raises(
        FileNotFoundError, match=r"alexnet-owt-7be5be79.pth.*REPORT_ALEXNET_WEIGHTS"
    ):
        load_alexnet()
    model, note = load_alexnet(allow_untrained=True, seed=0)
    assert note.startswith("UNTRAINED")
    again, _ = load_alexnet(allow_untrained=True, seed=0)
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), again.state_dict().values())
    )
    (tmp_path / "fake.pth").write_bytes(b"not weights")
    message = r"fake.pth: not the expected pretrained AlexNet weights alexnet-owt-7be5b"
    with pytest.raises(ValueError, match=message):
        load_alexnet(weights_path=tmp_path / "fake.pth")
    monkeypatch.setenv("REPORT_ALEXNET_WEIGHTS", str(tmp_path / "fake.pth"))
    with pytest.raises(ValueError, match=message):  # checked wherever it comes from
        load_alexnet(allow_untrained=True)


def test_predict_gives_softmax_probabilities_of_the_top_k():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 10))
    image = torch.rand(3, 4, 4)
    names = [f"class {i}" for i in range(10)]
    top = predict(model, image, names)
    with torch.no_grad():
        probs = torch.softmax(model(image.unsqueeze(0)), dim=1)[0]
    order = probs.argsort(descending=True)[:5].tolist()
    assert [n for n, _ in top] == [names[i] for i in order]  # k = 5 by default
    assert [p for _, p in top] == pytest.approx(probs[order].tolist())


def test_wrap_breaks_class_names_at_spaces_only():
    from predictions import wrap

    name = "great grey owl, great gray owl, Strix nebulosa"
    assert wrap(name) == "great grey owl, great\ngray owl, Strix\nnebulosa"  # 22
    assert wrap(name, 10) == "great grey\nowl, great\ngray owl,\nStrix\nnebulosa"
    assert wrap("x" * 30, 10) == "x" * 30  # a long word is never cut
    assert wrap("a" * 10 + " " + "b" * 12) == "a" * 10 + "\n" + "b" * 12  # 23 > 22


def test_quantize_and_save_round_to_the_nearest_8_bit_level(tmp_path):
    values = torch.tensor([0.0, 0.6 / 255, 100.4 / 255, 100.6 / 255, 1.2, -0.1])
    levels = torch.tensor([0.0, 1.0, 100.0, 101.0, 255.0, 0.0]) / 255
    assert torch.equal(quantize(values), levels)
    image = values.repeat(2).reshape(3, 2, 2)
    save_png(image, tmp_path / "q.png")
    assert torch.equal(load_image(tmp_path / "q.png", size=2), quantize(image))


def test_deep_greyscale_modes_are_rescaled_and_rounded(tmp_path):
    # 16 bits: 25854 / 65535 * 255 = 100.598 -> rounds to 101
    deep = Image.fromarray(np.full((4, 4), 25854, dtype=np.uint16))
    loaded = load_image(make(tmp_path, "d.png", deep, "PNG"), size=4)
    assert torch.equal(loaded, torch.full((3, 4, 4), 101 / 255))
    # 32-bit integers within 0..255 are 8-bit values already
    wide = Image.fromarray(np.full((4, 4), 200, dtype=np.int32), "I")
    assert wide.mode == "I"
    loaded = load_image(make(tmp_path, "i.tif", wide, "TIFF"), size=4)
    assert torch.equal(loaded, torch.full((3, 4, 4), 200 / 255))


def test_transparent_greyscale_and_palette_are_composited_on_white(tmp_path):
    la = Image.new("LA", (4, 4), (0, 0))  # black, fully transparent
    assert torch.equal(
        load_image(make(tmp_path, "la.png", la, "PNG"), size=4), torch.ones(3, 4, 4)
    )
    palette = Image.new("P", (4, 4), 0)
    palette.putpalette([0, 0, 0] * 256)
    palette.info["transparency"] = 0
    path = tmp_path / "p.png"
    palette.save(path, transparency=0)
    assert torch.equal(load_image(path, size=4), torch.ones(3, 4, 4))


def test_picking_without_distinct_classes_and_the_shortfall_message():
    found = {f"{i}.jpg": (Path(f"{i}.jpg"), 7, None) for i in range(4)}
    assert len(pick_images(found, 4, seed=0, distinct_classes=False)) == 4
    with pytest.raises(
        ValueError, match=r"only 1 images of different classes are available, 2 needed"
    ):
        pick_images(found, 2, seed=0)


def test_weights_are_loaded_from_a_file_into_the_model(tmp_path, monkeypatch):
    """The pretrained path with a stand-in network (the real 233 MB weights cannot be
    had here) and the checksum check passed: the file's tensors end up in the model,
    which is in eval mode behind the normalisation."""
    import imagenet_model

    def small():
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 2 * 2, 1000))

    torch.manual_seed(5)
    saved = small().state_dict()
    torch.save(saved, tmp_path / "weights.pth")
    monkeypatch.setattr(imagenet_model, "alexnet", small)
    monkeypatch.setattr(imagenet_model, "verify", lambda path, name: None)
    model, note = load_alexnet(weights_path=tmp_path / "weights.pth")
    assert note.endswith("from weights.pth)") and note.startswith("pretrained")
    assert not model.training and isinstance(model, Normalized)
    for name, tensor in saved.items():
        assert torch.equal(model.model.state_dict()[name], tensor)
    assert model(torch.rand(2, 3, 2, 2)).shape == (2, 1000)
    # a file that is not a plain state dict of tensors is refused (weights_only)
    torch.save({"0.weight": print}, tmp_path / "code.pth")
    with pytest.raises(Exception, match="[Ww]eights only|weights_only"):
        load_alexnet(weights_path=tmp_path / "code.pth")
    monkeypatch.setattr(imagenet_model, "fetch", lambda name: tmp_path / "weights.pth")
    assert load_alexnet()[1].endswith("from weights.pth)")  # found by fetch


def test_untrained_default_and_messages(tmp_path, monkeypatch):
    from downloads import cache_dir_of

    model, note = load_alexnet(allow_untrained=True)
    assert note == "UNTRAINED (random weights, seed 0)"
    seeded, _ = load_alexnet(allow_untrained=True, seed=0)
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), seeded.state_dict().values())
    )
    with torch.no_grad():
        assert model(torch.rand(1, 3, 224, 224)).shape == (1, 1000)
    with pytest.raises(FileNotFoundError, match=r"missing.pth: no such file"):
        load_alexnet(weights_path=tmp_path / "missing.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("REPORT_ALEXNET_WEIGHTS", raising=False)
    with pytest.raises(FileNotFoundError) as error:
        load_alexnet()
    message = str(error.value)
    assert f"put it in {cache_dir_of('alexnet-owt-7be5be79.pth')}/" in message
    assert message.endswith("(REPORT_FAST=1), which runs on untrained weights.")


@needs_data
def test_label_table_keys_and_first_synonyms(tmp_path):
    (tmp_path / "gaps.txt").write_text("{1: 'a', 2: 'b'}")
    with pytest.raises(ValueError, match=r"gaps.txt: expected a dict with keys 0..N-1"):
        read_label_table(tmp_path / "gaps.txt")
    (tmp_path / "list.txt").write_text("['a', 'b']")
    with pytest.raises(ValueError, match=r"list.txt: expected a dict"):
        read_label_table(tmp_path / "list.txt")
    table = read_label_table(DATA / "imagenet1000_clsidx_to_labels.txt")
    assert table[0] == "tench"  # of 'tench, Tinca tinca'


def test_wide_integer_and_float_greyscale(tmp_path):
    # 32-bit integers above 255 are read as 16-bit: 40000 / 65535 * 255 = 155.6 -> 156
    wide = Image.fromarray(np.full((4, 4), 40000, dtype=np.int32), "I")
    loaded = load_image(make(tmp_path, "w.tif", wide, "TIFF"), size=4)
    assert torch.equal(loaded, torch.full((3, 4, 4), 156 / 255))
    # floats within 0..255 are rounded to the nearest level: 100.6 -> 101
    floats = Image.fromarray(np.full((4, 4), 100.6, dtype=np.float32), "F")
    loaded = load_image(make(tmp_path, "f.tif", floats, "TIFF"), size=4)
    assert torch.equal(loaded, torch.full((3, 4, 4), 101 / 255))
    big_endian = Image.frombytes("I;16B", (4, 4), np.full(16, 25854, ">u2").tobytes())
    assert torch.equal(
        load_image(make(tmp_path, "b.png", big_endian, "PNG"), size=4),
        torch.full((3, 4, 4), 101 / 255),
    )


@pytest.mark.parametrize(
    "mode, value, level",
    [
        # 16 bits in every byte order: 65407 / 65535 * 255 = 254.502 -> 255 (the
        # smallest value that rounds up to 255: dividing by 65536 would give 254)
        ("I;16", 65407, 255),
        ("I;16B", 65407, 255),
        ("I;16L", 65407, 255),
        ("I;16B", 25854, 101),
        ("I;16L", 25854, 101),
        ("I;16", 200, 1),  # a dark 16-bit image is not read as 8-bit: 0.78 -> 1
        # 32-bit integers: up to 255 they are 8-bit values, above it 16-bit ones
        ("I", 255, 255),
        ("I", 256, 1),  # 256 / 65535 * 255 = 0.996 -> 1
        # floats: rounded, and clipped to 0..255 (70000 / 65535 * 255 = 272.4)
        ("F", 100.6, 101),
        ("F", -5.0, 0),
        ("F", 70000.0, 255),
    ],
)
def test_deep_modes_in_memory(mode, value, level):
    """Each deep greyscale mode as PIL holds it in memory (no file in between, which
    could change the mode), to the 8-bit level expected by hand."""
    dtype = {"I;16": "<u2", "I;16L": "<u2", "I;16B": ">u2", "I": "<i4", "F": "<f4"}
    img = Image.frombytes(mode, (2, 2), np.full(4, value, dtype[mode]).tobytes())
    assert img.mode == mode
    assert np.asarray(_to_rgb(img)).tolist() == [[[level] * 3] * 2] * 2


def transparent_pixel(mode):
    """A 2x2 image of `mode`: pixel (0, 0) fully transparent black, the rest opaque
    black (premultiplied modes: colour 0 with alpha 0)."""
    img = Image.new(mode, (2, 2), (0, 255) if len(mode) == 2 else (0, 0, 0, 255))
    img.putpixel((0, 0), (0, 0) if len(mode) == 2 else (0, 0, 0, 0))
    return img


@pytest.mark.parametrize("mode", ["RGBA", "LA", "PA", "RGBa", "La"])
def test_every_alpha_mode_is_composited_on_white(mode):
    img = transparent_pixel(mode)
    if mode == "PA":
        img.putpalette([0, 0, 0] * 256)
    rgb = np.asarray(_to_rgb(img)).tolist()
    assert rgb == [[[255] * 3, [0] * 3], [[0] * 3, [0] * 3]], mode


@pytest.mark.parametrize("mode", ["RGB", "L", "P"])
def test_a_transparent_colour_is_composited_on_white(mode):
    """A PNG's tRNS chunk (img.info["transparency"]) makes one colour or palette index
    transparent, in RGB and greyscale images as in palette ones."""
    img = Image.new("RGB", (2, 2), (0, 0, 0))
    img.putpixel((1, 1), (10, 20, 30))
    img = img.convert(mode) if mode != "P" else img.quantize(2)
    black = img.getpixel((0, 0))
    img.info["transparency"] = black
    rgb = np.asarray(_to_rgb(img))
    assert rgb[0, 0].tolist() == [255, 255, 255]
    assert rgb[1, 1].tolist() != [255, 255, 255]


def test_online_finding_and_fetching(tmp_path, monkeypatch):
    import images

    monkeypatch.setenv("REPORT_DATA_DIR", str(tmp_path))  # nothing local
    monkeypatch.setenv("REPORT_OFFLINE", "0")
    found = find_images()  # online: every listed photo, to be downloaded
    koala = "n01882714_11334_koala_bear.jpg"
    assert len(found) == 31
    assert found[koala][:2] == (Path(".cache/data/imagen") / koala, 105)
    monkeypatch.setenv("REPORT_OFFLINE", "1")
    with pytest.raises(
        FileNotFoundError,
        match=r"set REPORT_DATA_DIR to a folder with .*listed in code/imagen_photos.py",
    ):
        find_images()
    # fetching skips unlisted photos and records where each listed one was put
    found = {"own.png": (Path("own.png"), None, None), koala: found[koala]}
    monkeypatch.setattr(images, "fetch", lambda name: tmp_path / name)
    fetch_images(found, ["own.png", koala])
    assert found[koala] == (tmp_path / "imagen" / koala, 105, found[koala][2])
    assert found["own.png"] == (Path("own.png"), None, None)
    monkeypatch.setattr(images, "fetch", lambda name: None)
    with pytest.raises(ImageError, match=r"koala_bear.jpg: could not be found"):
        fetch_images({koala: (Path(koala), 105, "x")}, [koala])


def test_picking_skips_a_repeated_class_and_goes_on():
    found = {"a": (Path("a"), 1, None), "b": (Path("b"), 1, None)}
    found |= {c: (Path(c), i, None) for i, c in enumerate("cde", start=2)}
    for seed in range(5):  # whichever comes first, one of a and b is skipped
        picked = pick_images(found, 4, seed=seed)
        assert len({found[f][1] for f in picked}) == 4
