"""Question 1(c): the attack on a real trained model (a small CNN on scikit-learn's digits),
8-bit saving, the step budget, and the perturbation statistics."""

import math
from statistics import median

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from adversarial import cached_attack, perturbation_stats, targeted_attack
from images import load_image, quantize, save_png
from sklearn.datasets import load_digits


@pytest.fixture(scope="module")
def digits_model():
    """A CNN trained in about a second on load_digits, upsampled to 3 x 32 x 32 in [0, 1]."""
    digits = load_digits()
    X = torch.tensor(digits.images, dtype=torch.float32) / 16.0
    X = F.interpolate(X.unsqueeze(1), size=32, mode="nearest").repeat(1, 3, 1, 1)
    y = torch.tensor(digits.target)
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 10),
    )
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)
    order = torch.randperm(len(X))
    train, test = order[:1500], order[1500:]
    for _ in range(8):
        for i in range(0, len(train), 64):
            batch = train[i : i + 64]
            loss = F.cross_entropy(net(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    net.eval()
    accuracy = (net(X[test]).argmax(1) == y[test]).float().mean().item()
    assert accuracy > 0.95
    return net, X[test], y[test]


class InRange(nn.Module):
    """The model, refusing any input outside [0, 1]: an attack must project x + r onto
    the image range before every forward pass, not only when it saves the image."""

    def __init__(self, model):
        super().__init__()
        self.model, self.calls = model, 0

    def forward(self, x):
        self.calls += 1
        low, high = x.min().item(), x.max().item()
        assert 0 <= low and high <= 1, f"the model was given values in [{low}, {high}]"
        return self.model(x)


class MeanAbove(nn.Module):
    """A hand-made linear classifier of (B, C, H, W) images: class 1 if the mean pixel
    value exceeds `threshold`, else class 0 (logits 0 and scale * (mean - threshold))."""

    def __init__(self, threshold, scale=100.0):
        super().__init__()
        self.threshold, self.scale = threshold, scale

    def forward(self, x):
        mean = x.flatten(1).mean(1)
        return torch.stack(
            [torch.zeros_like(mean), self.scale * (mean - self.threshold)], 1
        )


def test_success_is_judged_on_the_8_bit_image_only():
    """The boundary lies between two 8-bit levels: mean 100.33/255.  Adam with a
    constant-sign gradient moves every pixel by lr = 0.06/255 a step, so the float image
    crosses at step 6 (100.36/255) while its 8-bit rounding stays at 100/255, class 0,
    until step 9 (100.54/255 -> 101/255).  A float success is an 8-bit failure here:
    the attack must go on until the saved image itself is classified as the target."""
    model = InRange(MeanAbove(100.33 / 255))
    image = torch.full((3, 2, 2), 100 / 255)
    (result,) = targeted_attack(model, image, [1], alpha=0.0, lr=0.06 / 255)
    assert result["success"] and result["steps"] == 9
    assert torch.equal(result["image"], torch.full((3, 2, 2), 101 / 255))
    with torch.no_grad():
        assert model(result["image"].unsqueeze(0)).argmax().item() == 1
        assert model(quantize(image).unsqueeze(0)).argmax().item() == 0


def test_every_input_the_model_sees_lies_in_0_1():
    """An image at 0.98 pushed up by steps of 0.05 leaves [0, 1] at the first step
    unless x + r is projected back onto it; projected, it reaches the target."""
    model = InRange(MeanAbove(0.99))
    (result,) = targeted_attack(
        model, torch.full((3, 4, 4), 0.98), [1], alpha=0.0, lr=0.05, max_steps=20
    )
    assert result["success"] and model.calls > 2
    assert torch.equal(result["image"], torch.ones(3, 4, 4))


def test_targeted_success_after_quantisation(digits_model, tmp_path):
    net, X, y = digits_model
    net = InRange(net)  # the digits' strokes sit at 0 and 1: attacks push past them
    results = []
    for j in range(10):  # 10 images x 3 targets = 30 pairs
        targets = [(y[j].item() + k) % 10 for k in (1, 4, 7)]
        for result in targeted_attack(net, X[j], targets, alpha=1e-3, max_steps=300):
            results.append((j, result))
    successes = [r for _, r in results if r["success"]]
    assert len(successes) / len(results) >= 0.95
    for j, r in results:
        image = r["image"]
        assert torch.equal(image, quantize(image))  # already 8-bit
        assert 0 <= image.min() and image.max() <= 1  # x + r stays in [0, 1]
        if r["success"]:
            with torch.no_grad():
                assert net(image.unsqueeze(0)).argmax().item() == r["target"]
            path = tmp_path / f"{j}-{r['target']}.png"  # and so is the saved file
            save_png(image, path)
            with torch.no_grad():
                assert (
                    net(load_image(path, size=32).unsqueeze(0)).argmax().item()
                    == r["target"]
                )
    assert max(r["linf255"] for r in successes) < 128  # bounded perturbations
    assert median(r["psnr"] for r in successes) > 15


def test_l1_weight_shrinks_the_perturbation(digits_model):
    net, X, y = digits_model
    targets = [(y[0].item() + 3) % 10]
    (plain,) = targeted_attack(net, X[0], targets, alpha=0.0, max_steps=300)
    (sparse,) = targeted_attack(net, X[0], targets, alpha=3e-3, max_steps=300)
    assert plain["success"] and sparse["success"] and sparse["l1"] < plain["l1"]


def test_the_step_budget_ends_an_attack(digits_model):
    net, X, y = digits_model
    (result,) = targeted_attack(
        net, X[0], [(y[0].item() + 5) % 10], alpha=10.0, max_steps=5
    )
    assert result["success"] is False and result["steps"] == 5


def test_perturbation_statistics():
    x = torch.full((3, 4, 4), 0.5)
    stats = perturbation_stats(x, x + 1 / 255)
    assert stats["linf255"] == pytest.approx(1.0) and stats["l1"] == pytest.approx(
        48 / 255
    )
    assert stats["psnr"] == pytest.approx(20 * math.log10(255), rel=1e-4)
    assert perturbation_stats(x, x)["psnr"] == math.inf


def test_attacks_are_cached(digits_model, tmp_path):
    net, X, y = digits_model
    first = cached_attack(
        net, "digits-net", X[1], [3], 1e-3, max_steps=50, cache_dir=tmp_path
    )
    again = cached_attack(
        net, "digits-net", X[1], [3], 1e-3, max_steps=50, cache_dir=tmp_path
    )
    assert len(list(tmp_path.iterdir())) == 1
    assert torch.equal(first[0]["image"], again[0]["image"])
    assert again[0]["seconds"] == first[0]["seconds"]  # measured once, then loaded
    cached_attack(net, "digits-net", X[1], [3], 2e-3, max_steps=50, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2


def test_margin_rule_stops_later_with_the_target_at_least_that_probable(digits_model):
    """The first-flip rule against "target probability >= 0.9", on the same attack."""
    net, X, y = digits_model
    targets = [(y[2].item() + k) % 10 for k in (2, 6)]
    flip = targeted_attack(net, X[2], targets, alpha=1e-3, max_steps=300)
    strict = targeted_attack(
        net, X[2], targets, alpha=1e-3, max_steps=300, min_confidence=0.9
    )
    for a, b in zip(flip, strict):
        assert a["success"] and b["success"]
        assert b["p_target"] >= 0.9 and b["steps"] >= a["steps"]
        with torch.no_grad():  # p_target and ce are those of the returned image
            logits = net(b["image"].unsqueeze(0))
        assert logits.softmax(1)[0, b["target"]].item() == pytest.approx(b["p_target"])
        ce = F.cross_entropy(logits, torch.tensor([b["target"]])).item()
        assert b["ce"] == pytest.approx(ce, rel=1e-5)
        assert b["alpha_l1"] == pytest.approx(1e-3 * b["l1"])
    assert sum(b["steps"] for b in strict) > sum(a["steps"] for a in flip)


def test_reached_and_alpha_grid():
    from adversarial import alpha_grid, reached

    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.1, 0.0]])
    targets = torch.tensor([0, 1])
    assert reached(logits, targets).tolist() == [True, True]
    # softmax of [2, 0, 0] gives class 0 a probability of 0.787; of [0, .1, 0] 0.36
    assert reached(logits, targets, min_confidence=0.5).tolist() == [True, False]
    grid = alpha_grid(cross_entropy=6.9, l1_norm=690.0, ratios=(0.1, 1.0))
    assert grid == pytest.approx([0.0, 0.001, 0.01])
    assert [a * 690.0 / 6.9 for a in grid] == pytest.approx([0.0, 0.1, 1.0])


def test_default_step_size_and_budget():
    """Adam moves each pixel by lr = 0.01 a step: from 0.5 the float mean passes 0.555
    after step 6; it is seen there (the check follows the float logits of the step
    before) at step 7.  An unreachable target runs the whole default budget of 500."""
    image = torch.full((3, 2, 2), 0.5)
    (result,) = targeted_attack(MeanAbove(0.555), image, [1], alpha=0.0)
    assert result["success"] and result["steps"] == 7
    (result,) = targeted_attack(MeanAbove(2.0), image, [1], alpha=0.0)
    assert not result["success"] and result["steps"] == 500
    assert torch.equal(result["image"], torch.ones(3, 2, 2))  # pushed to the top


def test_the_last_step_checks_the_8_bit_image_even_if_the_float_one_was_far():
    """Steps of 0.3/255 from 100/255 towards a boundary at 100.45/255: after step 2 the
    image rounds to 101/255, past it, while the logits of the step (taken before the
    update) were not; with a budget of 2 steps that last image is still checked."""
    image = torch.full((3, 2, 2), 100 / 255)
    model = MeanAbove(100.45 / 255)
    (result,) = targeted_attack(model, image, [1], alpha=0.0, lr=0.3 / 255, max_steps=2)
    assert result["success"] and result["steps"] == 2
    (result,) = targeted_attack(model, image, [1], alpha=0.0, lr=0.3 / 255, max_steps=9)
    assert result["success"] and result["steps"] == 3


def test_every_setting_is_part_of_the_cache_key(tmp_path):
    model, image = MeanAbove(0.6), torch.full((3, 2, 2), 0.5)
    settings = [
        dict(targets=[1], alpha=0.0),
        dict(targets=[1], alpha=0.1),
        dict(targets=[0, 1], alpha=0.0),
        dict(targets=[1], alpha=0.0, lr=0.02),
        dict(targets=[1], alpha=0.0, max_steps=20),
        dict(targets=[1], alpha=0.0, min_confidence=0.9),
    ]
    for n, setting in enumerate(settings, start=1):
        cached_attack(model, "mean-above", image, cache_dir=tmp_path, **setting)
        assert len(list(tmp_path.iterdir())) == n
    cached_attack(model, "other weights", image, [1], 0.0, cache_dir=tmp_path)
    cached_attack(model, "mean-above", image * 0.9, [1], 0.0, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == len(settings) + 2


def test_a_budget_of_n_steps_takes_n_steps_and_says_how_long(monkeypatch):
    """An unreachable target with max_steps=5: five Adam steps of lr = 0.01 from 0.5
    (the 8-bit image 0.55 -> 140/255, a sixth step would give 143/255), one forward pass
    a step, one check of the saved image at the last step and one for the statistics;
    `seconds` lies within the call's own time."""
    import time

    model = InRange(MeanAbove(2.0))
    before = time.perf_counter()
    (result,) = targeted_attack(
        model, torch.full((3, 2, 2), 0.5), [1], alpha=0.0, max_steps=5
    )
    elapsed = time.perf_counter() - before
    assert not result["success"] and result["steps"] == 5
    assert torch.equal(result["image"], torch.full((3, 2, 2), 140 / 255))
    assert model.calls == 5 + 1 + 1
    assert 0 <= result["seconds"] <= elapsed
    (hit,) = targeted_attack(MeanAbove(0.555), torch.full((3, 2, 2), 0.5), [1], 0.0)
    assert hit["success"] and 0 <= hit["seconds"] <= time.perf_counter() - before


def test_the_projection_keeps_the_image_above_0_too():
    """A dark image (0.02) pushed down by steps of 0.05 towards class 0 (mean below
    0.01) leaves [0, 1] at the first step unless projected onto it from below as well."""
    model = InRange(MeanAbove(0.01))
    (result,) = targeted_attack(
        model, torch.full((3, 4, 4), 0.02), [0], alpha=0.0, lr=0.05, max_steps=20
    )
    assert result["success"] and torch.equal(result["image"], torch.zeros(3, 4, 4))


def test_a_batch_of_targets_is_attacked_as_each_target_alone(digits_model):
    """The targets of one image are optimised together, but independently: each one's
    L1 term and cross-entropy are its own (a sum or mean over the batch would weigh
    them differently, which Adam sees once alpha > 0)."""
    net, X, y = digits_model
    targets = [(y[3].item() + k) % 10 for k in (1, 4)]
    together = targeted_attack(net, X[3], targets, alpha=3e-3, max_steps=200)
    for target, batched in zip(targets, together):
        (alone,) = targeted_attack(net, X[3], [target], alpha=3e-3, max_steps=200)
        assert batched["success"] and alone["success"]
        assert batched["steps"] == alone["steps"]
        assert batched["l1"] == pytest.approx(alone["l1"], rel=1e-3)


def test_reached_needs_the_top_class_and_counts_the_boundary():
    from adversarial import reached

    # class 1 has probability 0.475 >= 0.3 but class 0 (0.525) is on top: not reached
    logits = torch.tensor([[0.1, 0.0]])
    assert reached(logits, torch.tensor([1]), min_confidence=0.3).tolist() == [False]
    # a tie: argmax is class 0 with probability exactly 0.5, which meets 0.5
    tie = torch.tensor([[0.0, 0.0]])
    assert reached(tie, torch.tensor([0]), min_confidence=0.5).tolist() == [True]


def test_cached_attack_runs_the_attack_as_stated(monkeypatch, tmp_path):
    """Its defaults are the report's (Adam lr 0.01, 500 steps, results under
    .cache/results/attack-*.pt), min_confidence reaches the attack, and the key covers
    the code of every function the result depends on."""
    import adversarial

    monkeypatch.chdir(tmp_path)
    image = torch.full((3, 2, 2), 0.5)
    (result,) = cached_attack(MeanAbove(0.555), "m", image, [1], 0.0)
    assert result["success"] and result["steps"] == 7  # lr = 0.01, as targeted_attack
    (result,) = cached_attack(MeanAbove(2.0), "unreachable", image, [1], 0.0)
    assert not result["success"] and result["steps"] == 500
    files = sorted(p.name for p in (tmp_path / ".cache" / "results").iterdir())
    assert len(files) == 2 and all(f.startswith("attack-") for f in files)
    (strict,) = cached_attack(
        MeanAbove(0.5), "at 0.5", image, [1], 0.0, min_confidence=0.99, max_steps=50
    )
    assert strict["success"] and strict["p_target"] >= 0.99
    seen = []
    monkeypatch.setattr(
        adversarial, "fingerprint", lambda *functions: seen.append(functions) or "f"
    )
    cached_attack(MeanAbove(0.555), "m", image, [1], 0.0)
    assert seen == [
        (
            adversarial.targeted_attack,
            adversarial.reached,
            adversarial.perturbation_stats,
            adversarial.quantize,
        )
    ]
