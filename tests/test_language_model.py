"""Question 2: data layout, truncation, decoding, embedding distance, the model cache, and a
short training run on real PTB text (the offline validation split)."""

import math
from dataclasses import replace

import language_model
import pytest
import torch
import torch.nn as nn
from language_model import (
    FAST_CONFIG,
    RNNLM,
    autocast,
    default_precision,
    detach_states,
    evaluate,
    flops_per_token,
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


def test_free_running_feeds_back_its_own_argmax():
    torch.manual_seed(0)
    model = RNNLM(20, 8, 16, 1)
    inputs = torch.randint(0, 20, (3, 6))
    seen = []
    model.embed.register_forward_hook(lambda m, x, out: seen.append(x[0].clone()))
    outputs, _ = free_running_forward(model, inputs, model.zero_state(3))
    predictions = outputs.view(3, 6, 20).argmax(-1)
    fed = seen[-1]  # the words of the pass with the graph, the whole chunk at once
    assert fed.shape == (3, 6) and torch.equal(fed[:, 0], inputs[:, 0])
    assert torch.equal(fed[:, 1:], predictions[:, :-1])
    assert torch.equal(seen[0], inputs[:, :1])  # the search starts from the real word


def step_by_step_free_running(model, inputs, states):
    """The graph built one step at a time (the starter's way to write it): the oracle."""
    x, outputs = inputs[:, :1], []
    for _ in range(inputs.size(1)):
        out, states = model(x, states)
        outputs.append(out)
        x = out.argmax(dim=-1, keepdim=True).detach()
    return torch.stack(outputs, dim=1).reshape(-1, outputs[0].size(-1)), states


def test_free_running_gives_the_step_by_step_logits_and_gradients():
    torch.manual_seed(0)
    model = RNNLM(50, 8, 16, 1)
    inputs, targets = torch.randint(0, 50, (2, 4, 7))
    results = []
    for forward in (free_running_forward, step_by_step_free_running):
        model.zero_grad()
        outputs, (h, c) = forward(model, inputs, model.zero_state(4))
        nn.functional.cross_entropy(outputs, targets.reshape(-1)).backward()
        grads = [p.grad.clone() for p in model.parameters()]
        results.append((outputs.detach(), h.detach(), c.detach(), grads))
    (out, h, c, grads), (out_ref, h_ref, c_ref, grads_ref) = results
    assert torch.equal(out.argmax(-1), out_ref.argmax(-1))
    for a, b in [(out, out_ref), (h, h_ref), (c, c_ref), *zip(grads, grads_ref)]:
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


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


def test_cosine_distance_on_hand_made_embeddings(capsys):
    d = Dictionary()
    for w in ("east", "north", "west", "northeast"):
        d.add_word(w)
    model = RNNLM(4, 2, 4, 1)
    with torch.no_grad():
        model.embed.weight.copy_(
            torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [1.0, 1.0]])
        )
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


def test_the_cache_trains_once_and_retrains_on_a_new_configuration(
    corpus, tmp_path, monkeypatch, capsys
):
    data = small(corpus)
    calls = []
    real_train = language_model.train
    monkeypatch.setattr(
        language_model, "train", lambda *a, **k: calls.append(1) or real_train(*a, **k)
    )
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
    trained_model(data, TINY, device="cpu", cache_dir=tmp_path, precision="bfloat16")
    assert len(calls) == 4  # the precision is part of the key
    assert "trained in bfloat16" in capsys.readouterr().out


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


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_training_is_deterministic(corpus, precision):
    data = small(corpus, 1500)
    model, first = train(data, TINY, precision=precision)
    second = train(data, TINY, precision=precision)[1]
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
    d = Dictionary()
    for w in ("east", "north", "west", "northeast"):
        d.add_word(w)
    model = RNNLM(4, 2, 4, 1)
    with torch.no_grad():
        model.embed.weight.copy_(
            torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [1.0, 1.0]])
        )
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
    with autocast("cpu", "float32"):
        assert not torch.is_autocast_cpu_enabled()
        assert torch.backends.mkldnn.enabled
    with autocast("cpu", "bfloat16"):  # no native bfloat16 here: oneDNN off
        assert torch.is_autocast_cpu_enabled()
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
        assert not torch.backends.mkldnn.enabled
    assert torch.backends.mkldnn.enabled and not torch.is_autocast_cpu_enabled()
    monkeypatch.setattr(language_model, "native_bf16", lambda device: True)
    with autocast("cpu", "bfloat16"):  # native: oneDNN's kernels stay on
        assert torch.backends.mkldnn.enabled
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
    second, and off where the stream is not a terminal (disable=None)."""
    import sys

    monkeypatch.setattr(language_model, "tqdm", lambda iterable, **kw: (iterable, kw))
    monkeypatch.setenv("REPORT_BUILD", "1")
    iterable, kw = language_model.progress([1, 2], desc="x")
    assert iterable == [1, 2]
    assert kw == dict(file=sys.__stderr__, mininterval=1.0, disable=None, desc="x")
    monkeypatch.delenv("REPORT_BUILD")
    assert language_model.progress([])[1]["file"] is sys.stderr


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
