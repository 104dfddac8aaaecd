"""Question 2 data: Penn Treebank as in the starter notebook (split on whitespace, <eos>
at the end of every line, ids laid out as batch_size rows), found locally or downloaded
and verified (see `downloads`)."""

import torch
from downloads import SOURCES, fetch
from downloads import git_blob_id as git_blob_id  # the check of the training split


class Dictionary:
    """word <-> id, in order of first appearance."""

    def __init__(self):
        self.word2idx, self.idx2word = {}, []

    def add_word(self, word):
        if word not in self.word2idx:
            self.word2idx[word] = len(self.idx2word)
            self.idx2word.append(word)
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


def tokenize(path, dictionary):
    """All ids of a text file: each line split on whitespace, followed by <eos>."""
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            ids += [dictionary.add_word(w) for w in line.split() + ["<eos>"]]
    return torch.tensor(ids, dtype=torch.long)


def batchify(ids, batch_size):
    """1-D ids laid out as (batch_size, N) rows, as the starter does (the tail that does
    not fit is dropped)."""
    n = ids.numel() // batch_size
    return ids[: n * batch_size].view(batch_size, -1)


def chunks(data, seq_length):
    """(inputs, targets) chunks, each (batch, seq_length), of a (batch, N) tensor; the
    targets are the inputs shifted by one."""
    for i in range(0, data.size(1) - seq_length, seq_length):
        yield data[:, i : i + seq_length], data[:, i + 1 : i + 1 + seq_length]


def find_split(split):
    """The verified path of a PTB split ('train', 'valid' or 'test'), or None if it is
    neither at hand nor downloadable: looked for in $REPORT_PTB_DIR (also as train.txt,
    the starter's name), $REPORT_DATA_DIR/ptb and the download cache, else downloaded
    (unless $REPORT_OFFLINE=1).  Raises ValueError for a file with the wrong content."""
    return fetch(f"ptb/ptb.{split}.txt")


def load_corpus(allow_fallback):
    """dict with the dictionary, the train/valid/test id tensors (1-D, int64), the
    files used, and a note.  Without the training split: with allow_fallback, train on
    the validation split and evaluate on the test split (both 'valid' and 'test' are
    then the test split); otherwise raise FileNotFoundError saying how to provide it."""
    paths = {split: find_split(split) for split in ("train", "valid", "test")}
    if paths["valid"] is None or paths["test"] is None:
        raise FileNotFoundError(
            "PTB validation/test splits not found: set REPORT_DATA_DIR to a "
            "folder with ptb/ptb.valid.txt and ptb/ptb.test.txt, or allow downloads"
        )
    note = ""
    if paths["train"] is None:
        if not allow_fallback:
            raise FileNotFoundError(
                "the PTB training split (ptb.train.txt, 5.1 MB) is missing and could "
                f"not be downloaded from {SOURCES['ptb/ptb.train.txt']}. Download it "
                "and set REPORT_PTB_DIR to its folder (or REPORT_DATA_DIR to a folder "
                "with ptb/ptb.train.txt), or run a draft (REPORT_FAST=1), "
                "which trains on the validation split."
            )
        paths = {"train": paths["valid"], "valid": paths["test"], "test": paths["test"]}
        note = (
            "WARNING: the PTB training split is not available here: the model is "
            "trained on the validation split (ptb.valid.txt) and evaluated on the test "
            "split (ptb.test.txt)."
        )
    dictionary = Dictionary()
    ids = {split: tokenize(path, dictionary) for split, path in paths.items()}
    return {"dictionary": dictionary, "ids": ids, "paths": paths, "note": note}
