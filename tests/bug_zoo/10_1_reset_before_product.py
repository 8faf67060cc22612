"""Bug for 10.1: applies the reset gate to h_prev before the recurrent product (Cho et al.'s
original form) instead of to (W_hn h_prev + b_hn) as PyTorch and the library do."""

import numpy as np

BUG_FOR = "10.1"
CAUGHT_BY = "reset before the product"


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    gi = x_t @ W_ih.T + b_ih
    gh = h_prev @ W_hh.T + b_hh
    r = 1 / (1 + np.exp(-(gi[:, :H] + gh[:, :H])))
    z = 1 / (1 + np.exp(-(gi[:, H : 2 * H] + gh[:, H : 2 * H])))
    n = np.tanh(gi[:, 2 * H :] + (r * h_prev) @ W_hh[2 * H :].T + b_hh[2 * H :])
    return (1 - z) * n + z * h_prev
