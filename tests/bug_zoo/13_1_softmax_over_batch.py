"""Bug for 13.1: the softmax runs over the batch axis instead of the input positions."""

import numpy as np

BUG_FOR = "13.1"
CAUGHT_BY = "softmax ran over the batch axis"


def additive_attention(query, keys, w_query, w_key, w_score):
    hidden = np.tanh((query @ w_query.T)[:, None, :] + keys @ w_key.T)  # (B, S, A)
    scores = hidden @ w_score  # (B, S)
    weights = np.exp(scores - scores.max(axis=0, keepdims=True))
    weights /= weights.sum(axis=0, keepdims=True)
    return np.einsum("bs,bsd->bd", weights, keys), weights


def additive_attention_backward(query, keys, w_query, w_key, w_score, grad_context):
    shapes = {"query": query, "keys": keys, "w_query": w_query, "w_key": w_key}
    return {k: np.zeros_like(v) for k, v in shapes.items()} | {"w_score": np.zeros_like(w_score)}
