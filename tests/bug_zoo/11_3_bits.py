"""Bug for 11.3: uses log base 2 (bits per character) instead of the natural log (nats)."""

import numpy as np

BUG_FOR = "11.3"
CAUGHT_BY = "bits"


def nll_and_perplexity(logits, targets):
    z = np.asarray(logits)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    nll = float(-np.mean(np.log2(p[np.arange(len(z)), targets])))
    return nll, float(2.0**nll)
