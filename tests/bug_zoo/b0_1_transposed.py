"""Counts into [next][current] instead of [current][next]."""

BUG_FOR = "0.1"
CAUGHT_BY = "swapped"


def bigram_counts(text, vocab):
    V = len(vocab)
    table = [[0] * V for _ in range(V)]
    ids = vocab.encode(text)
    for current, following in zip(ids[:-1], ids[1:], strict=True):
        table[following][current] += 1
    return table
