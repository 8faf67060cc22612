"""9.6 handed to the library: the unrolled nn.RNN and nn.LSTM and Tensor.backward."""

import numpy as np

from tinygrad_rnn.nn import LSTM, RNN
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "9.6"


def _norms(cls, xs, dh_T, w):
    layer = cls(xs.shape[2], dh_T.shape[1], fused=False, rng=0, dtype=np.float64)
    layer.load_state_dict(
        {"weight_ih_l0": w["W_ih"], "weight_hh_l0": w["W_hh"]}
        | {"bias_ih_l0": w["b_ih"], "bias_hh_l0": w["b_hh"]}
    )
    x = Tensor(xs, requires_grad=True, dtype=np.float64)
    out, _ = layer(x)
    (out[len(xs) - 1] * Tensor(dh_T, dtype=np.float64)).sum().backward()
    return np.sqrt((x.grad**2).sum(axis=(1, 2)))


def first_step_gradients(xs, dh_T, rnn, lstm):
    return _norms(RNN, xs, dh_T, rnn), _norms(LSTM, xs, dh_T, lstm)
