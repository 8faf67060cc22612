"""Bug for 6.4: ReLU's slope as (h >= 0) on the output, which is 1 everywhere (h is never < 0)."""

import numpy as np

BUG_FOR = "6.4"


def mlp_weight_grads(x, weights, activation, grad_out):
    hs = [x]
    for W in weights:
        z = hs[-1] @ W.T
        if activation == "tanh":
            hs.append(np.tanh(z))
        elif activation == "sigmoid":
            hs.append(1.0 / (1.0 + np.exp(-z)))
        else:
            hs.append(np.maximum(z, 0.0))
    grads, g = [None] * len(weights), grad_out
    for layer in range(len(weights), 0, -1):
        h = hs[layer]
        if activation == "tanh":
            slope = 1.0 - h * h
        elif activation == "sigmoid":
            slope = h * (1.0 - h)
        else:
            slope = (h >= 0).astype(h.dtype)
        delta = g * slope
        grads[layer - 1] = delta.T @ hs[layer - 1]
        g = delta @ weights[layer - 1]
    return grads
