"""9.2 handed to the library: an unrolled nn.LSTM loaded with the given weights."""

import numpy as np

import tinygrad_rnn.nn as nn
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "9.2"


def lstm_forward(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    layer = nn.LSTM(xs.shape[2], h0.shape[1], fused=False, dtype=np.float64)
    layer.load_state_dict(
        {"weight_ih_l0": W_ih, "weight_hh_l0": W_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
    )
    state = nn.LSTMState(Tensor(h0[None], dtype=np.float64), Tensor(c0[None], dtype=np.float64))
    out, (h, c) = layer(Tensor(xs, dtype=np.float64), state)
    return out.data, h.data[0], c.data[0]
