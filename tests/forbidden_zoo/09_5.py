"""9.5 handed to the library: the unrolled nn.LSTM and Tensor.backward."""

import numpy as np

from tinygrad_rnn.nn import LSTM
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "9.5"


def lstm_bptt(xs, h0, c0, W_ih, W_hh, b_ih, b_hh, dhs):
    layer = LSTM(xs.shape[2], h0.shape[1], fused=False, rng=0, dtype=np.float64)
    layer.load_state_dict(
        {"weight_ih_l0": W_ih, "weight_hh_l0": W_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
    )
    x = Tensor(xs, requires_grad=True, dtype=np.float64)
    h = Tensor(h0[None], requires_grad=True, dtype=np.float64)
    c = Tensor(c0[None], requires_grad=True, dtype=np.float64)
    out, _ = layer(x, (h, c))
    (out * Tensor(dhs, dtype=np.float64)).sum().backward()
    p = dict(layer.named_parameters())
    return {
        "dxs": x.grad, "dh0": h.grad[0], "dc0": c.grad[0], "dW_ih": p["weight_ih_l0"].grad,
        "dW_hh": p["weight_hh_l0"].grad, "db": p["bias_ih_l0"].grad,
    }  # fmt: skip
