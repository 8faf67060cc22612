"""Calls math.log on a zero probability, which raises instead of giving inf."""

import math

BUG_FOR = "0.3"


def mean_nll(text, probs, vocab):
    ids = vocab.encode(text)
    logs = [-math.log(float(probs[a][b])) for a, b in zip(ids[:-1], ids[1:], strict=True)]
    return sum(logs) / len(logs)
