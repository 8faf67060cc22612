"""Attention: additive (Bahdanau) and scaled dot-product.

Gradients against central differences in float64 (with and without a mask, one query or
many), the masking rules (weight exactly zero, rows still sum to one, masked values cannot
leak into the context), the definition written out in numpy, errors, and PyTorch's
``scaled_dot_product_attention`` when torch is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_rnn import nn
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.nn.attention import (
    AdditiveAttention,
    additive_attention,
    scaled_dot_product_attention,
)
from tinygrad_rnn.tensor import ShapeError, Tensor, concat

F64 = np.float64
B, L, S, DQ, DK, DV, A = 2, 3, 4, 3, 5, 2, 4


def lengths_mask(lengths, n):
    return np.arange(n)[None, :] < np.asarray(lengths)[:, None]  # (B, S)


def additive_by_hand(q, k, v, wq, wk, w, mask=None):
    scores = np.tanh((q @ wq.T)[:, :, None, :] + (k @ wk.T)[:, None, :, :]) @ w  # (B, L, S)
    if mask is not None:
        scores = np.where(mask[:, None, :], scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(B, L, DQ)),
        rng.normal(size=(B, S, DK)),
        rng.normal(size=(B, S, DV)),
        rng.normal(size=(A, DQ)),
        rng.normal(size=(A, DK)),
        rng.normal(size=(A,)),
    ]


@pytest.mark.parametrize("masked", [False, True])
def test_additive_matches_the_definition(masked):
    q, k, v, wq, wk, w = inputs()
    mask = lengths_mask([4, 2], S) if masked else None
    context, weights = additive_attention(*(Tensor(a, dtype=F64) for a in inputs()), mask=mask)
    want_c, want_w = additive_by_hand(q, k, v, wq, wk, w, mask)
    np.testing.assert_allclose(weights.data, want_w, atol=1e-14)
    np.testing.assert_allclose(context.data, want_c, atol=1e-14)
    np.testing.assert_allclose(weights.data.sum(axis=-1), 1.0, atol=1e-14)
    if masked:
        assert np.all(weights.data[1, :, 2:] == 0.0)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("single", [False, True])
def test_additive_gradcheck(masked, single):
    data = inputs(1)
    if single:
        data[0] = data[0][:, 0]  # one query per sequence: (B, Dq)
    mask = lengths_mask([3, 1], S) if masked else None

    def fn(q, k, v, wq, wk, w):
        context, weights = additive_attention(q, k, v, wq, wk, w, mask=mask)
        return concat([context.reshape(-1), weights.reshape(-1)], axis=0)

    report = gradcheck_tensors(fn, data, atol=1e-8, rtol=1e-6)
    assert report.ok, str(report)


@pytest.mark.parametrize("masked", [False, True])
def test_scaled_dot_product_gradcheck(masked):
    rng = np.random.default_rng(2)
    data = [rng.normal(size=(B, L, 3)), rng.normal(size=(B, S, 3)), rng.normal(size=(B, S, DV))]
    mask = np.tril(np.ones((L, S), dtype=bool), k=1)[None] if masked else None  # (1, L, S)

    def fn(q, k, v):
        context, weights = scaled_dot_product_attention(q, k, v, mask=mask)
        return concat([context.reshape(-1), weights.reshape(-1)], axis=0)

    report = gradcheck_tensors(fn, data, atol=1e-8, rtol=1e-6)
    assert report.ok, str(report)


def test_masked_values_cannot_leak_into_the_context():
    q, k, v, *weights = (Tensor(a, dtype=F64) for a in inputs(3))
    mask = lengths_mask([2, 3], S)
    context, _ = additive_attention(q, k, v, *weights, mask=mask)
    noisy = v.data.copy()
    noisy[0, 2:] = 1e6  # garbage in the padded positions of sequence 0
    noisy[1, 3:] = -1e6
    context2, _ = additive_attention(q, k, Tensor(noisy, dtype=F64), *weights, mask=mask)
    np.testing.assert_allclose(context.data, context2.data, atol=1e-12)
    v_t = Tensor(v.data, requires_grad=True, dtype=F64)
    additive_attention(q, k, v_t, *weights, mask=mask)[0].sum().backward()
    assert np.all(v_t.grad[0, 2:] == 0) and np.all(v_t.grad[1, 3:] == 0)


def test_fully_masked_row_gives_equal_weights_not_nan():
    q = Tensor(np.ones((1, 2)), dtype=F64)
    k = Tensor(np.random.default_rng(0).normal(size=(1, 3, 2)), dtype=F64)
    _, weights = scaled_dot_product_attention(q, k, k, mask=np.zeros((1, 3), dtype=bool))
    np.testing.assert_allclose(weights.data, np.full((1, 3), 1 / 3))


def test_module_registers_its_parameters_and_defaults_values_to_keys():
    att = AdditiveAttention(query_size=DQ, key_size=DK, hidden_size=A, rng=0, dtype=F64)
    assert [n for n, _ in att.named_parameters()] == ["w_query", "w_key", "w_score"]
    assert att.w_query.shape == (A, DQ) and att.w_key.shape == (A, DK)
    q, k = inputs(4)[:2]
    context, weights = att(q, k)
    want_c, want_w = additive_by_hand(q, k, k, att.w_query.data, att.w_key.data, att.w_score.data)
    np.testing.assert_allclose(context.data, want_c, atol=1e-13)
    np.testing.assert_allclose(weights.data, want_w, atol=1e-13)
    assert repr(att) == "AdditiveAttention(query_size=3, key_size=5, hidden_size=4)"
    assert nn.AdditiveAttention is AdditiveAttention


def test_errors_name_the_shapes():
    q, k, v, wq, wk, w = inputs()
    with pytest.raises(ShapeError, match=r"additive_attention: expected w_query \(A, Dq\)"):
        additive_attention(q, k, v, wq.T, wk, w)
    with pytest.raises(ShapeError, match="batch and length must agree"):
        additive_attention(q, k, v[:, :2], wq, wk, w)
    with pytest.raises(ShapeError, match="queries and keys need the same size d"):
        scaled_dot_product_attention(q, k, v)
    with pytest.raises(TypeError, match="mask must be boolean"):
        additive_attention(q, k, v, wq, wk, w, mask=np.ones((B, S)))
    with pytest.raises(ShapeError, match=r"mask of shape \(2, 3\) does not fit"):
        additive_attention(q, k, v, wq, wk, w, mask=np.ones((B, 3), dtype=bool))


@pytest.mark.torch
def test_scaled_dot_product_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    q, k, v = rng.normal(size=(B, L, 3)), rng.normal(size=(B, S, 3)), rng.normal(size=(B, S, 2))
    mask = rng.random((B, L, S)) < 0.7
    mask[..., 0] = True  # every row keeps one position (torch gives NaN otherwise)
    context, _ = scaled_dot_product_attention(*(Tensor(a, dtype=F64) for a in (q, k, v)), mask=mask)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(a) for a in (q, k, v)), attn_mask=torch.from_numpy(mask)
    )
    np.testing.assert_allclose(context.data, theirs.numpy(), atol=1e-12)


def test_docstring_examples_run():
    import doctest

    from tinygrad_rnn.nn import attention

    result = doctest.testmod(attention, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
