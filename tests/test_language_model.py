"""Question 2: data layout, truncation, decoding, embedding distance, the model cache, and a
short training run on real PTB text (the offline validation split)."""

import math
from dataclasses import replace

import language_model
import pytest
import torch
from language_model import (
    FAST_CONFIG,
    RNNLM,
    detach_states,
    evaluate,
    free_running_forward,
    train,
    trained_model,
)
from ptb_data import Dictionary, batchify, chunks, git_blob_id, load_corpus, tokenize
from text_generation import embedding_distance, generate, nearest_words, repetition
from truncated_bptt import backward_cost, gradient_reaches_previous_chunk

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
    attached = [backward_cost(model, data, 10, k, detach=False)[0] for k in (1, 2, 4)]
    detached = [backward_cost(model, data, 10, k, detach=True)[0] for k in (1, 2, 4)]
    assert attached[0] == detached[0] and detached[0] == detached[1] == detached[2]
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
    assert torch.equal(seen[0], inputs[:, :1])
    for t in range(1, 6):
        assert torch.equal(seen[t][:, 0], predictions[:, t - 1])


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
    corpus, tmp_path, monkeypatch
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


def test_training_is_deterministic(corpus):
    data = small(corpus)
    first = train(data, TINY)[1]
    second = train(data, TINY)[1]
    assert (
        first["batch_loss"] == second["batch_loss"]
        and first["test_ppl"] == second["test_ppl"]
    )


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
