"""7.1 handed to the library: nn.rnn_step on Tensors (imported by name before grading)."""

import numpy as np

from tinygrad_rnn.nn import RNNState
from tinygrad_rnn.nn import rnn_step as _step
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "7.1"


def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    t = [Tensor(a, dtype=np.float64) for a in (x_t, h_prev, W_ih, W_hh, b_ih, b_hh)]
    (h,) = _step(t[0], RNNState(t[1]), *t[2:])
    return h.data
