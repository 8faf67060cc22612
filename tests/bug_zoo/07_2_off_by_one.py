"""Bug for 7.2: records the state before each step (h_0 .. h_{T-1}) instead of after it."""

import numpy as np

BUG_FOR = "7.2"
CAUGHT_BY = "one step late"


def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)


def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    h, hs = h0, []
    for x_t in xs:
        hs.append(h)
        h = rnn_step(x_t, h, W_ih, W_hh, b_ih, b_hh)
    return np.stack(hs)
