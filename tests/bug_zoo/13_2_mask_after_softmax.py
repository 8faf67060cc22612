"""Bug for 13.2: the mask is applied after the softmax (weights no longer sum to 1)."""

import numpy as np

BUG_FOR = "13.2"
CAUGHT_BY = "mask was applied after the softmax"


def masked_softmax(scores, valid):
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return weights * valid
