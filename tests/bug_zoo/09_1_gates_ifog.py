"""Bug for 9.1: reads the gates in the order i, f, o, g (g and o swapped) instead of i, f, g, o."""

import numpy as np

BUG_FOR = "9.1"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
    o, g = sigmoid(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t
