"""Bug for 11.2: draws with numpy's global generator instead of the rng it is given."""

import numpy as np

BUG_FOR = "11.2"
CAUGHT_BY = "same seed"


def sample_with_temperature(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))
    z = np.asarray(logits) / temperature
    p = np.exp(z - z.max())
    return int(np.random.choice(len(p), p=p / p.sum()))
