"""Reference solutions for lesson 2 (kept for the grader's tests; learners never see them)."""

from __future__ import annotations

import math
from collections.abc import Callable

from tinygrad_rnn import Value


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2.0 * h)


def sin(a: Value) -> Value:
    out = Value(math.sin(a.data), a, None, "sin")
    out._backward = sin_backward
    return out


def sin_backward(out: Value) -> None:
    a = out._a
    a.grad += math.cos(a.data) * out.grad


def topological_order(root: Value) -> list[Value]:
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in node._prev:
            if parent not in visited:
                stack.append((parent, False))
    return order


def backward(root: Value) -> None:
    order = topological_order(root)
    for node in order:
        if node._prev:
            node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        if node._backward is not None:
            node._backward(node)
