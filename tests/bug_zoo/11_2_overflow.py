"""Bug for 11.2: exponentiates without subtracting the maximum: large logits overflow."""

import numpy as np

BUG_FOR = "11.2"


def sample_with_temperature(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))
    p = np.exp(np.asarray(logits) / temperature)
    return int(rng.choice(len(p), p=p / p.sum()))
