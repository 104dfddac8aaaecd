"""Question 1(c) attack benchmark: success after 8-bit rounding, steps, L-infinity, PSNR and
seconds per attack over 21 (image, target) pairs, and the time of one AlexNet forward+backward
pass on a batch of 3 (the floor for one attack step).  Uses the pretrained weights when they
are available and says so; otherwise untrained weights, labelled.

    REPORT_DATA_DIR=/path/to/offline/data .venv/bin/python bench/adversarial.py [--alpha 1e-5] [--steps 300]
"""

import argparse
import sys
import time
from pathlib import Path
from statistics import median

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "code"))
from adversarial import targeted_attack  # noqa: E402
from imagenet_model import load_alexnet  # noqa: E402
from images import fetch_images, find_images, load_image, pick_images  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--alpha", type=float, default=1e-5, help="weight of ||r||_1 (default 1e-5)"
    )
    parser.add_argument(
        "--steps", type=int, default=300, help="step budget per attack (default 300)"
    )
    parser.add_argument(
        "--images", type=int, default=7, help="images, 3 targets each (default 7)"
    )
    args = parser.parse_args()
    model, note = load_alexnet(allow_untrained=True)
    print(f"AlexNet weights: {note}")
    found = find_images()
    g = torch.Generator().manual_seed(0)
    results = []
    files = pick_images(found, args.images, seed=0)
    fetch_images(found, files)
    for file in files:
        path, true_class, _ = found[file]
        targets = [
            c for c in torch.randperm(1000, generator=g).tolist() if c != true_class
        ][:3]
        results += targeted_attack(
            model, load_image(path), targets, args.alpha, max_steps=args.steps
        )
    ok = [r for r in results if r["success"]]
    print(
        f"pairs {len(results)}, reached after 8-bit rounding {len(ok)} ({len(ok) / len(results):.0%})"
    )
    if ok:
        print(
            f"median steps {median(r['steps'] for r in ok):.0f}, median L-inf {median(r['linf255'] for r in ok):.1f}/255, "
            f"median PSNR {median(r['psnr'] for r in ok):.1f} dB, "
            f"median seconds per attack batch {median(r['seconds'] for r in ok):.2f}"
        )
    x = torch.rand(3, 3, 224, 224, requires_grad=True)
    model(x).sum().backward()  # warm-up
    start = time.perf_counter()
    for _ in range(5):
        model(x).logsumexp(1).sum().backward()
    print(
        f"one forward+backward pass, batch of 3: {(time.perf_counter() - start) / 5 * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
