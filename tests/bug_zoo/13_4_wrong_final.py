"""Bug for 13.4: the reverse direction's final state is taken at the last time step."""

import numpy as np

BUG_FOR = "13.4"
CAUGHT_BY = "the final states"


def bidirectional(forward, backward, x):
    ahead = forward(x)
    behind = backward(x[::-1])[::-1]
    return np.concatenate([ahead, behind], axis=2), np.stack([ahead[-1], behind[-1]])
