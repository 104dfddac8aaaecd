"""Question 2 training benchmark: throughput (tokens per second) of the starter configuration on
this machine, over a few batches, and the time and perplexity of the fast configuration trained
in full (on the validation split when the training split is not available).

    REPORT_DATA_DIR=/path/to/offline/data .venv/bin/python bench/language_model.py [--batches 20]
"""

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "code"))
from language_model import (
    FAST_CONFIG,
    RNNLM,
    STARTER_CONFIG,
    detach_states,
    pick_device,
    train,
)  # noqa: E402
from ptb_data import batchify, chunks, load_corpus  # noqa: E402


def throughput(corpus, config, batches, device):
    torch.manual_seed(0)
    model = RNNLM(
        len(corpus["dictionary"]),
        config.embed_size,
        config.hidden_size,
        config.num_layers,
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    data = batchify(corpus["ids"]["train"], config.batch_size).to(device)
    states = model.zero_state(config.batch_size, device)
    start, tokens = None, 0
    for n, (inputs, targets) in enumerate(chunks(data, config.seq_length)):
        if n == 2:  # two warm-up batches
            start = time.perf_counter()
        if n == batches + 2:
            break
        states = detach_states(states)
        outputs, states = model(inputs, states)
        loss = nn.functional.cross_entropy(outputs, targets.reshape(-1))
        model.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        tokens += targets.numel() if n >= 2 else 0
    return tokens / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--batches",
        type=int,
        default=20,
        help="timed batches of the starter configuration",
    )
    args = parser.parse_args()
    corpus = load_corpus(allow_fallback=True)
    device = pick_device()
    if corpus["note"]:
        print(corpus["note"])
    rate = throughput(corpus, STARTER_CONFIG, args.batches, device)
    epoch_tokens = 929_589  # words + <eos> of ptb.train.txt
    print(
        f"starter configuration on {device}: {rate:,.0f} tokens/s, "
        f"about {epoch_tokens / rate / 60:.0f} min per epoch of the real training split"
    )
    _, history = train(
        corpus, replace(FAST_CONFIG), device=device, label="fast configuration"
    )
    print(
        f"fast configuration: {history['seconds']:.0f} s for {FAST_CONFIG.num_epochs} epochs, "
        f"test perplexity {history['test_ppl']:.1f}"
    )


if __name__ == "__main__":
    main()
