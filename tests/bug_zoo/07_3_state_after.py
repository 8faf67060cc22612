"""Bug for 7.3: pairs delta_t with h_t (the state after the step) instead of h_{t-1}."""

import numpy as np

BUG_FOR = "7.3"


def rnn_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    h, hs = h0, []
    for x_t in xs:
        h = np.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    dW_hh = np.zeros_like(W_hh)
    carry = np.zeros_like(h0)
    for t in range(len(xs) - 1, -1, -1):
        delta = (dhs[t] + carry) * (1.0 - hs[t] ** 2)
        dW_hh += delta.T @ hs[t]
        carry = delta @ W_hh
    return dW_hh
