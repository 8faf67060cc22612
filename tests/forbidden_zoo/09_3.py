"""9.3 handed to the library: nn.lstm_step on Tensors, then Tensor.backward."""

import numpy as np

from tinygrad_rnn import nn
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "9.3"


def lstm_step_backward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, dh, dc):
    t = [Tensor(a, requires_grad=True, dtype=np.float64) for a in (x_t, h_prev, c_prev)]
    w = [Tensor(a, requires_grad=True, dtype=np.float64) for a in (W_ih, W_hh, b_ih, b_hh)]
    h, c = nn.lstm_step(t[0], nn.LSTMState(t[1], t[2]), *w)
    ((h * Tensor(dh, dtype=np.float64)).sum() + (c * Tensor(dc, dtype=np.float64)).sum()).backward()
    return {
        "dx": t[0].grad,
        "dh_prev": t[1].grad,
        "dc_prev": t[2].grad,
        "dW_ih": w[0].grad,
        "dW_hh": w[1].grad,
        "db": w[2].grad,
    }
