"""Bug for 13.3: the right beams, returned in the order the last step found them."""

import numpy as np

BUG_FOR = "13.3"
CAUGHT_BY = "not sorted best first"


def beam_search(step, state, n_steps, width):
    beams = [([], 0.0)]
    states = state[None]
    for t in range(n_steps):
        last = np.array([tokens[-1] if tokens else 0 for tokens, _ in beams])
        probs, new_states = step(last, states)
        candidates = [
            (score + np.log(probs[k, v]), k, v)
            for k, (_, score) in enumerate(beams)
            for v in range(probs.shape[1])
        ]
        candidates.sort(key=lambda c: -c[0])
        kept = candidates[:width]
        if t == n_steps - 1:
            kept.sort(key=lambda c: (c[1], c[2]))  # back into (beam, token) order
        beams = [(beams[k][0] + [v], s) for s, k, v in kept]
        states = new_states[[k for _, k, _ in kept]]
    return [(tokens, float(score)) for tokens, score in beams]
