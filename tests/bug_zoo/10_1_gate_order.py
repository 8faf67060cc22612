"""Bug for 10.1: reads the stacked gates in the order z, r, n instead of PyTorch's r, z, n."""

import numpy as np

BUG_FOR = "10.1"


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    gi = x_t @ W_ih.T + b_ih
    gh = h_prev @ W_hh.T + b_hh
    z = 1 / (1 + np.exp(-(gi[:, :H] + gh[:, :H])))
    r = 1 / (1 + np.exp(-(gi[:, H : 2 * H] + gh[:, H : 2 * H])))
    n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1 - z) * n + z * h_prev
