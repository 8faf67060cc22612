"""Bug for 11.1: reshapes to (N, B) directly, so neighbouring characters land in different
streams instead of each stream being one consecutive piece of the text."""

import numpy as np

BUG_FOR = "11.1"


def encode(text, itos):
    return [itos.index(ch) for ch in text]


def decode(ids, itos):
    return "".join(itos[i] for i in ids)


def lm_batches(ids, batch_size, seq_len):
    n = len(ids) // batch_size
    streams = np.asarray(ids)[: n * batch_size].reshape(n, batch_size)
    return [
        (streams[p : p + seq_len], streams[p + 1 : p + seq_len + 1])
        for p in range(0, n - seq_len, seq_len)
    ]
