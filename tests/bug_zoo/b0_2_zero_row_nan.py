"""Forgets the all-zero row with alpha = 0: 0 / 0 gives nan instead of a uniform row."""

import numpy as np

BUG_FOR = "0.2"


def bigram_probs(counts, alpha=1.0):
    smoothed = np.asarray(counts, dtype=float) + alpha
    with np.errstate(invalid="ignore", divide="ignore"):
        return smoothed / smoothed.sum(axis=1, keepdims=True)
