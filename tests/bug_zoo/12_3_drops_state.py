"""Bug for 12.3: passes the initial state to every step instead of the new one."""

import numpy as np

BUG_FOR = "12.3"
CAUGHT_BY = "pass the new one on"


def rollout(step, x, state, n):
    out = []
    for _ in range(n):
        y, _ = step(x, state)
        out.append(y)
        x = y
    return np.stack(out)
