"""Bug for 12.3: puts the starting x first and drops the last prediction."""

import numpy as np

BUG_FOR = "12.3"


def rollout(step, x, state, n):
    out = [x]
    for _ in range(n - 1):
        x, state = step(x, state)
        out.append(x)
    return np.stack(out)
