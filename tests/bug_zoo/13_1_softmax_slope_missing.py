"""Bug for 13.1: the softmax's backward is left out (dscores = dweights)."""

import numpy as np

BUG_FOR = "13.1"
CAUGHT_BY = "central difference"


def additive_attention(query, keys, w_query, w_key, w_score):
    hidden = np.tanh((query @ w_query.T)[:, None, :] + keys @ w_key.T)
    scores = hidden @ w_score
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("bs,bsd->bd", weights, keys), weights


def additive_attention_backward(query, keys, w_query, w_key, w_score, grad_context):
    hidden = np.tanh((query @ w_query.T)[:, None, :] + keys @ w_key.T)
    scores = hidden @ w_score
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    grad_scores = np.einsum("bd,bsd->bs", grad_context, keys)  # the softmax skipped
    grad_pre = grad_scores[:, :, None] * w_score * (1 - hidden**2)
    return {
        "query": grad_pre.sum(axis=1) @ w_query,
        "keys": weights[:, :, None] * grad_context[:, None, :] + grad_pre @ w_key,
        "w_query": grad_pre.sum(axis=1).T @ query,
        "w_key": np.einsum("bsa,bsk->ak", grad_pre, keys),
        "w_score": np.einsum("bs,bsa->a", grad_scores, hidden),
    }
