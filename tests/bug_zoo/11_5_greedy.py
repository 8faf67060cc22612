"""Bug for 11.5: always takes the most likely character."""

import numpy as np

BUG_FOR = "11.5"
CAUGHT_BY = "greedy"


def sample_with_temperature(logits, temperature, rng):
    z = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def generate_text(model, itos, prompt, n, temperature, rng):
    stoi = {ch: i for i, ch in enumerate(itos)}
    logits, state = model(np.array([[stoi[ch]] for ch in prompt]))  # (T, 1) ids
    out = []
    for _ in range(n):
        k = int(np.argmax(logits.data[-1, 0]))
        out.append(itos[k])
        logits, state = model(np.array([[k]]), state)
    return "".join(out)
