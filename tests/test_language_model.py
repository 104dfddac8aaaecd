"""Question 2: data layout, truncation, decoding, embedding distance, the model cache, and a
short training run on real PTB text (the offline validation split)."""

import json
import math
import os
import re
import time
from dataclasses import asdict, replace
from pathlib import Path

import language_model
import pytest
import torch
import torch.nn as nn
from conftest import DATA, HAS_DATA
from language_model import (
    FAST_CONFIG,
    RNNLM,
    autocast,
    default_precision,
    detach_states,
    evaluate,
    flops_per_token,
    free_running,
    free_running_backward,
    free_running_forward,
    native_bf16,
    train,
    trained_model,
)
from ptb_data import Dictionary, batchify, chunks, git_blob_id, load_corpus, tokenize
from text_generation import embedding_distance, generate, nearest_words, repetition
from torch.utils.flop_counter import FlopCounterMode
from truncated_bptt import backward_costs, gradient_reaches_previous_chunk

TINY = replace(
    FAST_CONFIG, embed_size=16, hidden_size=32, num_epochs=1, batch_size=4, seq_length=5
)


@pytest.fixture(scope="module")
def corpus():
    if not HAS_DATA:
        pytest.skip(f"the offline data is not in {DATA} (set REPORT_DATA_DIR)")
    return load_corpus(allow_fallback=True)


def small(corpus, n=3000):
    """The corpus cut to n tokens per split, for fast tests."""
    return {**corpus, "ids": {k: v[:n] for k, v in corpus["ids"].items()}}


def test_dictionary_round_trip(tmp_path):
    text = "the cat sat\non the mat\n"
    (tmp_path / "t.txt").write_text(text)
    d = Dictionary()
    ids = tokenize(tmp_path / "t.txt", d)
    assert d.idx2word[:4] == ["the", "cat", "sat", "<eos>"]
    assert " ".join(d.idx2word[i] for i in ids) == "the cat sat <eos> on the mat <eos>"


def test_batching_and_targets_are_the_inputs_shifted_by_one():
    ids = torch.arange(103)
    data = batchify(ids, 4)
    assert data.shape == (4, 25) and torch.equal(data, ids[:100].view(4, -1))
    pairs = list(chunks(data, 6))
    assert len(pairs) == 4  # (25 - 1) // 6 full chunks with a target
    for inputs, targets in pairs:
        assert torch.equal(targets, inputs + 1)  # row r is consecutive ids
    assert torch.equal(torch.cat([x for x, _ in pairs], 1), data[:, :24])


def test_offline_corpus_falls_back_and_says_so(corpus):
    assert (
        corpus["paths"]["train"].name == "ptb.valid.txt"
        and corpus["paths"]["valid"].name == "ptb.test.txt"
    )
    assert corpus["note"].startswith("WARNING:")
    with pytest.raises(FileNotFoundError, match=r"ptb.train.txt.*REPORT_PTB_DIR"):
        load_corpus(allow_fallback=False)


def test_a_file_that_fails_its_checksum_is_rejected(tmp_path, monkeypatch):
    (tmp_path / "ptb.valid.txt").write_text("not the real file\n")
    monkeypatch.setenv("REPORT_PTB_DIR", str(tmp_path))
    with pytest.raises(
        ValueError, match=r"ptb.valid.txt: not the expected PTB valid split"
    ):
        load_corpus(allow_fallback=True)


def test_git_blob_id_matches_git():
    assert (
        git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    )  # git hash-object


def test_detach_cuts_the_graph(corpus):
    torch.manual_seed(0)
    model = RNNLM(len(corpus["dictionary"]), 8, 16, 1)
    data = batchify(corpus["ids"]["train"][:2000], 4)
    assert gradient_reaches_previous_chunk(model, data, 10, detach=False)
    assert not gradient_reaches_previous_chunk(model, data, 10, detach=True)
    h = [torch.ones(2, requires_grad=True) * 2]
    assert detach_states(h)[0].grad_fn is None and torch.equal(
        detach_states(h)[0], h[0]
    )


def test_graph_memory_grows_only_without_detach(corpus):
    torch.manual_seed(0)
    model = RNNLM(len(corpus["dictionary"]), 8, 16, 1)
    data = batchify(corpus["ids"]["train"][:4000], 4)
    costs = backward_costs(model, data, 10, (1, 2, 4), repeats=1)
    attached, detached = ([c[0] for c in costs[d]] for d in (False, True))
    assert attached[0] == detached[0] and detached[0] == detached[1] == detached[2]
    assert attached[0] < attached[1] < attached[2]  # the graph spans the chunks
    assert all(0 <= t < 60 for c in costs.values() for _, *times in c for t in times)
    assert attached[2] - attached[1] == pytest.approx(
        2 * (attached[1] - attached[0]), rel=1e-6
    )


def recompute_free_running_forward(model, inputs, states):
    """The previous implementation, the oracle: the fed words searched step by step
    without a graph, then the whole chunk again, teacher forced, on those words.
    Returns (logits (B*T, V) in the graph, states, fed words (B, T))."""
    x, fed = inputs[:, :1], [inputs[:, :1]]
    with torch.no_grad():
        step_states = states
        for _ in range(inputs.size(1) - 1):
            out, step_states = model(x, step_states)
            x = out.argmax(dim=-1, keepdim=True)
            fed.append(x)
    fed = torch.cat(fed, dim=1)
    return (*model(fed, states), fed)


def free_running_case(num_layers, vocab=50, batch=4, steps=7):
    torch.manual_seed(num_layers)
    model = RNNLM(vocab, 8, 16, num_layers)
    inputs, targets = torch.randint(0, vocab, (2, batch, steps))
    states = [torch.randn(num_layers, batch, 16) for _ in range(2)]
    return model, inputs, targets, states


def test_free_running_feeds_back_its_own_argmax():
    model, inputs, _, states = free_running_case(1)
    run = free_running(model, inputs, states)
    predictions = run.logits.view(*inputs.shape, -1).argmax(-1)
    assert torch.equal(run.fed[:, 0], inputs[:, 0])
    assert torch.equal(run.fed[:, 1:], predictions[:, :-1])
    _, _, fed = recompute_free_running_forward(model, inputs, states)
    assert torch.equal(run.fed, fed)  # no near tie here: the same words
    logits, final = free_running_forward(model, inputs, states)
    assert torch.equal(logits, run.logits) and logits.grad_fn is None
    assert all(torch.equal(a, b) for a, b in zip(final, run.states))


@pytest.mark.parametrize("num_layers", [1, 2])
def test_free_running_step_gives_the_previous_implementations_loss_and_gradients(
    num_layers,
):
    """The same words fed back (the previous implementation's: greedy argmax may flip
    on a near tie when the order of arithmetic changes): the same logits, final states,
    loss and gradient of every parameter, up to float32 rounding."""
    model, inputs, targets, states = free_running_case(num_layers)
    model.zero_grad()
    logits, (h, c), fed = recompute_free_running_forward(model, inputs, states)
    loss = nn.functional.cross_entropy(logits, targets.reshape(-1))
    loss.backward()
    expected = [logits, h, c, loss, *(p.grad.clone() for p in model.parameters())]
    model.zero_grad()
    run = free_running(model, inputs, states, fed=fed)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    loss = free_running_backward(model, run, targets, scaler)
    got = [run.logits, *run.states, loss, *(p.grad for p in model.parameters())]
    assert torch.equal(run.fed, fed)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b.detach(), rtol=1e-5, atol=1e-6)


def test_a_free_running_training_step_counts_the_teacher_forced_steps_flops(
    monkeypatch,
):
    """Nothing computed twice: the matrix products of a free-running training step
    are those of a teacher-forced one (the previous algorithm needed a third more).
    (MKL's packed products are the same products, but the counter does not see them.)"""
    monkeypatch.setattr(language_model, "PACKED_PRODUCTS", False)
    config = replace(TINY, embed_size=8, hidden_size=12)
    vocab, (B, T) = 50, (config.batch_size, config.seq_length)
    torch.manual_seed(0)
    model = RNNLM(vocab, config.embed_size, config.hidden_size, 1)
    inputs, targets = torch.randint(0, vocab, (2, B, T))
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    with FlopCounterMode(display=False) as counter:
        run = free_running(model, inputs, model.zero_state(B))
        free_running_backward(model, run, targets, scaler)
    assert counter.get_total_flops() == flops_per_token(config, vocab) * B * T


@pytest.mark.parametrize("num_layers", [1, 2])
def test_flops_per_token_counts_the_matrix_products_of_a_training_step(num_layers):
    """The formula against torch's own FLOP counter over one chunk, forward and backward
    (oneDNN off: its fused LSTM kernel is opaque to the counter; PyTorch's own LSTM
    does the same products as separate matrix multiplications)."""
    config = replace(TINY, embed_size=8, hidden_size=12, num_layers=num_layers)
    vocab = 50
    torch.manual_seed(0)
    model = RNNLM(vocab, config.embed_size, config.hidden_size, num_layers)
    inputs, targets = torch.randint(0, vocab, (2, config.batch_size, config.seq_length))
    with torch.backends.mkldnn.flags(enabled=False):
        with FlopCounterMode(display=False) as counter:
            states = detach_states(model.zero_state(config.batch_size))
            outputs, _ = model(inputs, states)
            nn.functional.cross_entropy(outputs, targets.reshape(-1)).backward()
    tokens = config.batch_size * config.seq_length
    assert counter.get_total_flops() == flops_per_token(config, vocab) * tokens
    starter = flops_per_token(language_model.STARTER_CONFIG, 10_000)
    assert 89e6 < starter < 90e6  # about 90 MFLOP per word, forward and backward


def one_step_gradients(precision, seed=0):
    torch.manual_seed(seed)
    model = RNNLM(300, 16, 64, 1)
    inputs, targets = torch.randint(0, 300, (2, 8, 12))
    with autocast("cpu", precision):
        outputs, _ = model(inputs, model.zero_state(8))
        loss = nn.functional.cross_entropy(outputs.float(), targets.reshape(-1))
    loss.backward()
    return loss.item(), [p.grad for p in model.parameters()], model


def test_a_mixed_precision_step_matches_float32_within_bfloat16_rounding():
    """bfloat16 keeps 8 significant bits (relative rounding 2**-9, about 0.2%): the loss
    agrees within 1%, every gradient within 5% of its norm; the parameters, their
    gradients and so the optimizer stay float32."""
    loss32, grads32, _ = one_step_gradients("float32")
    loss16, grads16, model = one_step_gradients("bfloat16")
    assert loss16 == pytest.approx(loss32, rel=0.01) and loss16 != loss32
    for g16, g32 in zip(grads16, grads32):
        assert g16.dtype == torch.float32
        assert (g16 - g32).norm() < 0.05 * g32.norm()
    assert all(p.dtype == torch.float32 for p in model.parameters())
    with pytest.raises(ValueError, match="precision 'float8'"):
        autocast("cpu", "float8")


def test_greedy_decoding_is_argmax():
    torch.manual_seed(1)
    d = Dictionary()
    for w in "a b c d e f".split():
        d.add_word(w)
    model = RNNLM(len(d), 8, 16, 1)
    words = generate(model, d, "a", 12, greedy=True)
    state, x, expected = model.zero_state(1), torch.tensor([[0]]), []
    with torch.no_grad():
        for _ in range(12):
            out, state = model(x, state)
            expected.append(d.idx2word[out.argmax().item()])
            x = out.argmax().view(1, 1)
    assert words == expected
    assert generate(model, d, "a", 12, greedy=True) == words  # deterministic
    assert repetition(["x", "y", "z", "y", "z", "y", "z"]) == (3 / 7, 2)


def test_multinomial_sampling_follows_the_distribution():
    """With logits that put all mass on word 2, sampling always gives word 2."""
    d = Dictionary()
    for w in "a b c".split():
        d.add_word(w)
    model = RNNLM(3, 4, 4, 1)
    with torch.no_grad():
        model.linear.weight.zero_()
        model.linear.bias.copy_(torch.tensor([-50.0, -50.0, 10.0]))
    assert (
        generate(model, d, "a", 20, generator=torch.Generator().manual_seed(0))
        == ["c"] * 20
    )


def compass_model():
    """Four words with hand-made 2-d embeddings: east (1, 0), north (0, 2), west (-3, 0),
    northeast (1, 1)."""
    d = Dictionary()
    for w in ("east", "north", "west", "northeast"):
        d.add_word(w)
    model = RNNLM(4, 2, 4, 1)
    with torch.no_grad():
        model.embed.weight.copy_(
            torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [1.0, 1.0]])
        )
    return d, model


def test_cosine_distance_on_hand_made_embeddings(capsys):
    d, model = compass_model()
    assert embedding_distance(model, d, "east", "north") == pytest.approx(1.0)
    assert embedding_distance(model, d, "east", "west") == pytest.approx(2.0)
    assert embedding_distance(model, d, "east", "northeast") == pytest.approx(
        1 - 1 / math.sqrt(2)
    )
    assert "cosine distance('east', 'north') = 1.0000" in capsys.readouterr().out
    assert [w for w, _ in nearest_words(model, d, "east", k=2)] == [
        "northeast",
        "north",
    ]
    with pytest.raises(KeyError, match="'south' is not in the vocabulary"):
        embedding_distance(model, d, "east", "south")


def spy_on_train(monkeypatch):
    """The positional arguments of every call of language_model.train, which still
    trains."""
    calls, real_train = [], language_model.train
    monkeypatch.setattr(
        language_model, "train", lambda *a, **k: calls.append(a) or real_train(*a, **k)
    )
    return calls


def test_the_cache_trains_once_and_retrains_on_a_new_configuration(
    corpus, tmp_path, monkeypatch, capsys
):
    data = small(corpus)
    calls = spy_on_train(monkeypatch)
    model, history = trained_model(data, TINY, device="cpu", cache_dir=tmp_path)
    again, history_again = trained_model(data, TINY, device="cpu", cache_dir=tmp_path)
    assert len(calls) == 1 and history_again == history
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), again.state_dict().values())
    )
    trained_model(data, replace(TINY, seed=1), device="cpu", cache_dir=tmp_path)
    trained_model(data, TINY, teacher_forcing=False, device="cpu", cache_dir=tmp_path)
    assert len(calls) == 3
    capsys.readouterr()
    trained_model(data, TINY, device="cpu", cache_dir=tmp_path, precision="bfloat16")
    assert len(calls) == 3  # how it was made is not part of the key: loaded, and said
    assert "\nin float32 with" in capsys.readouterr().out
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".pt"] * 3  # no checkpoint


def _history_of_the_model(history):
    """The history without "trained_on" (the run's device, seconds, resumptions)."""
    return {k: v for k, v in history.items() if k != "trained_on"}


def assert_same_training(a, b):
    (model_a, history_a), (model_b, history_b) = a, b
    assert _history_of_the_model(history_a) == _history_of_the_model(history_b)
    state_a, state_b = model_a.state_dict(), model_b.state_dict()
    assert state_a.keys() == state_b.keys()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)  # bit-identical


RESUMED = replace(TINY, num_epochs=3)


class Interrupted(Exception):
    pass


def interrupt_at_step(monkeypatch, step):
    """training_step raises Interrupted on its `step`-th call (counted from 1)."""
    real, calls = language_model.training_step, []

    def hook(*args):
        calls.append(1)
        if len(calls) == step:
            raise Interrupted
        return real(*args)

    monkeypatch.setattr(language_model, "training_step", hook)


@pytest.mark.parametrize("teacher_forcing", [True, False])
def test_a_run_interrupted_in_epoch_2_resumes_to_the_uninterrupted_result(
    corpus, tmp_path, monkeypatch, capsys, teacher_forcing
):
    data = small(corpus, 1500)
    steps = len(list(chunks(batchify(data["ids"]["train"], 4), 5)))  # per epoch
    whole = train(data, RESUMED, teacher_forcing)
    checkpoint = tmp_path / "model.checkpoint"
    with monkeypatch.context() as patch:
        interrupt_at_step(patch, steps + steps // 2)  # the middle of epoch 2
        with pytest.raises(Interrupted):
            train(data, RESUMED, teacher_forcing, checkpoint=checkpoint)
    assert language_model.load_checkpoint(checkpoint)["epoch"] == 1
    resumed = train(data, RESUMED, teacher_forcing, checkpoint=checkpoint)
    assert "resumed after epoch 1" in capsys.readouterr().err
    assert_same_training(resumed, whole)
    assert resumed[1]["trained_on"]["resumed_after"] == [1]
    assert whole[1]["trained_on"]["resumed_after"] == []
    assert len(resumed[1]["batch_loss"]) == 3 * steps


def test_the_random_number_state_resumes_too(corpus, tmp_path, monkeypatch):
    """A step that draws random numbers (as dropout would) draws after a resumption
    what it would have drawn in an uninterrupted run."""
    data = small(corpus, 1500)
    steps = len(list(chunks(batchify(data["ids"]["train"], 4), 5)))
    real, draws = language_model.training_step, []

    def dropout_like(*args):
        draws.append(torch.rand(()).item())
        return real(*args)

    monkeypatch.setattr(language_model, "training_step", dropout_like)
    train(data, RESUMED)
    whole, draws[:] = list(draws), []
    checkpoint = tmp_path / "model.checkpoint"
    with monkeypatch.context() as patch:
        interrupt_at_step(patch, steps + 2)
        with pytest.raises(Interrupted):
            train(data, RESUMED, checkpoint=checkpoint)
    draws[:] = []
    torch.manual_seed(12345)  # whatever the state before: the checkpoint's comes back
    train(data, RESUMED, checkpoint=checkpoint)
    assert draws == whole[steps:] and len(draws) == 2 * steps


KILLED_RUN = """
import os, sys, time
sys.path.insert(0, {code!r})
import torch
torch.set_num_threads({threads})
import language_model
from dataclasses import replace
from ptb_data import load_corpus
corpus = load_corpus(allow_fallback=True)
corpus["ids"] = {{k: v[:1500] for k, v in corpus["ids"].items()}}
real, calls = language_model.training_step, []
def step(*args):
    calls.append(1)
    if len(calls) == {stop}:  # in epoch 2: tell the test, and wait to be killed
        open({marker!r}, "w").close()
        time.sleep(600)
    return real(*args)
language_model.training_step = step
config = replace(language_model.FAST_CONFIG, embed_size=16, hidden_size=32,
                 num_epochs=3, batch_size=4, seq_length=5)
language_model.train(corpus, config, checkpoint={checkpoint!r})
"""


def test_a_killed_training_process_resumes_to_the_uninterrupted_result(
    corpus, tmp_path
):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    data = small(corpus, 1500)
    steps = len(list(chunks(batchify(data["ids"]["train"], 4), 5)))
    checkpoint, marker = tmp_path / "model.checkpoint", tmp_path / "in-epoch-2"
    code = Path(language_model.__file__).parent
    script = KILLED_RUN.format(
        code=str(code), threads=torch.get_num_threads(), stop=steps + 3,
        marker=str(marker), checkpoint=str(checkpoint),
    )  # fmt: skip
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert language_model.load_checkpoint(checkpoint)["epoch"] == 1
    assert_same_training(
        train(data, RESUMED, checkpoint=checkpoint), train(data, RESUMED)
    )


def test_a_damaged_checkpoint_is_ignored_with_a_message_never_loaded(
    corpus, tmp_path, monkeypatch, capsys
):
    data = small(corpus, 1500)
    steps = len(list(chunks(batchify(data["ids"]["train"], 4), 5)))
    checkpoint = tmp_path / "model.checkpoint"
    with monkeypatch.context() as patch:
        interrupt_at_step(patch, 2 * steps + 1)  # after epoch 2's checkpoint
        with pytest.raises(Interrupted):
            train(data, RESUMED, checkpoint=checkpoint)
    good = checkpoint.read_bytes()
    damaged = bytearray(good)
    damaged[len(good) // 2] ^= 0x01  # one bit, inside the tensors' data
    whole = train(data, RESUMED)
    for content in (bytes(damaged), good[: len(good) // 2], b"junk"):
        checkpoint.write_bytes(content)
        with pytest.raises(ValueError, match="model.checkpoint: not a whole checkp"):
            language_model.load_checkpoint(checkpoint)
        loads = []
        monkeypatch.setattr(
            language_model.RNNLM, "load_state_dict", lambda *a, **k: loads.append(1)
        )
        fresh = train(data, RESUMED, checkpoint=checkpoint)
        monkeypatch.undo()
        assert loads == []  # nothing of it reached the model
        assert "checkpoint ignored, training from the start" in capsys.readouterr().err
        assert_same_training(fresh, whole)
    checkpoint.write_bytes(good)  # whole, but for another precision: not resumed
    other = train(data, RESUMED, precision="bfloat16", checkpoint=checkpoint)
    assert other[1]["trained_on"]["resumed_after"] == []
    assert "made for" in capsys.readouterr().err


def test_a_model_trained_on_another_device_is_loaded_not_trained_again(
    corpus, tmp_path, monkeypatch, capsys
):
    """As a GPU machine leaves it in .cache/models: the key has no device, the history
    says cuda and bfloat16; the CPU build loads it and says so."""
    data = small(corpus)
    model, history = train(data, TINY)
    history["trained_on"].update(device="cuda (NVIDIA A100-SXM4-40GB)", precision=
                                 "bfloat16", threads=1, seconds=95.0)  # fmt: skip
    key = language_model.model_key(data, TINY, teacher_forcing=True)
    assert "cpu" not in str(key) and "cuda" not in str(key)
    path = language_model.cache_path("rnnlm-tf", key, tmp_path)
    tmp_path.mkdir(exist_ok=True)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save({"state_dict": state, "history": json.dumps(history)}, path)
    # (train itself is part of the key: patch what runs before it)
    monkeypatch.setattr(
        language_model, "announce_training", lambda *a: pytest.fail("trains again")
    )
    loaded, loaded_history = trained_model(data, TINY, device="cpu", cache_dir=tmp_path)
    assert loaded_history == history
    assert all(torch.equal(a, b) for a, b in zip(
        loaded.state_dict().values(), state.values()))  # fmt: skip
    assert capsys.readouterr().out == (
        "teacher forcing: trained on cuda (NVIDIA A100-SXM4-40GB)\n"
        f"in bfloat16 with 1 thread, PyTorch {torch.__version__}, in 95 s\n"
    )


def test_the_key_is_the_same_when_the_code_is_inlined_as_in_the_notebook(corpus):
    """The notebook defines code/language_model.py's functions in a cell (IPython keeps
    its source in linecache, and has none for classes): the same key as the module."""
    import linecache
    from pathlib import Path

    source = Path(language_model.__file__).read_text()
    cell = "<ipython-input-7-0123456789ab>"
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    namespace = {"__name__": "__main__"}
    exec(compile(source, cell, "exec"), namespace)
    data = small(corpus)
    key = namespace["model_key"](data, TINY, True)
    assert key == language_model.model_key(data, TINY, True)
    assert key[2] == torch.__version__.split("+")[0]


def test_training_says_what_is_coming_on_the_terminal_not_in_the_report(
    corpus, tmp_path, capsys
):
    data = small(corpus)
    cache = tmp_path / "models"  # not there yet: the first checkpoint makes it
    trained_model(data, TINY, teacher_forcing=False, device="cpu", cache_dir=cache)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert re.fullmatch(
        r"Question 2 on cpu.*, \d+ threads, float32: [\d,]+ words/s with teacher "
        r"forcing and [\d,]+ without \(measured steps\)",
        lines[0],
    )
    assert re.fullmatch(r"  the model with teacher forcing: about \d+ s to train",
                        lines[1])  # fmt: skip
    assert lines[2].startswith("  the model without teacher forcing: about ")
    assert "A GPU trains each in minutes" in lines[3]
    assert re.fullmatch(
        r"no teacher forcing: trained on cpu.*\nin float32 with \d+ threads?, "
        r"PyTorch .*, in \d+ s\n",
        captured.out,
    )  # the report gets these two lines, no progress
    trained_model(data, TINY, device="cpu", cache_dir=cache)
    # the first announcement gave both times: the second model trains without another
    assert "Question 2 on" not in capsys.readouterr().err
    rates = language_model.measured_rates(data, TINY, "cpu", "float32")
    assert set(rates) == {True, False} and all(r > 0 for r in rates.values())
    seconds = language_model.expected_seconds(data, TINY, 100.0, 300.0)
    assert seconds == pytest.approx((1 * 3000 / 100) + (1 * 3000 + 3000) / 300)


def test_use_cores_sets_the_affinity_threads_and_one_inter_op_thread():
    """In a fresh process (thread settings are per process)."""
    import subprocess
    import sys
    from pathlib import Path

    code = Path(language_model.__file__).parent
    out = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(code)!r}); "
         "import os, torch; os.sched_setaffinity(0, {0}); "
         "from language_model import use_cores; print(use_cores()); "
         "print(use_cores()); print(torch.get_num_threads(), "
         "torch.get_num_interop_threads())"],
        capture_output=True, text=True, check=True, env={**os.environ,
        "OMP_NUM_THREADS": "3"},
    ).stdout  # fmt: skip
    assert out.splitlines() == [
        "(1, 1)",
        "(1, 1)",
        "1 1",
    ]


def test_native_bfloat16_is_read_from_the_cpu_flags(tmp_path, monkeypatch):
    flags = "processor : 0\nflags : fpu sse avx2 avx512f {}\n"
    for extra, native in [
        ("amx_bf16 amx_tile", True),
        ("avx512_bf16", True),
        ("", False),
    ]:
        (tmp_path / "cpuinfo").write_text(flags.format(extra))
        assert native_bf16("cpu", tmp_path / "cpuinfo") is native
    assert not native_bf16("cpu", tmp_path / "absent")
    assert not native_bf16("mps")
    assert default_precision("cpu") == "float32"  # mixed precision not yet the default
    monkeypatch.setattr(language_model, "MIXED_PRECISION_DEFAULT", True)
    monkeypatch.setattr(language_model, "native_bf16", lambda device: device == "cuda")
    assert default_precision("cuda") == "bfloat16"
    assert default_precision("cpu") == "float32"


@pytest.mark.parametrize("teacher_forcing", [True, False])
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_training_is_deterministic(corpus, precision, teacher_forcing):
    data = small(corpus, 1500)
    model, first = train(data, TINY, teacher_forcing, precision=precision)
    second = train(data, TINY, teacher_forcing, precision=precision)[1]
    assert (
        first["batch_loss"] == second["batch_loss"]
        and first["test_ppl"] == second["test_ppl"]
    )
    # ... and it trains: every weight moved from its seeded start, the loss fell
    torch.manual_seed(TINY.seed)
    start = RNNLM(len(data["dictionary"]), TINY.embed_size, TINY.hidden_size, 1)
    for (name, a), b in zip(model.named_parameters(), start.parameters()):
        assert not torch.equal(a, b), f"{name} did not change"
    losses = first["batch_loss"]
    assert len(losses) == (1500 // TINY.batch_size - 1) // TINY.seq_length
    assert sum(losses[-10:]) < sum(losses[:10]) - 10 * 0.5
    untrained = evaluate(start, data["ids"]["test"], TINY)
    assert first["test_ppl"] < 0.8 * untrained and len(first["valid_ppl"]) == 1


def test_perplexity_of_an_all_zeros_output_layer_is_the_vocabulary_size(corpus):
    """Logits all 0: every word has probability 1/V, cross-entropy log V for every word,
    so the perplexity is exactly V, whatever the hidden states and however many words
    are averaged over."""
    torch.manual_seed(0)
    vocab = len(corpus["dictionary"])
    model = RNNLM(vocab, 8, 16, 1)
    with torch.no_grad():
        model.linear.weight.zero_()
        model.linear.bias.zero_()
    ppl = evaluate(model, corpus["ids"]["test"][:997], TINY)
    assert ppl == pytest.approx(vocab, rel=1e-5)


def test_perplexity_averages_over_every_predicted_word():
    """Oracle: the whole of each row in one forward pass (the state carried across
    chunks is the same computation), the cross-entropy of each of the B * K * T targets
    of the K full chunks, summed by hand and divided by their number."""
    torch.manual_seed(0)
    model = RNNLM(30, 8, 16, 1)
    ids = torch.randint(0, 30, (4 * 23 + 3,))
    config = replace(TINY, batch_size=4, seq_length=5)
    data = batchify(ids, 4)  # (4, 23): chunks at 0, 5, 10, 15 (K = 4)
    with torch.no_grad():
        logits, _ = model(data[:, :20], model.zero_state(4))
        losses = nn.functional.cross_entropy(
            logits, data[:, 1:21].reshape(-1), reduction="none"
        )
    assert losses.numel() == 4 * 4 * 5
    expected = math.exp(sum(losses.tolist()) / losses.numel())
    assert evaluate(model, ids, config) == pytest.approx(expected, rel=1e-5)
    assert model.training  # evaluate puts the model back in training mode


def test_short_training_on_real_ptb_lowers_perplexity_far_below_the_vocabulary(corpus):
    vocab = len(corpus["dictionary"])
    config = replace(FAST_CONFIG, hidden_size=128, num_epochs=1)
    torch.manual_seed(0)
    untrained = evaluate(
        RNNLM(vocab, config.embed_size, config.hidden_size, 1),
        corpus["ids"]["test"],
        config,
    )
    model, history = train(corpus, config)
    assert untrained > 0.5 * vocab  # an untrained model is about uniform
    assert history["test_ppl"] < vocab / 10  # one epoch on 74k real words
    assert history["batch_loss"][-1] < history["batch_loss"][0] - 2


def test_text_helpers_by_hand():
    from text_generation import as_text, share_of_frequent

    assert as_text(["a", "b", "<eos>", "c"]) == "a b\nc"
    assert repetition(["a", "b", "c", "d"]) == (1.0, 0)  # no cycle
    assert repetition(["a", "b", "b", "b"]) == (0.5, 1)
    assert repetition(["x", "a", "b", "a", "b"]) == (0.6, 0)  # twice is not a cycle
    assert repetition(["a", "b", "a", "b", "a", "b"]) == (2 / 6, 2)
    d = Dictionary()
    for w in "the a of cat dog".split():
        d.add_word(w)
    counts = torch.tensor([50, 40, 30, 2, 1])
    words = ["the", "cat", "of", "a"]
    assert share_of_frequent(words, counts, d, top=3) == 0.75
    for w in "b c e f g h i j k l m".split():  # 16 words: the top 10 by default
        d.add_word(w)
    counts = torch.arange(16, 0, -1)  # "the" most frequent ... "m" least
    assert share_of_frequent(["the", "g", "h", "m"], counts, d) == 0.5  # g 10th, h 11th
    assert as_text(["a", "<eos>"]) == "a \n"  # a final <eos> ends the line


def test_generation_defaults_seeded_sampling_and_mode():
    torch.manual_seed(0)
    d = Dictionary()
    for w in "a b c d e f".split():
        d.add_word(w)
    model = RNNLM(len(d), 8, 16, 1)
    words = generate(model, d, "b", generator=torch.Generator().manual_seed(3))
    assert len(words) == 50 and model.training  # back in training mode
    torch.manual_seed(123)  # the global state plays no part: the generator decides
    again = generate(model, d, "b", generator=torch.Generator().manual_seed(3))
    assert again == words and len(set(words)) > 1
    greedy = generate(model, d, "b", 5, greedy=True)
    state, x = model.zero_state(1), torch.tensor([[1]])  # starts from "b"
    with torch.no_grad():
        out, _ = model(x, state)
    assert greedy[0] == d.idx2word[out.argmax().item()]


def test_nearest_words_distances_and_quiet_distance(capsys):
    d, model = compass_model()
    nearest = nearest_words(model, d, "east", k=3)
    assert [w for w, _ in nearest] == ["northeast", "north", "west"]
    assert [x for _, x in nearest] == pytest.approx([1 - 1 / math.sqrt(2), 1.0, 2.0])
    assert embedding_distance(model, d, "east", "west", show=False) == 2.0
    assert capsys.readouterr().out == ""


def test_saved_tensor_meter_counts_each_storage_once():
    from truncated_bptt import SavedTensorMeter

    x = torch.randn(100, requires_grad=True)  # 400 bytes
    w = torch.randn(100, requires_grad=True)
    with SavedTensorMeter() as meter:
        x * w  # saves x and w
        assert meter.bytes == 800
        x * w  # the same storages: not counted again
        assert meter.bytes == 800
        meter.reset()
        assert meter.bytes == 0
        x * w  # counted afresh after a reset
        assert meter.bytes == 800


def test_backward_costs_rounds_medians_and_units(monkeypatch):
    """With a stand-in for run_chunks whose call n returns k passes of 0.5 n seconds
    and 3k MB: a warm-up round and 5 measured rounds of the 4 cases; per case the
    median of every pass and of the per-round totals, and the graph in MB."""
    import truncated_bptt

    calls = []

    def fake(model, data, seq_length, k, detach, meter):
        calls.append((k, detach))
        return 3 * 2**20 * k, [0.5 * len(calls)] * k

    monkeypatch.setattr(truncated_bptt, "run_chunks", fake)
    costs = backward_costs(None, None, 5, (1, 2))
    assert calls == [(1, False), (1, True), (2, False), (2, True)] * 6
    assert costs == {
        False: [(3.0, 6.5, 6.5), (6.0, 7.5, 15.0)],
        True: [(3.0, 7.0, 7.0), (6.0, 8.0, 16.0)],
    }


def test_the_starter_configuration_exactly():
    """The starter notebook's settings; the draft's differ only where it says."""
    c = language_model.STARTER_CONFIG
    assert (c.embed_size, c.hidden_size, c.num_layers, c.num_epochs) == (
        128,
        1024,
        1,
        5,
    )
    assert (c.batch_size, c.seq_length, c.learning_rate, c.clip, c.seed) == (
        20,
        30,
        0.002,
        0.5,
        0,
    )
    assert replace(c, hidden_size=256, num_epochs=3) == FAST_CONFIG


def test_precision_contexts(monkeypatch):
    """float32: no autocast; bfloat16 on a CPU without native bfloat16 (a stand-in for
    this machine's flags, which vary): autocast with oneDNN off; with native bfloat16,
    oneDNN on; float16: its own type, oneDNN off on every CPU."""
    monkeypatch.setattr(language_model, "native_bf16", lambda device: False)
    with autocast("cpu", "float32"):
        assert not torch.is_autocast_cpu_enabled()
        assert torch.backends.mkldnn.enabled
    with autocast("cpu", "bfloat16"):  # no native bfloat16: oneDNN off
        assert torch.is_autocast_cpu_enabled()
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
        assert not torch.backends.mkldnn.enabled
    assert torch.backends.mkldnn.enabled and not torch.is_autocast_cpu_enabled()
    with autocast("cpu", "float16"):  # the precision's own type, not the CPU default
        assert torch.get_autocast_dtype("cpu") == torch.float16
    monkeypatch.setattr(language_model, "native_bf16", lambda device: True)
    with autocast("cpu", "bfloat16"):  # native: oneDNN's kernels stay on
        assert torch.backends.mkldnn.enabled
    with autocast("cpu", "float16"):  # oneDNN's LSTM has no float16 kernel
        assert not torch.backends.mkldnn.enabled
    monkeypatch.undo()
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert native_bf16("cuda") is True
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert native_bf16("cuda") is False


def test_a_training_step_clips_the_gradient_and_returns_the_loss():
    torch.manual_seed(0)
    config = replace(TINY, clip=0.01)
    model = RNNLM(40, 8, 16, 1)
    optimizer = language_model.make_optimizer(model, config)
    assert optimizer.param_groups[0]["lr"] == config.learning_rate
    assert optimizer.defaults["fused"] is True
    inputs, targets = torch.randint(0, 40, (2, 4, 5))
    states = [s + 1 for s in model.zero_state(4)]
    with torch.no_grad():
        expected = nn.functional.cross_entropy(
            model(inputs, states)[0], targets.reshape(-1)
        ).item()
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    before = [p.detach().clone() for p in model.parameters()]
    loss, (h, c) = language_model.training_step(
        model, optimizer, scaler, inputs, targets, states, config, True, "float32"
    )
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    norm = torch.linalg.vector_norm(
        torch.stack([p.grad.norm() for p in model.parameters()])
    )
    assert norm.item() == pytest.approx(0.01, rel=1e-4)  # clipped to config.clip
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert h.shape == (1, 4, 16) and c.shape == (1, 4, 16)


def test_progress_goes_to_the_build_terminal(monkeypatch):
    """tqdm on the terminal of the build (never into the report), at most once a
    second, and off where that stream is not a terminal (a log file, nbclient)."""
    import sys

    import callouts

    monkeypatch.setattr(callouts, "tqdm", lambda iterable, **kw: (iterable, kw))
    monkeypatch.setattr(callouts, "quarto_rendering", lambda: False)
    monkeypatch.setenv("REPORT_BUILD", "1")
    iterable, kw = callouts.progress_bar([1, 2], desc="x")
    assert iterable == [1, 2]
    assert kw == dict(
        file=sys.__stderr__,
        mininterval=1.0,
        disable=not sys.__stderr__.isatty(),
        desc="x",
    )
    monkeypatch.delenv("REPORT_BUILD")
    monkeypatch.setattr(sys, "stderr", open(os.devnull, "w"))
    _, kw = callouts.progress_bar([])
    assert kw["file"] is sys.stderr and kw["disable"] is True


class Counter(nn.Module):
    """A language model whose state counts the steps: from input word x at step t
    (from 1) it predicts word (x + t) mod V.  Decoding that drops the state between
    steps predicts x + 1 every time."""

    def __init__(self, vocab):
        super().__init__()
        self.vocab, self.unused = vocab, nn.Parameter(torch.zeros(1))

    def zero_state(self, batch_size, device="cpu"):
        return torch.zeros(1, batch_size, 1, device=device), torch.zeros(1)

    def forward(self, x, states):
        h = (states[0] if states is not None else torch.zeros(1, 1, 1)) + 1
        word = (x.flatten() + h.flatten().long()) % self.vocab
        return nn.functional.one_hot(word, self.vocab).float() * 10, (h, states)


def test_decoding_carries_the_state_from_word_to_word():
    d = Dictionary()
    for w in "abcdefghijklmnopqrstuvwxyz":
        d.add_word(w)
    # from a (0): 0+1 = b (1), 1+2 = d (3), 3+3 = g (6), 6+4 = k (10), 10+5 = p (15)
    assert generate(Counter(26), d, "a", 5, greedy=True) == list("bdgkp")
    sampled = generate(Counter(26), d, "a", 5, generator=torch.Generator())
    assert sampled == list("bdgkp")  # e^10 against e^0: always the same word


def test_nearest_words_gives_five_by_default():
    d = Dictionary()
    for w in "abcdefgh":
        d.add_word(w)
    torch.manual_seed(0)
    model = RNNLM(8, 4, 4, 1)
    assert len(nearest_words(model, d, "a")) == 5
    assert "a" not in [w for w, _ in nearest_words(model, d, "a", k=7)]


# ---- small functions around training, each against values worked out by hand ----


def test_add_grad_accumulates_in_float32_as_autograd_does():
    p = nn.Parameter(torch.zeros(3))
    language_model.add_grad(p, torch.ones(3, dtype=torch.float64))
    assert p.grad.dtype == torch.float32 and p.grad.tolist() == [1, 1, 1]
    language_model.add_grad(p, torch.full((3,), 2.0))
    assert p.grad.tolist() == [3, 3, 3]


def test_duration_in_seconds_minutes_or_hours_at_the_boundaries():
    duration = language_model.duration
    # 6301 s = 1.7503 h rounds to 1.8 (divided by 3601 it would be 1.7)
    assert [duration(s) for s in (42, 99.4, 100, 5999, 6000, 6301)] == [
        "42 s", "99 s", "2 min", "100 min", "1.7 h", "1.8 h",
    ]  # fmt: skip


def test_describe_training_in_two_lines():
    made = {"device": "cpu (X)", "precision": "float32", "threads": 1,
            "torch": "2.14.1", "seconds": 42, "resumed_after": []}  # fmt: skip
    describe = language_model.describe_training
    assert describe({"trained_on": made}) == (
        "trained on cpu (X)\nin float32 with 1 thread, PyTorch 2.14.1, in 42 s"
    )
    made.update(threads=2, seconds=600, resumed_after=[1, 3])
    assert describe({"trained_on": made}) == (
        "trained on cpu (X)\nin float32 with 2 threads, PyTorch 2.14.1, in 10 min, "
        "resumed after epoch 1, 3"
    )


def test_the_announcement_gives_each_mode_its_own_rate(corpus, monkeypatch, capsys):
    data = small(corpus)  # 3000 words a split, TINY: 1 epoch
    monkeypatch.setattr(
        language_model, "measured_rates", lambda *a: {True: 1000.0, False: 250.0}
    )
    language_model.announce_training(
        data, TINY, "cpu", "float32", {True: True, False: False}
    )
    lines = capsys.readouterr().err.splitlines()
    assert "float32: 1,000 words/s with teacher forcing and 250 without" in lines[0]
    # 3000 words at 1000/s, then 6000 evaluated at 3 x 1000/s: 3 + 2 = 5 s
    assert lines[1:] == [
        "  the model with teacher forcing: about 5 s to train",
        "  the model without teacher forcing: already trained",
        "  A GPU trains each in minutes: see the README, 'Question 2 on a GPU' "
        "(train there, bring the .cache/models folder back).",
    ]


def test_training_both_modes_is_announced_once(corpus, tmp_path, monkeypatch):
    """The first model's announcement already gives both times: the second model's
    training says nothing more (and measures no rates again)."""
    data = small(corpus)
    said = []
    monkeypatch.setattr(
        language_model, "announce_training", lambda *a: said.append(dict(a[-1]))
    )
    monkeypatch.setattr(language_model, "_announced", set())
    trained_model(data, TINY, True, device="cpu", cache_dir=tmp_path)
    trained_model(data, TINY, False, device="cpu", cache_dir=tmp_path)
    assert said == [{True: True, False: True}]


def test_measured_rates_time_the_steps_after_one_warm_up(corpus, monkeypatch):
    data = small(corpus)
    calls, now = [], [0.0]

    def step(model, optimizer, scaler, inputs, targets, states, config, tf, precision):
        calls.append((tf, precision, inputs[0, 0].item()))
        now[0] += 1.0  # each step takes one second of a fake clock
        return torch.tensor(0.0), states

    monkeypatch.setattr(language_model, "training_step", step)
    monkeypatch.setattr(language_model.time, "perf_counter", lambda: now[0])
    before = torch.random.get_rng_state()
    rates = language_model.measured_rates(data, TINY, "cpu", "float32")
    assert torch.equal(torch.random.get_rng_state(), before)  # left as it was
    firsts = [inputs[0, 0].item() for inputs, _ in list(chunks(
        batchify(data["ids"]["train"], TINY.batch_size), TINY.seq_length))[:4]]  # fmt: skip
    assert calls == [(tf, "float32", w) for tf in (True, False) for w in firsts]
    # one warm-up step, then 3 timed steps of one chunk each in 3 seconds
    words = TINY.batch_size * TINY.seq_length
    assert rates == {True: words, False: words}


def test_pick_device_prefers_cuda_then_mps_then_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert language_model.pick_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert language_model.pick_device() == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert language_model.pick_device() == "cpu"


def test_use_cores_in_process(monkeypatch):
    """What the fresh-process test checks, in this process: intra-op threads from the
    affinity (or os.cpu_count without it), one inter-op thread asked for, and a
    RuntimeError from PyTorch (inter-op threads already fixed) not raised."""
    asked = []

    def interop(n):
        asked.append(n)
        raise RuntimeError("inter-op threads already set")

    before = torch.get_num_threads()
    monkeypatch.setattr(torch, "set_num_interop_threads", interop)
    try:
        monkeypatch.setattr(
            os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False
        )
        assert language_model.use_cores()[0] == 3 == torch.get_num_threads()
        monkeypatch.delattr(os, "sched_getaffinity")
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
        assert language_model.use_cores()[0] == 2 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    assert asked == [1, 1]


def test_free_running_feeds_its_argmax_or_the_given_words():
    torch.manual_seed(0)
    model = RNNLM(10, 4, 6, 1)
    inputs = torch.randint(0, 10, (2, 5))
    states = model.zero_state(2)
    run = free_running(model, inputs, states, fed=(inputs + 1) % 10)
    assert torch.equal(run.fed, (inputs + 1) % 10)
    with torch.no_grad():  # no training: no tape, no graph
        plain = free_running(model, inputs, states)
    assert plain.tape is None and plain.top is None
    predicted = plain.logits.view(2, 5, -1).argmax(-1)
    assert torch.equal(plain.fed[:, 0], inputs[:, 0])
    assert torch.equal(plain.fed[:, 1:], predicted[:, :-1])


def test_a_checkpoint_holding_pickled_objects_is_refused(tmp_path):
    """Checkpoints are loaded with weights_only=True: a file whose sha256 is right but
    which holds an arbitrary Python object (code could run while unpickling it) is
    not loaded."""
    import argparse
    import pickle

    path = tmp_path / "m.checkpoint"
    language_model.save_checkpoint(path, {"epoch": 1, "x": argparse.Namespace(a=1)})
    with pytest.raises(pickle.UnpicklingError):
        language_model.load_checkpoint(path)
    language_model.save_checkpoint(path, {"epoch": 1, "w": torch.ones(2)})
    assert torch.equal(language_model.load_checkpoint(path)["w"], torch.ones(2))


def test_trained_model_names_trains_and_checkpoints_each_mode(
    corpus, tmp_path, monkeypatch, capsys
):
    data = small(corpus)
    calls = spy_on_train(monkeypatch)
    monkeypatch.chdir(tmp_path)  # the default cache folder, .cache/models, is here
    trained_model(data, TINY, device="cpu")
    capsys.readouterr()
    trained_model(data, TINY, teacher_forcing=False)  # on the default device
    assert "Question 2 on" not in capsys.readouterr().err  # announced with the first
    (tf_args, free_args) = calls
    assert tf_args[2] is True and tf_args[4] == "teacher forcing"
    assert free_args[2] is False and free_args[4] == "no teacher forcing"
    cache = tmp_path / ".cache" / "models"  # the folder the README says to bring back
    names = sorted(p.name for p in cache.iterdir())
    assert [n.split("-")[:2] for n in names] == [["rnnlm", "free"], ["rnnlm", "tf"]]
    for args, name in zip((free_args, tf_args), names):  # beside its cache file
        assert args[6] == Path(".cache/models") / name.replace(".pt", ".checkpoint")


def test_native_bfloat16_of_this_machine_is_read_from_proc_cpuinfo():
    cpuinfo = Path("/proc/cpuinfo")
    flags = set(cpuinfo.read_text().split()) if cpuinfo.exists() else set()
    assert native_bf16("cpu") == bool(flags & {"amx_bf16", "avx512_bf16"})


def test_resume_checks_the_epoch_the_shapes_and_restores_scaler_and_rng(
    tmp_path, monkeypatch
):
    """`resume` on hand-made checkpoints: the last epoch is accepted, epoch 0 and a
    history of another length are refused (naming the epoch), so are parameters of
    another shape; a float16 run's gradient scale and, where there is a GPU, its
    random-number states come back."""
    config = replace(TINY, num_epochs=2)
    model, optimizer, scaler = language_model.fresh_model(5, config, "cpu", "float16")
    scaler.scale(torch.ones(()))  # (the scale is made lazily)
    scaler.update(new_scale=1024.0)

    def saved(epoch, valid_ppl, params=None, cuda=None):
        rng = {"cpu": torch.get_rng_state()} | ({"cuda": cuda} if cuda else {})
        path = tmp_path / f"{epoch}-{len(valid_ppl)}.checkpoint"
        language_model.save_checkpoint(
            path,
            dict(
                model=params or model.state_dict(),
                optimizer=optimizer.state_dict(),
                scaler=scaler.state_dict(),
                rng=rng,
                history=json.dumps({"batch_loss": [], "valid_ppl": valid_ppl}),
                epoch=epoch,
                config=asdict(config),
                teacher_forcing=True,
                precision="float16",
            ),
        )
        return path

    def resumed(path):
        fresh = language_model.fresh_model(5, config, "cpu", "float16")
        history, epoch = language_model.resume(path, *fresh, config, True, "float16")
        return history, epoch, fresh[2].get_scale()

    assert resumed(saved(2, [9.0, 8.0])) == (
        {"batch_loss": [], "valid_ppl": [9.0, 8.0]},
        2,
        1024.0,
    )
    for epoch, ppl in ((0, []), (1, [9.0, 8.0]), (3, [9.0, 8.0, 7.0])):
        with pytest.raises(ValueError, match=f"epoch {epoch} does not match its hist"):
            resumed(saved(epoch, ppl))
    other = {k: torch.zeros(v.shape[0] + 1) for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match="not this model's parameters"):
        resumed(saved(1, [9.0], other))
    got = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", got.extend)
    resumed(saved(1, [9.0]))  # made without a GPU: nothing to restore there
    resumed(saved(1, [9.0], cuda=[torch.arange(3, dtype=torch.uint8)]))
    assert len(got) == 1 and torch.equal(got[0], torch.arange(3, dtype=torch.uint8))


def test_a_resumed_run_names_each_device_once_in_order(corpus, tmp_path, capsys):
    """Run again on its finished checkpoint, training resumes after the last epoch and
    trains nothing more; the device is added to "trained_on" only when it is not
    already in its history ("cuda (...), then cpu (...)"). Defaults: teacher forcing,
    the label "train"; the time spent is at most the wall time."""
    data, path = small(corpus), tmp_path / "m.checkpoint"
    start = time.perf_counter()
    _, first = language_model.train(data, TINY, checkpoint=path)
    assert first["trained_on"]["seconds"] <= time.perf_counter() - start
    assert language_model.load_checkpoint(path)["teacher_forcing"] is True
    cpu = first["trained_on"]["device"]

    def again(device_history):
        state = language_model.load_checkpoint(path)
        history = json.loads(state["history"])
        history["trained_on"]["device"] = device_history
        language_model.save_checkpoint(path, {**state, "history": json.dumps(history)})
        capsys.readouterr()
        _, resumed = language_model.train(data, TINY, checkpoint=path)
        assert "train: resumed after epoch 1" in capsys.readouterr().err
        assert resumed["trained_on"]["resumed_after"] == [1]
        return resumed["trained_on"]["device"]

    assert again(cpu) == cpu
    assert again("cuda (a GPU)") == f"cuda (a GPU), then {cpu}"
    assert again(f"cuda (a GPU), then {cpu}") == f"cuda (a GPU), then {cpu}"


def test_the_time_spent_starts_at_zero_and_float16_keeps_its_gradient_scale(
    corpus, tmp_path, monkeypatch
):
    """With a clock that stands still a run spent no time; a float16 run (on the CPU
    here) checkpoints its gradient scaler's state (the other precisions have none)."""
    data = small(corpus, 600)
    with monkeypatch.context() as m:
        m.setattr(language_model.time, "perf_counter", lambda: 5.0)
        _, history = language_model.train(data, TINY)
    assert history["trained_on"]["seconds"] == 0.0 and len(history["valid_ppl"]) == 1
    path = tmp_path / "m.checkpoint"
    language_model.train(data, TINY, precision="float16", checkpoint=path)
    assert language_model.load_checkpoint(path)["scaler"]["scale"] > 0
    path.write_bytes(b"damaged")  # ignored: training starts afresh, in float16 again
    language_model.train(data, TINY, precision="float16", checkpoint=path)
    assert language_model.load_checkpoint(path)["scaler"]["scale"] > 0
    language_model.train(data, TINY, checkpoint=tmp_path / "f.checkpoint")
    assert language_model.load_checkpoint(tmp_path / "f.checkpoint")["scaler"] == {}


def test_the_progress_bar_counts_the_words_of_every_epoch(
    corpus, tmp_path, monkeypatch
):
    """train's progress bar (made visible, into a buffer): its label, the words of all
    epochs as its total (scaled: 5.96k), the epoch and loss of the last step; run again
    on its finished checkpoint, it starts full. Every step is told its mode."""
    import io

    from tqdm import tqdm

    bars, modes, redraws = [], [], []

    class Recording(tqdm):
        def set_postfix(self, *args, refresh=True, **kwargs):
            redraws.append(refresh)  # a redraw per step would flood the terminal
            super().set_postfix(*args, refresh=refresh, **kwargs)

    def bar(**kwargs):
        bars.append(io.StringIO())
        return Recording(file=bars[-1], mininterval=0, **kwargs)

    step = language_model.training_step
    monkeypatch.setattr(language_model, "progress_bar", bar)
    monkeypatch.setattr(
        language_model,
        "training_step",
        lambda *args: modes.append(args[7]) or step(*args),
    )
    data, path = small(corpus), tmp_path / "m.checkpoint"
    config = replace(TINY, num_epochs=2)
    language_model.train(data, config, label="tiny", checkpoint=path)
    assert modes and set(modes) == {True} and set(redraws) == {False}
    language_model.train(data, config, label="tiny", checkpoint=path)
    stream = batchify(data["ids"]["train"], config.batch_size)
    words = 2 * sum(t.numel() for _, t in chunks(stream, config.seq_length))
    total = re.escape(f"{tqdm.format_sizeof(words)}/{tqdm.format_sizeof(words)}")
    fresh, resumed = (b.getvalue().split("\r")[-1] for b in bars)
    assert re.match(
        rf"tiny: 100%\|.*\| {total} \[.* words/s, epoch=2/2, loss=\d+\.\d{{3}}\]", fresh
    ), fresh
    assert re.match(rf"tiny: 100%\|.*\| {total} \[", resumed), resumed
    modes.clear()
    language_model.train(data, TINY, teacher_forcing=False)
    assert modes and set(modes) == {False}


def test_device_name_names_the_processor_or_the_gpu(tmp_path, monkeypatch):
    """The CPU's model name from /proc/cpuinfo (all of it after the first colon), the
    GPU's name from torch; without /proc/cpuinfo, the device type alone."""
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Chip: v2 @ 3.0GHz\nflags\t: a\n")
    real = language_model.Path
    monkeypatch.setattr(
        language_model, "Path", lambda p: real(info if p == "/proc/cpuinfo" else p)
    )
    assert language_model.device_name("cpu") == "cpu (Chip: v2 @ 3.0GHz)"
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d: f"GPU of {d}")
    assert language_model.device_name("cuda") == "cuda (GPU of cuda)"
    assert language_model.device_name("mps") == "mps"
    info.unlink()
    assert language_model.device_name("cpu") == "cpu"


def test_the_history_holds_each_perplexity_in_the_training_precision(corpus):
    """A bfloat16 run's validation and test perplexities are those of the trained model
    evaluated in bfloat16 (they differ from its float32 ones), one per epoch."""
    data = small(corpus, 600)
    model, history = language_model.train(data, TINY, precision="bfloat16")
    ids = data["ids"]
    assert history["valid_ppl"] == [
        evaluate(model, ids["valid"], TINY, "cpu", "bfloat16")
    ]
    assert history["test_ppl"] == evaluate(model, ids["test"], TINY, "cpu", "bfloat16")
    assert history["test_ppl"] != evaluate(model, ids["test"], TINY, "cpu", "float32")


def test_the_time_spent_is_checkpointed_after_every_epoch(
    corpus, tmp_path, monkeypatch
):
    """With a clock reading 5 s at the start, 15 s after the epoch and 25 s at the end,
    the checkpoint says 10 s and the history 20 s."""
    clock = iter([5.0, 15.0, 25.0])
    monkeypatch.setattr(language_model.time, "perf_counter", lambda: next(clock))
    path = tmp_path / "m.checkpoint"
    _, history = language_model.train(small(corpus, 600), TINY, checkpoint=path)
    saved = json.loads(language_model.load_checkpoint(path)["history"])
    assert saved["trained_on"]["seconds"] == 10.0
    assert history["trained_on"]["seconds"] == 20.0


def test_a_gpus_random_state_is_checkpointed(corpus, tmp_path, monkeypatch):
    """Where CUDA is there (a stand-in, from the epoch's evaluation on, so that the
    CPU's training step does not try it), the checkpoint holds its random states."""
    states, there = [torch.tensor([1, 2, 3], dtype=torch.uint8)], []
    monkeypatch.setattr(
        language_model, "evaluate", lambda *a: there.append(1) or evaluate(*a)
    )
    monkeypatch.setattr(torch.cuda, "is_available", lambda: bool(there))
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: states)
    path = tmp_path / "m.checkpoint"
    language_model.train(small(corpus, 600), TINY, checkpoint=path)
    saved = language_model.load_checkpoint(path)["rng"]["cuda"]
    assert len(saved) == 1 and torch.equal(saved[0], states[0])


def test_adam_is_fused_on_the_cpu_and_cuda_only(monkeypatch):
    """make_optimizer asks for the fused Adam on 'cpu' and 'cuda' (a stand-in model
    whose parameter says it lives there), not on 'mps'; the learning rate is the
    configuration's."""
    made = []
    monkeypatch.setattr(torch.optim, "Adam", lambda params, **kw: made.append(kw))
    for kind in ["cpu", "cuda", "mps"]:
        parameter = type("P", (), {"device": torch.device(kind)})()
        model = type("M", (), {"parameters": lambda self: iter([parameter])})()
        language_model.make_optimizer(model, TINY)
    assert [m["fused"] for m in made] == [True, True, False]
    assert {m["lr"] for m in made} == {TINY.learning_rate}


def test_a_fresh_model_is_on_the_device_asked_for():
    """'meta' (a device without data) stands in for a GPU: the parameters go there."""
    model, _, _ = language_model.fresh_model(10, TINY, "meta", "float32")
    assert {p.device.type for p in model.parameters()} == {"meta"}
