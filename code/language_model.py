"""Question 2 model and training: the starter's RNNLM, truncated back-propagation
through time, training with and without teacher forcing, perplexity, precision
(float32, or mixed precision where the hardware has native bfloat16), and a disk
cache of trained models."""

import contextlib
import hashlib
import io
import json
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn as nn
from caching import cache_path, cached, fingerprint, tensor_digest
from callouts import progress_bar, terminal
from ptb_data import batchify, chunks


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


PACKED_PRODUCTS = True  # MKL's packed matrix products where they apply (see below)


def small_products(weight, bias, rows):
    """A function x (rows, in) -> x @ weight.T + bias (rows, out), without a graph,
    for the many small products of one chunk (bias may be None). On a CPU in float32
    with MKL, the weight is laid out once for MKL's packed product
    (`torch.ops.mkl._mkl_linear`: the same product, without re-packing the weight at
    every call; each of the 30 per-step products of the output layer streams its
    41 MB); elsewhere a plain product."""
    weight = weight.detach()
    bias = None if bias is None else bias.detach()
    packed = (
        PACKED_PRODUCTS
        and weight.device.type == "cpu"
        and weight.dtype == torch.float32
        and not torch.is_autocast_enabled("cpu")
        and torch.backends.mkl.is_available()
        and hasattr(torch.ops.mkl, "_mkl_linear")
    )
    if packed:
        layout = torch.ops.mkl._mkl_reorder_linear_weight(weight, rows)
        return lambda x: torch.ops.mkl._mkl_linear(x, layout, weight, bias, rows)
    if bias is None:
        return lambda x: x @ weight.t()
    return lambda x: torch.addmm(bias, x, weight.t())


class Recurrent(torch.autograd.Function):
    """h (B, H) -> h @ W_hh.T (B, 4H), W_hh fixed for the chunk (its gradient is
    summed over the chunk by `free_running_backward`): forward and backward (the
    gradient into h only) are `small_products` made once per chunk."""

    @staticmethod
    def forward(ctx, h, forward_product, backward_product):
        ctx.backward_product, ctx.dtype = backward_product, h.dtype
        return forward_product(h)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backward_product(grad.to(ctx.dtype)), None, None


@dataclass
class FreeRun:
    """A chunk run without teacher forcing (`free_running`). logits (B*T, V) (no graph:
    `free_running_backward` takes it from there); states: the final (h, c), detached;
    fed (B, T): the words fed in. When built for training, per layer and step the gate
    pre-activations (B, 4H), whose gradients are kept, the layer's input (B, I) and the
    hidden state before the step (B, H), and top (B, T, H): the last layer's outputs,
    in the graph."""

    logits: torch.Tensor
    states: list
    fed: torch.Tensor
    tape: list = None
    top: torch.Tensor = None


def free_running(model, inputs, states, fed=None):
    """Forward without teacher forcing, one step at a time: the first input of the chunk
    is the real word, every later input the argmax of the previous step's logits; the
    hidden state flows through the chunk as usual. inputs: (B, T) ids, states: (h, c),
    each (layers, B, H); fed: (B, T) words to feed instead (the tests compare with
    another implementation on the same words). Returns a FreeRun.

    Nothing is computed twice: each step's logits give both the argmax and, later, the
    loss. The LSTM cell is written out (nn.LSTM's gates i, f, g, o) on detached weights,
    so that autograd carries the gradient back through the steps only; the weight
    gradients are summed over the chunk in a few large products by
    `free_running_backward`."""
    lstm, out, layers = model.lstm, model.linear, range(model.lstm.num_layers)
    weights = [
        [getattr(lstm, f"{w}_l{k}").detach() for w in ("weight_ih", "weight_hh")]
        for k in layers
    ]
    bias = [
        (getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")).detach()
        for k in layers
    ]
    training = torch.is_grad_enabled() and out.weight.requires_grad
    rows = inputs.size(0)
    output_layer = small_products(out.weight, out.bias, rows)
    recurrent = [  # the product and, for training, its transpose for the backward
        (small_products(w, None, rows), training and small_products(w.t(), None, rows))
        for _, w in weights
    ]
    h, c = ([*s.unbind(0)] for s in detach_states(states))
    x, words, tops, logits, tape = inputs[:, 0], [], [], [], [[] for _ in layers]
    for t in range(inputs.size(1)):
        x = x if fed is None else fed[:, t]
        words.append(x)
        layer_input = model.embed.weight.detach()[x]
        for k in layers:
            gates = torch.addmm(bias[k], layer_input, weights[k][0].t())
            gates = (gates + Recurrent.apply(h[k], *recurrent[k])).float()
            if training and gates.requires_grad:
                gates.retain_grad()
            elif training:  # the first step of the first layer: a leaf
                gates.requires_grad_()
            if training:
                tape[k].append((gates, layer_input.detach(), h[k].detach()))
            i, f, g, o = gates.chunk(4, dim=1)
            c[k] = torch.sigmoid(f) * c[k] + torch.sigmoid(i) * torch.tanh(g)
            h[k] = layer_input = torch.sigmoid(o) * torch.tanh(c[k])
        tops.append(h[-1])
        with torch.no_grad():
            logits.append(output_layer(h[-1]))
        x = logits[-1].argmax(dim=-1)
    return FreeRun(
        logits=torch.stack(logits, dim=1).flatten(0, 1),
        states=[torch.stack(h).detach(), torch.stack(c).detach()],
        fed=torch.stack(words, dim=1),
        tape=tape if training else None,
        top=torch.stack(tops, dim=1) if training else None,
    )


def free_running_forward(model, inputs, states):
    """`free_running`'s logits (B*T, V) and final states, for a chunk of inputs (B, T)
    ids (the first word real, every later input the previous step's argmax)."""
    run = free_running(model, inputs, states)
    return run.logits, run.states


def add_grad(parameter, gradient):
    """Accumulate `gradient` into parameter.grad (float32, as autograd would)."""
    gradient = gradient.to(parameter.dtype)
    if parameter.grad is None:
        parameter.grad = gradient
    else:
        parameter.grad += gradient


def free_running_backward(model, run, targets, scaler):
    """The backward pass of a `free_running` chunk, run with grad enabled: the
    cross-entropy of run.logits against targets (B, T) ids; its gradient (scaled by
    `scaler`) goes through the output layer in two (B*T, V) products, back through the
    steps by autograd (the gates' gradients kept), and into the LSTM's weights, biases
    and the embedding rows in a few (B*T)-row products per layer. Adds to the
    parameters' .grad; returns the loss (a detached scalar)."""
    logits = run.logits.detach().float().requires_grad_()
    loss = nn.functional.cross_entropy(logits, targets.reshape(-1))
    scaler.scale(loss).backward()
    d_logits, top = logits.grad, run.top.detach().flatten(0, 1)
    add_grad(model.linear.weight, d_logits.t() @ top)
    add_grad(model.linear.bias, d_logits.sum(0))
    run.top.backward((d_logits @ model.linear.weight).view_as(run.top))
    lstm = model.lstm
    for k, steps in enumerate(run.tape):
        d_gates, inputs, previous_h = (
            torch.stack(column, dim=1).flatten(0, 1)
            for column in zip(*[(g.grad, x, h) for g, x, h in steps])
        )
        add_grad(getattr(lstm, f"weight_ih_l{k}"), d_gates.t() @ inputs)
        add_grad(getattr(lstm, f"weight_hh_l{k}"), d_gates.t() @ previous_h)
        for name in ("bias_ih", "bias_hh"):
            add_grad(getattr(lstm, f"{name}_l{k}"), d_gates.sum(0))
        if k == 0:
            embed = model.embed.weight
            rows = (d_gates @ lstm.weight_ih_l0).to(embed.dtype)
            grad = torch.zeros_like(embed).index_add_(0, run.fed.reshape(-1), rows)
            add_grad(embed, grad)
    return loss.detach()


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
    scaler (`train`). oneDNN's LSTM has a 16-bit kernel only for bfloat16 on a CPU
    with native bfloat16: otherwise (float16 on any CPU, bfloat16 without native
    support) the LSTM runs as PyTorch's own per-step matrix products (emulated, slow;
    for comparisons). Raises ValueError for an unknown precision."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r}: expected one of {list(PRECISIONS)}")
    stack = contextlib.ExitStack()
    if precision != "float32":
        kind = torch.device(device).type
        stack.enter_context(torch.autocast(kind, dtype=PRECISIONS[precision]))
        if kind == "cpu" and not (precision == "bfloat16" and native_bf16(device)):
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
    chunk (detached here). With teacher forcing the model runs on the inputs (nn.LSTM
    over the chunk); without, on its own argmax predictions (`free_running` and
    `free_running_backward`: the same products). The forward pass and the loss run in
    `precision` (see `autocast`); the gradient (scaled by `scaler`, a
    torch.amp.GradScaler, for float16) is clipped to norm config.clip before Adam's
    step. Returns (loss, states)."""
    device = inputs.device
    states = detach_states(states)
    model.zero_grad()
    with autocast(device, precision):
        if teacher_forcing:
            outputs, states = model(inputs, states)
            loss = nn.functional.cross_entropy(outputs.float(), targets.reshape(-1))
        else:
            run = free_running(model, inputs, states)
            loss, states = (
                free_running_backward(model, run, targets, scaler),
                run.states,
            )
    if teacher_forcing:
        scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), config.clip)
    scaler.step(optimizer)
    scaler.update()
    return loss.detach(), states


def use_cores():
    """Set PyTorch's intra-op threads to the cores this process may use
    (os.sched_getaffinity; os.cpu_count where that is absent) and its inter-op threads
    to one (a training step is one chain of operations: a second pool would only
    compete for the cores). Returns (intra-op, inter-op) threads."""
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity else os.cpu_count()
    torch.set_num_threads(cores)
    with contextlib.suppress(RuntimeError):  # inter-op work has started, or set before
        torch.set_num_interop_threads(1)
    return torch.get_num_threads(), torch.get_num_interop_threads()


CHECKPOINT_HEADER = b"rnnlm-checkpoint sha256="


def save_checkpoint(path, state):
    """Write `state` (anything torch.save takes) to `path` atomically: into a temporary
    file beside it, flushed to the disk, then renamed over `path`, so that an
    interruption at any moment leaves the previous checkpoint or the new one. The file
    starts with a line holding the sha256 of the rest (see `load_checkpoint`)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(
            CHECKPOINT_HEADER + hashlib.sha256(payload).hexdigest().encode() + b"\n"
        )
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path, device="cpu"):
    """The state `save_checkpoint` wrote to `path`, its tensors on `device`. Raises
    ValueError naming the file when its first line or its sha256 is not right (a
    damaged or foreign file: nothing of it is loaded), OSError when it cannot be
    read."""
    header, _, payload = Path(path).read_bytes().partition(b"\n")
    digest = hashlib.sha256(payload).hexdigest().encode()
    if header != CHECKPOINT_HEADER + digest:
        raise ValueError(f"{path}: not a whole checkpoint (its sha256 does not match)")
    return torch.load(io.BytesIO(payload), map_location=device, weights_only=True)


def fresh_model(vocab_size, config, device, precision):
    """A new RNNLM of `config` (initialised from config.seed) on `device`, its Adam
    optimizer and gradient scaler (float16 only)."""
    torch.manual_seed(config.seed)
    model = RNNLM(vocab_size, config.embed_size, config.hidden_size, config.num_layers)
    model = model.to(device)
    scaler = torch.amp.GradScaler(
        torch.device(device).type, enabled=precision == "float16"
    )
    return model, make_optimizer(model, config), scaler


def device_name(device):
    """The device in words: 'cuda (NVIDIA A100 ...)', 'cpu (AMD EPYC ...)' (the model
    name from Linux's /proc/cpuinfo where it is there), 'mps'."""
    kind = torch.device(device).type
    if kind == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if kind == "cpu":
        with contextlib.suppress(OSError):
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return f"cpu ({line.split(':', 1)[1].strip()})"
    return kind


def resume(checkpoint, model, optimizer, scaler, config, teacher_forcing, precision):
    """Load `checkpoint` (see `train`) into model, optimizer and scaler and restore the
    random-number states; returns (history, finished epochs). Raises ValueError (or
    what torch raises) when it is damaged or was made for another configuration, mode
    or precision, before anything is loaded into the model."""
    device = next(model.parameters()).device
    state = load_checkpoint(checkpoint, device)
    made_for = state["config"], state["teacher_forcing"], state["precision"]
    if made_for != (asdict(config), teacher_forcing, precision):
        raise ValueError(f"{checkpoint}: made for {made_for}")
    history, epoch = json.loads(state["history"]), state["epoch"]
    if not 0 < epoch <= config.num_epochs or len(history["valid_ppl"]) != epoch:
        raise ValueError(f"{checkpoint}: epoch {epoch} does not match its history")
    expected = {k: v.shape for k, v in model.state_dict().items()}
    if {k: v.shape for k, v in state["model"].items()} != expected:
        raise ValueError(f"{checkpoint}: not this model's parameters")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(state["rng"]["cpu"].cpu())
    if "cuda" in state["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["rng"]["cuda"]])
    return history, epoch


def train(
    corpus,
    config,
    teacher_forcing=True,
    device="cpu",
    label="train",
    precision="float32",
    checkpoint=None,
):
    """Train a fresh RNNLM as the starter does (hidden state zeroed every epoch and
    detached before every chunk; Adam, gradient norm clipped) in `precision` (see
    `autocast`; the parameters and the optimizer stay float32, float16 adds a
    gradient scaler), with a progress bar (words/s, time left) on the terminal.

    checkpoint: a file (Path) written after every epoch with `save_checkpoint`: the
    model, optimizer, gradient scaler, random-number states, history and epoch. When
    it is there, training resumes after its epoch and ends with exactly the model and
    history of an uninterrupted run (same device, seed and threads); a damaged one, or
    one made for another configuration or precision, is ignored with a message on the
    terminal and training starts afresh.

    Returns the model and its history: the loss of every batch, the validation
    perplexity after every epoch, the test perplexity, and "trained_on", how it was
    made: device, precision, threads, PyTorch version, seconds spent, the epochs
    after which it was resumed (facts about the run, not about the model)."""
    vocab = len(corpus["dictionary"])
    model, optimizer, scaler = fresh_model(vocab, config, device, precision)
    history, first = {"batch_loss": [], "valid_ppl": []}, 0
    made = dict(
        device=device_name(device),
        precision=precision,
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        seconds=0.0,
        resumed_after=[],
    )
    if checkpoint and Path(checkpoint).exists():
        try:
            history, first = resume(
                checkpoint, model, optimizer, scaler, config, teacher_forcing, precision
            )
            made = history.pop("trained_on")
            if device_name(device) not in made["device"].split(", then "):
                made["device"] += f", then {device_name(device)}"
            made["resumed_after"].append(first)
            print(f"{label}: resumed after epoch {first}", file=terminal())
        except Exception as e:  # damaged, foreign, unreadable: never half-loaded
            print(f"{label}: checkpoint ignored, training from the start: {e}",
                  file=terminal())  # fmt: skip
            model, optimizer, scaler = fresh_model(vocab, config, device, precision)
            history, first = {"batch_loss": [], "valid_ppl": []}, 0
    data = batchify(corpus["ids"]["train"], config.batch_size).to(device)
    batches = list(chunks(data, config.seq_length))
    words = sum(targets.numel() for _, targets in batches)  # per epoch
    bar = progress_bar(
        total=config.num_epochs * words,
        initial=first * words,
        desc=label,
        unit=" words",
        unit_scale=True,
    )
    start, spent = time.perf_counter(), made["seconds"]
    for epoch in range(first, config.num_epochs):
        states = model.zero_state(config.batch_size, device)
        for inputs, targets in batches:
            loss, states = training_step(
                model, optimizer, scaler, inputs, targets, states, config,
                teacher_forcing, precision,
            )  # fmt: skip
            history["batch_loss"].append(loss.item())
            bar.set_postfix(
                epoch=f"{epoch + 1}/{config.num_epochs}",
                loss=f"{history['batch_loss'][-1]:.3f}",
                refresh=False,
            )
            bar.update(targets.numel())
        history["valid_ppl"].append(
            evaluate(model, corpus["ids"]["valid"], config, device, precision)
        )
        made["seconds"] = spent + time.perf_counter() - start
        if checkpoint:
            rng = {"cpu": torch.get_rng_state()}
            if torch.cuda.is_available():
                rng["cuda"] = torch.cuda.get_rng_state_all()
            save_checkpoint(
                checkpoint,
                dict(
                    model=model.state_dict(),
                    optimizer=optimizer.state_dict(),
                    scaler=scaler.state_dict(),
                    rng=rng,
                    history=json.dumps({**history, "trained_on": made}),
                    epoch=epoch + 1,
                    config=asdict(config),
                    teacher_forcing=teacher_forcing,
                    precision=precision,
                ),
            )
    bar.close()
    history["test_ppl"] = evaluate(
        model, corpus["ids"]["test"], config, device, precision
    )
    made["seconds"] = spent + time.perf_counter() - start
    history["trained_on"] = made
    return model, history


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def model_key(corpus, config, teacher_forcing):
    """What a trained model is, and nothing of where or how fast it was made: the
    configuration, the training mode, the training code, the data and the PyTorch
    version (the device and precision go into its history instead). The same in the
    report's build (code/ imported) and in the notebook (code/ inlined)."""
    return [
        asdict(config),
        teacher_forcing,
        torch.__version__.split("+")[0],  # not the build: +cpu, +cu130 compute alike
        fingerprint(  # functions only: a class's source is not found in a notebook
            RNNLM.__init__,
            RNNLM.forward,
            RNNLM.zero_state,
            train,
            resume,
            fresh_model,
            training_step,
            make_optimizer,
            evaluate,
            autocast,
            free_running,
            free_running_backward,
            detach_states,
            batchify,
            chunks,
        ),
        tensor_digest(*(corpus["ids"][s] for s in ("train", "valid", "test"))),
    ]


def model_name(teacher_forcing):
    return "rnnlm-tf" if teacher_forcing else "rnnlm-free"


def measured_rates(corpus, config, device, precision, steps=3):
    """{teacher_forcing: tokens (words) per second} of `steps` training steps of a
    fresh model of `config` on the first chunks of the training split, after one
    warm-up step, with and without teacher forcing. The random-number state is left
    as it was."""
    data = batchify(corpus["ids"]["train"], config.batch_size).to(device)
    batches = list(chunks(data, config.seq_length))[: steps + 1]
    timed = batches[1:] or batches  # after the warm-up step, if there is a second
    rates = {}
    with torch.random.fork_rng(devices=[]):
        for teacher_forcing in (True, False):
            vocab = len(corpus["dictionary"])
            model, optimizer, scaler = fresh_model(vocab, config, device, precision)
            states = model.zero_state(config.batch_size, device)
            for n, (inputs, targets) in enumerate(batches):
                if n == len(batches) - len(timed):
                    start = time.perf_counter()
                loss, states = training_step(
                    model, optimizer, scaler, inputs, targets, states, config,
                    teacher_forcing, precision,
                )  # fmt: skip
                loss.item()  # waits for the step (CUDA)
            seconds = time.perf_counter() - start
            rates[teacher_forcing] = sum(t.numel() for _, t in timed) / seconds
    return rates


def expected_seconds(corpus, config, rate, evaluation_rate):
    """Seconds to train a model of `config` at `rate` words/s, plus its evaluations (a
    validation pass after every epoch and a test pass, forward only) at
    `evaluation_rate` words/s."""
    words = {split: ids.numel() for split, ids in corpus["ids"].items()}
    evaluation = config.num_epochs * words["valid"] + words["test"]
    return config.num_epochs * words["train"] / rate + evaluation / evaluation_rate


def duration(seconds):
    """'42 s', '17 min', '3.2 h'."""
    if seconds < 100:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 6000 else f"{seconds / 3600:.1f} h"


def announce_training(corpus, config, device, precision, todo):
    """Print on the terminal, before the long work, what is coming: the words/s of a
    few measured steps with and without teacher forcing, the expected time of each
    model to train (`todo`: {teacher_forcing: True if it still has to be trained}),
    and, on a CPU, that a GPU takes minutes."""
    rates = measured_rates(corpus, config, device, precision)
    lines = [
        f"Question 2 on {device_name(device)}, {torch.get_num_threads()} threads, "
        f"{precision}: {rates[True]:,.0f} words/s with teacher forcing and "
        f"{rates[False]:,.0f} without (measured steps)"
    ]
    for teacher_forcing, needed in todo.items():
        mode = "with" if teacher_forcing else "without"
        seconds = expected_seconds(
            corpus, config, rates[teacher_forcing], 3 * rates[True]
        )
        lines.append(
            f"  the model {mode} teacher forcing: "
            + (f"about {duration(seconds)} to train" if needed else "already trained")
        )
    if torch.device(device).type == "cpu":
        lines.append(
            "  A GPU trains each in minutes: see the README, 'Question 2 on a GPU' "
            "(train there, bring the .cache/models folder back)."
        )
    print("\n".join(lines), file=terminal(), flush=True)


def describe_training(history):
    """Where and how a model was trained, from its history, in two short
    lines."""
    made = history["trained_on"]
    threads, resumed = made["threads"], made["resumed_after"]
    return (
        f"trained on {made['device']}\nin {made['precision']} with {threads} "
        f"thread{'s' * (threads != 1)}, PyTorch {made['torch']}, in "
        f"{duration(made['seconds'])}"
        + (f", resumed after epoch {', '.join(map(str, resumed))}" if resumed else "")
    )


# the cache paths whose training was announced in this process
_announced = set()


def trained_model(
    corpus,
    config,
    teacher_forcing=True,
    device=None,
    cache_dir=".cache/models",
    precision=None,
):
    """`train`, cached on disk under `model_key` (configuration, mode, training code,
    data, PyTorch version): a second call, or a rebuild of the report, loads instead
    of training, wherever the model was trained (a model trained on a GPU loads on a
    CPU). Before training, `announce_training` says what is coming (once for both
    modes when both are to be trained); every epoch is checkpointed beside the cache
    file (`train`), and the checkpoint is removed once the model is in the cache.
    Prints where and in which precision the model was trained (`describe_training`)
    after its label ("teacher forcing: ..."). device: default `pick_device()`;
    precision: default `default_precision(device)`."""
    device = device or pick_device()
    precision = precision or default_precision(device)
    paths = {
        tf: cache_path(model_name(tf), model_key(corpus, config, tf), cache_dir)
        for tf in (True, False)
    }
    path = paths[teacher_forcing]
    checkpoint = path.with_name(f"{path.stem}.checkpoint")
    label = "teacher forcing" if teacher_forcing else "no teacher forcing"

    def compute():
        todo = {tf: tf == teacher_forcing or not p.exists() for tf, p in paths.items()}
        if path not in _announced:  # once for both models, when both are to train
            announce_training(corpus, config, device, precision, todo)
            _announced.update(p for tf, p in paths.items() if todo[tf])
        model, history = train(
            corpus, config, teacher_forcing, device, label, precision, checkpoint
        )
        state = {k: v.cpu() for k, v in model.state_dict().items()}
        return {"state_dict": state, "history": json.dumps(history)}

    saved, hit = cached(
        model_name(teacher_forcing), model_key(corpus, config, teacher_forcing),
        compute, cache_dir,
    )  # fmt: skip
    checkpoint.unlink(missing_ok=True)  # the model is whole: its checkpoint goes
    model = RNNLM(
        len(corpus["dictionary"]),
        config.embed_size,
        config.hidden_size,
        config.num_layers,
    ).to(device)
    model.load_state_dict(saved["state_dict"])
    history = json.loads(saved["history"])
    # the same lines whether trained now or loaded from the cache (the notebook re-run
    # is compared with the stored one)
    print(f"{label}: {describe_training(history)}")
    return model, history
