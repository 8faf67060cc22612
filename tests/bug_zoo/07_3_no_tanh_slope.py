"""Bug for 7.3: carries the gradient back without tanh's slope 1 - h_t**2."""

import numpy as np

BUG_FOR = "7.3"


def rnn_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    h, hs = h0, []
    for x_t in xs:
        h = np.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    prev = [h0] + hs[:-1]
    dW_hh = np.zeros_like(W_hh)
    carry = np.zeros_like(h0)
    for t in range(len(xs) - 1, -1, -1):
        delta = dhs[t] + carry
        dW_hh += delta.T @ prev[t]
        carry = delta @ W_hh
    return dW_hh
