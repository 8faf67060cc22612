"""Bug for 10.3: starts from zeros instead of the given h0."""

import numpy as np

BUG_FOR = "10.3"


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    gi = x_t @ W_ih.T + b_ih
    gh = h_prev @ W_hh.T + b_hh
    r = _sigmoid(gi[:, :H] + gh[:, :H])
    z = _sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def gru_forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    h, hs = np.zeros_like(h0), []
    for x_t in xs:
        h = gru_step(x_t, h, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return np.stack(hs)
