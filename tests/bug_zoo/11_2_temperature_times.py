"""Bug for 11.2: multiplies the logits by the temperature instead of dividing."""

import numpy as np

BUG_FOR = "11.2"
CAUGHT_BY = "frequency"


def sample_with_temperature(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))
    z = np.asarray(logits) * temperature
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))
