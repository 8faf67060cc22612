"""Tensor semantics: dtypes, gradient accumulation, no_grad, errors, anomaly mode, graphs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tinygrad_rnn import autograd
from tinygrad_rnn.function import IndexRangeError, ShapeError, detect_anomaly, no_grad
from tinygrad_rnn.nn.functional import cross_entropy, embedding, mse, softmax, tanh
from tinygrad_rnn.tensor import (
    Tensor,
    concat,
    default_dtype,
    get_default_dtype,
    set_default_dtype,
    stack,
)


# ------------------------------------------------------------------------------ dtypes
def test_default_dtype_is_float32_and_numbers_do_not_upcast():
    assert get_default_dtype() == np.float32
    x = Tensor([1.0, 2.0])
    assert x.dtype == np.float32
    assert Tensor(np.arange(3.0)).dtype == np.float32  # float64 data follows the default
    for y in (x * 2.5, 2.5 * x, x + 1, x / 3, 1 - x, x**2, 2**x, x.mean(), x.sqrt()):
        assert y.dtype == np.float32, y


def test_integer_tensors_do_not_truncate_float_numbers():
    ids = Tensor(np.array([0, 1, 2]))
    np.testing.assert_allclose((ids * 0.5).data, [0.0, 0.5, 1.0])
    np.testing.assert_allclose((ids + 1.5).data, [1.5, 2.5, 3.5])
    np.testing.assert_allclose((0.5 * ids).data, [0.0, 0.5, 1.0])
    assert ids.mean().item() == pytest.approx(1.0)
    assert (ids + 1).dtype.kind == "i"  # int with int stays int


def test_set_default_dtype_and_context():
    with default_dtype(np.float64):
        assert Tensor([1.0]).dtype == np.float64
        assert Tensor.randn(2, 3, rng=np.random.default_rng(0)).dtype == np.float64
    assert Tensor([1.0]).dtype == np.float32
    set_default_dtype(np.float64)
    try:
        assert Tensor.zeros(2).dtype == np.float64
    finally:
        set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="floating"):
        set_default_dtype(np.int32)


def test_explicit_dtype_and_integer_arrays_are_kept():
    assert Tensor([1.0], dtype=np.float64).dtype == np.float64
    assert Tensor(np.array([1, 2])).dtype == np.int64
    assert Tensor([1, 2]).dtype == np.float32  # Python ints are for maths
    with pytest.raises(TypeError, match="require grad"):
        Tensor(np.array([1, 2]), requires_grad=True)


def test_mixed_dtypes_give_each_input_a_gradient_in_its_own_dtype():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], dtype=np.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])


def test_ndarray_data_is_shared_not_copied():
    arr = np.zeros(3, dtype=np.float32)
    assert Tensor(arr).data is arr


# ----------------------------------------------------------------------------- backward
def test_backward_accumulates_into_leaves_and_reset_interior():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, -8.0])  # twice 2x, not three times
    x.zero_grad()
    assert x.grad is None


def test_a_reused_tensor_receives_the_sum_of_its_uses():
    a = Tensor([3.0], requires_grad=True)
    (a + a + a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [8.0])


def test_backward_on_non_scalar_needs_grad():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*sum\(\)"):
        y.backward()
    y.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))


def test_backward_without_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()


def test_leaf_gradients_are_not_shared_arrays():
    # Add passes the same gradient array to both inputs: each leaf must own a copy, or an
    # optimizer scaling one gradient in place would scale the other too.
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a.reshape(2, 1) + b.reshape(2, 1)).sum().backward()
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    assert a.grad.flags.writeable and b.grad.flags.writeable


def test_broadcast_gradients_are_summed_to_each_input_shape():
    b = Tensor(np.zeros((1, 3)), requires_grad=True)
    x = Tensor(np.ones((4, 1)), requires_grad=True)
    (x + b).sum().backward()
    assert b.grad.shape == (1, 3) and x.grad.shape == (4, 1)
    np.testing.assert_array_equal(b.grad, np.full((1, 3), 4.0))
    np.testing.assert_array_equal(x.grad, np.full((4, 1), 3.0))


def test_no_grad_records_nothing():
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = w * 3
    assert not y.requires_grad and y._prev == () and y._ctx is None
    z = w * 3
    assert z.requires_grad and z._prev == (w,)


def test_detach_stops_gradients():
    w = Tensor([2.0], requires_grad=True)
    y = (w.detach() * w).sum()
    y.backward()
    np.testing.assert_array_equal(w.grad, [2.0])


def test_a_deep_chain_backpropagates_at_the_default_recursion_limit():
    x = Tensor([0.5], requires_grad=True)
    h = x
    for _ in range(5000):
        h = h * 1.0001
    h.sum().backward()
    assert x.grad[0] == pytest.approx(1.0001**5000, rel=1e-3)
    assert len(autograd.toposort(h)) > 5000


def test_item_numpy_tolist():
    x = Tensor([[1.5]])
    assert x.item() == 1.5 and x.numpy() is x.data and x.tolist() == [[1.5]]
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).item()


def test_identity_equality_and_hashing():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert a != b and a == a and len({a, b}) == 2
    assert a.eq(b).data.all()
    assert (a < Tensor([2.0])).data.all()


# ------------------------------------------------------------------------------ errors
def test_matmul_shape_error_names_op_and_shapes():
    with pytest.raises(ShapeError) as info:
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))
    assert str(info.value) == "matmul: (3, 4) @ (5, 2): inner sizes 4 and 5 differ"
    with pytest.raises(ShapeError, match="inner sizes 3 and 2"):
        Tensor(np.ones(3)) @ Tensor(np.ones(2))
    with pytest.raises(ShapeError, match="at least 1 dimension"):
        Tensor(2.0) @ Tensor(np.ones(2))


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda a, b: a + b, r"add: shapes \(3, 4\) and \(5,\) do not broadcast"),
        (lambda a, b: a * b, r"mul: shapes \(3, 4\) and \(5,\)"),
        (lambda a, b: a.reshape(5, 2), r"reshape: cannot reshape \(3, 4\) \(12 elements\)"),
        (lambda a, b: a.sum(axis=2), r"sum: axis 2 is out of range for a 2-d tensor"),
        (lambda a, b: a[5], r"getitem: index 5 does not fit a tensor of shape \(3, 4\)"),
        (lambda a, b: a[Tensor([0, 1])], r"getitem: an index array must hold integers"),
        (lambda a, b: stack([a, a], axis=3), r"stack: axis 3 is out of range for a 3-d result"),
        (lambda a, b: stack([a, b]), r"stack: all shapes must be equal, got \(3, 4\), \(5,\)"),
        (lambda a, b: concat([a, a], axis=2), r"concat: axis 2 is out of range for shapes"),
        (lambda a, b: concat([a, b]), r"concat: shapes \(3, 4\), \(5,\) must match"),
    ],
)
def test_shape_errors_speak_the_learners_language(make, pattern):
    a = Tensor(np.ones((3, 4)), requires_grad=True)
    b = Tensor(np.ones(5))
    with pytest.raises(ShapeError, match=pattern):
        make(a, b)


def test_permute_and_transpose_refuse_axes_out_of_range():
    x = Tensor(np.ones((2, 3)))
    assert x.permute(-1, 0).shape == (3, 2)
    assert x.transpose(0, -1).shape == (3, 2)
    with pytest.raises(ShapeError, match=r"permute: axis 2 is out of range for a 2-d"):
        x.permute(1, 2)  # used to wrap 2 to 0 and silently transpose
    with pytest.raises(ShapeError, match=r"transpose: axis 2 is out of range"):
        x.transpose(0, 2)  # used to wrap to transpose(0, 0), a silent no-op


def test_a_list_or_array_where_a_tensor_is_expected_is_named():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match=r"cross_entropy: input 0 is a list, not a Tensor"):
        cross_entropy([[1.0, 2.0]], [0])
    with pytest.raises(TypeError, match=r"embedding: input 0 is a ndarray, not a Tensor"):
        embedding(np.ones((3, 2)), [0])
    with pytest.raises(TypeError, match=r"use stack"):
        Tensor([x, x])  # would copy the values and silently lose the gradient
    # Tensor([0, 1]) holds floats: the message says how to make integer targets and ids.
    with pytest.raises(TypeError, match=r"got dtype float32 \(Tensor\(\[1, 2\]\) stores"):
        cross_entropy(x, Tensor([0, 1]))
    with pytest.raises(TypeError, match=r"indices must be integers.*np.array\(\[1, 2\]\)"):
        embedding(x, Tensor([0, 1]))


def test_data_that_is_not_numbers_is_refused_with_a_reason():
    from tinygrad_rnn import Value

    with pytest.raises(TypeError, match=r"list of Value .*dtype object.*use its \.data"):
        Tensor([Value(1.0), Value(2.0)])  # was accepted as an object array
    with pytest.raises(TypeError, match=r"cannot turn a Value into an array.*use its \.data"):
        Tensor([1.0, 2.0]) * Value(2.0)  # was a bare float() TypeError from numpy
    with pytest.raises(TypeError, match=r"data must be numbers, got a list of str"):
        Tensor(["a", "b"])
    with pytest.raises(ValueError, match=r"Tensor: cannot turn a list of list into an array"):
        Tensor([[1.0, 2.0], [3.0]])
    assert Tensor(np.ones(2, dtype=bool)).dtype == np.bool_


def test_a_custom_functions_own_value_error_is_not_replaced():
    from tinygrad_rnn.function import Function

    class Picky(Function):
        def forward(self, a):
            raise ValueError("picky: I only take shape (7,)")

    with pytest.raises(ValueError, match=r"^picky: I only take shape \(7,\)$"):
        Picky.apply(Tensor([1.0]))
    with pytest.raises(ShapeError, match="log_softmax: axis 3 is out of range for shape"):
        Tensor(np.ones((2, 2))).log_softmax(axis=3)


def test_cross_entropy_and_embedding_errors():
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=r"targets of shape \(2,\), got \(3,\)"):
        cross_entropy(logits, [0, 1, 2])
    for fused in (True, False):
        with pytest.raises(IndexRangeError, match=r"target 3 is not a class index in \[0, 3\)"):
            cross_entropy(logits, [0, 3], fused=fused)
    with pytest.raises(TypeError, match="integer"):
        cross_entropy(logits, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="reduction"):
        cross_entropy(logits, [0, 1], reduction="avg")
    with pytest.raises(IndexRangeError, match=r"index 7 is outside the table's rows \[0, 3\)"):
        embedding(logits.T, [0, 7])


# ------------------------------------------------------------------------ anomaly mode
def test_anomaly_mode_names_the_op_that_made_a_nan():
    x = Tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"^log produced -inf"):
        (x * 2).log()
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"div produced nan"):
        x / x
    with np.errstate(divide="ignore"):
        y = (x * 2).log()  # outside anomaly mode: no error, just -inf
    assert np.isneginf(y.data[0])


def test_anomaly_mode_says_when_the_input_was_already_bad():
    x = Tensor([np.nan, 1.0])
    with detect_anomaly(), pytest.raises(FloatingPointError, match="input 0 was already"):
        x.tanh()


def test_anomaly_mode_checks_gradients_too():
    x = Tensor([0.0], requires_grad=True)
    y = x.sqrt()  # finite forward, infinite slope at 0
    with detect_anomaly(), pytest.raises(FloatingPointError, match="pow backward"):
        y.sum().backward()


# ---------------------------------------------------------------------- stable losses
def test_cross_entropy_is_stable_for_huge_logits():
    z = Tensor(np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]]), requires_grad=True)
    loss = cross_entropy(z, [0, 0])
    assert np.isfinite(loss.item())
    assert loss.item() == pytest.approx(1e4 / 2, rel=1e-6)
    loss.backward()
    assert np.all(np.isfinite(z.grad))
    unfused = cross_entropy(z, [0, 0], fused=False)
    assert unfused.item() == pytest.approx(loss.item(), rel=1e-6)


def test_softmax_sums_to_one_and_matches_numpy():
    x = np.random.default_rng(0).standard_normal((4, 5))
    p = softmax(Tensor(x, dtype=np.float64)).data
    expected = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-12)


# ------------------------------------------------------------------- graph attributes
def test_nodes_carry_what_graph_drawing_needs():
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x")
    y = tanh(x @ Tensor(np.ones((3, 4)), requires_grad=True))
    y.label, y.group = "h", "t=0"
    y.sum().backward()
    assert y._op == "tanh" and y._prev[0]._op == "matmul"
    assert (y.label, y.group, y.shape, y.dtype) == ("h", "t=0", (2, 4), np.float32)
    assert x._op == "" and x._backward is None and x.grad.shape == (2, 3)
    assert "op=tanh" in repr(y) and "label='x'" in repr(x)


def test_graph_module_draws_a_tensor_graph():
    graph = pytest.importorskip("tinygrad_rnn.graph")
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x")
    loss = (x * 2).relu().mean()
    loss.backward()
    source = graph.draw(loss).source
    assert "relu" in source and "(2, 3)" in source


# ------------------------------------------------------------------------ import cost
def test_importing_the_tensor_engine_does_not_import_numba():
    code = "import sys, tinygrad_rnn.tensor; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------- torch cross-check
@pytest.mark.torch
def test_mlp_step_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 5))
    t = rng.integers(0, 3, size=8)
    w1, b1 = rng.standard_normal((5, 7)), rng.standard_normal(7)
    w2, b2 = rng.standard_normal((7, 3)), rng.standard_normal(3)
    with default_dtype(np.float64):
        params = [Tensor(p, requires_grad=True) for p in (w1, b1, w2, b2)]
        h = (Tensor(x) @ params[0] + params[1]).tanh()
        loss = cross_entropy(h @ params[2] + params[3], t)
        loss.backward()
    tp = [torch.tensor(p, requires_grad=True) for p in (w1, b1, w2, b2)]
    th = torch.tanh(torch.tensor(x) @ tp[0] + tp[1])
    tloss = torch.nn.functional.cross_entropy(th @ tp[2] + tp[3], torch.tensor(t))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for ours, theirs in zip(params, tp, strict=True):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- factories
def test_factories_take_shapes_both_ways_and_keep_an_explicit_dtype():
    assert Tensor.zeros(2, 3).shape == Tensor.ones((2, 3)).shape == (2, 3)
    assert Tensor.zeros(2, dtype=np.float64).dtype == np.float64
    assert Tensor.full((2,), 0.5).tolist() == [0.5, 0.5]
    assert Tensor.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert Tensor.arange(3).dtype == np.float32
    a = Tensor.randn(3, rng=np.random.default_rng(1), requires_grad=True)
    b = Tensor.randn(3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.data, b.data)
    assert a.requires_grad and not b.requires_grad
    u = Tensor.uniform(1000, low=-1.0, high=1.0, rng=np.random.default_rng(2))
    assert -1.0 <= u.data.min() and u.data.max() < 1.0
    assert Tensor.zeros_like(u).shape == (1000,)


def test_iteration_truth_value_and_numpy_on_the_left():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and rows[2].tolist() == [4.0, 5.0]
    sum(r.sum() for r in rows).backward()
    np.testing.assert_array_equal(x.grad, np.ones((3, 2)))
    assert bool(Tensor([2.0]) > 1) is True
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x > 1)
    y = np.ones(2) + Tensor([1.0, 2.0], requires_grad=True)  # ndarray + Tensor -> Tensor
    assert isinstance(y, Tensor) and y.requires_grad and y.dtype == np.float32


# ------------------------------------------------------------- the two engines agree
def test_scalar_and_tensor_engines_follow_the_same_loss_curve():
    """Same MLP, same float64 weights, same SGD: the loss curves agree to rounding."""
    from tinygrad_rnn.scalar import MLP

    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 2))
    y = np.where(x[:, 0] * x[:, 1] > 0, 1.0, -1.0)
    scalar_model = MLP(2, [5, 5, 1], activation="tanh", seed=3)
    with default_dtype(np.float64):
        params = []
        for layer in scalar_model.layers:
            w = np.array([[v.data for v in n.w] for n in layer.neurons]).T  # (in, out)
            b = np.array([n.b.data for n in layer.neurons])
            params += [Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)]
        x_t = Tensor(x)
        scalar_losses, tensor_losses = [], []
        for _ in range(5):
            h = x_t
            for i in range(0, len(params), 2):
                h = h @ params[i] + params[i + 1]
                if i < len(params) - 2:
                    h = h.tanh()
            loss = mse(h.reshape(-1), y)
            for p in params:
                p.zero_grad()
            loss.backward()
            with no_grad():
                for p in params:
                    p.data -= 0.1 * p.grad
            tensor_losses.append(loss.item())

            preds = [scalar_model([float(a), float(b)]) for a, b in x]
            s_loss = sum((p - float(t)) ** 2 for p, t in zip(preds, y, strict=True)) * (1 / len(y))
            for p in scalar_model.parameters():
                p.grad = 0.0
            s_loss.backward()
            for p in scalar_model.parameters():
                p.data -= 0.1 * p.grad
            scalar_losses.append(s_loss.data)
    np.testing.assert_allclose(tensor_losses, scalar_losses, rtol=1e-12)
    assert tensor_losses[-1] < tensor_losses[0]


def test_numpy_sees_the_values_of_tensors():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    np.testing.assert_array_equal(np.asarray([a, b]), [[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(a) is a.data
    assert np.asarray(a, dtype=np.float64).dtype == np.float64
