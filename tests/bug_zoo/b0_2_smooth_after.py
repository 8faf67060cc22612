"""Normalises first and adds alpha afterwards, so rows no longer sum to 1."""

import numpy as np

BUG_FOR = "0.2"
CAUGHT_BY = "sums to"


def bigram_probs(counts, alpha=1.0):
    counts = np.asarray(counts, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    return counts / np.where(totals > 0, totals, 1.0) + alpha
