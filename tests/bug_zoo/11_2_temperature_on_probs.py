"""Bug for 11.2: divides the probabilities (not the logits) by the temperature, which the
normalisation then undoes: every temperature samples like temperature 1."""

import numpy as np

BUG_FOR = "11.2"


def sample_with_temperature(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))
    z = np.asarray(logits)
    p = np.exp(z - z.max()) / temperature
    return int(rng.choice(len(p), p=p / p.sum()))
