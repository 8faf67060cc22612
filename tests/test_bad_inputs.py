"""The engine's bad-input cases: each is refused with a message, or gives PyTorch's answer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_rnn import nn
from tinygrad_rnn.function import ShapeError
from tinygrad_rnn.nn.functional import cross_entropy, mse, mse_loss
from tinygrad_rnn.scalar import Value
from tinygrad_rnn.tensor import Tensor


def test_mse_refuses_shapes_that_would_broadcast_to_a_bigger_difference():
    with pytest.raises(ShapeError, match=r"prediction \(3, 1\) and target \(3,\).*\(3, 3\)"):
        mse(Tensor(np.zeros((3, 1))), Tensor(np.ones(3)))
    with pytest.raises(ShapeError, match=r"prediction \(3,\) and target \(3, 1\)"):
        mse_loss(Tensor(np.zeros(3)), np.ones((3, 1)))
    with pytest.raises(ShapeError, match=r"prediction \(3,\) and target \(4,\) do not match"):
        mse(Tensor(np.zeros(3)), np.ones(4))
    # a target that broadcasts into the prediction's shape is fine
    assert mse(Tensor(np.zeros((3, 1))), Tensor(np.ones((3, 1)))).item() == 1.0
    assert mse(Tensor(np.zeros((3, 2))), 2.0).item() == 4.0


@pytest.mark.parametrize("fused", [True, False])
def test_cross_entropy_of_an_empty_batch_is_nan_with_an_empty_gradient(fused):
    z = Tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = cross_entropy(z, np.zeros(0, dtype=np.int64), fused=fused)
        assert np.isnan(loss.item())  # as PyTorch: the mean of nothing
        loss.backward()
    assert z.grad.shape == (0, 3)


def test_relu_keeps_nan_in_both_engines():
    assert np.isnan(Value(float("nan")).relu().data)
    assert np.isnan(Tensor([float("nan")]).relu().data[0])
    assert Value(-2.0).relu().data == 0.0 and Value(3.0).relu().data == 3.0


def test_numbers_too_large_or_complex_are_refused():
    with pytest.raises(OverflowError, match=r"Value\(data\): an integer of 401 digits"):
        Value(10**400)
    with pytest.raises(OverflowError, match="too large for a 64-bit integer"):
        Tensor(2**70)
    with pytest.raises(OverflowError, match="too large for a 64-bit integer"):
        Tensor([[1, 2], [3, 2**70]])
    with pytest.raises(TypeError, match="complex"):
        Tensor(1 + 2j)
    with pytest.raises(TypeError, match="complex"):
        Tensor(np.array([1.0 + 1j]))
    with pytest.raises(TypeError, match="complex"):
        Value(1j)
    assert Tensor(2**62).item() == float(2**62)  # big, but it fits


def test_backward_with_a_grad_that_is_not_numbers():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(TypeError, match=r"grad must be numbers of the tensor's shape \(2,\).*'x'"):
        y.backward(grad="x")
    with pytest.raises(TypeError, match="grad must be numbers"):
        y.backward(grad=[None, None])


def test_max_with_a_nan_is_nan_and_the_nan_gets_the_gradient():
    x = Tensor([1.0, float("nan"), 3.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero warning
        m = x.max()
        m.backward()
    assert np.isnan(m.item())
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    rows = Tensor([[1.0, 5.0], [float("nan"), 2.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows.max(axis=1).sum().backward()
    np.testing.assert_array_equal(rows.grad, [[0.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(hidden_size=0), ValueError, "hidden_size must be >= 1, got 0"),
        (dict(hidden_size=-1), ValueError, "hidden_size must be >= 1, got -1"),
        (dict(hidden_size=4, num_layers=2.7), TypeError, "num_layers must be a whole number"),
        (dict(hidden_size=4, num_layers=True), TypeError, "num_layers must be a whole number"),
        (
            dict(hidden_size=4, dtype=np.float16),
            TypeError,
            "dtype must be float32 or float64.*float16",
        ),
    ],
)
@pytest.mark.parametrize("layer", [nn.LSTM, nn.GRU, nn.RNN])
def test_recurrent_layers_refuse_bad_settings_at_construction(layer, kwargs, error, message):
    with pytest.raises(error, match=f"{layer.__name__}: {message}"):
        layer(4, **kwargs)


def test_a_bare_tensor_for_an_lstm_state_says_how_to_build_one():
    lstm = nn.LSTM(4, 3, rng=0)
    x = Tensor(np.zeros((2, 1, 4)))
    with pytest.raises(TypeError, match=r"got a bare Tensor.*LSTMState\(h, c\)") as info:
        lstm(x, Tensor(np.zeros((1, 1, 3))))
    assert "from tinygrad_rnn.nn import LSTMState" in str(info.value)
    h = Tensor(np.zeros((1, 1, 3)))
    from tinygrad_rnn.nn import LSTMState

    out, _ = lstm(x, LSTMState(h, Tensor.zeros(h.shape)))  # the advice works
    assert out.shape == (2, 1, 3)
