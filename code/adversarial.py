"""Question 1(c): targeted adversarial examples,
min over r of alpha ||r||_1 + CE(f(x + r), target), with Adam, stopping as soon as the
image *saved as 8-bit* is classified as the target (optionally with a margin)."""

import math
import time

import torch
import torch.nn.functional as F
from caching import cached, fingerprint, tensor_digest
from images import quantize
from predictions import show_prediction


def targeted_attack(
    model, image, targets, alpha, lr=0.01, max_steps=500, min_confidence=None
):
    """Attack one (3, H, W) image in [0, 1] towards each class in `targets` at once.

    x + r is kept in [0, 1] by projection after every Adam step.  An example is finished
    at the first step at which its 8-bit rounding is classified as its target (first
    flip) or, with `min_confidence`, gives the target at least that probability; it
    stays in the batch, but its result is kept.  Returns one dict per target: success,
    steps, seconds, the adversarial image (already 8-bit), its perturbation norms and
    PSNR, and at the stop the cross-entropy `ce`, the term `alpha_l1` = alpha ||r||_1
    and the target's probability `p_target`."""
    targets = torch.as_tensor(targets)
    x = image.unsqueeze(0).repeat(len(targets), 1, 1, 1)
    r = torch.zeros_like(x, requires_grad=True)
    optimizer = torch.optim.Adam([r], lr=lr)
    results = [None] * len(targets)
    start = time.perf_counter()
    for step in range(1, max_steps + 1):
        logits = model(x + r)
        loss = alpha * r.abs().flatten(1).sum(1) + F.cross_entropy(
            logits, targets, reduction="none"
        )
        optimizer.zero_grad()
        loss.sum().backward()
        optimizer.step()
        with torch.no_grad():
            r.copy_((x + r).clamp(0, 1) - x)
            saved = quantize(x + r)
            # the 8-bit image is only worth checking once the float one is near
            near = (logits.argmax(1) == targets) | (step == max_steps)
            if near.any():
                hits = near & reached(model(saved), targets, min_confidence)
            else:
                hits = near
        for i in hits.nonzero().flatten().tolist():
            if results[i] is None:
                results[i] = dict(
                    success=True,
                    steps=step,
                    seconds=time.perf_counter() - start,
                    image=saved[i].clone(),
                )
        if all(results):
            break
    for i, result in enumerate(results):
        if result is None:  # the step budget ran out: "not reached"
            results[i] = result = dict(
                success=False,
                steps=max_steps,
                seconds=time.perf_counter() - start,
                image=saved[i].clone(),
            )
        result.update(
            target=int(targets[i]), **perturbation_stats(image, result["image"])
        )
    with torch.no_grad():
        logits = model(torch.stack([result["image"] for result in results]))
    ce = F.cross_entropy(logits, targets, reduction="none").tolist()
    p_target = logits.softmax(1).gather(1, targets.unsqueeze(1)).flatten().tolist()
    for result, ce_i, p_i in zip(results, ce, p_target):
        result.update(ce=ce_i, p_target=p_i, alpha_l1=alpha * result["l1"])
    return results


def reached(logits, targets, min_confidence=None):
    """(N,) bool: the argmax is the target and, if given, its probability is at
    least `min_confidence`."""
    hit = logits.argmax(1) == targets
    if min_confidence is not None:
        p = logits.softmax(1).gather(1, targets.unsqueeze(1)).flatten()
        hit &= p >= min_confidence
    return hit


def alpha_grid(cross_entropy, l1_norm, ratios=(0.01, 0.1, 1.0)):
    """alpha values that make alpha ||r||_1 the given fractions of the cross-entropy,
    for a perturbation of L1 norm `l1_norm` (the scale of the two terms), with 0."""
    return [0.0] + [ratio * cross_entropy / l1_norm for ratio in ratios]


def perturbation_stats(original, adversarial):
    """||r||_1, ||r||_inf in units of 1/255, and PSNR (dB) of the adversarial image."""
    r = adversarial - original
    mse = r.pow(2).mean().item()
    return dict(
        l1=r.abs().sum().item(),
        linf255=r.abs().max().item() * 255,
        psnr=math.inf if mse == 0 else 10 * math.log10(1 / mse),
    )


def cached_attack(
    model,
    model_digest,
    image,
    targets,
    alpha,
    lr=0.01,
    max_steps=500,
    min_confidence=None,
    cache_dir=".cache/results",
):
    """`targeted_attack`, cached on disk, keyed by the attack code, the weights'
    digest, the image and the settings."""
    key = [
        fingerprint(targeted_attack, reached, perturbation_stats, quantize),
        model_digest,
        tensor_digest(image),
        [int(t) for t in targets],
        alpha,
        lr,
        max_steps,
        min_confidence,
    ]
    results, _ = cached(
        "attack",
        key,
        lambda: targeted_attack(
            model, image, targets, alpha, lr, max_steps, min_confidence
        ),
        cache_dir,
    )
    return results


def attack_figure(rows):
    """One row per attacked image: the original, then the adversarial image for each
    target.  rows: [(original (3, H, W), its title, [(result, title), ...])]."""
    import matplotlib.pyplot as plt

    columns = 1 + max(len(r[2]) for r in rows)
    fig, axes = plt.subplots(
        len(rows), columns, figsize=(6.3, 2.35 * len(rows)), squeeze=False
    )
    for ax_row, (image, title, attacks) in zip(axes, rows):
        show_prediction(ax_row[0], image, title, fontsize=8)
        for ax, (result, adv_title) in zip(ax_row[1:], attacks):
            show_prediction(ax, result["image"], adv_title, fontsize=8)
    fig.tight_layout()
    return fig


def zoom_figure(original, adversarial, size=32, amplify=10):
    """The images at full resolution: a size x size crop at the centre of the original
    and of the adversarial image, every pixel drawn as a square (no smoothing), and the
    perturbation on that crop, 0.5 + amplify * r (grey: no change)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    height, width = original.shape[1:]
    top, left = (height - size) // 2, (width - size) // 2
    crop = (slice(None), slice(top, top + size), slice(left, left + size))
    r = adversarial - original
    panels = [
        (adversarial, f"adversarial image,\n{size}×{size} crop marked"),
        (original[crop], f"original, crop\n({size}×{size} pixels)"),
        (adversarial[crop], f"adversarial, crop\n({size}×{size} pixels)"),
        ((0.5 + amplify * r[crop]).clamp(0, 1), f"r × {amplify} on the crop\n"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(6.3, 1.95))
    for ax, (picture, title) in zip(axes, panels):
        ax.imshow(picture.permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    axes[0].add_patch(
        Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor="red")
    )
    fig.tight_layout()
    return fig
