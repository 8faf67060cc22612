"""Bug for 10.3: records the state before each step (h_0 .. h_{T-1}) instead of after it."""

import numpy as np

BUG_FOR = "10.3"
CAUGHT_BY = "one step late"


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
    h, hs = h0, []
    for x_t in xs:
        hs.append(h)
        h = gru_step(x_t, h, W_ih, W_hh, b_ih, b_hh)
    return np.stack(hs)
