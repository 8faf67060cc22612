"""Bug for 7.5: hands back the initial state instead of the state after the last step."""

import numpy as np

BUG_FOR = "7.5"
CAUGHT_BY = "h_T"


def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)  # (B, H)


def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    h, hs = h0, []
    for x_t in xs:
        h = rnn_step(x_t, h, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return np.stack(hs)  # (T, B, H)


def rnn_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    hs = rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh)
    prev = np.concatenate([h0[None], hs[:-1]])  # (T, B, H): h_{t-1} for each step
    dW_hh = np.zeros_like(W_hh)
    carry = np.zeros_like(h0)  # gradient reaching h_t from step t+1
    for t in range(len(xs) - 1, -1, -1):
        g_t = dhs[t] + carry  # (B, H)
        delta = g_t * (1.0 - hs[t] ** 2)  # (B, H)
        dW_hh += delta.T @ prev[t]
        carry = delta @ W_hh
    return dW_hh


def truncated_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs, window):
    h, grads = h0, []
    for start in range(0, len(xs), window):
        end = min(start + window, len(xs))
        grads.append(rnn_bptt(xs[start:end], h, W_ih, W_hh, b_ih, b_hh, dhs[start:end]))
        h = rnn_forward(xs[start:end], h, W_ih, W_hh, b_ih, b_hh)[-1]  # carried, as a constant
    return np.stack(grads), h0
