"""8.5 handed to the library: optim.clip_grad_norm_ does the clipping."""

import numpy as np

from tinygrad_rnn.optim import clip_grad_norm_
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "8.5"
NAMES = ("W_ih", "W_hh", "b_ih", "b_hh")


def rnn_train_step(params, xs, h0, ys, lr, max_norm):
    B = len(h0)
    h, hs = h0, []
    for x_t in xs:
        h = np.tanh(x_t @ params["W_ih"].T + params["b_ih"] + h @ params["W_hh"].T + params["b_hh"])
        hs.append(h)
    loss = float(0.5 * np.sum((np.stack(hs) - ys) ** 2) / B)
    grads = {k: np.zeros_like(params[k]) for k in NAMES}
    g = np.zeros_like(h0)
    for t in range(len(xs) - 1, -1, -1):
        g = (hs[t] - ys[t]) / B + g
        delta = g * (1.0 - hs[t] ** 2)
        grads["W_ih"] += delta.T @ xs[t]
        grads["W_hh"] += delta.T @ (h0 if t == 0 else hs[t - 1])
        grads["b_ih"] += delta.sum(axis=0)
        grads["b_hh"] += delta.sum(axis=0)
        g = delta @ params["W_hh"]
    tensors = []
    for k in NAMES:
        p = Tensor(params[k], requires_grad=True, dtype=np.float64)
        p.grad = grads[k]
        tensors.append(p)
    norm = clip_grad_norm_(tensors, max_norm)
    return loss, norm, {k: params[k] - lr * p.grad for k, p in zip(NAMES, tensors, strict=True)}
