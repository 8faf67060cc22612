"""Averages over len(text) instead of the len(text) - 1 pairs."""

import math

BUG_FOR = "0.3"


def mean_nll(text, probs, vocab):
    ids = vocab.encode(text)
    total = 0.0
    for a, b in zip(ids[:-1], ids[1:], strict=True):
        p = float(probs[a][b])
        if p == 0.0:
            return math.inf
        total -= math.log(p)
    return total / len(ids)
