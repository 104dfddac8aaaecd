"""Questions 1(b) and 1(c): the pretrained torchvision AlexNet, with ImageNet normalisation
inside the model (so every image tensor elsewhere is in [0, 1]), and human-readable class names."""

import ast
import os
from pathlib import Path

import torch
import torch.nn as nn
from caching import file_sha256
from torchvision.models import AlexNet_Weights, alexnet

WEIGHTS = AlexNet_Weights.IMAGENET1K_V1
WEIGHTS_FILE = "alexnet-owt-7be5be79.pth"  # the hex is the start of the file's sha256


class Normalized(nn.Module):
    """model(normalise(x)) for x in [0, 1]: ImageNet mean and standard deviation per channel."""

    def __init__(self, model, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x):
        return self.model((x - self.mean) / self.std)


def class_names():
    """torchvision's names of the 1000 classes (always available offline; 51 -> 'triceratops')."""
    return list(WEIGHTS.meta["categories"])


def read_label_table(path):
    """The assignment's label table, a Python dict literal {index: 'name, synonym, ...'}, as
    1000 unique short names: the first synonym, or the full entry where the first synonym is
    shared by two classes, and the class index where even that is shared ('crane' is both 134
    and 517)."""
    try:
        table = ast.literal_eval(Path(path).read_text(encoding="utf-8"))
    except (SyntaxError, ValueError) as e:
        raise ValueError(
            f"{path}: not a Python dict literal of class names ({e})"
        ) from None
    if not isinstance(table, dict) or sorted(table) != list(range(len(table))):
        raise ValueError(f"{path}: expected a dict with keys 0..N-1")
    first = [table[i].split(",")[0].strip() for i in range(len(table))]
    names = [f if first.count(f) == 1 else table[i] for i, f in enumerate(first)]
    return [
        n if names.count(n) == 1 else f"{n} (class {i})" for i, n in enumerate(names)
    ]


def load_alexnet(weights_path=None, allow_untrained=False, seed=0):
    """(model in eval mode with normalisation inside, description of the weights).
    Pretrained weights come from `weights_path` or $REPORT_ALEXNET_WEIGHTS (a local copy of
    alexnet-owt-7be5be79.pth, hash checked), else from torchvision, which downloads them into
    the torch hub cache once. Without them: untrained weights (seeded) if allow_untrained,
    else an error that says where to get the file."""
    weights_path = weights_path or os.environ.get("REPORT_ALEXNET_WEIGHTS")
    cached = Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE
    state, source = None, None
    if weights_path:
        if not Path(weights_path).is_file():
            raise FileNotFoundError(
                f"{weights_path}: no such file (REPORT_ALEXNET_WEIGHTS)"
            )
        if not file_sha256(weights_path).startswith(WEIGHTS_FILE.split("-")[-1][:8]):
            raise ValueError(
                f"{weights_path}: not {WEIGHTS_FILE} (its sha256 does not start with 7be5be79)"
            )
        state, source = (
            torch.load(weights_path, map_location="cpu", weights_only=True),
            str(weights_path),
        )
    elif cached.is_file() or os.environ.get("REPORT_OFFLINE", "0") != "1":
        try:
            state = WEIGHTS.get_state_dict(progress=False, check_hash=True)
            source = f"torchvision {WEIGHTS} ({cached})"
        except Exception as e:  # no network, a proxy, a broken download ...
            print(f"could not get the pretrained AlexNet weights: {e}")
    if state is not None:
        model = alexnet()
        model.load_state_dict(state)
        return Normalized(model).eval(), f"pretrained ({source})"
    if not allow_untrained:
        raise FileNotFoundError(
            f"the pretrained AlexNet weights ({WEIGHTS_FILE}, 233 MB) are not available. "
            f"Download {WEIGHTS.url} and set REPORT_ALEXNET_WEIGHTS to the file, or put it in "
            f"{cached.parent}/; or build with --fast to run on untrained weights."
        )
    torch.manual_seed(seed)
    return Normalized(alexnet()).eval(), "UNTRAINED (random weights, seed %d)" % seed
