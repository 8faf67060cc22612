"""Bug for 13.2: no maximum subtracted, so large scores overflow to inf / nan."""

import numpy as np

BUG_FOR = "13.2"
CAUGHT_BY = "nan or inf"


def masked_softmax(scores, valid):
    with np.errstate(over="ignore", invalid="ignore"):
        weights = np.where(valid, np.exp(scores), 0.0)
        return weights / weights.sum(axis=1, keepdims=True)
