"""Bug for 11.1: numbers characters in order of first appearance, ignoring the given itos."""

import numpy as np

BUG_FOR = "11.1"
CAUGHT_BY = "the ids from encode"


def encode(text, itos):
    seen = {}
    for ch in text:
        seen.setdefault(ch, len(seen))
    return [seen[ch] for ch in text]


def decode(ids, itos):
    return "".join(itos[i] for i in ids)


def lm_batches(ids, batch_size, seq_len):
    n = len(ids) // batch_size
    streams = np.asarray(ids)[: n * batch_size].reshape(batch_size, n).T
    return [
        (streams[p : p + seq_len], streams[p + 1 : p + seq_len + 1])
        for p in range(0, n - seq_len, seq_len)
    ]
