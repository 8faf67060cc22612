"""Reference solutions for lesson 6 (kept for the grader's tests; learners never see them)."""

from __future__ import annotations

import math

import numpy as np


def sgd_momentum_step(theta, grad, buf, lr, momentum):
    buf = grad.copy() if buf is None else momentum * buf + grad
    return theta - lr * buf, buf


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def xavier_normal(shape, rng):
    n_out, n_in = shape
    return rng.normal(0.0, math.sqrt(2.0 / (n_in + n_out)), size=shape)


def kaiming_normal(shape, rng):
    return rng.normal(0.0, math.sqrt(2.0 / shape[1]), size=shape)


def mlp_weight_grads(x, weights, activation, grad_out):
    hs = [x]
    for W in weights:
        z = hs[-1] @ W.T  # (B, n_l)
        if activation == "tanh":
            hs.append(np.tanh(z))
        elif activation == "sigmoid":
            hs.append(1.0 / (1.0 + np.exp(-z)))
        else:
            hs.append(np.maximum(z, 0.0))
    grads = [None] * len(weights)
    g = grad_out
    for layer in range(len(weights), 0, -1):
        h = hs[layer]
        if activation == "tanh":
            slope = 1.0 - h * h
        elif activation == "sigmoid":
            slope = h * (1.0 - h)
        else:
            slope = (h > 0).astype(h.dtype)
        delta = g * slope  # (B, n_l)
        grads[layer - 1] = delta.T @ hs[layer - 1]  # (n_l, n_{l-1})
        g = delta @ weights[layer - 1]  # (B, n_{l-1})
    return grads
