"""Question 2 model and training: the starter's RNNLM, truncated back-propagation through time,
training with and without teacher forcing, perplexity, and a disk cache of trained models."""

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace

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
    """The starter's model: embedding -> one LSTM layer -> linear layer over the vocabulary."""

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
    """Forward without teacher forcing: the first input of the chunk is the real word, every
    later input is the model's own previous prediction (argmax, detached); the hidden state
    flows through the whole chunk as usual."""
    x, outputs = inputs[:, :1], []
    for _ in range(inputs.size(1)):
        out, states = model(x, states)
        outputs.append(out)
        x = out.argmax(dim=-1, keepdim=True).detach()
    return torch.stack(outputs, dim=1).reshape(-1, outputs[0].size(-1)), states


def progress(iterable, **kwargs):
    """tqdm, written to the terminal of the report build (not into the report) when built."""
    stream = sys.__stderr__ if os.environ.get("REPORT_BUILD") == "1" else sys.stderr
    # disable=None: off where the stream is not a terminal (plain Jupyter, nbclient)
    return tqdm(iterable, file=stream, mininterval=1.0, disable=None, **kwargs)


def evaluate(model, ids, config, device="cpu"):
    """Perplexity on a split: the exponential of the mean cross-entropy per word (teacher forced)."""
    data = batchify(ids, config.batch_size).to(device)
    model.eval()
    states, total, count = model.zero_state(config.batch_size, device), 0.0, 0
    with torch.no_grad():
        for inputs, targets in chunks(data, config.seq_length):
            outputs, states = model(inputs, states)
            total += nn.functional.cross_entropy(
                outputs, targets.reshape(-1), reduction="sum"
            ).item()
            count += targets.numel()
    model.train()
    return math.exp(total / count)


def train(corpus, config, teacher_forcing=True, device="cpu", label="train"):
    """Train a fresh RNNLM as the starter does (hidden state zeroed every epoch and detached
    before every chunk); returns the model and its history: the loss of every batch, the
    validation perplexity after every epoch, the test perplexity and the seconds spent."""
    torch.manual_seed(config.seed)
    vocab = len(corpus["dictionary"])
    model = RNNLM(vocab, config.embed_size, config.hidden_size, config.num_layers).to(
        device
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
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
            states = detach_states(states)
            if teacher_forcing:
                outputs, states = model(inputs, states)
            else:
                outputs, states = free_running_forward(model, inputs, states)
            loss = nn.functional.cross_entropy(outputs, targets.reshape(-1))
            model.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            optimizer.step()
            history["batch_loss"].append(loss.item())
            bar.set_postfix(
                loss=f"{loss.item():.3f}",
                ppl=f"{math.exp(loss.item()):.1f}",
                refresh=False,
            )
        history["valid_ppl"].append(
            evaluate(model, corpus["ids"]["valid"], config, device)
        )
    history["test_ppl"] = evaluate(model, corpus["ids"]["test"], config, device)
    history["seconds"] = time.perf_counter() - start
    return model, history


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def trained_model(
    corpus, config, teacher_forcing=True, device=None, cache_dir=".cache/models"
):
    """`train`, cached on disk under a key made of the configuration, the training code, the
    data and the device: a second call (or a rebuild of the report) loads instead of training."""
    device = device or pick_device()
    key = [
        asdict(config),
        teacher_forcing,
        device,
        torch.__version__,
        fingerprint(
            RNNLM,
            train,
            evaluate,
            free_running_forward,
            detach_states,
            batchify,
            chunks,
        ),
        tensor_digest(*(corpus["ids"][s] for s in ("train", "valid", "test"))),
    ]
    label = "teacher forcing" if teacher_forcing else "no teacher forcing"

    def compute():
        model, history = train(corpus, config, teacher_forcing, device, label=label)
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
    print(f"trained in {history['seconds']:.0f} s")  # also when loaded from the cache
    return model, history
