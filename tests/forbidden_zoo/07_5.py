"""7.5 handed to the Tensor engine: each window unrolled with Tensors, then Tensor.backward."""

import numpy as np

from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "7.5"


def truncated_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs, window):
    w_ih, bi, bh = (Tensor(a, dtype=np.float64) for a in (W_ih, b_ih, b_hh))
    h, grads = h0, []
    for start in range(0, len(xs), window):
        w_hh = Tensor(W_hh, requires_grad=True, dtype=np.float64)
        state, loss = Tensor(h, dtype=np.float64), None
        for x_t, d_t in zip(xs[start : start + window], dhs[start : start + window], strict=True):
            state = (Tensor(x_t, dtype=np.float64) @ w_ih.T + bi + state @ w_hh.T + bh).tanh()
            term = (state * Tensor(d_t, dtype=np.float64)).sum()
            loss = term if loss is None else loss + term
        loss.backward()
        grads.append(w_hh.grad)
        h = state.data
    return np.stack(grads), h
