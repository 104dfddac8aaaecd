"""Question 2.1: what detach() does to the graph, measured (the memory the graph holds
and the time of the backward passes as chunks stay attached) and drawn."""

import statistics
import time

import torch
import torch.nn as nn
from language_model import detach_states


class SavedTensorMeter:
    """Bytes of the distinct tensors autograd saves for the backward pass while active:
    the memory the graph holds on to until backward() frees it."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.bytes, self._seen = 0, set()

    def pack(self, tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in self._seen:
            self._seen.add(storage.data_ptr())
            self.bytes += storage.nbytes()
        return tensor

    def __enter__(self):
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self.pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)


def run_chunks(model, data, seq_length, attached_chunks, detach, meter):
    """Forward and backward over `attached_chunks` consecutive chunks of `data`
    (batch, tokens).  Without detach the graph spans all of them and one backward pass
    goes through all; with detach the state is cut before every chunk and each chunk
    has its own backward pass.  Returns (largest graph in bytes, seconds of each
    backward pass)."""
    states = model.zero_state(data.size(0))
    biggest, seconds, losses = 0, [], []
    for k in range(attached_chunks):
        i = k * seq_length
        inputs, targets = (
            data[:, i : i + seq_length],
            data[:, i + 1 : i + 1 + seq_length],
        )
        if detach:
            states = detach_states(states)
            meter.reset()
        outputs, states = model(inputs, states)
        losses.append(nn.functional.cross_entropy(outputs, targets.reshape(-1)))
        if detach or k == attached_chunks - 1:
            biggest = max(biggest, meter.bytes)
            start = time.perf_counter()
            sum(losses).backward()
            seconds.append(time.perf_counter() - start)
            losses = []
    model.zero_grad()
    return biggest, seconds


def backward_costs(model, data, seq_length, ks, repeats=5):
    """The cost of `run_chunks` for each k in `ks`, attached and detached, measured side
    by side: one warm-up round, then `repeats` rounds that each run every (k, detach)
    case once, so that a busy spell of a shared machine slows all cases alike.

    Returns {detach: [(largest graph in MB, median seconds of one backward pass, median
    seconds of all the backward passes over the k chunks) for k in ks]} for detach in
    (False, True): with detach one pass covers one chunk, without it one pass covers
    all k chunks."""
    cases = [(k, detach) for k in ks for detach in (False, True)]
    passes = {case: [] for case in cases}
    totals = {case: [] for case in cases}
    biggest = {}
    for round_ in range(repeats + 1):
        for k, detach in cases:
            meter = SavedTensorMeter()
            with meter:
                biggest[k, detach], seconds = run_chunks(
                    model, data, seq_length, k, detach, meter
                )
            if round_:  # round 0 is the warm-up
                passes[k, detach] += seconds
                totals[k, detach].append(sum(seconds))
    return {
        detach: [
            (
                biggest[k, detach] / 2**20,
                statistics.median(passes[k, detach]),
                statistics.median(totals[k, detach]),
            )
            for k in ks
        ]
        for detach in (False, True)
    }


def gradient_reaches_previous_chunk(model, data, seq_length, detach):
    """Does the loss of chunk 2 send a gradient into the embeddings used by chunk 1?"""
    states = model.zero_state(data.size(0))
    embedded = model.embed(data[:, :seq_length])
    embedded.retain_grad()
    out, states = model.lstm(embedded, states)
    if detach:
        states = detach_states(states)
    outputs, _ = model(data[:, seq_length : 2 * seq_length], states)
    nn.functional.cross_entropy(
        outputs, data[:, seq_length + 1 : 2 * seq_length + 1].reshape(-1)
    ).backward()
    return embedded.grad is not None and embedded.grad.abs().sum().item() > 0


def draw_truncated_graph(steps_per_chunk=3):
    """The unrolled LSTM over two consecutive chunks, and where detach() cuts it."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    fig, ax = plt.subplots(figsize=(6.3, 2.5))
    n, arrow = 2 * steps_per_chunk, dict(arrowstyle="->", mutation_scale=9)
    gap = 1.0  # extra room at the cut
    for t in range(n):
        x = t * 1.4 + (gap if t >= steps_per_chunk else 0)
        ax.add_patch(Rectangle((x, 1), 0.9, 0.8, facecolor="#dbe8f6", edgecolor="k"))
        ax.text(x + 0.45, 1.4, "LSTM", ha="center", va="center", fontsize=8)
        ax.text(x + 0.45, 0.3, f"$x_{{{t + 1}}}$", ha="center", fontsize=9)
        ax.text(x + 0.45, 2.4, f"$\\ell_{{{t + 1}}}$", ha="center", fontsize=9)
        for y0, y1 in ((0.6, 1.0), (1.8, 2.3)):
            ax.add_patch(FancyArrowPatch((x + 0.45, y0), (x + 0.45, y1), **arrow))
        if t < n - 1:
            at_cut = t == steps_per_chunk - 1
            style = dict(arrow, linestyle="--", color="tab:red") if at_cut else arrow
            length = 0.5 + (gap if at_cut else 0)
            ax.add_patch(
                FancyArrowPatch((x + 0.9, 1.4), (x + 0.9 + length, 1.4), **style)
            )
    cut = steps_per_chunk * 1.4 - 0.5 + (0.5 + gap) / 2
    ax.plot([cut, cut], [0.75, 2.05], color="tab:red", linestyle=":", linewidth=1.5)
    ax.text(
        cut,
        2.85,
        "detach(): the values pass,\nthe gradient stops",
        color="tab:red",
        ha="center",
        fontsize=8,
    )
    middle = steps_per_chunk * 1.4 / 2 - 0.25
    for x, text in (
        (middle, "chunk k"),
        (
            middle + steps_per_chunk * 1.4 + gap,
            "chunk k+1: its own graph and\nbackward pass, which stops at the cut",
        ),
    ):
        ax.text(x, -0.1, text, ha="center", va="top", fontsize=8)
    ax.text(-0.1, 1.4, "$(h, c)$", ha="right", va="center", fontsize=9)
    ax.set_xlim(-1.0, n * 1.4 + gap)
    ax.set_ylim(-0.75, 3.4)
    ax.axis("off")
    return fig


def memory_figure(ks, costs, chunk_pass):
    """The measurement of `backward_costs` drawn: graph memory (MB) against the number
    of chunks k, attached and detached (left), and the seconds of one backward pass,
    attached, against the median pass of one detached chunk (right)."""
    import matplotlib.pyplot as plt

    fig, (ax_mem, ax_time) = plt.subplots(1, 2, figsize=(6.3, 2.6))
    for detach, name in ((False, "attached"), (True, "detached")):
        ax_mem.plot(ks, [c[0] for c in costs[detach]], "o-", label=name)
    ax_time.plot(ks, [c[1] for c in costs[False]], "o-", label="attached")
    ax_time.axhline(chunk_pass, color="tab:orange", label="detached: one chunk")
    ax_mem.set(xlabel="chunks k", ylabel="graph memory (MB)", xticks=ks)
    ax_time.set(xlabel="chunks k", ylabel="one backward pass (s)", xticks=ks)
    for ax in (ax_mem, ax_time):
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
