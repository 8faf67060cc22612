"""Recurrent cells and layers: fused == unrolled (float64, 1e-10), gradient checks, shapes,
errors, graph clusters, and PyTorch parity (weights moved both ways; marked ``torch``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import kernels as switch
from tinygrad_rnn import nn
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.nn.cells import GRUState, LSTMState, RNNState
from tinygrad_rnn.tensor import ShapeError, Tensor, default_dtype

F64 = np.float64
LAYERS = {
    "rnn_tanh": lambda **kw: nn.RNN(nonlinearity="tanh", **kw),
    "rnn_relu": lambda **kw: nn.RNN(nonlinearity="relu", **kw),
    "lstm": nn.LSTM,
    "gru": nn.GRU,
}
CELLS = {
    "rnn_tanh": lambda *a, **kw: nn.RNNCell(*a, nonlinearity="tanh", **kw),
    "rnn_relu": lambda *a, **kw: nn.RNNCell(*a, nonlinearity="relu", **kw),
    "lstm": nn.LSTMCell,
    "gru": nn.GRUCell,
}


@pytest.fixture(params=["numba", "numpy"])
def kernels(request):
    """Run a test once with the numba kernels and once with the numpy reference."""
    if request.param == "numba" and not switch.numba_enabled():
        pytest.skip("numba is switched off (NUMBA_DISABLE_JIT)")
    before = switch.numba_enabled()
    switch.use_numba(request.param == "numba")
    yield request.param
    switch.use_numba(before)


def run_layer(kind, fused, x, state, num_layers, batch_first, seed=3):
    """Forward + backward of a layer on a fixed weighted loss; return every array involved."""
    layer = LAYERS[kind](
        input_size=x.shape[2],
        hidden_size=4,
        num_layers=num_layers,
        batch_first=batch_first,
        fused=fused,
        rng=seed,
        dtype=F64,
    )
    x_t = Tensor(x, requires_grad=True, dtype=F64)
    state_t = None
    if state is not None:
        state_t = layer.state_type(*(Tensor(s, requires_grad=True, dtype=F64) for s in state))
    out, final = layer(x_t, state_t)
    rng = np.random.default_rng(99)
    loss = (out * Tensor(rng.normal(size=out.shape), dtype=F64)).sum()
    for s in final:  # the final states enter the loss too, so their gradients are tested
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
@pytest.mark.parametrize("batch_first", [False, True])
def test_fused_equals_unrolled(kernels, kind, num_layers, with_state, batch_first):
    rng = np.random.default_rng(0)
    n_steps, batch, n_in, hidden = 6, 3, 5, 4
    shape = (batch, n_steps, n_in) if batch_first else (n_steps, batch, n_in)
    x = rng.normal(size=shape)
    state = None
    if with_state:
        n_fields = 2 if kind == "lstm" else 1
        state = [rng.normal(size=(num_layers, batch, hidden)) for _ in range(n_fields)]
    fused = run_layer(kind, True, x, state, num_layers, batch_first)
    unrolled = run_layer(kind, False, x, state, num_layers, batch_first)
    assert fused.keys() == unrolled.keys()
    n_params = 4 * num_layers
    assert sum(k.endswith(".grad") for k in fused) == n_params + 1 + (len(state) if state else 0)
    for key in fused:
        a, b = fused[key], unrolled[key]
        assert a is not None and b is not None, key
        assert a.shape == b.shape, key
        assert np.abs(a).max() > 0, f"{key} is all zeros: the check would prove nothing"
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=key)


@pytest.mark.parametrize(
    "kind, used",
    [(k, u) for k in ("lstm", "gru", "rnn_tanh") for u in ("h", "out")] + [("lstm", "c")],
)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_fused_equals_unrolled_when_the_loss_uses_one_output(kernels, kind, used, num_layers):
    # a fused op's outputs are every h, then the final state's fields; a loss may use one alone
    rng = np.random.default_rng(5)
    x = rng.normal(size=(5, 2, 3))
    grads = []
    for fused in (True, False):
        layer = LAYERS[kind](input_size=3, hidden_size=4, num_layers=num_layers, fused=fused,
                             rng=1, dtype=F64)  # fmt: skip
        out, final = layer(Tensor(x, dtype=F64))
        picked = out if used == "out" else getattr(final, used)
        weights = np.linspace(-1, 1, picked.size).reshape(picked.shape)
        (picked * Tensor(weights, dtype=F64)).sum().backward()
        grads.append([p.grad for _, p in layer.named_parameters()])
    for a, b in zip(*grads, strict=True):
        assert np.abs(a).max() > 0
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_fused_equals_unrolled_without_bias(kind):
    rng = np.random.default_rng(1)
    outs = []
    for fused in (True, False):
        layer = LAYERS[kind](input_size=2, hidden_size=3, bias=False, fused=fused, rng=0, dtype=F64)
        x = Tensor(rng.normal(size=(4, 2, 2)) if fused else outs[0][0], dtype=F64)
        out, _ = layer(x)
        out.sum().backward()
        outs.append((x.data, out.data, layer.weight_hh_l0.grad))
    assert "bias_ih_l0" not in dict(layer.named_parameters())
    np.testing.assert_allclose(outs[0][1], outs[1][1], atol=1e-12)
    np.testing.assert_allclose(outs[0][2], outs[1][2], atol=1e-12)


# --------------------------------------------------------------------------- gradient checks
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_gradcheck_cells(kind):
    rng = np.random.default_rng(2)
    batch, n_in, hidden = 2, 3, 2
    gates = {"lstm": 4, "gru": 3}.get(kind, 1)
    n_fields = 2 if kind == "lstm" else 1
    inputs = [rng.normal(size=(batch, n_in))]
    inputs += [rng.normal(size=(batch, hidden)) for _ in range(n_fields)]
    inputs += [
        rng.normal(size=(gates * hidden, n_in)),
        rng.normal(size=(gates * hidden, hidden)),
        rng.normal(size=gates * hidden),
        rng.normal(size=gates * hidden),
    ]

    def fn(x_t, *rest):
        state, weights = rest[:n_fields], rest[n_fields:]
        cell = CELLS[kind](n_in, hidden, dtype=F64)
        cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh = weights
        new = cell(x_t, cell.state_type(*state))
        from tinygrad_rnn.tensor import concat

        return concat(list(new), axis=1)  # every field of the new state is checked

    report = gradcheck_tensors(fn, inputs, atol=1e-7, rtol=1e-6)
    assert report.ok, str(report)


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("fused", [True, False])
def test_gradcheck_layers(kind, fused):
    rng = np.random.default_rng(4)
    n_steps, batch, n_in, hidden, num_layers = 3, 2, 2, 2, 2
    layer = LAYERS[kind](
        input_size=n_in, hidden_size=hidden, num_layers=num_layers, fused=fused, dtype=F64
    )
    names = [name for name, _ in layer.named_parameters()]
    n_fields = len(layer.state_type._fields)
    inputs = [rng.normal(size=(n_steps, batch, n_in))]
    inputs += [rng.normal(size=(num_layers, batch, hidden)) for _ in range(n_fields)]
    inputs += [rng.normal(size=p.shape) * 0.8 for _, p in layer.named_parameters()]

    def fn(x, *rest):
        state, weights = rest[:n_fields], rest[n_fields:]
        for name, w in zip(names, weights, strict=True):
            setattr(layer, name, w)  # plain leaf tensors stand in for the parameters
        out, final = layer(x, layer.state_type(*state))
        from tinygrad_rnn.tensor import concat

        return concat([out.reshape(-1), *(s.reshape(-1) for s in final)], axis=0)

    with default_dtype(F64):
        report = gradcheck_tensors(fn, inputs, atol=1e-7, rtol=1e-6)
    assert report.ok, str(report)


# ------------------------------------------------------------------------ shapes and API
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_layer_shapes_and_state_types(kind):
    layer = LAYERS[kind](input_size=3, hidden_size=5, num_layers=2, rng=0)
    out, final = layer(np.zeros((7, 4, 3), np.float32))
    assert out.shape == (7, 4, 5) and out.dtype == np.float32
    assert type(final) is {"lstm": LSTMState, "gru": GRUState}.get(kind, RNNState)
    assert all(s.shape == (2, 4, 5) for s in final)
    # the top layer's final h is the output's last step
    np.testing.assert_array_equal(final.h.data[-1], out.data[-1])
    layer_bf = LAYERS[kind](input_size=3, hidden_size=5, batch_first=True, rng=0)
    out_bf, _ = layer_bf(np.zeros((4, 7, 3), np.float32))
    assert out_bf.shape == (4, 7, 5)


def test_parameter_names_and_shapes_follow_torch():
    lstm = nn.LSTM(3, 5, num_layers=2, rng=0)
    shapes = {k: v.shape for k, v in lstm.state_dict().items()}
    assert list(shapes) == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_ih_l1",
        "weight_hh_l1",
        "bias_ih_l1",
        "bias_hh_l1",
    ]
    assert shapes["weight_ih_l0"] == (20, 3) and shapes["weight_ih_l1"] == (20, 5)
    assert shapes["weight_hh_l1"] == (20, 5) and shapes["bias_hh_l0"] == (20,)
    assert nn.GRU(3, 5).weight_hh_l0.shape == (15, 5)
    assert nn.GRUCell(3, 5).weight_ih.shape == (15, 3)
    bound = 1 / np.sqrt(5)
    assert all(np.abs(v).max() <= bound for v in lstm.state_dict().values())


def test_seeded_layers_are_reproducible():
    a = nn.GRU(3, 4, rng=7).state_dict()
    b = nn.GRU(3, 4, rng=np.random.default_rng(7)).state_dict()
    c = nn.GRU(3, 4, rng=8).state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["weight_hh_l0"], c["weight_hh_l0"])


def test_state_can_be_carried_between_calls():
    """Two halves of a sequence with the state passed on equal the whole sequence."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 2, 3))
    for fused in (True, False):
        lstm = nn.LSTM(3, 4, num_layers=2, fused=fused, rng=0, dtype=F64)
        whole, final = lstm(Tensor(x, dtype=F64))
        first, mid = lstm(Tensor(x[:5], dtype=F64))
        second, final2 = lstm(Tensor(x[5:], dtype=F64), mid)
        np.testing.assert_allclose(second.data, whole.data[5:], atol=1e-12)
        np.testing.assert_allclose(final2.c.data, final.c.data, atol=1e-12)


def test_bare_tensor_state_is_accepted_for_rnn_and_gru():
    gru = nn.GRU(2, 3, rng=0, dtype=F64)
    h0 = np.full((1, 2, 3), 0.5)
    out_a, _ = gru(np.ones((4, 2, 2)).astype(F64), Tensor(h0, dtype=F64))
    out_b, _ = gru(np.ones((4, 2, 2)).astype(F64), GRUState(Tensor(h0, dtype=F64)))
    np.testing.assert_array_equal(out_a.data, out_b.data)


def test_cells_match_layers_step_by_step():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(5, 2, 3))
    layer = nn.LSTM(3, 4, rng=0, dtype=F64)
    cell = nn.LSTMCell(3, 4, dtype=F64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    state = cell.initial_state(2)
    for t in range(5):
        state = cell(Tensor(x[t], dtype=F64), state)
    out, _ = layer(Tensor(x, dtype=F64))
    np.testing.assert_allclose(state.h.data, out.data[-1], atol=1e-12)


def test_unbatched_cell_input():
    cell = nn.GRUCell(3, 2, rng=0, dtype=F64)
    state = cell(Tensor(np.ones(3), dtype=F64))
    assert state.h.shape == (2,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.LSTM(3, 4)(np.zeros((5, 2, 4), np.float32)), "input_size = 3"),
        (lambda: nn.LSTM(3, 4)(np.zeros((5, 3), np.float32)), "(T, B, I)"),
        (lambda: nn.LSTM(3, 4, batch_first=True)(np.zeros((5, 3), np.float32)), "(B, T, I)"),
        (lambda: nn.GRU(3, 4)(Tensor(np.zeros((5, 2, 3)), dtype=F64)), "float64"),
        (
            lambda: nn.LSTM(3, 4)(
                np.zeros((5, 2, 3), np.float32), LSTMState(np.zeros((1, 3, 4)), np.zeros((1, 2, 4)))
            ),
            "state.h must have shape",
        ),
        (lambda: nn.LSTM(3, 4)(np.zeros((5, 2, 3), np.float32), np.zeros((1, 2, 4))), "LSTMState"),
        (lambda: nn.LSTMCell(3, 4)(np.zeros((2, 5), np.float32)), "x_t must have shape"),
        (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "nonlinearity"),
    ],
)
def test_errors_name_the_layer_and_shapes(call, message):
    with pytest.raises((ShapeError, TypeError, ValueError)) as info:
        call()
    assert message in str(info.value)


def test_unrolled_graph_has_one_cluster_per_step():
    from tinygrad_rnn.autograd import toposort

    layer = nn.GRU(2, 3, fused=False, rng=0, dtype=F64)
    x = Tensor(np.ones((4, 1, 2)), dtype=F64)
    out, final = layer(x)
    nodes = toposort(final.h)
    groups = {n.group for n in nodes if n.group}
    assert groups == {"t=1", "t=2", "t=3", "t=4"}
    labels = {n.label for n in nodes if n.label}
    assert {"h_1", "h_4", "r", "z", "n"} <= labels
    stacked = nn.LSTM(2, 3, num_layers=2, fused=False, rng=0, dtype=F64)
    _, final2 = stacked(x)
    groups2 = {n.group for n in toposort(final2.c) if n.group}
    assert {"layer 0, t=1", "layer 1, t=4"} <= groups2
    from tinygrad_rnn.graph import draw

    source = draw(final.h.sum()).source
    assert source.count("subgraph cluster_") == 4


def test_fused_layer_is_one_node_per_layer():
    from tinygrad_rnn.autograd import toposort

    layer = nn.LSTM(2, 3, num_layers=2, rng=0, dtype=F64)
    out, _ = layer(Tensor(np.ones((50, 1, 2)), dtype=F64))
    ops = [n._op for n in toposort(out)]
    assert ops.count("fused_lstm") == 2
    assert len(ops) < 20  # not 50 steps' worth of nodes


def test_no_grad_forward_and_module_repr():
    from tinygrad_rnn.tensor import no_grad

    layer = nn.RNN(2, 3, nonlinearity="relu", num_layers=2, batch_first=True, rng=0)
    with no_grad():
        out, _ = layer(np.ones((1, 4, 2), np.float32))
    assert not out.requires_grad
    assert repr(layer) == (
        "RNN(input_size=2, hidden_size=3, num_layers=2, batch_first=True, fused=True, "
        "nonlinearity='relu')"
    )
    assert repr(nn.LSTMCell(2, 3)) == "LSTMCell(2, 3)"


# ---------------------------------------------------------------------------------- torch
TORCH_CLASSES = {"rnn_tanh": "RNN", "rnn_relu": "RNN", "lstm": "LSTM", "gru": "GRU"}


@pytest.mark.torch
@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("fused", [True, False])
def test_matches_torch_both_ways(kind, fused):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    ours = LAYERS[kind](input_size=3, hidden_size=4, num_layers=2, fused=fused, rng=1, dtype=F64)
    kwargs = {"nonlinearity": kind[4:]} if kind.startswith("rnn") else {}
    theirs = getattr(torch.nn, TORCH_CLASSES[kind])(3, 4, num_layers=2, **kwargs).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = rng.normal(size=(5, 2, 3))
    state = [rng.normal(size=(2, 2, 4)) for _ in ours.state_type._fields]
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
    # and back: torch's own initial weights load into ours
    fresh = getattr(torch.nn, TORCH_CLASSES[kind])(3, 4, num_layers=2, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in fresh.state_dict().items()})
    out2, _ = ours(Tensor(x, dtype=F64))
    np.testing.assert_allclose(
        out2.data, fresh(torch.from_numpy(x))[0].detach().numpy(), atol=1e-12
    )


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_cells_match_torch_cells(kind):
    torch = pytest.importorskip("torch")
    ours = CELLS[kind](3, 4, rng=2, dtype=F64)
    theirs = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[kind](3, 4).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(2, 3))
    new = ours(Tensor(x, dtype=F64))
    tnew = theirs(torch.from_numpy(x))
    tnew = tnew if kind == "lstm" else (tnew,)
    for a, b in zip(new, tnew, strict=True):
        np.testing.assert_allclose(a.data, b.detach().numpy(), atol=1e-12)


def test_float32_fused_is_close_to_unrolled():
    """float32 uses the fast tanh in the kernels; still within float32 rounding."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(20, 3, 4)).astype(np.float32)
    outs = []
    for fused in (True, False):
        layer = nn.LSTM(4, 8, rng=0, fused=fused)
        out, _ = layer(x)
        out.sum().backward()
        outs.append((out.data, layer.weight_hh_l0.grad))
    np.testing.assert_allclose(outs[0][0], outs[1][0], atol=2e-5)
    np.testing.assert_allclose(outs[0][1], outs[1][1], atol=2e-4)


@settings(max_examples=12, deadline=None)
@given(
    kind=st.sampled_from(sorted(LAYERS)),
    n_steps=st.integers(1, 5),
    batch=st.integers(1, 3),
    n_in=st.integers(1, 4),
    hidden=st.integers(1, 4),
    num_layers=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_fused_equals_unrolled_on_random_shapes(
    kind, n_steps, batch, n_in, hidden, num_layers, seed
):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_steps, batch, n_in))
    results = []
    for fused in (True, False):
        layer = LAYERS[kind](
            input_size=n_in,
            hidden_size=hidden,
            num_layers=num_layers,
            fused=fused,
            rng=seed,
            dtype=F64,
        )
        x_t = Tensor(x, requires_grad=True, dtype=F64)
        out, final = layer(x_t)
        (out.sum() + sum((s * s).sum() for s in final)).backward()
        grads = [p.grad for p in layer.parameters()]
        results.append([out.data, *(s.data for s in final), x_t.grad, *grads])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_state_dtype_mismatch_is_named():
    lstm = nn.LSTM(2, 3, rng=0)  # float32
    h0 = Tensor(np.zeros((1, 1, 3)), dtype=F64)
    with pytest.raises(TypeError, match="state.h is float64"):
        lstm(np.zeros((4, 1, 2)), LSTMState(h0, h0))


def test_detach_state_cuts_the_graph_between_chunks():
    lstm = nn.LSTM(2, 3, rng=0, dtype=F64)
    x = np.random.default_rng(0).normal(size=(6, 1, 2))
    _, state = lstm(x[:3])
    cut = nn.detach_state(state)
    assert type(cut) is LSTMState and not cut.h.requires_grad
    np.testing.assert_array_equal(cut.c.data, state.c.data)
    out, _ = lstm(x[3:], cut)
    lstm.zero_grad()
    out.sum().backward()  # runs through the second chunk only
    assert lstm.weight_hh_l0.grad is not None
