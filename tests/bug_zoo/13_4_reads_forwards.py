"""Bug for 13.4: the backward layer reads the sequence in the same order as the forward one."""

import numpy as np

BUG_FOR = "13.4"
CAUGHT_BY = "read x from the first step"


def bidirectional(forward, backward, x):
    ahead, behind = forward(x), backward(x)
    return np.concatenate([ahead, behind], axis=2), np.stack([ahead[-1], behind[-1]])
