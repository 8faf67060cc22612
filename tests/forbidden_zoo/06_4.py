"""6.4 handed to the Tensor engine: the network built from Tensors, then Tensor.backward."""

import numpy as np

from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "6.4"


def mlp_weight_grads(x, weights, activation, grad_out):
    ws = [Tensor(W, requires_grad=True, dtype=np.float64) for W in weights]
    h = Tensor(x, dtype=np.float64)
    for W in ws:
        h = getattr(h @ W.T, activation)()
    (h * Tensor(grad_out, dtype=np.float64)).sum().backward()
    return [W.grad for W in ws]
