"""Question 2 training benchmark: the throughput of the starter configuration as a real
build trains it (10,000-word vocabulary), per precision, against the matmul floor of
this machine, and the quality of mixed precision against float32 on a fixed budget.

    .venv/bin/python bench/language_model.py [--repeats 3] [--batches 2]
        [--precisions float32,bfloat16] [--quality-tokens N] [--skip-quality]

Throughput: training steps of the starter configuration (batch 20 x 30 words), with
and without teacher forcing, on the real training split if it is here, else on random
ids from a 10,000-word vocabulary (the cost of a step does not depend on the words).
The matmul floor: a 600 x 1024 x 10000 matrix product (the output layer of a chunk)
timed in the same run and precision gives FLOP/s; divided by the matrix-product FLOPs
of a training step per token (`language_model.flops_per_token`) it gives the tokens/s
of a step that did nothing but such products. Precisions are measured in alternating
rounds and each figure is the median of the rounds: the machine may be shared.
Ceilings: the matrix-product FLOPs per word of each algorithm against the teacher-forced
step's (the free-running step computes nothing twice: 100%; the previous algorithm,
which searched the fed words without a graph and then ran the chunk again teacher
forced, about 75%).
Products at their own shapes: the matmul floor assumes every product of a step runs as
fast as the large one; the per-step products of 20 rows (the recurrent product, and the
output layer without teacher forcing) only stream their weights from memory. Each
product of a step (`step_products`) is timed alone at its own shape, the faster of a plain
and an MKL-packed product (`language_model.small_products`); their sum is the time of a
step that did nothing else, the most this machine's products allow, and the step's rate is
also given as a share of that.
Threads: the rates with `language_model.use_cores` (intra-op threads = the cores this
process may use, one inter-op thread), against PyTorch's default intra-op threads and
one thread, in the same rounds (inter-op threads stay at one: these steps do no
inter-op parallel work, and PyTorch cannot change them back).
Minutes of a real build's Question 2: both models, 5 epochs of 929,589 words each, plus
evaluation (5 validation passes of 73,760 words and one test pass of 82,430 words per
model, forward only: a third of a training step per word).

Quality: the fast configuration (draft builds) trained from the same seed on the same
data in float32 and in mixed precision, test perplexities side by side.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "code"))
from language_model import (  # noqa: E402
    FAST_CONFIG,
    STARTER_CONFIG,
    autocast,
    default_precision,
    flops_per_token,
    fresh_model,
    native_bf16,
    pick_device,
    small_products,
    train,
    training_step,
    use_cores,
)
from ptb_data import batchify, chunks, load_corpus  # noqa: E402

VOCAB = 10_000
EPOCH_TOKENS = 929_589  # words + <eos> of ptb.train.txt
EVAL_TOKENS = 5 * 73_760 + 82_430  # per model: validation after each epoch, test
MATMUL = (600, 1024, 10_000)


def matmul_flops(precision, device):
    """FLOP/s of one 600 x 1024 x 10000 product in `precision` (after a warm-up)."""
    m, k, n = MATMUL
    a, b = torch.randn(m, k, device=device), torch.randn(k, n, device=device)
    with autocast(device, precision):
        a @ b
        sync(device)
        start = time.perf_counter()
        a @ b
        sync(device)
    return 2 * m * k * n / (time.perf_counter() - start)


def step_products(config, vocab, teacher_forcing):
    """The matrix products of one training step as (rows, inner, columns, count), each
    2 * rows * inner * columns FLOPs: per layer the input projection (one product per
    chunk with teacher forcing, one per step without: the next input is not known
    before), the recurrent product per step, their weight gradients and input
    gradients (none into the chunk's detached initial state); the output layer over
    the chunk with teacher forcing, per step without, and its two gradients. Their
    FLOPs per word equal `flops_per_token` (asserted in main)."""
    B, T, H, V = config.batch_size, config.seq_length, config.hidden_size, vocab
    N = B * T
    products = []
    for layer in range(config.num_layers):
        inputs = config.embed_size if layer == 0 else H
        products += [
            (N, inputs, 4 * H, 1) if teacher_forcing else (B, inputs, 4 * H, T),
            (B, H, 4 * H, T),  # recurrent, forward
            (B, 4 * H, H, T - 1),  # recurrent, backward into h
            (4 * H, N, inputs, 1),  # weight_ih gradient
            (4 * H, N, H, 1),  # weight_hh gradient
            (N, 4 * H, inputs, 1),  # gradient into the layer's input
        ]
    products += [
        (N, H, V, 1) if teacher_forcing else (B, H, V, T),
        (N, V, H, 1),  # output layer, gradient into the hidden states
        (V, N, H, 1),  # output layer, weight gradient
    ]
    return products


def product_seconds(rows, inner, columns, device, repeats=5):
    """Seconds of one (rows, inner) x (inner, columns) float32 product, the faster of
    a plain product and `small_products` (MKL-packed on a CPU), median of `repeats`."""
    x = torch.randn(rows, inner, device=device)
    weight = torch.randn(columns, inner, device=device)
    times = []
    packed = small_products(weight, None, rows)
    for product in (lambda: x @ weight.t(), lambda: packed(x)):
        product()
        sync(device)
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            product()
            sync(device)
            runs.append(time.perf_counter() - start)
        times.append(statistics.median(runs))
    return min(times)


def products_ceiling(config, vocab, device):
    """{teacher forcing: tokens/s of a step that did nothing but its products, each at
    the speed this machine gives its own shape (float32)}."""
    ceilings = {}
    for teacher_forcing in (True, False):
        products = step_products(config, vocab, teacher_forcing)
        seconds = sum(
            count * product_seconds(m, k, n, device) for m, k, n, count in products
        )
        ceilings[teacher_forcing] = config.batch_size * config.seq_length / seconds
    return ceilings


def sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


class Trainer:
    """A starter-configuration model being trained on `data` (B, N) in one precision
    and mode, resumable: `rate(batches)` times the next `batches` training steps."""

    def __init__(self, data, precision, teacher_forcing, device):
        config = STARTER_CONFIG
        self.model, self.optimizer, self.scaler = fresh_model(
            VOCAB, config, device, precision
        )
        self.batches = iter(chunks(data, config.seq_length))
        self.states = self.model.zero_state(config.batch_size, device)
        self.precision, self.teacher_forcing = precision, teacher_forcing
        self.rate(1)  # warm-up: allocations, kernel selection

    def rate(self, batches):
        start, tokens = time.perf_counter(), 0
        for _ in range(batches):
            inputs, targets = next(self.batches)
            loss, self.states = training_step(
                self.model, self.optimizer, self.scaler, inputs, targets,
                self.states, STARTER_CONFIG, self.teacher_forcing, self.precision,
            )  # fmt: skip
            loss.item()  # wait for the step
            tokens += targets.numel()
        return tokens / (time.perf_counter() - start)


def starter_data(corpus, batches, device):
    """(B, N) ids for `batches` chunks: the real training split when it is here (its
    vocabulary is 10,000 words), else random ids below 10,000."""
    c = STARTER_CONFIG
    if corpus["paths"]["train"].name != "ptb.valid.txt":
        assert len(corpus["dictionary"]) == VOCAB
        return batchify(corpus["ids"]["train"], c.batch_size).to(device), "PTB train"
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(
        0, VOCAB, (c.batch_size, batches * c.seq_length + 1), generator=generator
    )
    return ids.to(device), "random ids (no training split here)"


def throughput(corpus, precisions, repeats, batches, device, thread_settings):
    """{(precision, teacher forcing, threads): tokens/s, (precision, threads): matmul
    FLOP/s}, medians of `repeats` rounds of `batches` steps each; in every round each case runs
    once, so that a busy spell of a shared machine slows all alike. Precisions run
    with thread_settings[0] intra-op threads; float32 also with each other setting."""
    data, source = starter_data(corpus, (repeats * batches + 1) * 2, device)
    print(f"data: {source}; {batches} steps x {repeats} rounds per figure")
    cases = [
        (p, tf, threads)
        for p in precisions
        for threads in (thread_settings if p == "float32" else thread_settings[:1])
        for tf in (True, False)
    ]
    trainers = {(p, tf): Trainer(data, p, tf, device) for p, tf, _ in cases}
    floors = {(p, threads) for p, _, threads in cases}  # matmul FLOP/s per setting
    runs = {key: [] for key in [*cases, *floors]}
    for round_ in range(repeats):
        for p, threads in floors:
            torch.set_num_threads(threads)
            runs[p, threads].append(matmul_flops(p, device))
        for p, tf, threads in cases:
            torch.set_num_threads(threads)
            runs[p, tf, threads].append(trainers[p, tf].rate(batches))
        print(f"round {round_ + 1}/{repeats} done", file=sys.stderr)
    torch.set_num_threads(thread_settings[0])
    return {key: statistics.median(values) for key, values in runs.items()}


def quality(corpus, precisions, tokens, device):
    """Test perplexity and seconds of the fast configuration, trained from the same seed
    on the same data in each precision; `tokens` cuts every split (None: all)."""
    if tokens:
        corpus = {**corpus, "ids": {k: v[:tokens] for k, v in corpus["ids"].items()}}
    results = {}
    for p in precisions:
        _, history = train(corpus, FAST_CONFIG, device=device, label=p, precision=p)
        results[p] = history["test_ppl"], history["trained_on"]["seconds"]
    return results, corpus["ids"]["train"].numel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds")
    parser.add_argument("--batches", type=int, default=2, help="timed steps a round")
    parser.add_argument(
        "--precisions",
        help="comma-separated (default: float32 and the device's default precision)",
    )
    parser.add_argument(
        "--mixed",
        default="bfloat16",
        help="the mixed precision the quality comparison runs beside float32",
    )
    parser.add_argument(
        "--quality-tokens",
        type=int,
        help="cut the data of the quality comparison to this many tokens per split "
        "(for machines that emulate bfloat16; default: all)",
    )
    parser.add_argument(
        "--skip-quality", action="store_true", help="throughput and threads only"
    )
    args = parser.parse_args()
    device = pick_device()
    default = default_precision(device)
    precisions = (
        args.precisions.split(",")
        if args.precisions
        else list(dict.fromkeys(["float32", default]))
    )
    default_threads = torch.get_num_threads(), torch.get_num_interop_threads()
    intra, inter = use_cores()
    settings = list(dict.fromkeys([intra, default_threads[0], 1]))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"device {device}, {os.cpu_count()} cores, load average {load:.1f}; native "
        f"bfloat16: {native_bf16(device)}; default precision: {default}"
    )
    corpus = load_corpus(allow_fallback=True)
    rates = throughput(corpus, precisions, args.repeats, args.batches, device, settings)
    config = STARTER_CONFIG
    flops = flops_per_token(config, VOCAB)
    for teacher_forcing in (True, False):
        counted = sum(
            2 * m * k * n * count
            for m, k, n, count in step_products(config, VOCAB, teacher_forcing)
        )
        assert abs(counted / (config.batch_size * config.seq_length) - flops) < 1, (
            counted
        )
    torch.set_num_threads(intra)
    ceilings = products_ceiling(config, VOCAB, device)
    E, H, T = config.embed_size, config.hidden_size, config.seq_length
    searched = (8 * H * (E + H) + 2 * H * VOCAB) * (T - 1) / T  # a no-grad forward
    print(
        f"matrix-product FLOPs per word of a training step: teacher forcing "
        f"{flops / 1e6:.1f} M; without teacher forcing {flops / 1e6:.1f} M (each step's "
        f"logits give the argmax and the loss: ceiling 100% of the teacher-forced "
        f"step's; the previous algorithm, which searched the fed words without a graph "
        f"and then ran the chunk again, {(flops + searched) / 1e6:.1f} M: ceiling "
        f"{100 * flops / (flops + searched):.0f}%)"
    )
    for p in precisions:
        tf, free = rates[p, True, intra], rates[p, False, intra]
        floor = rates[p, intra] / flops
        print(
            f"starter configuration, {p}, vocabulary {VOCAB}, {intra} threads: "
            f"{tf:,.0f} tokens/s ({100 * tf / floor:.0f}% of the matmul floor)"
        )
        minutes = (
            config.num_epochs * EPOCH_TOKENS * (1 / tf + 1 / free)
            + 2 * EVAL_TOKENS / (3 * tf)
        ) / 60
        print(
            f"    without teacher forcing {free:,.0f} tokens/s "
            f"({100 * free / floor:.0f}% of the floor); matmul {rates[p, intra] / 1e9:.1f} "
            f"GFLOP/s, floor {floor:,.0f} tokens/s; a real build's Question 2 "
            f"training at these rates: {minutes:.0f} min"
        )
    tf, free, floor = (
        rates["float32", True, intra],
        rates["float32", False, intra],
        rates["float32", intra] / flops,
    )
    print(
        "each product of a step timed alone at its own shape (float32; the per-step "
        f"products of {config.batch_size} rows stream their weights from memory): "
        f"with teacher forcing {ceilings[True]:,.0f} tokens/s at most "
        f"({100 * ceilings[True] / floor:.0f}% of the matmul floor; the step runs at "
        f"{100 * tf / ceilings[True]:.0f}% of it), without teacher forcing "
        f"{ceilings[False]:,.0f} tokens/s at most ({100 * ceilings[False] / floor:.0f}% "
        f"of the floor; the step runs at {100 * free / ceilings[False]:.0f}% of it)"
    )

    def share(p, tf, threads):
        return f"{100 * rates[p, tf, threads] * flops / rates[p, threads]:.0f}%"

    print(
        f"threads (float32, tokens/s with / without teacher forcing): this setting, "
        f"{intra} intra-op and {inter} inter-op (use_cores): "
        f"{rates['float32', True, intra]:,.0f} / {rates['float32', False, intra]:,.0f}"
        + "".join(
            f"; {threads} intra-op"
            + (" (PyTorch's default)" if threads == default_threads[0] else "")
            + f": {rates['float32', True, threads]:,.0f} / "
            f"{rates['float32', False, threads]:,.0f} "
            f"({rates['float32', True, threads] / rates['float32', True, intra]:.2f}x"
            f" / {rates['float32', False, threads] / rates['float32', False, intra]:.2f}x;"
            f" {share('float32', True, threads)} / {share('float32', False, threads)}"
            " of its own matmul floor)"
            for threads in settings[1:]
        )
        + (
            f" (PyTorch's default here is the same: {default_threads[0]} intra-op, "
            f"{default_threads[1]} inter-op)"
            if default_threads[0] == intra
            else f" (PyTorch's default inter-op threads: {default_threads[1]})"
        )
    )
    if len(precisions) > 1:
        base = rates[precisions[0], True, intra]
        for p in precisions[1:]:
            print(f"{p} / {precisions[0]} tokens/s: {rates[p, True, intra] / base:.2f}")
    if args.skip_quality:
        return
    compared = list(dict.fromkeys(["float32", args.mixed]))
    results, tokens = quality(corpus, compared, args.quality_tokens, device)
    (ppl32, s32), *mixed = [results[p] for p in compared]
    print(
        f"quality, fast configuration ({FAST_CONFIG.num_epochs} epochs of {tokens:,} "
        f"tokens, same seed and data): test perplexity float32 {ppl32:.2f} "
        f"({s32:.0f} s)"
        + "".join(
            f", {p} {ppl:.2f} ({s:.0f} s, {100 * (ppl / ppl32 - 1):+.2f}%)"
            for p, (ppl, s) in zip(compared[1:], mixed)
        )
    )


if __name__ == "__main__":
    main()
