"""Returns the total negative log-likelihood instead of the mean per pair."""

import math

BUG_FOR = "0.3"
CAUGHT_BY = "divide by their number"


def mean_nll(text, probs, vocab):
    ids = vocab.encode(text)
    total = 0.0
    for a, b in zip(ids[:-1], ids[1:], strict=True):
        p = float(probs[a][b])
        if p == 0.0:
            return math.inf
        total -= math.log(p)
    return total
