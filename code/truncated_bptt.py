"""Question 2.1: what detach() does to the graph, measured (memory the graph holds and the time of
one backward pass as chunks stay attached) and drawn."""

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


def backward_cost(model, data, seq_length, attached_chunks, detach):
    """Run `attached_chunks` consecutive chunks. Without detach the graph spans all of them and
    one backward pass goes through all; with detach the state is cut before every chunk and
    each chunk has its own backward pass.  Returns (largest graph in MB, seconds of the
    largest backward pass)."""
    states = model.zero_state(data.size(0))
    biggest, slowest, losses = 0, 0.0, []
    with SavedTensorMeter() as meter:
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
                slowest = max(slowest, time.perf_counter() - start)
                losses = []
    model.zero_grad()
    return biggest / 2**20, slowest


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
    """The unrolled LSTM over two consecutive chunks, and where detach() cuts the graph."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    fig, ax = plt.subplots(figsize=(9, 3.4))
    n = 2 * steps_per_chunk
    for t in range(n):
        x = t * 1.4 + (0.6 if t >= steps_per_chunk else 0)
        ax.add_patch(Rectangle((x, 1), 0.9, 0.8, facecolor="#dbe8f6", edgecolor="k"))
        ax.text(x + 0.45, 1.4, "LSTM", ha="center", va="center", fontsize=8)
        ax.text(x + 0.45, 0.35, f"$x_{{{t + 1}}}$", ha="center", fontsize=9)
        ax.text(x + 0.45, 2.45, f"$\\ell_{{{t + 1}}}$", ha="center", fontsize=9)
        for y0, y1 in ((0.55, 1.0), (1.8, 2.3)):
            ax.add_patch(
                FancyArrowPatch(
                    (x + 0.45, y0), (x + 0.45, y1), arrowstyle="->", mutation_scale=10
                )
            )
        if t < n - 1:
            gap = 1.1 if t == steps_per_chunk - 1 else 0.5
            style = dict(arrowstyle="->", mutation_scale=10)
            if t == steps_per_chunk - 1:
                style.update(linestyle="--", color="tab:red")
            ax.add_patch(FancyArrowPatch((x + 0.9, 1.4), (x + 0.9 + gap, 1.4), **style))
    cut = steps_per_chunk * 1.4 - 0.05
    ax.axvline(cut + 0.3, color="tab:red", linestyle=":", linewidth=1.5)
    ax.text(
        cut + 0.3,
        2.9,
        "states = [s.detach() for s in states]\nvalues pass, gradients stop",
        color="tab:red",
        ha="center",
        fontsize=8,
    )
    ax.text(
        steps_per_chunk * 0.7,
        -0.25,
        "chunk k: backward pass ends here",
        ha="center",
        fontsize=8,
    )
    ax.text(
        steps_per_chunk * 1.4 + 0.6 + steps_per_chunk * 0.7,
        -0.25,
        "chunk k+1: its own graph and backward pass",
        ha="center",
        fontsize=8,
    )
    ax.text(-0.4, 1.4, "$(h_0, c_0)$", ha="right", va="center", fontsize=9)
    ax.set_xlim(-1.3, n * 1.4 + 0.8)
    ax.set_ylim(-0.5, 3.4)
    ax.axis("off")
    return fig
