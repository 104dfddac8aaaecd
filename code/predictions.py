"""Question 1(b): AlexNet's prediction for an image, by class name, and a picture of it."""

import torch
from images import load_image


def predict(model, image, names, k=5):
    """The k most probable classes of one (3, H, W) image in [0, 1]: [(name, probability)]."""
    with torch.no_grad():
        probs = torch.softmax(model(image.unsqueeze(0)), dim=1)[0]
    top = probs.topk(k)
    return [(names[i], p) for p, i in zip(top.values.tolist(), top.indices.tolist())]


def top_prediction(model, path, names):
    """AlexNet's top-1 prediction for an image file (resized to 224x224x3): (name, probability)."""
    return predict(model, load_image(path), names, k=1)[0]


def show_prediction(ax, image, title):
    """The visual helper: the image with a title (e.g. the predicted name) above it."""
    ax.imshow(image.detach().permute(1, 2, 0).clamp(0, 1).cpu().numpy())
    ax.set_title(title, fontsize=8)
    ax.axis("off")


def prediction_figure(model, images, true_names, names, k=5):
    """Each image with its top-1 name and probability, and its top-k bar chart below."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        2,
        len(images),
        figsize=(2.4 * len(images), 5.2),
        gridspec_kw={"height_ratios": [1.3, 1]},
    )
    for column, (image, truth) in enumerate(zip(images, true_names)):
        top = predict(model, image, names, k)
        show_prediction(
            axes[0, column], image, f"{top[0][0]} ({top[0][1]:.0%})\ntrue: {truth}"
        )
        bars = axes[1, column]
        bars.barh(range(k)[::-1], [p for _, p in top], color="tab:blue")
        bars.set_yticks(range(k)[::-1], [n[:18] for n, _ in top], fontsize=7)
        bars.set_xlim(0, 1)
        bars.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return fig
