"""Question 2 model and training: the starter's RNNLM, truncated back-propagation
through time, training with and without teacher forcing, perplexity, precision
(float32, or mixed precision where the hardware has native bfloat16), and a disk
cache of trained models."""

import contextlib
import json
import math
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn as nn
from caching import cached, fingerprint, tensor_digest
from ptb_data import batchify, chunks
from tqdm import tqdm


@dataclass(frozen=True)
class Config:
    embed_size: int = 128  # nn.Embedding(vocab, 128)
    hidden_size: int = 1024  # nn.LSTM(128, 1024)
    num_layers: int = 1
    num_epochs: int = 5
    batch_size: int = 20
    seq_length: int = 30  # BPTT truncation length
    learning_rate: float = 0.002  # Adam
    clip: float = 0.5  # clip_grad_norm_
    seed: int = 0


STARTER_CONFIG = Config()  # the starter notebook, exactly
FAST_CONFIG = replace(
    STARTER_CONFIG, hidden_size=256, num_epochs=3
)  # draft builds, CI: minutes on 2 CPU cores


class RNNLM(nn.Module):
    """The starter's model: embedding -> one LSTM layer -> linear layer over the
    vocabulary."""

    def __init__(self, vocab_size, embed_size, hidden_size, num_layers):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h):
        out, (h, c) = self.lstm(self.embed(x), h)
        return self.linear(out.reshape(-1, out.size(2))), (h, c)

    def zero_state(self, batch_size, device="cpu"):
        shape = (self.lstm.num_layers, batch_size, self.lstm.hidden_size)
        return torch.zeros(shape, device=device), torch.zeros(shape, device=device)


def detach_states(states):
    """Cut the graph between chunks: the values flow on, the gradient stops here."""
    return [s.detach() for s in states]


def free_running_forward(model, inputs, states):
    """Forward without teacher forcing: the first input of the chunk is the real word,
    every later input is the model's own previous prediction (argmax, detached); the
    hidden state flows through the whole chunk as usual. inputs: (B, T) ids; returns
    logits (B*T, V) and the final states.

    The fed-back words do not depend on the parameters' gradients, so they are found
    first, step by step without building a graph; then the chunk goes through the model
    once, as in teacher forcing, on those words: the same words, and up to rounding the
    same logits and gradients, as building the graph step by step, but with one
    backward pass over the chunk instead of T small ones."""
    x, fed = inputs[:, :1], [inputs[:, :1]]
    with torch.no_grad():
        step_states = states
        for _ in range(inputs.size(1) - 1):
            out, step_states = model(x, step_states)
            x = out.argmax(dim=-1, keepdim=True)
            fed.append(x)
    return model(torch.cat(fed, dim=1), states)


PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}
# Mixed precision becomes the default on hardware with native bfloat16 only once
# bench/language_model.py has shown the fast configuration's test perplexity within 1%
# of float32's on a full budget; not yet measured (no such hardware here): float32.
MIXED_PRECISION_DEFAULT = False


def native_bf16(device, cpuinfo="/proc/cpuinfo"):
    """Does the device compute in bfloat16 natively: a CUDA GPU that supports it, or a
    CPU with AMX or AVX512-BF16 instructions (the amx_bf16 / avx512_bf16 flags of
    Linux's /proc/cpuinfo; False where that file is absent)? Elsewhere PyTorch emulates
    bfloat16, many times slower than float32."""
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.cuda.is_bf16_supported()
    if kind != "cpu":
        return False
    try:
        flags = set(Path(cpuinfo).read_text().split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def default_precision(device):
    """'bfloat16' (mixed precision) where the device has native bfloat16, else
    'float32'."""
    return "bfloat16" if MIXED_PRECISION_DEFAULT and native_bf16(device) else "float32"


def autocast(device, precision):
    """The context the forward pass and the loss run in. 'float32': plain float32.
    'bfloat16' / 'float16': torch.autocast mixed precision (matrix products in 16
    bits, reductions such as the softmax and the loss in float32; the parameters,
    gradients and optimizer state stay float32). float16 is for CUDA, with a gradient
    scaler (`train`). On a CPU without native bfloat16, oneDNN's LSTM has no bfloat16
    kernel: the LSTM then runs as PyTorch's own per-step matrix products (emulated,
    slow; for comparisons). Raises ValueError for an unknown precision."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r}: expected one of {list(PRECISIONS)}")
    stack = contextlib.ExitStack()
    if precision != "float32":
        kind = torch.device(device).type
        stack.enter_context(torch.autocast(kind, dtype=PRECISIONS[precision]))
        if kind == "cpu" and not native_bf16(device):
            with warnings.catch_warnings():  # "TF32 ... for Intel GPUs": not ours
                warnings.simplefilter("ignore", UserWarning)
                stack.enter_context(torch.backends.mkldnn.flags(enabled=False))
    return stack


def flops_per_token(config, vocab_size):
    """Matrix-product FLOPs (2 per multiply-add) of one training step, per token (word).
    Forward: each LSTM layer 2*4H*(I + H) (I = E for the first layer, H above it),
    the output layer 2*H*V. Backward: the weight gradients cost the forward again,
    and the input gradients too, except into the chunk's initial state (detached:
    none needed), 8*H*H per layer per chunk, i.e. 8*H*H/T per token. Element-wise
    work (gates, softmax, optimizer) is not counted. Checked against
    torch.utils.flop_counter in the tests."""
    E, H, V, T = config.embed_size, config.hidden_size, vocab_size, config.seq_length
    lstm = sum(
        8 * H * ((E if layer == 0 else H) + H) for layer in range(config.num_layers)
    )
    initial_state = config.num_layers * 8 * H * H / T
    return 3 * (lstm + 2 * H * V) - initial_state


def progress(iterable, **kwargs):
    """tqdm, written to the terminal of the report build (not into the report) when
    built."""
    stream = sys.__stderr__ if os.environ.get("REPORT_BUILD") == "1" else sys.stderr
    # disable=None: off where the stream is not a terminal (plain Jupyter, nbclient)
    return tqdm(iterable, file=stream, mininterval=1.0, disable=None, **kwargs)


def evaluate(model, ids, config, device="cpu", precision="float32"):
    """Perplexity on a split: the exponential of the mean cross-entropy per word
    (teacher forced), computed in `precision` (see `autocast`)."""
    data = batchify(ids, config.batch_size).to(device)
    model.eval()
    states, total, count = model.zero_state(config.batch_size, device), 0.0, 0
    with torch.inference_mode(), autocast(device, precision):
        for inputs, targets in chunks(data, config.seq_length):
            outputs, states = model(inputs, states)
            total += nn.functional.cross_entropy(
                outputs.float(), targets.reshape(-1), reduction="sum"
            ).item()
            count += targets.numel()
    model.train()
    return math.exp(total / count)


def make_optimizer(model, config):
    """The starter's Adam; fused (one pass over the parameters instead of one per
    operation: the same algorithm) on the CPU and CUDA."""
    kind = next(model.parameters()).device.type
    return torch.optim.Adam(
        model.parameters(), lr=config.learning_rate, fused=kind in ("cpu", "cuda")
    )


def training_step(
    model,
    optimizer,
    scaler,
    inputs,
    targets,
    states,
    config,
    teacher_forcing,
    precision,
):
    """One update on a chunk: inputs and targets (B, T) ids, states from the previous
    chunk (detached here). The forward pass and the loss run in `precision` (see
    `autocast`); the gradient (scaled by `scaler`, a torch.amp.GradScaler, for float16)
    is clipped to norm config.clip before Adam's step. Returns (loss, states)."""
    device = inputs.device
    states = detach_states(states)
    with autocast(device, precision):
        if teacher_forcing:
            outputs, states = model(inputs, states)
        else:
            outputs, states = free_running_forward(model, inputs, states)
        loss = nn.functional.cross_entropy(outputs.float(), targets.reshape(-1))
    model.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), config.clip)
    scaler.step(optimizer)
    scaler.update()
    return loss.detach(), states


def train(
    corpus,
    config,
    teacher_forcing=True,
    device="cpu",
    label="train",
    precision="float32",
):
    """Train a fresh RNNLM as the starter does (hidden state zeroed every epoch and
    detached before every chunk; Adam, gradient norm clipped) in `precision` (see
    `autocast`; the parameters and the optimizer stay float32, float16 adds a
    gradient scaler); returns the model and its history: the loss of every batch, the
    validation perplexity after every epoch, the test perplexity and the seconds
    spent."""
    torch.manual_seed(config.seed)
    vocab = len(corpus["dictionary"])
    model = RNNLM(vocab, config.embed_size, config.hidden_size, config.num_layers).to(
        device
    )
    optimizer = make_optimizer(model, config)
    scaler = torch.amp.GradScaler(
        torch.device(device).type, enabled=precision == "float16"
    )
    data = batchify(corpus["ids"]["train"], config.batch_size).to(device)
    history = {"batch_loss": [], "valid_ppl": []}
    start = time.perf_counter()
    for epoch in range(config.num_epochs):
        states = model.zero_state(config.batch_size, device)
        bar = progress(
            list(chunks(data, config.seq_length)),
            desc=f"{label} epoch {epoch + 1}/{config.num_epochs}",
        )
        for inputs, targets in bar:
            loss, states = training_step(
                model, optimizer, scaler, inputs, targets, states, config,
                teacher_forcing, precision,
            )  # fmt: skip
            history["batch_loss"].append(loss.item())
            bar.set_postfix(
                loss=f"{loss.item():.3f}",
                ppl=f"{math.exp(loss.item()):.1f}",
                refresh=False,
            )
        history["valid_ppl"].append(
            evaluate(model, corpus["ids"]["valid"], config, device, precision)
        )
    history["test_ppl"] = evaluate(
        model, corpus["ids"]["test"], config, device, precision
    )
    history["seconds"] = time.perf_counter() - start
    return model, history


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def trained_model(
    corpus,
    config,
    teacher_forcing=True,
    device=None,
    cache_dir=".cache/models",
    precision=None,
):
    """`train`, cached on disk under a key made of the configuration, the precision (by
    default `default_precision(device)`), the training code, the data and the device:
    a second call (or a rebuild of the report) loads instead of training. Prints the
    precision the model was trained in."""
    device = device or pick_device()
    precision = precision or default_precision(device)
    key = [
        asdict(config),
        precision,
        teacher_forcing,
        device,
        torch.__version__,
        fingerprint(
            RNNLM,
            train,
            training_step,
            make_optimizer,
            evaluate,
            autocast,
            free_running_forward,
            detach_states,
            batchify,
            chunks,
        ),
        tensor_digest(*(corpus["ids"][s] for s in ("train", "valid", "test"))),
    ]
    label = "teacher forcing" if teacher_forcing else "no teacher forcing"

    def compute():
        model, history = train(
            corpus, config, teacher_forcing, device, label=label, precision=precision
        )
        return {"state_dict": model.state_dict(), "history": json.dumps(history)}

    saved, hit = cached(
        f"rnnlm-{'tf' if teacher_forcing else 'free'}", key, compute, cache_dir
    )
    model = RNNLM(
        len(corpus["dictionary"]),
        config.embed_size,
        config.hidden_size,
        config.num_layers,
    ).to(device)
    model.load_state_dict(saved["state_dict"])
    history = json.loads(saved["history"])
    # the same line whether trained now or loaded from the cache (the notebook re-run
    # is compared with the stored one)
    print(f"trained in {precision} in {history['seconds']:.0f} s")
    return model, history
