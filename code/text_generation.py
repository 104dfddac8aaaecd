"""Questions 2.2 and 2.3: sampling text from the language model (multinomial as in the
starter, and greedy), and the cosine distance between learned word embeddings."""

import torch


def generate(model, dictionary, first_word, num_words=50, greedy=False, generator=None):
    """`num_words` words after `first_word`. The starter samples the next word with
    torch.multinomial over output.exp() (softmax probabilities up to a constant); greedy
    decoding takes the argmax instead."""
    device = next(model.parameters()).device
    states = model.zero_state(1, device)
    x = torch.tensor([[dictionary.word2idx[first_word]]], device=device)
    words = []
    model.eval()
    with torch.no_grad():
        for _ in range(num_words):
            output, states = model(x, states)
            if greedy:
                word_id = output.argmax(dim=-1).item()
            else:
                word_id = torch.multinomial(
                    output.exp().cpu(), 1, generator=generator
                ).item()
            words.append(dictionary.idx2word[word_id])
            x.fill_(word_id)
    model.train()
    return words


def as_text(words):
    return " ".join(words).replace(" <eos> ", "\n").replace("<eos>", "\n")


def repetition(words):
    """(share of distinct words, period of the cycle the text ends in, or 0 if none):
    the tail repeats with period p if it is the same p words at least three times."""
    distinct = len(set(words)) / len(words)
    for period in range(1, len(words) // 3 + 1):
        tail = words[-3 * period :]
        if tail[:period] * 3 == tail:
            return distinct, period
    return distinct, 0


def share_of_frequent(words, counts, dictionary, top=10):
    """The share of `words` that are among the `top` most frequent words of a corpus
    whose word counts (one per dictionary id) are `counts`."""
    frequent = {dictionary.idx2word[i] for i in counts.topk(top).indices.tolist()}
    return sum(w in frequent for w in words) / len(words)


def embedding_of(model, dictionary, word):
    """The learned input embedding of `word`, (embed_size,); KeyError if unknown."""
    if word not in dictionary.word2idx:
        raise KeyError(f"'{word}' is not in the vocabulary ({len(dictionary)} words)")
    return model.embed.weight[dictionary.word2idx[word]].detach()


def embedding_distance(model, dictionary, word_a, word_b, show=True):
    """Cosine distance 1 - cos(e_a, e_b) between the learned input embeddings of two
    words: 0 for the same direction, 1 for orthogonal ones, 2 for opposite ones."""
    a, b = (
        embedding_of(model, dictionary, word_a),
        embedding_of(model, dictionary, word_b),
    )
    distance = 1 - torch.nn.functional.cosine_similarity(a, b, dim=0).item()
    if show:
        print(f"cosine distance({word_a!r}, {word_b!r}) = {distance:.4f}")
    return distance


def nearest_words(model, dictionary, word, k=5):
    """The k words whose embeddings are closest (cosine) to `word`'s: [(word, dist)]."""
    e = embedding_of(model, dictionary, word)
    weights = model.embed.weight.detach()
    distances = 1 - torch.nn.functional.cosine_similarity(
        weights, e.unsqueeze(0), dim=1
    )
    distances[dictionary.word2idx[word]] = float("inf")
    best = distances.topk(k, largest=False)
    return [
        (dictionary.idx2word[i], d)
        for d, i in zip(best.values.tolist(), best.indices.tolist())
    ]
