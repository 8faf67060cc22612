"""Reads probs[next][current] instead of probs[current][next]."""

import math

BUG_FOR = "0.3"


def mean_nll(text, probs, vocab):
    ids = vocab.encode(text)
    total = 0.0
    for a, b in zip(ids[:-1], ids[1:], strict=True):
        p = float(probs[b][a])
        if p == 0.0:
            return math.inf
        total -= math.log(p)
    return total / (len(ids) - 1)
