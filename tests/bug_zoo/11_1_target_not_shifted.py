"""Bug for 11.1: the target chunk is the input chunk itself (not moved by one)."""

import numpy as np

BUG_FOR = "11.1"
CAUGHT_BY = "target equals the input"


def encode(text, itos):
    return [itos.index(ch) for ch in text]


def decode(ids, itos):
    return "".join(itos[i] for i in ids)


def lm_batches(ids, batch_size, seq_len):
    n = len(ids) // batch_size
    streams = np.asarray(ids)[: n * batch_size].reshape(batch_size, n).T
    return [
        (streams[p : p + seq_len], streams[p : p + seq_len]) for p in range(0, n - seq_len, seq_len)
    ]
