"""8.2 handed to the library: optim.clip_grad_norm_ and clip_grad_value_ on Tensors."""

import numpy as np

from tinygrad_rnn import optim
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "8.2"


def _params(grads):
    params = []
    for g in grads:
        p = Tensor(np.zeros_like(g), requires_grad=True, dtype=g.dtype)
        p.grad = g  # the very array: clipping writes into it
        params.append(p)
    return params


def clip_by_norm(grads, max_norm):
    return optim.clip_grad_norm_(_params(grads), max_norm)


def clip_by_value(grads, clip_value):
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    optim.clip_grad_value_(_params(grads), clip_value)
    return norm
