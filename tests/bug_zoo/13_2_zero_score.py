"""Bug for 13.2: padded positions get a score of 0 instead of -inf."""

import numpy as np

BUG_FOR = "13.2"
CAUGHT_BY = "got a score of 0"


def masked_softmax(scores, valid):
    scores = np.where(valid, scores, 0.0)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)
