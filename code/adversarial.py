"""Question 1(c): targeted adversarial examples, min over r of alpha ||r||_1 + CE(f(x + r), target),
with Adam, stopping as soon as the image *saved as 8-bit* is classified as the target."""

import math
import time

import torch
import torch.nn.functional as F
from caching import cached, fingerprint, tensor_digest
from images import quantize
from predictions import show_prediction


def targeted_attack(model, image, targets, alpha, lr=0.01, max_steps=500):
    """Attack one (3, H, W) image in [0, 1] towards each class in `targets`, all in one batch.
    x + r is kept in [0, 1] by projection after every Adam step; an example is finished at the
    first step at which its 8-bit rounding is classified as its target (it stays in the batch,
    but its result is kept).  Returns one dict per target: success, steps, seconds, the
    adversarial image (already 8-bit), and its perturbation norms and PSNR."""
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
            # the 8-bit image is only worth checking once the float one is near the target
            near = (logits.argmax(1) == targets) | (step == max_steps)
            hits = near & (model(saved).argmax(1) == targets) if near.any() else near
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
    return results


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
    cache_dir=".cache/results",
):
    """`targeted_attack`, cached on disk by the attack code, the weights, the image and the settings."""
    key = [
        fingerprint(targeted_attack, perturbation_stats, quantize),
        model_digest,
        tensor_digest(image),
        [int(t) for t in targets],
        alpha,
        lr,
        max_steps,
    ]
    results, _ = cached(
        "attack",
        key,
        lambda: targeted_attack(model, image, targets, alpha, lr, max_steps),
        cache_dir,
    )
    return results


def attack_figure(rows, amplify=10):
    """One row per attacked image: the original, then for each target the perturbation
    (0.5 + amplify * r, so grey is no change) and the adversarial image.
    rows: [(original image, original title, [(result, adversarial title), ...])]."""
    import matplotlib.pyplot as plt

    columns = 1 + 2 * max(len(r[2]) for r in rows)
    fig, axes = plt.subplots(
        len(rows), columns, figsize=(1.75 * columns, 2.2 * len(rows)), squeeze=False
    )
    for ax_row, (image, title, attacks) in zip(axes, rows):
        show_prediction(ax_row[0], image, title)
        for k, (result, adv_title) in enumerate(attacks):
            delta = (0.5 + amplify * (result["image"] - image)).clamp(0, 1)
            show_prediction(ax_row[1 + 2 * k], delta, f"r x {amplify}")
            show_prediction(ax_row[2 + 2 * k], result["image"], adv_title)
    fig.tight_layout()
    return fig
