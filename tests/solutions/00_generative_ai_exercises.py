"""Reference solutions for lesson 0 (kept for the grader's tests; learners never see them).

Written in plain Python, the way a learner might, rather than by calling the library.
"""

from __future__ import annotations

import math


def bigram_counts(text, vocab):
    V = len(vocab)
    table = [[0] * V for _ in range(V)]
    ids = vocab.encode(text)
    for current, following in zip(ids[:-1], ids[1:], strict=True):
        table[current][following] += 1
    return table


def bigram_probs(counts, alpha=1.0):
    rows = [[float(c) + alpha for c in row] for row in counts]
    out = []
    for row in rows:
        total = sum(row)
        out.append([v / total for v in row] if total > 0 else [1.0 / len(row)] * len(row))
    return out


def mean_nll(text, probs, vocab):
    ids = vocab.encode(text)
    total = 0.0
    for current, following in zip(ids[:-1], ids[1:], strict=True):
        p = float(probs[current][following])
        if p == 0.0:
            return math.inf
        total -= math.log(p)
    return total / (len(ids) - 1)
