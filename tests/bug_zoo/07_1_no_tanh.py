"""Bug for 7.1: leaves out the nonlinearity (a linear recurrence)."""

BUG_FOR = "7.1"


def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
