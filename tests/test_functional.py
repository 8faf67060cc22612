"""tinygrad_rnn.nn.functional: dropout, linear, and the functional twins of Tensor methods."""

import numpy as np
import pytest

import tinygrad_rnn.nn.functional as F
from tinygrad_rnn import nn
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.tensor import Tensor


# ------------------------------------------------------------------------------ dropout
def test_dropout_keeps_about_1_minus_p_and_scales_by_its_inverse():
    x = Tensor(np.ones((200, 500)))
    y = F.dropout(x, p=0.3, rng=0).data
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02  # the expected value is unchanged
    assert y.dtype == np.float32


def test_dropout_is_reproducible_with_a_seed_or_generator():
    x = np.ones(50)
    a = F.dropout(x, 0.5, rng=3).data
    b = F.dropout(x, 0.5, rng=np.random.default_rng(3)).data
    np.testing.assert_array_equal(a, b)


def test_dropout_is_the_identity_when_not_training_or_p_is_zero():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0, rng=0) is x


def test_dropout_with_p_one_gives_zeros():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = F.dropout(x, 1.0, rng=0)
    np.testing.assert_array_equal(y.data, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_p_outside_the_unit_interval(p):
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\]"):
        F.dropout(Tensor([1.0]), p)


def test_dropout_gradient_matches_central_differences():
    def fn(x):
        return F.dropout(x.tanh(), p=0.4, rng=7) * x  # the same mask on every call

    report = gradcheck_tensors(fn, [np.linspace(-1.0, 1.0, 12).reshape(3, 4)])
    assert report.ok, report.message


def test_dropout_module_and_function_draw_the_same_mask():
    x = np.ones((4, 6), dtype=np.float32)
    layer = nn.Dropout(0.5, rng=11)
    np.testing.assert_array_equal(layer(x).data, F.dropout(x, 0.5, rng=11).data)


# ------------------------------------------------------------------------------- linear
def test_linear_matches_numpy_in_pytorch_layout():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    y = F.linear(Tensor(x), Tensor(w), Tensor(b))
    np.testing.assert_allclose(y.data, x @ w.T + b, rtol=1e-5)
    np.testing.assert_allclose(F.linear(x, w).data, x @ w.T, rtol=1e-5)


def test_linear_gradient_matches_central_differences():
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)]
    report = gradcheck_tensors(F.linear, inputs)
    assert report.ok, report.message


def test_linear_layer_equals_the_function():
    layer = nn.Linear(3, 2, rng=0)
    x = np.ones((4, 3), dtype=np.float32)
    np.testing.assert_array_equal(layer(x).data, F.linear(x, layer.weight, layer.bias).data)


# ----------------------------------------------------------------- twins of the methods
def test_imports_and_functional_forms_match_tensor_methods():
    from tinygrad_rnn.nn import functional
    from tinygrad_rnn.nn.functional import cross_entropy, mse_loss, softmax

    assert functional is F
    z = Tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    np.testing.assert_array_equal(softmax(z).data, z.softmax().data)
    np.testing.assert_array_equal(F.log_softmax(z, axis=0).data, z.log_softmax(axis=0).data)
    np.testing.assert_array_equal(F.tanh(z).data, z.tanh().data)
    np.testing.assert_array_equal(F.sigmoid(z).data, z.sigmoid().data)
    np.testing.assert_array_equal(F.relu(z).data, z.relu().data)
    np.testing.assert_array_equal(F.leaky_relu(z, 0.1).data, z.leaky_relu(0.1).data)
    targets = np.array([1, 2])
    expected = -(z.log_softmax().data[[0, 1], targets]).mean()
    np.testing.assert_allclose(cross_entropy(z, targets).item(), expected, rtol=1e-6)
    np.testing.assert_allclose(cross_entropy(z, targets, fused=False).item(), expected, rtol=1e-6)
    assert F.mse is mse_loss
    assert mse_loss(z, 0.0).item() == pytest.approx(float((z * z).mean().item()))


def test_tensor_module_no_longer_serves_the_functional_forms():
    import tinygrad_rnn.tensor as tensor_module

    assert not hasattr(tensor_module, "cross_entropy")
    assert callable(tensor_module.concat) and callable(tensor_module.where)
