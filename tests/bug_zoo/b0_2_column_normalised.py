"""Divides by the column sums instead of the row sums."""

import numpy as np

BUG_FOR = "0.2"


def bigram_probs(counts, alpha=1.0):
    smoothed = np.asarray(counts, dtype=float) + alpha
    return smoothed / smoothed.sum(axis=0, keepdims=True)
