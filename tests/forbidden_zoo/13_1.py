"""13.1 handed to the library: nn.attention.additive_attention forward, Tensor.backward back."""

import numpy as np

from tinygrad_rnn.nn.attention import additive_attention as _attention
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "13.1"
NAMES = ("query", "keys", "w_query", "w_key", "w_score")


def _tensors(arrays):
    return [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]


def additive_attention(query, keys, w_query, w_key, w_score):
    q, k, wq, wk, w = _tensors((query, keys, w_query, w_key, w_score))
    context, weights = _attention(q, k, k, wq, wk, w)
    return context.data, weights.data


def additive_attention_backward(query, keys, w_query, w_key, w_score, grad_context):
    q, k, wq, wk, w = _tensors((query, keys, w_query, w_key, w_score))
    context, _ = _attention(q, k, k, wq, wk, w)
    (context * Tensor(grad_context, dtype=np.float64)).sum().backward()
    return dict(zip(NAMES, (q.grad, k.grad, wq.grad, wk.grad, w.grad), strict=True))
