"""Question 1(a): receptive fields of the original AlexNet (227 x 227 input), computed
by a backward trace and checked against autograd on the real layers."""

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


# The original AlexNet of the assignment's Figure 1 with the figure's labels; the figure
# has no "Layer 8" (the last pool's output is "Layer 9").
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
    """One dict per layer: input and output width (n_in, n_out), channels, jump j
    (product of the strides so far) and receptive-field size r, from
    n_out = floor((n_in + 2p - k) / s) + 1, j_out = j_in s, r_out = r_in + (k - 1) j_in,
    and `exact`: whether the layer tiles its padded input ((n_in + 2p - k) % s == 0)."""
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
    """The assignment's centre of an n-wide layer, indices from 1: floor(n/2)."""
    return n // 2


def trace_back(layers, depth, index, input_size):
    """The window of unit `index` (from 1) of the output of layers[depth - 1], traced
    back to the image one layer at a time.  Output [a, b] of a layer with kernel k,
    stride s and padding p reads its input [(a - 1) s - p + 1, (b - 1) s - p + k],
    clipped to [1, n_in].  Returns the stages from the unit down to the image, each
    (where, size, lo, hi, clipped)."""
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
    """(lo, hi) in the image of the centre unit of layers[depth - 1]'s output (the same
    on both axes, indices from 1)."""
    n_out = layer_table(layers[:depth], input_size)[-1]["n_out"]
    _, _, lo, hi, _ = trace_back(layers, depth, centre(n_out), input_size)[-1]
    return lo, hi


def build_features(layers, input_channels=3, dtype=torch.float64):
    """The layers in PyTorch with every path kept alive: max-pooling replaced by
    average pooling of the same geometry, and conv weights all positive, so every unit
    is a positive combination of its whole window (the ReLUs stay open on a positive
    input)."""
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
    depends, found from the gradient of that unit: returns (rows, cols) as (lo, hi)
    from 1, and whether the dependent pixels form exactly that full rectangle."""
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


def pixels_read(layers, depth, input_size):
    """(rows, cols) of the image that at least one unit of layers[depth - 1] reads: the
    input pixels with a non-zero gradient of the sum of all its units (autograd)."""
    features = build_features(layers[:depth])
    x = torch.ones(
        1, 3, input_size, input_size, dtype=torch.float64, requires_grad=True
    )
    features(x).sum().backward()
    mask = (x.grad[0] != 0).any(dim=0)
    return mask.any(dim=1).sum().item(), mask.any(dim=0).sum().item()


def padded_positions_unread(layer, input_size):
    """How many of the last rows (and columns) of the padded input the layer never
    reads: n_in + 2p - ((n_out - 1) s + k)."""
    n_out = (input_size + 2 * layer.padding - layer.kernel) // layer.stride + 1
    read = (n_out - 1) * layer.stride + layer.kernel
    return input_size + 2 * layer.padding - read


def shape(row):
    """'55×55×96' for a row of layer_table."""
    return f"{row['n_out']}×{row['n_out']}×{row['channels']}"


def markdown_layer_table(layers, input_size):
    """Every layer as a Markdown table: geometry, output shape, jump and RF size."""
    head = (
        "| layer | label | kernel | stride | pad | input | output | jump $j$ "
        "| RF size $r$ |\n|------|--------|---|---|---|----|----------|----|----|"
    )
    rows = [
        f"| {r['layer'].name} | {r['layer'].label or '-'} | {r['layer'].kernel} | "
        f"{r['layer'].stride} | {r['layer'].padding} | {r['n_in']} | {shape(r)} | "
        f"{r['jump']} | {r['rf']} |"
        for r in layer_table(layers, input_size)
    ]
    return "\n".join([head, *rows])


def markdown_answer_table(layers, depths, input_size):
    """The answer in the assignment's form: rows Height 1, Height 2, Width 1, Width 2,
    one column per labelled layer (the centre unit's window, indices from 1)."""
    windows = [centre_window(layers, d, input_size) for d in depths]
    labels = [layers[d - 1].label for d in depths]
    lines = [
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(depths),
    ]
    for name, axis in (
        ("Height 1", 0),
        ("Height 2", 1),
        ("Width 1", 0),
        ("Width 2", 1),
    ):
        lines.append(f"| {name} | " + " | ".join(str(w[axis]) for w in windows) + " |")
    return "\n".join(lines)


def markdown_trace(layers, depth, input_size):
    """The shown work for one labelled layer: each stage of the backward trace."""
    n_out = layer_table(layers[:depth], input_size)[-1]["n_out"]
    stages = trace_back(layers, depth, centre(n_out), input_size)
    name, size, lo, _, _ = stages[0]
    lines = [
        f"- centre unit of {layers[depth - 1].label} ({name} output, {size} wide): "
        f"index $\\lfloor {size}/2 \\rfloor = {lo}$"
    ]
    for (where, size, lo, hi, clipped), layer in zip(
        stages[1:], reversed(layers[:depth])
    ):
        note = " (clipped to the image: padding)" if clipped else ""
        lines.append(
            f"- through {layer.name} ($k={layer.kernel}$, $s={layer.stride}$, "
            f"$p={layer.padding}$): {where} positions {lo} to {hi} of {size}{note}"
        )
    return "\n".join(lines)


def plot_network_and_windows(layers, input_size, depths):
    """Top: the layer shapes with the assignment's labels.  Bottom: the centre windows
    of the labelled layers drawn on the input (row 1 at the top, column 1 at the
    left)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    table = layer_table(layers, input_size)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(6.3, 6.6), gridspec_kw={"height_ratios": [1, 2.4]}
    )
    x = 0.0
    shapes = [("input", "", f"{input_size}×{input_size}×3", input_size)] + [
        (r["layer"].label or "", r["layer"].name, shape(r), r["n_out"]) for r in table
    ]
    for label, name, size, n in shapes:
        height = n / input_size
        top.add_patch(
            Rectangle(
                (x + 0.1, 1 - height),
                0.8,
                height,
                facecolor="tab:blue",
                alpha=0.25,
                edgecolor="tab:blue",
            )
        )
        n_by_n, channels = size.rsplit("×", 1)
        text = "\n".join(t for t in (label, name, n_by_n, "×" + channels) if t)
        top.text(x + 0.5, -0.06, text, ha="center", va="top", fontsize=8)
        x += 1.0
    top.set_xlim(-0.05, x + 0.05)
    top.set_ylim(-1.1, 1.02)
    top.axis("off")
    top.set_title("feature layers (height of a box = spatial size)", fontsize=10)
    bottom.add_patch(
        Rectangle((0.5, 0.5), input_size, input_size, fill=False, edgecolor="black")
    )
    colours = ["tab:red", "tab:orange", "tab:green", "tab:purple"]
    widths = [1.2, 1.9, 2.6, 3.3]  # wider underneath: shared edges show both colours
    for depth, colour, width in reversed(list(zip(depths, colours, widths))):
        lo, hi = centre_window(layers, depth, input_size)
        bottom.add_patch(
            Rectangle(
                (lo - 0.5, lo - 0.5),
                hi - lo + 1,
                hi - lo + 1,
                fill=False,
                edgecolor=colour,
                linewidth=width,
                label=f"{layers[depth - 1].label}: rows and columns {lo} to {hi}",
            )
        )
    middle = (input_size + 1) / 2
    bottom.plot([middle], [middle], "k+", markersize=10, label="centre of the image")
    bottom.set_xlim(0, input_size + 1)
    bottom.set_ylim(input_size + 1, 0)  # row 1 at the top, as in an image
    bottom.set_aspect("equal")
    bottom.set_xlabel("column (width index)", fontsize=9)
    bottom.set_ylabel("row (height index)", fontsize=9)
    bottom.tick_params(labelsize=8)
    bottom.legend(fontsize=8, loc="lower right")
    bottom.set_title(
        f"centre windows on the {input_size}×{input_size} input", fontsize=10
    )
    fig.tight_layout()
    return fig
