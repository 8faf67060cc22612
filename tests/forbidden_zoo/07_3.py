"""7.3 handed to the Tensor engine: unroll with Tensors, then Tensor.backward."""

import numpy as np

from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "7.3"


def rnn_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    w_hh = Tensor(W_hh, requires_grad=True, dtype=np.float64)
    w_ih, bi, bh = (Tensor(a, dtype=np.float64) for a in (W_ih, b_ih, b_hh))
    h = Tensor(h0, dtype=np.float64)
    loss = None
    for x_t, d_t in zip(xs, dhs, strict=True):
        h = (Tensor(x_t, dtype=np.float64) @ w_ih.T + bi + h @ w_hh.T + bh).tanh()
        term = (h * Tensor(d_t, dtype=np.float64)).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    return w_hh.grad
