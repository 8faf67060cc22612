"""Reference solutions for lesson 13 (the grader must give these full marks)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def additive_attention(query, keys, w_query, w_key, w_score):
    hidden = np.tanh((query @ w_query.T)[:, None, :] + keys @ w_key.T)  # (B, S, A)
    scores = hidden @ w_score  # (B, S)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    context = np.einsum("bs,bsd->bd", weights, keys)  # (B, Dk)
    return context, weights


def additive_attention_backward(query, keys, w_query, w_key, w_score, grad_context):
    hidden = np.tanh((query @ w_query.T)[:, None, :] + keys @ w_key.T)  # (B, S, A)
    scores = hidden @ w_score
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    grad_weights = np.einsum("bd,bsd->bs", grad_context, keys)  # (B, S)
    grad_keys = weights[:, :, None] * grad_context[:, None, :]  # keys as values
    dot = (grad_weights * weights).sum(axis=1, keepdims=True)
    grad_scores = weights * (grad_weights - dot)  # the softmax's backward
    grad_w_score = np.einsum("bs,bsa->a", grad_scores, hidden)
    grad_pre = grad_scores[:, :, None] * w_score * (1 - hidden**2)  # (B, S, A)
    grad_w_query = grad_pre.sum(axis=1).T @ query  # (A, Dq)
    grad_query = grad_pre.sum(axis=1) @ w_query  # (B, Dq)
    grad_w_key = np.einsum("bsa,bsk->ak", grad_pre, keys)
    grad_keys = grad_keys + grad_pre @ w_key  # keys as keys
    return {
        "query": grad_query,
        "keys": grad_keys,
        "w_query": grad_w_query,
        "w_key": grad_w_key,
        "w_score": grad_w_score,
    }


def masked_softmax(scores, valid):
    scores = np.where(valid, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


def beam_search(step: Callable, state: np.ndarray, n_steps: int, width: int):
    beams = [([], 0.0)]  # (tokens so far, sum of log-probabilities)
    states = state[None]  # (1, H): one beam to start with
    for _ in range(n_steps):
        last = np.array([tokens[-1] if tokens else 0 for tokens, _ in beams])
        probs, new_states = step(last, states)  # (K, V), (K, H)
        candidates = []
        for k, (_, score) in enumerate(beams):
            for v in range(probs.shape[1]):
                candidates.append((score + np.log(probs[k, v]), k, v))
        candidates.sort(key=lambda c: -c[0])  # best first
        kept = candidates[:width]
        beams = [(beams[k][0] + [v], s) for s, k, v in kept]
        states = new_states[[k for _, k, _ in kept]]
    return [(tokens, float(score)) for tokens, score in beams]


def bidirectional(forward_layer, backward_layer, x):
    ahead = forward_layer(x)  # (T, B, H)
    behind = backward_layer(x[::-1])[::-1]  # read from the end, put back in time order
    output = np.concatenate([ahead, behind], axis=2)
    final = np.stack([ahead[-1], behind[0]])
    return output, final
