"""Bug for 9.3: forgets the sigmoid's slope o(1 - o) on the output gate's pre-activation."""

import numpy as np

BUG_FOR = "9.3"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_step_backward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, dh, dc):
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
    g, o = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    tanh_c = np.tanh(c_t)
    do = dh * tanh_c
    dc_total = dc + dh * o * (1 - tanh_c**2)
    da = np.concatenate(
        [
            dc_total * g * i * (1 - i),
            dc_total * c_prev * f * (1 - f),
            dc_total * i * (1 - g**2),
            do,
        ],
        axis=1,
    )
    return {
        "dx": da @ W_ih,
        "dh_prev": da @ W_hh,
        "dc_prev": dc_total * f,
        "dW_ih": da.T @ x_t,
        "dW_hh": da.T @ h_prev,
        "db": da.sum(axis=0),
    }
