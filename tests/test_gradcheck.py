"""The gradient check must pass right gradients and catch wrong ones."""

from __future__ import annotations

import pytest

from tinygrad_rnn import Value, scalar
from tinygrad_rnn.gradcheck import gradcheck, numerical_grad


def test_numerical_grad_of_known_function():
    grads = numerical_grad(lambda xs: xs[0] ** 2 * xs[1], [3.0, 2.0])
    assert grads == pytest.approx([12.0, 9.0], rel=1e-6)


def test_catches_a_wrong_backward_rule(monkeypatch):
    def wrong_tanh_backward(out):
        out._a.grad += (1.0 + out.data * out.data) * out.grad  # sign error

    monkeypatch.setattr(scalar, "_tanh_backward", wrong_tanh_backward)
    report = gradcheck(lambda a, b: (a * b).tanh(), [0.4, 0.9])
    assert not report.ok
    assert "failed at input" in report.message
    assert "backprop says" in report.message and "central differences say" in report.message


def test_report_names_worst_input():
    def f(a, b):
        out = a * b
        return out

    report = gradcheck(f, [1.0, 2.0])
    assert report.ok and report.max_abs_error < 1e-8
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: 3.0, [1.0])
    assert isinstance(Value(1.0), Value)
