"""Every Tensor primitive gradient-checked in float64 against central differences.

Shapes are drawn by hypothesis and broadcast (size-1 axes and 0-d included); values are
kept away from kinks and poles so that central differences are a fair oracle. The
activations are checked with the numba kernels and with the numpy reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    FAST,
    broadcast_pairs,
    broadcast_triples,
    matmul_shapes,
    random_array,
    seeds,
    shapes,
)

from tinygrad_rnn import kernels
from tinygrad_rnn.function import Function, ShapeError, unbroadcast
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.nn.functional import cross_entropy, embedding, log_softmax, mse, softmax
from tinygrad_rnn.tensor import Tensor, clip, concat, stack, where


def check(fn, *inputs, atol=1e-6, rtol=1e-5):
    """Assert that ``fn``'s gradients match central differences; show the report if not."""
    report = gradcheck_tensors(fn, list(inputs), atol=atol, rtol=rtol)
    assert report.ok, report.message
    return report


@pytest.fixture(params=[True, False], ids=["numba", "numpy"])
def engine(request):
    """Run a test with the numba kernels and again with the numpy reference."""
    previous = kernels.numba_enabled()
    kernels.use_numba(request.param)
    yield request.param
    kernels.use_numba(previous)


# ----------------------------------------------------------------------- unbroadcast
def test_unbroadcast_sums_leading_and_size_one_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())
    assert unbroadcast(g, (2, 3, 4)) is g


def test_unbroadcast_refuses_a_shape_that_does_not_fit():
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(4,\)"):
        unbroadcast(np.ones((2, 3)), (4,))


# ------------------------------------------------------------------------- arithmetic
@FAST
@given(broadcast_pairs(), seeds)
def test_add_sub_mul_broadcast(pair, seed):
    a = random_array(seed, pair[0])
    b = random_array(seed + 1, pair[1])
    check(lambda x, y: x + y, a, b)
    check(lambda x, y: x - y, a, b)
    check(lambda x, y: x * y, a, b)


@FAST
@given(broadcast_pairs(), seeds)
def test_div_broadcast(pair, seed):
    a = random_array(seed, pair[0])
    b = random_array(seed + 1, pair[1], low=0.5, high=2.0) * np.where(seed % 2, 1, -1)
    check(lambda x, y: x / y, a, b)


@FAST
@given(broadcast_pairs(), seeds)
def test_pow_both_inputs(pair, seed):
    base = random_array(seed, pair[0], low=0.5, high=2.0)
    exponent = random_array(seed + 1, pair[1], low=-1.5, high=2.5)
    check(lambda x, y: x**y, base, exponent)


def test_pow_with_exponent_zero_has_gradient_zero_even_at_zero():
    x = Tensor(np.array([0.0, 2.0, 0.0]), requires_grad=True, dtype=np.float64)
    e = Tensor(np.array([0.0, 0.0, 2.0]), dtype=np.float64)
    (x**e).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])  # was [nan, 0, 0]
    y = Tensor([0.0], requires_grad=True)
    (y**0).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0])


@FAST
@given(shapes(), seeds, st.sampled_from([2, 3, -1, 0.5]))
def test_pow_number_exponent_and_numbers_on_the_left(shape, seed, k):
    x = random_array(seed, shape, low=0.5, high=2.0)
    check(lambda t: t**k, x)
    check(lambda t: 2.0**t - 3 / t + (1 - t) * 0.5, x)


@FAST
@given(shapes(), seeds)
def test_neg_exp_log(shape, seed):
    x = random_array(seed, shape, low=0.2, high=2.0)
    check(lambda t: -t, x)
    check(lambda t: t.exp(), x)
    check(lambda t: t.log(), x)


# ----------------------------------------------------------------------------- matmul
@FAST
@given(matmul_shapes(), seeds)
def test_matmul_vector_matrix_batched(shape_pair, seed):
    a = random_array(seed, shape_pair[0])
    b = random_array(seed + 1, shape_pair[1])
    check(lambda x, y: x @ y, a, b)


@pytest.mark.parametrize(
    ("shape_a", "shape_b"),
    [((2, 3, 4, 5), (5, 2)), ((3, 5), (2, 5, 4)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (4, 3))],
)
def test_matmul_fast_paths_and_batched_broadcasting(shape_a, shape_b):
    check(lambda x, y: x @ y, random_array(0, shape_a), random_array(1, shape_b))


def test_matmul_against_numpy_values():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal((Tensor(a) @ Tensor(b)).data, (a @ b).astype(np.float32))


# ------------------------------------------------------------------------ activations
@FAST
@given(shapes(), seeds)
def test_activations(engine, shape, seed):
    x = random_array(seed, shape, low=-3.0, high=3.0, away_from=0.0)
    check(lambda t: t.tanh(), x)
    check(lambda t: t.sigmoid(), x)
    check(lambda t: t.relu(), x)
    check(lambda t: t.leaky_relu(0.1), x)


def test_sigmoid_is_stable_for_large_inputs(engine):
    x = Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True)
    y = x.sigmoid()
    assert np.all(np.isfinite(y.data))
    np.testing.assert_allclose(y.data, [0.0, 1.9287e-22, 0.5, 1.0, 1.0], rtol=1e-4)
    y.sum().backward()
    assert np.all(np.isfinite(x.grad))


# ------------------------------------------------------------------------- reductions
@st.composite
def shape_and_axis(draw, min_dims=0):
    shape = draw(shapes(min_dims=min_dims))
    choices = [None] + list(range(-len(shape), len(shape)))
    if len(shape) >= 2:
        choices.append((0, len(shape) - 1))
    return shape, draw(st.sampled_from(choices)), draw(st.booleans())


@FAST
@given(shape_and_axis(), seeds)
def test_sum_and_mean(shape_axis_keep, seed):
    shape, axis, keepdims = shape_axis_keep
    x = random_array(seed, shape)
    check(lambda t: t.sum(axis=axis, keepdims=keepdims), x)
    check(lambda t: t.mean(axis=axis, keepdims=keepdims), x)
    check(lambda t: t.var(axis=axis, keepdims=keepdims), x)


@FAST
@given(shape_and_axis(), seeds)
def test_max_and_min(shape_axis_keep, seed):
    shape, axis, keepdims = shape_axis_keep
    # Distinct values (a shuffled range): no ties, so the max is differentiable.
    x = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    check(lambda t: t.max(axis=axis, keepdims=keepdims), x)
    check(lambda t: t.min(axis=axis, keepdims=keepdims), x)


def test_max_ties_share_the_gradient():
    x = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


# ------------------------------------------------------------------------------ shapes
@FAST
@given(shapes(min_dims=1), seeds)
def test_reshape_and_permute(shape, seed):
    x = random_array(seed, shape)
    check(lambda t: t.reshape(-1) * np.arange(x.size), x)
    check(lambda t: t.T * random_array(seed, shape[::-1]), x)
    if len(shape) >= 2:
        check(lambda t: t.transpose(0, -1).reshape(-1).tanh(), x)
        order = tuple(np.random.default_rng(seed).permutation(len(shape)))
        check(lambda t: t.permute(*order).tanh(), x)


def test_getitem_slices_ints_and_none():
    x = random_array(0, (3, 4, 2))
    check(lambda t: t[1], x)
    check(lambda t: t[:, 1:3, ::-1].tanh(), x)
    check(lambda t: t[..., 0, None] * 2, x)
    check(lambda t: t[-1, :, 1], x)


def test_getitem_repeated_indices_accumulate():
    x = random_array(1, (4, 3))
    idx = np.array([0, 2, 0, 0, 3])
    check(lambda t: t[idx].tanh(), x)
    check(lambda t: t[idx, np.array([1, 1, 2, 1, 0])], x)
    t = Tensor(x, requires_grad=True)
    t[idx].sum().backward()
    np.testing.assert_array_equal(t.grad[:, 0], [3.0, 0.0, 1.0, 1.0])


@FAST
@given(shapes(min_dims=1), seeds, st.integers(1, 6))
def test_getitem_drawn_shapes_with_repeats_and_slices(shape, seed, n_picks):
    rng = np.random.default_rng(seed)
    x = random_array(seed, shape)
    picks = rng.integers(-shape[0], shape[0], size=n_picks)  # repeats and negative indices
    start = int(rng.integers(0, shape[0]))
    check(lambda t: t[picks].tanh(), x)
    check(lambda t: t[start:].exp(), x)
    check(lambda t: t[..., ::-1] * np.arange(shape[-1]), x)


def test_gradcheck_dispatches_arrays_to_the_tensor_check():
    from tinygrad_rnn.gradcheck import gradcheck

    report = gradcheck(lambda t: (t * t).tanh().sum(), [np.array([0.3, -0.7])])
    assert report.ok and report.worst.startswith("input 0[")


def test_getitem_boolean_mask_and_list_index():
    x = random_array(2, (3, 4))
    mask = x > 0
    check(lambda t: t[mask].exp(), x)
    check(lambda t: t[[2, 2, 0]], x)


@FAST
@given(shapes(min_dims=1), st.integers(1, 3), seeds)
def test_concat_and_stack(shape, count, seed):
    arrays = [random_array(seed + i, shape) for i in range(count)]
    axis = seed % len(shape)
    check(lambda *ts: concat(ts, axis=axis).tanh(), *arrays)
    check(lambda *ts: stack(ts, axis=axis - 1).tanh(), *arrays)


def test_concat_different_sizes_along_axis():
    a = random_array(0, (2, 3))
    b = random_array(1, (2, 1))
    check(lambda x, y: concat([x, y], axis=1).tanh(), a, b)


@FAST
@given(broadcast_triples(), seeds)
def test_where_broadcast(triple, seed):
    cond = np.random.default_rng(seed).random(triple[0]) > 0.5
    a = random_array(seed, triple[1])
    b = random_array(seed + 1, triple[2])
    check(lambda x, y: where(cond, x, y), a, b)
    check(lambda x: where(cond, x, 0.5), a)
    check(lambda t: t.abs(), random_array(seed, triple[1], away_from=0.0))


@FAST
@given(shapes(), seeds)
def test_clip(shape, seed):
    x = random_array(seed, shape, low=-2.0, high=2.0, away_from=0.5, margin=0.05)
    x = np.where(np.abs(x + 0.5) < 0.05, 0.0, x)  # also away from the lower bound
    check(lambda t: clip(t, -0.5, 0.5), x)
    check(lambda t: t.clip(high=0.5), x)


def test_clip_passes_the_gradient_at_the_bounds_themselves():
    # The documented rule (gradient 1 on the closed interval, as PyTorch's clamp): values
    # drawn at random never land on a bound, so pin it here.
    x = Tensor(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), requires_grad=True)
    y = x.clip(-0.5, 0.5)
    np.testing.assert_array_equal(y.data, [-0.5, -0.5, 0.0, 0.5, 0.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])


# -------------------------------------------------------------- softmax and the losses
@FAST
@given(shapes(min_dims=1), seeds)
def test_softmax_and_log_softmax(shape, seed):
    x = random_array(seed, shape, low=-3.0, high=3.0)
    check(lambda t: log_softmax(t), x)
    check(lambda t: softmax(t, axis=0), x)


@FAST
@given(shapes(min_dims=0, max_dims=2), st.integers(1, 4), seeds, st.booleans())
def test_cross_entropy_fused_and_composed(engine, batch_shape, n_classes, seed, fused):
    logits = random_array(seed, (*batch_shape, n_classes), low=-3.0, high=3.0)
    targets = np.random.default_rng(seed).integers(0, n_classes, size=batch_shape)
    for reduction in ("mean", "sum", "none"):
        check(lambda t, r=reduction: cross_entropy(t, targets, reduction=r, fused=fused), logits)


@FAST
@given(broadcast_pairs(), seeds)
def test_mse(pair, seed):
    # the target broadcasts into the prediction's shape (mse refuses a bigger result shape)
    p_shape = np.broadcast_shapes(*pair)
    check(lambda p, y: mse(p, y), random_array(seed, p_shape), random_array(seed + 1, pair[1]))


@FAST
@given(st.integers(1, 5), st.integers(1, 3), shapes(max_dims=2), seeds)
def test_embedding_scatter_add(engine, n_rows, dim, index_shape, seed):
    table = random_array(seed, (n_rows, dim))
    indices = np.random.default_rng(seed).integers(0, n_rows, size=index_shape)
    check(lambda w: embedding(w, indices).tanh(), table)


# ------------------------------------------------------------------- custom Functions
class _Cube(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return a**3

    def backward(self, grad_out):
        (a,) = self.saved_tensors
        return 3 * a * a * grad_out


def test_a_custom_function_gets_broadcast_gradients_summed_by_the_driver():
    x = random_array(3, (3, 1))
    check(lambda t: _Cube.apply(t) * random_array(4, (2, 3, 4)), x)
    assert check(lambda t: _Cube.apply(t), x).max_abs_error < 1e-6


def test_gradcheck_catches_a_wrong_backward():
    class WrongSquare(Function):
        def forward(self, a):
            self.save_for_backward(a)
            return a * a

        def backward(self, grad_out):
            (a,) = self.saved_tensors
            return a * grad_out  # missing the factor 2

    report = gradcheck_tensors(lambda t: WrongSquare.apply(t), [np.array([1.0, 2.0])])
    assert not report.ok
    assert "input 0[" in report.worst


def test_a_backward_with_the_wrong_number_or_shape_of_gradients_is_explained():
    class TwoInOneOut(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, grad_out):
            return grad_out  # forgot the second input

    class WrongShape(Function):
        def forward(self, a):
            return a.sum()

        def backward(self, grad_out):
            return np.ones(5)

    a = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"twoinoneout.backward returned 1 gradient\(s\) for 2"):
        TwoInOneOut.apply(a, a).sum().backward()
    with pytest.raises(ShapeError, match=r"wrongshape backward: gradient of shape \(5,\)"):
        WrongShape.apply(a).backward()


# ----------------------------------------------------------------------- several outputs
class _SumAndProduct(Function):
    """Two outputs, ``a + b`` and ``a * b``; records the gradients its backward got."""

    seen: list = []

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a + b, a * b

    def backward(self, grad_sum, grad_product=None):
        _SumAndProduct.seen.append(grad_product is None)
        a, b = self.saved_tensors
        if grad_product is None:
            return grad_sum, grad_sum
        return grad_sum + grad_product * b, grad_sum + grad_product * a


@given(shapes(min_dims=1), seeds)
@FAST
def test_a_function_with_two_outputs_gets_the_gradient_of_each(shape, seed):
    a, b = random_array(seed, shape), random_array(seed + 1, shape)
    check(lambda x, y: _SumAndProduct.apply(x, y)[0], a, b)  # the second output unused
    check(lambda x, y: _SumAndProduct.apply(x, y)[1], a, b)  # only the second one used

    def both(x, y):  # the two outputs of ONE call, one of them used twice
        total, product = _SumAndProduct.apply(x, y)
        return total * product + product

    check(both, a, b)


def test_a_second_output_is_a_node_after_the_first_and_none_when_unused():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 5.0], requires_grad=True)
    total, product = _SumAndProduct.apply(x, y)
    assert product._op == "_sumandproduct[1]" and product._prev == (total,)
    _SumAndProduct.seen.clear()
    total.sum().backward()
    assert _SumAndProduct.seen == [True]  # backward got None for the unused product
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    x.grad = y.grad = None
    product.sum().backward()  # only the second output: the first one's gradient is zeros
    assert _SumAndProduct.seen == [True, False]
    np.testing.assert_array_equal(x.grad, [3.0, 5.0])
    np.testing.assert_array_equal(y.grad, [1.0, 2.0])
    from tinygrad_rnn.function import no_grad

    with no_grad():
        plain = _SumAndProduct.apply(x, y)
    assert [t.requires_grad for t in plain] == [False, False]
    assert all(t._prev == () for t in plain)


def test_two_backward_passes_add_and_an_aborted_pass_leaves_nothing_behind():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 5.0], requires_grad=True)
    total, product = _SumAndProduct.apply(x, y)
    loss = total.sum() + product.sum()
    loss.backward()
    loss.backward()  # the same graph again: leaves get exactly twice the gradient
    np.testing.assert_array_equal(x.grad, 2 * (1 + y.data))
    # a pass that fails after the product handed its gradient over, before the first
    # output's turn: an input of another op was changed in place
    w = Tensor([1.0, 1.0], requires_grad=True)
    total, product = _SumAndProduct.apply(x, y)
    scaled = total * w
    w.data[:] = 2.0
    w.mark_modified()
    with pytest.raises(RuntimeError, match="changed in place"):
        (product.sum() + scaled.sum()).backward()
    x.grad = y.grad = None
    total.sum().backward()  # the product's gradient from the failed pass must not come back
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])
