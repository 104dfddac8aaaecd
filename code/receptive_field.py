"""Question 1(a): receptive fields of the original AlexNet (227 x 227 input), computed by a
backward trace and checked against autograd on the real layers."""

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str  # "conv" or "maxpool"
    kernel: int
    stride: int
    padding: int = 0
    channels: int = 0  # output channels of a conv (a pool keeps its input's)
    label: str = ""  # the assignment's name for this layer's output


# The original AlexNet of the assignment's figure; "Layer 8" does not appear there.
ORIGINAL_ALEXNET = (
    Layer("conv1", "conv", 11, 4, 0, 96, "Layer 1"),
    Layer("pool1", "maxpool", 3, 2, 0, 0, "Layer 2"),
    Layer("conv2", "conv", 5, 1, 2, 256, "Layer 3"),
    Layer("pool2", "maxpool", 3, 2, 0, 0, "Layer 4"),
    Layer("conv3", "conv", 3, 1, 1, 384, "Layer 5"),
    Layer("conv4", "conv", 3, 1, 1, 384, "Layer 6"),
    Layer("conv5", "conv", 3, 1, 1, 256, "Layer 7"),
    Layer("pool3", "maxpool", 3, 2, 0, 0, "Layer 9"),
)
# torchvision.models.alexnet: other widths, padding 2 on conv1, 224 x 224 input.
TORCHVISION_ALEXNET = (
    Layer("conv1", "conv", 11, 4, 2, 64),
    Layer("pool1", "maxpool", 3, 2),
    Layer("conv2", "conv", 5, 1, 2, 192),
    Layer("pool2", "maxpool", 3, 2),
    Layer("conv3", "conv", 3, 1, 1, 384),
    Layer("conv4", "conv", 3, 1, 1, 256),
    Layer("conv5", "conv", 3, 1, 1, 256),
    Layer("pool3", "maxpool", 3, 2),
)


def layer_table(layers, input_size, input_channels=3):
    """Per layer: input and output size, channels, jump j (product of strides so far) and
    receptive-field size r, from n_out = floor((n_in + 2p - k) / s) + 1, j_out = j_in s,
    r_out = r_in + (k - 1) j_in, and whether the layer tiles its padded input exactly
    ((n_in + 2p - k) divisible by s)."""
    rows, n, j, r, c = [], input_size, 1, 1, input_channels
    for layer in layers:
        n_out = (n + 2 * layer.padding - layer.kernel) // layer.stride + 1
        r, c = r + (layer.kernel - 1) * j, layer.channels or c
        j *= layer.stride
        exact = (n + 2 * layer.padding - layer.kernel) % layer.stride == 0
        rows.append(
            dict(
                layer=layer, n_in=n, n_out=n_out, channels=c, jump=j, rf=r, exact=exact
            )
        )
        n = n_out
    return rows


def centre(n):
    """The assignment's centre position of an n-wide layer, indices from 1: floor(n / 2)."""
    return n // 2


def trace_back(layers, depth, index, input_size):
    """The window of unit `index` (from 1) of the output of layers[depth - 1], traced back
    to the image one layer at a time.  Output [a, b] of a layer with kernel k, stride s and
    padding p reads its input [(a - 1) s - p + 1, (b - 1) s - p + k], clipped to [1, n_in].
    Returns the stages from the unit down to the image: (where, size, lo, hi, clipped)."""
    table = layer_table(layers[:depth], input_size)
    lo = hi = index
    stages = [(table[-1]["layer"].name, table[-1]["n_out"], lo, hi, False)]
    for row in reversed(table):
        layer, n_in = row["layer"], row["n_in"]
        lo = (lo - 1) * layer.stride - layer.padding + 1
        hi = (hi - 1) * layer.stride - layer.padding + layer.kernel
        clipped = lo < 1 or hi > n_in
        lo, hi = max(lo, 1), min(hi, n_in)
        below = layers[layers.index(layer) - 1].name if layers.index(layer) else "image"
        stages.append((below, n_in, lo, hi, clipped))
    return stages


def centre_window(layers, depth, input_size):
    """(lo, hi) in the image of the centre unit of layers[depth - 1]'s output (same on both axes)."""
    n_out = layer_table(layers[:depth], input_size)[-1]["n_out"]
    _, _, lo, hi, _ = trace_back(layers, depth, centre(n_out), input_size)[-1]
    return lo, hi


def build_features(layers, input_channels=3, dtype=torch.float64):
    """The layers in PyTorch with every path kept alive: max-pooling replaced by average
    pooling of the same geometry, and conv weights all positive, so every unit is a positive
    combination of its whole window (the ReLUs stay open on a positive input)."""
    modules, c = [], input_channels
    for layer in layers:
        if layer.kind == "conv":
            conv = nn.Conv2d(
                c, layer.channels, layer.kernel, layer.stride, layer.padding
            ).to(dtype)
            nn.init.constant_(conv.weight, 1.0 / (c * layer.kernel**2))
            nn.init.zeros_(conv.bias)
            modules += [conv, nn.ReLU()]
            c = layer.channels
        else:
            modules.append(nn.AvgPool2d(layer.kernel, layer.stride, layer.padding))
    return nn.Sequential(*modules)


def autograd_window(layers, depth, input_size, index=None):
    """The input pixels on which unit (index, index) of channel 0 of layers[depth - 1]
    depends, found from the gradient of that unit: returns (rows, cols) as (lo, hi) from 1,
    and whether the dependent pixels form exactly that full rectangle."""
    features = build_features(layers[:depth])
    x = torch.ones(
        1, 3, input_size, input_size, dtype=torch.float64, requires_grad=True
    )
    out = features(x)
    index = centre(out.shape[-1]) if index is None else index
    out[0, 0, index - 1, index - 1].backward()
    mask = (x.grad[0] != 0).any(dim=0)
    rows, cols = (
        mask.any(dim=1).nonzero().flatten(),
        mask.any(dim=0).nonzero().flatten(),
    )
    rows, cols = (
        (rows.min().item() + 1, rows.max().item() + 1),
        (cols.min().item() + 1, cols.max().item() + 1),
    )
    full = mask[rows[0] - 1 : rows[1], cols[0] - 1 : cols[1]].all().item()
    return (
        rows,
        cols,
        full and mask.sum().item() == (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1),
    )


def markdown_layer_table(layers, input_size):
    head = (
        "| layer | label | kernel | stride | pad | input | output | jump $j$ | RF size $r$ |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {r['layer'].name} | {r['layer'].label or '-'} | {r['layer'].kernel} | "
        f"{r['layer'].stride} | {r['layer'].padding} | {r['n_in']} | "
        f"{r['n_out']}x{r['n_out']}x{r['channels']} | {r['jump']} | {r['rf']} |"
        for r in layer_table(layers, input_size)
    ]
    return "\n".join([head, *rows])


def markdown_trace(layers, depth, input_size):
    """The shown work for one labelled layer: each stage of the backward trace."""
    stages = trace_back(
        layers,
        depth,
        centre(layer_table(layers[:depth], input_size)[-1]["n_out"]),
        input_size,
    )
    name, size, lo, _, _ = stages[0]
    lines = [
        f"- centre unit of {layers[depth - 1].label} ({name} output, {size} wide): "
        f"index floor({size}/2) = {lo}"
    ]
    for (where, size, lo, hi, clipped), layer in zip(
        stages[1:], reversed(layers[:depth])
    ):
        note = " (clipped to the image: padding)" if clipped else ""
        lines.append(
            f"- through {layer.name} (k={layer.kernel}, s={layer.stride}, p={layer.padding}): "
            f"{where} indices {lo} to {hi} of {size}{note}"
        )
    return "\n".join(lines)


def plot_network_and_windows(layers, input_size, depths):
    """Top: the layer shapes with the assignment's labels.  Bottom: the centre windows of
    the labelled layers drawn on the input, with (1, 1) the bottom-left pixel."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    table = layer_table(layers, input_size)
    fig, (left, right) = plt.subplots(
        2, 1, figsize=(8, 9.5), gridspec_kw={"height_ratios": [1, 1.5]}
    )
    x = 0.0
    shapes = [("input", input_size, 3)] + [
        (
            f"{r['layer'].label or r['layer'].name}\n{r['layer'].name}",
            r["n_out"],
            r["channels"],
        )
        for r in table
    ]
    for name, n, c in shapes:
        height = n / input_size
        left.add_patch(
            Rectangle(
                (x, 0.5 - height / 2),
                0.8,
                height,
                facecolor="tab:blue",
                alpha=0.25,
                edgecolor="tab:blue",
            )
        )
        left.text(
            x + 0.4, 0.5 + height / 2 + 0.03, f"{n}x{n}x{c}", ha="center", fontsize=8
        )
        left.text(
            x + 0.4, 0.5 - height / 2 - 0.1, name, ha="center", va="top", fontsize=8
        )
        x += 1.1
    left.set_xlim(-0.2, x)
    left.set_ylim(-0.15, 1.1)
    left.axis("off")
    left.set_title("feature layers (height = spatial size)")
    right.add_patch(
        Rectangle((0.5, 0.5), input_size, input_size, fill=False, edgecolor="black")
    )
    for depth, colour in zip(
        depths, ["tab:red", "tab:orange", "tab:green", "tab:purple"]
    ):
        lo, hi = centre_window(layers, depth, input_size)
        right.add_patch(
            Rectangle(
                (lo - 0.5, lo - 0.5),
                hi - lo + 1,
                hi - lo + 1,
                fill=False,
                edgecolor=colour,
                linewidth=1.5,
                label=f"{layers[depth - 1].label}: rows and columns {lo}-{hi}",
            )
        )
    right.set_xlim(0, input_size + 1)
    right.set_ylim(0, input_size + 1)
    right.set_aspect("equal")
    right.set_xlabel("width (pixel index)")
    right.set_ylabel("height (pixel index)")
    right.legend(fontsize=8, loc="upper right")
    right.set_title(f"centre windows on the {input_size}x{input_size} input")
    fig.tight_layout()
    return fig
