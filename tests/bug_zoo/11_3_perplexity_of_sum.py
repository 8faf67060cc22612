"""Bug for 11.3: the perplexity is exp of the summed NLL instead of the mean."""

import numpy as np

BUG_FOR = "11.3"
CAUGHT_BY = "perplexity"


def nll_and_perplexity(logits, targets):
    z = np.asarray(logits)
    m = z.max(axis=1, keepdims=True)
    losses = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0] - z[np.arange(len(z)), targets]
    return float(losses.mean()), float(np.exp(losses.sum()))
