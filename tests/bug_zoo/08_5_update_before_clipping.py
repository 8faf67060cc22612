"""Bug for 8.5: steps with the gradient as it was, clipping only afterwards."""

import numpy as np

BUG_FOR = "8.5"
CAUGHT_BY = "before clipping"


def clip_by_norm(grads: list[np.ndarray], max_norm: float) -> float:
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


def clip_by_value(grads: list[np.ndarray], clip_value: float) -> float:
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return total


def rnn_train_step(
    params: dict[str, np.ndarray],
    xs: np.ndarray,
    h0: np.ndarray,
    ys: np.ndarray,
    lr: float,
    max_norm: float,
) -> tuple[float, float, dict[str, np.ndarray]]:
    W_ih, W_hh, b_ih, b_hh = (params[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh"))
    B = len(h0)
    h, hs = h0, []
    for x_t in xs:
        h = np.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    loss = float(0.5 * np.sum((np.stack(hs) - ys) ** 2) / B)
    grads = [np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros_like(b_ih), np.zeros_like(b_hh)]
    g = np.zeros_like(h0)
    for t in range(len(xs) - 1, -1, -1):
        g = (hs[t] - ys[t]) / B + g
        delta = g * (1.0 - hs[t] ** 2)
        prev = h0 if t == 0 else hs[t - 1]
        grads[0] += delta.T @ xs[t]
        grads[1] += delta.T @ prev
        grads[2] += delta.sum(axis=0)
        grads[3] += delta.sum(axis=0)
        g = delta @ W_hh
    raw = [g.copy() for g in grads]
    norm = clip_by_norm(grads, max_norm)
    names = ("W_ih", "W_hh", "b_ih", "b_hh")
    new = {k: params[k] - lr * d for k, d in zip(names, raw, strict=True)}
    return loss, norm, new
