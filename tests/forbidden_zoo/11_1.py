"""11.1 handed to the library: CharVocab.encode / decode and generate.batch_streams."""

import numpy as np

from tinygrad_rnn.data.text import CharVocab
from tinygrad_rnn.generate import batch_streams

FORBIDDEN_FOR = "11.1"


def encode(text, itos):
    return CharVocab("".join(itos)).encode(text)


def decode(ids, itos):
    return CharVocab("".join(itos)).decode(ids)


def lm_batches(ids, batch_size, seq_len):
    streams = batch_streams(np.asarray(ids), batch_size)
    n, pairs, pos = len(streams), [], 0
    while pos + seq_len + 1 <= n:
        pairs.append((streams[pos : pos + seq_len], streams[pos + 1 : pos + seq_len + 1]))
        pos += seq_len
    return pairs
