"""Bug for 12.3: feeds the first input at every step instead of the last prediction."""

import numpy as np

BUG_FOR = "12.3"
CAUGHT_BY = "feed each prediction back"


def rollout(step, x, state, n):
    out = []
    for _ in range(n):
        y, state = step(x, state)
        out.append(y)
    return np.stack(out)
