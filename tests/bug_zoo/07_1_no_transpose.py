"""Bug for 7.1: multiplies h_prev by W_hh instead of W_hh.T (the shapes fit, the values do not)."""

import numpy as np

BUG_FOR = "7.1"


def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh + b_hh)
