"""Reference solutions for lesson 4 (kept for the grader's tests; learners never see them)."""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.tensor import Tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if ones:
        grad = grad.sum(axis=ones, keepdims=True)
    return grad


def linear_forward(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    if x.ndim != 2 or W.ndim != 2:
        raise ValueError(f"linear_forward: x {x.shape} and W {W.shape} must both be 2-D")
    if x.shape[1] != W.shape[1]:
        raise ValueError(
            f"linear_forward: x {x.shape} has {x.shape[1]} features but W {W.shape} "
            f"expects {W.shape[1]}"
        )
    if b.shape != (W.shape[0],):
        raise ValueError(f"linear_forward: b {b.shape} should have shape {(W.shape[0],)}")
    return x @ W.T + b  # (B, out)


def matmul_backward(A: np.ndarray, B: np.ndarray, dC: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return dC @ B.T, A.T @ dC


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C), every entry <= 0
    lse = np.log(np.exp(shifted).sum(axis=1))  # (N,)
    rows = np.arange(n)
    loss = float(np.mean(lse - shifted[rows, targets]))
    grad = np.exp(shifted - lse[:, None])  # (N, C) softmax
    grad[rows, targets] -= 1.0
    return loss, grad / n
