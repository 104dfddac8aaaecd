"""Questions 1(b) and 1(c): the pretrained torchvision AlexNet, with ImageNet
normalisation inside the model (so every image tensor elsewhere is in [0, 1]), and
human-readable class names."""

import ast
from pathlib import Path

import torch
import torch.nn as nn
from downloads import WEIGHTS_NAME, cache_dir_of, fetch, verify
from torchvision.models import AlexNet_Weights, alexnet

WEIGHTS = AlexNet_Weights.IMAGENET1K_V1
WEIGHTS_FILE = WEIGHTS_NAME  # alexnet-owt-7be5be79.pth, as in WEIGHTS.url


class Normalized(nn.Module):
    """model(normalise(x)) for x (B, 3, H, W) in [0, 1]: ImageNet mean and standard
    deviation per channel."""

    def __init__(self, model, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x):
        return self.model((x - self.mean) / self.std)


def class_names():
    """torchvision's names of the 1000 classes, offline (51 -> 'triceratops')."""
    return list(WEIGHTS.meta["categories"])


def read_label_table(path):
    """The assignment's label table, a dict literal {index: 'name, synonym, ...'}, as
    1000 unique short names: the first synonym, or the full entry where the first
    synonym is shared by two classes, and the class index where even that is shared
    ('crane' is both 134 and 517).  Raises ValueError naming the file if it is not such
    a dict."""
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
    The model maps (B, 3, 224, 224) images in [0, 1] to (B, 1000) logits.  Pretrained
    weights come from `weights_path`, else from `downloads.fetch`
    ($REPORT_ALEXNET_WEIGHTS, $REPORT_DATA_DIR, the torch hub cache, or a download),
    checked by torchvision's hash.
    Without them: untrained weights (seeded) if allow_untrained, else FileNotFoundError
    saying where to get the file; ValueError for a file that is not the weights."""
    if weights_path:
        if not Path(weights_path).is_file():
            raise FileNotFoundError(f"{weights_path}: no such file")
        verify(weights_path, WEIGHTS_FILE)
        path = Path(weights_path)
    else:
        path = fetch(WEIGHTS_FILE)
    if path is not None:
        model = alexnet()
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return Normalized(model).eval(), f"pretrained ({WEIGHTS} from {path.name})"
    if not allow_untrained:
        raise FileNotFoundError(
            f"the pretrained AlexNet weights ({WEIGHTS_FILE}, 233 MB) are not "
            f"available. Download {WEIGHTS.url} and set REPORT_ALEXNET_WEIGHTS to the "
            f"file, or put it in {cache_dir_of(WEIGHTS_FILE)}/; or run a draft "
            "(REPORT_FAST=1), which runs on untrained weights."
        )
    torch.manual_seed(seed)
    return Normalized(alexnet()).eval(), "UNTRAINED (random weights, seed %d)" % seed
