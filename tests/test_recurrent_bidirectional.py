"""Bidirectional recurrent layers and dropout between stacked layers.

Fused == unrolled in float64 to 1e-10 (outputs, final states and every gradient), a
central-difference gradient check, PyTorch's names, layouts and numbers (weights moved
both ways; marked ``torch``, skipped without it), and dropout's rules: between layers only,
never after the last, off in ``eval()``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tinygrad_rnn import kernels as switch
from tinygrad_rnn import nn
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.tensor import ShapeError, Tensor, concat, default_dtype

F64 = np.float64
LAYERS = {
    "rnn_tanh": lambda *a, **kw: nn.RNN(*a, nonlinearity="tanh", **kw),
    "rnn_relu": lambda *a, **kw: nn.RNN(*a, nonlinearity="relu", **kw),
    "lstm": nn.LSTM,
    "gru": nn.GRU,
}
TORCH_CLASSES = {"rnn_tanh": "RNN", "rnn_relu": "RNN", "lstm": "LSTM", "gru": "GRU"}


@pytest.fixture(params=["numba", "numpy"])
def kernels(request):
    if request.param == "numba" and not switch.numba_enabled():
        pytest.skip("numba is switched off (NUMBA_DISABLE_JIT)")
    before = switch.numba_enabled()
    switch.use_numba(request.param == "numba")
    yield request.param
    switch.use_numba(before)


def run(layer, x, state):
    """Forward + backward on a fixed weighted loss of outputs and final states."""
    x_t = Tensor(x, requires_grad=True, dtype=F64)
    state_t = None
    if state is not None:
        state_t = layer.state_type(*(Tensor(s, requires_grad=True, dtype=F64) for s in state))
    out, final = layer(x_t, state_t)
    rng = np.random.default_rng(99)
    loss = (out * Tensor(rng.normal(size=out.shape), dtype=F64)).sum()
    for s in final:
        loss = loss + (s * Tensor(rng.normal(size=s.shape), dtype=F64)).sum()
    loss.backward()
    result = {"out": out.data, "x.grad": x_t.grad}
    for field, s in zip(layer.state_type._fields, final, strict=True):
        result[f"final.{field}"] = s.data
    if state_t is not None:
        for field, s in zip(layer.state_type._fields, state_t, strict=True):
            result[f"state0.{field}.grad"] = s.grad
    for name, p in layer.named_parameters():
        result[f"{name}.grad"] = p.grad
    return result


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_state", [False, True])
def test_bidirectional_fused_equals_unrolled(kernels, kind, num_layers, with_state):
    rng = np.random.default_rng(0)
    n_steps, batch, n_in, hidden = 5, 3, 4, 3
    x = rng.normal(size=(n_steps, batch, n_in))
    state = None
    if with_state:
        n_fields = 2 if kind == "lstm" else 1
        state = [rng.normal(size=(2 * num_layers, batch, hidden)) for _ in range(n_fields)]
    results = []
    for fused in (True, False):
        layer = LAYERS[kind](
            n_in, hidden, num_layers=num_layers, bidirectional=True, fused=fused, rng=3, dtype=F64
        )
        results.append(run(layer, x, state))
    fused_r, unrolled_r = results
    assert fused_r.keys() == unrolled_r.keys()
    assert fused_r["out"].shape == (n_steps, batch, 2 * hidden)
    assert sum(k.endswith("_reverse.grad") for k in fused_r) == 4 * num_layers
    for key in fused_r:
        a, b = fused_r[key], unrolled_r[key]
        assert a is not None and b is not None, key
        assert np.abs(a).max() > 0, f"{key} is all zeros: the check would prove nothing"
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=key)


def test_bidirectional_batch_first_and_no_bias():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 6, 3))  # (B, T, I)
    outs = []
    for fused in (True, False):
        layer = nn.GRU(3, 2, bias=False, batch_first=True, bidirectional=True, fused=fused, rng=0)
        layer = layer.to(F64)
        out, final = layer(Tensor(x, dtype=F64))
        outs.append((out.data, final.h.data))
    assert outs[0][0].shape == (2, 6, 4)
    assert outs[0][1].shape == (2, 2, 2)
    for a, b in zip(*outs, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_what_each_direction_sees():
    """Forward half at step t reads x_1..x_t; reverse half reads x_t..x_T."""
    layer = nn.RNN(2, 3, bidirectional=True, rng=1, dtype=F64)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 1, 2))
    out, final = layer(Tensor(x, dtype=F64))
    changed = x.copy()
    changed[3] += 1.0  # change step 4 only (index 3)
    out2, _ = layer(Tensor(changed, dtype=F64))
    moved = np.abs(out2.data - out.data).max(axis=(1,))  # (T, 2H)
    forward, backward = moved[:, :3].max(axis=1), moved[:, 3:].max(axis=1)
    assert np.all(forward[:3] == 0) and np.all(forward[3:] > 0)
    assert np.all(backward[4:] == 0) and np.all(backward[:4] > 0)
    # final states: forward = output at the last step, reverse = output at the first step
    np.testing.assert_array_equal(final.h.data[0], out.data[-1, :, :3])
    np.testing.assert_array_equal(final.h.data[1], out.data[0, :, 3:])


@pytest.mark.parametrize("fused", [True, False])
def test_gradcheck_bidirectional_lstm(fused):
    rng = np.random.default_rng(4)
    layer = nn.LSTM(2, 2, num_layers=2, bidirectional=True, fused=fused, dtype=F64)
    names = [name for name, _ in layer.named_parameters()]
    inputs = [rng.normal(size=(3, 2, 2))]
    inputs += [rng.normal(size=(4, 2, 2)) for _ in range(2)]
    inputs += [rng.normal(size=p.shape) * 0.8 for _, p in layer.named_parameters()]

    def fn(x, h0, c0, *weights):
        for name, w in zip(names, weights, strict=True):
            setattr(layer, name, w)
        out, final = layer(x, nn.LSTMState(h0, c0))
        return concat([out.reshape(-1), final.h.reshape(-1), final.c.reshape(-1)], axis=0)

    with default_dtype(F64):
        report = gradcheck_tensors(fn, inputs, atol=1e-7, rtol=1e-6)
    assert report.ok, str(report)


# ------------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("fused", [True, False])
def test_dropout_is_between_layers_only_and_off_in_eval(fused):
    rng = np.random.default_rng(6)
    x = Tensor(rng.normal(size=(4, 3, 2)), dtype=F64)
    plain = nn.LSTM(2, 5, num_layers=3, fused=fused, rng=7, dtype=F64)
    dropped = nn.LSTM(2, 5, num_layers=3, dropout=0.5, fused=fused, rng=7, dtype=F64)
    dropped.load_state_dict(plain.state_dict())
    want, want_state = plain(x)
    got, _ = dropped(x)
    assert not np.allclose(got.data, want.data)  # training: the masks change the result
    dropped.eval()
    got, got_state = dropped(x)
    np.testing.assert_array_equal(got.data, want.data)
    np.testing.assert_array_equal(got_state.h.data, want_state.h.data)
    dropped.train()
    # the same numbers by hand: layer by layer, a mask after layers 0 and 1, none after 2
    stream = copy.deepcopy(dropped._dropout_rng)
    out, _ = dropped(x)
    parts = [nn.LSTM(2 if k == 0 else 5, 5, fused=fused, dtype=F64) for k in range(3)]
    h = x
    for k, part in enumerate(parts):
        part.load_state_dict(
            {n.replace(f"_l{k}", "_l0"): v for n, v in plain.state_dict().items() if f"_l{k}" in n}
        )
        h, _ = part(h)
        if k < 2:
            mask = (stream.random(h.shape) >= 0.5) / 0.5
            h = h * Tensor(mask, dtype=F64)
    np.testing.assert_allclose(out.data, h.data, atol=1e-12)


def test_dropout_fused_equals_unrolled_with_the_same_masks():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(5, 2, 3))
    layers = [
        nn.GRU(3, 4, num_layers=2, dropout=0.3, bidirectional=True, fused=f, rng=2, dtype=F64)
        for f in (True, False)
    ]
    a, b = run(layers[0], x, None), run(layers[1], x, None)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=0, atol=1e-10, err_msg=key)
    # and the masks did something: without dropout the output differs
    plain = nn.GRU(3, 4, num_layers=2, bidirectional=True, rng=2, dtype=F64)
    assert not np.allclose(plain(Tensor(x, dtype=F64))[0].data, a["out"])


def test_dropout_on_one_layer_warns_and_does_nothing():
    x = Tensor(np.ones((3, 1, 2)), dtype=F64)
    with pytest.warns(UserWarning, match="no effect with num_layers=1"):
        layer = nn.RNN(2, 3, dropout=0.5, rng=0, dtype=F64)
    plain = nn.RNN(2, 3, rng=0, dtype=F64)
    np.testing.assert_array_equal(layer(x)[0].data, plain(x)[0].data)


def test_dropout_module_and_function_agree():
    x = Tensor(np.ones((200, 10)), dtype=F64)
    layer = nn.Dropout(0.25, rng=3)
    got = layer(x).data
    np.testing.assert_array_equal(got, F.dropout(x, 0.25, rng=3).data)
    assert set(np.unique(got)) <= {0.0, 1 / 0.75}
    assert 0.2 < (got == 0).mean() < 0.3
    layer.eval()
    assert layer(x) is x


# -------------------------------------------------------------------------- API, errors
def test_parameter_names_order_and_shapes():
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    names = [n for n, _ in layer.named_parameters()]
    assert names[:8] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_ih_l0_reverse",
        "weight_hh_l0_reverse",
        "bias_ih_l0_reverse",
        "bias_hh_l0_reverse",
    ]
    assert layer.weight_ih_l1.shape == (16, 8)  # the upper layer reads both directions
    assert layer.weight_ih_l1_reverse.shape == (16, 8)
    assert layer.initial_state(5).h.shape == (4, 5, 4)
    assert repr(nn.GRU(2, 3, num_layers=2, dropout=0.1, bidirectional=True)) == (
        "GRU(input_size=2, hidden_size=3, num_layers=2, dropout=0.1, bidirectional=True, "
        "fused=True)"
    )


def test_errors_name_the_problem():
    layer = nn.GRU(2, 3, num_layers=2, bidirectional=True, dtype=F64)
    with pytest.raises(ShapeError, match=r"\(num_layers \* 2, B, H\) = \(4, 1, 3\)"):
        layer(np.zeros((2, 1, 2)), np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="reverse weights need bidirectional=True"):
        nn.GRU(2, 3).layer_weights(0, reverse=True)
    with pytest.raises(ValueError, match=r"dropout must be a probability in \[0, 1\], got 1.5"):
        nn.LSTM(2, 3, num_layers=2, dropout=1.5)


# ---------------------------------------------------------------------------------- torch
@pytest.mark.torch
@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("fused", [True, False])
def test_bidirectional_matches_torch_both_ways(kind, fused):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    kwargs = {"nonlinearity": kind[4:]} if kind.startswith("rnn") else {}
    ours = LAYERS[kind](3, 4, num_layers=2, bidirectional=True, fused=fused, rng=1, dtype=F64)
    theirs = getattr(torch.nn, TORCH_CLASSES[kind])(
        3, 4, num_layers=2, bidirectional=True, **kwargs
    ).double()
    assert list(theirs.state_dict()) == list(ours.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = rng.normal(size=(5, 2, 3))
    state = [rng.normal(size=(4, 2, 4)) for _ in ours.state_type._fields]
    x_t = Tensor(x, requires_grad=True, dtype=F64)
    out, final = ours(x_t, ours.state_type(*(Tensor(s, dtype=F64) for s in state)))
    (out.sum() + sum((s * s).sum() for s in final)).backward()
    tx = torch.from_numpy(x).requires_grad_(True)
    tstate = tuple(torch.from_numpy(s) for s in state)
    tout, tfinal = theirs(tx, tstate if kind == "lstm" else tstate[0])
    tfinal = tfinal if kind == "lstm" else (tfinal,)
    (tout.sum() + sum((s * s).sum() for s in tfinal)).backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), atol=1e-12)
    for ours_s, their_s in zip(final, tfinal, strict=True):
        np.testing.assert_allclose(ours_s.data, their_s.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x_t.grad, tx.grad.numpy(), atol=1e-12)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, getattr(theirs, name).grad.numpy(), atol=1e-12)
    fresh = getattr(torch.nn, TORCH_CLASSES[kind])(
        3, 4, num_layers=2, bidirectional=True, **kwargs
    ).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in fresh.state_dict().items()})
    out2, _ = ours(Tensor(x, dtype=F64))
    np.testing.assert_allclose(
        out2.data, fresh(torch.from_numpy(x))[0].detach().numpy(), atol=1e-12
    )


@pytest.mark.torch
def test_dropout_layer_matches_torch_in_eval():
    torch = pytest.importorskip("torch")
    ours = nn.LSTM(3, 4, num_layers=3, dropout=0.4, bidirectional=True, rng=2, dtype=F64)
    theirs = torch.nn.LSTM(3, 4, num_layers=3, dropout=0.4, bidirectional=True).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).normal(size=(4, 2, 3))
    out, _ = ours(Tensor(x, dtype=F64))
    np.testing.assert_allclose(out.data, theirs(torch.from_numpy(x))[0].detach().numpy(), 1e-12)
    # in training both drop: their output moves away from the eval output too
    ours.train()
    theirs.train()
    assert not np.allclose(ours(Tensor(x, dtype=F64))[0].data, out.data)
    assert not np.allclose(theirs(torch.from_numpy(x))[0].detach().numpy(), out.data)
