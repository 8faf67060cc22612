"""8.6 handed to the library: optim.clip_grad_norm_ and clip_grad_value_ do the clipping."""

import numpy as np

from tinygrad_rnn.optim import clip_grad_norm_, clip_grad_value_
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "8.6"


def _tensors(grads):
    out = []
    for g in grads:
        t = Tensor(np.zeros_like(g), requires_grad=True, dtype=np.float64)
        t.grad = g.copy()
        out.append(t)
    return out


def clipping_directions(grads, threshold):
    a = np.concatenate([g.ravel() for g in grads])
    by_norm, by_value = _tensors(grads), _tensors(grads)
    clip_grad_norm_(by_norm, threshold)
    clip_grad_value_(by_value, threshold)

    def cos(ts):
        b = np.concatenate([t.grad.ravel() for t in ts])
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    return cos(by_norm), cos(by_value)
