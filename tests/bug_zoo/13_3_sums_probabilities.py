"""Bug for 13.3: beam scores add up probabilities instead of log-probabilities."""

import numpy as np

BUG_FOR = "13.3"
CAUGHT_BY = "sum of probabilities"


def beam_search(step, state, n_steps, width):
    beams = [([], 0.0)]
    states = state[None]
    for _ in range(n_steps):
        last = np.array([tokens[-1] if tokens else 0 for tokens, _ in beams])
        probs, new_states = step(last, states)
        candidates = [
            (score + probs[k, v], k, v)  # no log
            for k, (_, score) in enumerate(beams)
            for v in range(probs.shape[1])
        ]
        candidates.sort(key=lambda c: -c[0])
        kept = candidates[:width]
        beams = [(beams[k][0] + [v], s) for s, k, v in kept]
        states = new_states[[k for _, k, _ in kept]]
    return [(tokens, float(score)) for tokens, score in beams]
