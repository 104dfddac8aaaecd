"""Question 1(b): AlexNet's prediction for an image, by class name, and a picture."""

import textwrap

import torch
from images import load_image


def predict(model, image, names, k=5):
    """The k most probable classes of one (3, H, W) image in [0, 1], as a list of
    (class name, probability) pairs, most probable first."""
    with torch.no_grad():
        probs = torch.softmax(model(image.unsqueeze(0)), dim=1)[0]
    top = probs.topk(k)
    return [(names[i], p) for p, i in zip(top.values.tolist(), top.indices.tolist())]


def top_prediction(model, path, names):
    """AlexNet's top-1 prediction for an image file, resized to 224×224×3:
    (class name, probability)."""
    return predict(model, load_image(path), names, k=1)[0]


def show_prediction(ax, image, title, fontsize=9):
    """The visual helper: a (3, H, W) image in [0, 1] on the axes `ax`, with a title
    (e.g. the predicted class) above it."""
    ax.imshow(image.detach().permute(1, 2, 0).clamp(0, 1).cpu().numpy())
    ax.set_title(title, fontsize=fontsize)
    ax.axis("off")


def wrap(text, width=22):
    """A class name broken into lines of at most `width` characters (never cut)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False))


def prediction_figure(model, images, true_names, names, k=5):
    """One row per image: the image titled with its true class, and a bar chart of its
    k most probable classes, the top-1 class first (probabilities in %, one decimal, on
    one axis for all rows, scaled to the largest bar and labelled under the last)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(images),
        2,
        figsize=(6.3, 1.6 * len(images)),
        gridspec_kw={"width_ratios": [1, 1.6]},
        squeeze=False,
    )
    tops = [predict(model, image, names, k) for image in images]
    largest = max(100 * p for top in tops for _, p in top)
    for (picture, bars), image, truth, top in zip(axes, images, true_names, tops):
        show_prediction(picture, image, wrap(f"true class: {truth}", 30))
        percent = [100 * p for _, p in top]
        rows = range(k)[::-1]
        bars.barh(rows, percent, color=["tab:blue"] + ["tab:gray"] * (k - 1))
        bars.set_yticks(rows, [wrap(n, 28) for n, _ in top], fontsize=8)
        for row, value in zip(rows, percent):
            bars.text(value, row, f" {value:.1f}%", va="center", fontsize=8)
        bars.set_xlim(0, largest * 1.3)
        bars.tick_params(axis="x", labelsize=8, labelbottom=bars is axes[-1][1])
    axes[-1][1].set_xlabel("probability (%), top-1 in blue", fontsize=8)
    fig.tight_layout(h_pad=0.6)
    return fig
