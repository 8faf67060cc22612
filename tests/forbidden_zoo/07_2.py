"""7.2 handed to the library: an unrolled nn.RNN loaded with the given weights."""

import numpy as np

from tinygrad_rnn import nn
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "7.2"


def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    layer = nn.RNN(xs.shape[2], h0.shape[1], fused=False, dtype=np.float64)
    layer.load_state_dict(
        {"weight_ih_l0": W_ih, "weight_hh_l0": W_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
    )
    out, _ = layer(Tensor(xs, dtype=np.float64), Tensor(h0[None], dtype=np.float64))
    return out.data
