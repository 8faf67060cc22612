"""The gradient check must pass right gradients and catch wrong ones."""

from __future__ import annotations

import pytest

from tinygrad_rnn.gradcheck import gradcheck, numerical_grad
from tinygrad_rnn.scalar import Value


def test_numerical_grad_of_known_function():
    grads = numerical_grad(lambda xs: xs[0] ** 2 * xs[1], [3.0, 2.0])
    assert grads == pytest.approx([12.0, 9.0], rel=1e-6)


def test_catches_a_wrong_backward_rule(monkeypatch):
    def wrong_tanh_backward(out):
        out._a.grad += (1.0 + out.data * out.data) * out.grad  # sign error

    monkeypatch.setattr(Value, "_tanh_backward", staticmethod(wrong_tanh_backward))
    report = gradcheck(lambda a, b: (a * b).tanh(), [0.4, 0.9])
    assert not report.ok
    assert "failed at input" in report.message
    assert "backprop says" in report.message and "central differences say" in report.message


def test_report_names_worst_input(monkeypatch):
    report = gradcheck(lambda a, b: a * b, [1.0, 2.0])
    assert report.ok and report.max_abs_error < 1e-8
    assert "passed" in report.message

    def wrong_mul_backward(out):  # right for the first input, doubled for the second
        out._a.grad += out._b.data * out.grad
        out._b.grad += 2.0 * out._a.data * out.grad

    monkeypatch.setattr(Value, "_mul_backward", staticmethod(wrong_mul_backward))
    report = gradcheck(lambda a, b: a * b, [1.5, 2.0])
    assert not report.ok and report.worst == "input 1"
    assert report.analytic == pytest.approx([2.0, 3.0]) and report.numeric[1] == pytest.approx(1.5)
    assert report.message.startswith("gradcheck failed at input 1")
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: 3.0, [1.0])


def test_tensor_report_names_the_input_and_the_index():
    import numpy as np

    from tinygrad_rnn.function import Function

    class DoubleMissingOne(Function):
        """2a, with a backward that forgets the entry [1, 2]."""

        def forward(self, a):
            return 2.0 * a

        def backward(self, grad_out):
            grad = 2.0 * grad_out
            grad[1, 2] = 0.0
            return grad

    report = gradcheck(lambda a, b: a * 3.0 + DoubleMissingOne.apply(b), [np.ones((2, 3))] * 2)
    assert not report.ok and report.worst == "input 1[1, 2]", report.message


def test_numpy_scalars_are_numbers_for_the_value_check():
    import numpy as np

    from tinygrad_rnn import Value

    # np.float32 is not a Python float; it used to send the check down the Tensor path,
    # where a Value constant inside fn broke it.
    report = gradcheck(lambda a, b: a.tanh() * Value(2.0) + b, [np.float32(0.3), np.int64(2)])
    assert report.ok, report.message
