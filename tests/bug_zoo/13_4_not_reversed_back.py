"""Bug for 13.4: the backward layer's outputs are not reversed back into time order."""

import numpy as np

BUG_FOR = "13.4"
CAUGHT_BY = "not reversed back"


def bidirectional(forward, backward, x):
    ahead = forward(x)
    behind = backward(x[::-1])  # still in reading order: behind[t] belongs to step T-1-t
    return np.concatenate([ahead, behind], axis=2), np.stack([ahead[-1], behind[-1]])
