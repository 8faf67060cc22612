"""Reference solutions for lesson 1 (kept for the grader's tests; learners never see them)."""

from __future__ import annotations

import math

from tinygrad_rnn import Value


def neuron_forward(
    w: list[Value], x: list[Value | float], b: Value, activation: str = "tanh"
) -> Value:
    z = b
    for w_i, x_i in zip(w, x, strict=True):
        z = z + w_i * x_i
    if activation == "relu":
        return z.relu()
    if activation == "tanh":
        return z.tanh()
    if activation == "sigmoid":
        return z.sigmoid()
    return z


def relu_slope(z: float) -> float:
    return 1.0 if z > 0.0 else 0.0


def sigmoid_slope(z: float) -> float:
    if z >= 0.0:
        s = 1.0 / (1.0 + math.exp(-z))
    else:
        e = math.exp(z)
        s = e / (1.0 + e)
    return s * (1.0 - s)


def tanh_slope(z: float) -> float:
    t = math.tanh(z)
    return 1.0 - t * t


def layer_forward(
    W: list[list[Value]], x: list[Value | float], b: list[Value], activation: str = "tanh"
) -> list[Value]:
    return [neuron_forward(W_j, x, b_j, activation) for W_j, b_j in zip(W, b, strict=True)]


def gate_weights(gate: str) -> tuple[list[float], float]:
    table = {
        "and": ([10.0, 10.0], -15.0),
        "or": ([10.0, 10.0], -5.0),
        "nand": ([-10.0, -10.0], 15.0),
    }
    return table[gate]
