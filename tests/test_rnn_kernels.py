"""Fused recurrent kernels: numba == numpy reference, reference == central differences.

Also: the float32 tanh approximation, buffer reuse that never corrupts a live cache, clear
errors, and (marked ``torch``) agreement with ``torch.nn`` in float64. Sizes are tiny so
that the suite also runs quickly with ``NUMBA_DISABLE_JIT=1``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import kernels
from tinygrad_rnn.kernels import recurrent as ref
from tinygrad_rnn.kernels import recurrent_jit as nb
from tinygrad_rnn.kernels import recurrent_loops as jit
from tinygrad_rnn.kernels.buffers import BufferPool

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def make_problem(cell, n_steps, batch, hidden, dtype=np.float64, seed=0):
    """Random inputs, nonzero initial states and upstream gradients for one cell."""
    rng = np.random.default_rng(seed)
    gh = GATES[cell] * hidden

    def normal(*shape, scale=1.0):
        return (scale * rng.normal(size=shape)).astype(dtype)

    return dict(
        xw=normal(n_steps, batch, gh),
        w_hh=normal(gh, hidden, scale=0.6),
        b_hh=normal(gh, scale=0.3),
        h0=normal(batch, hidden, scale=0.5),
        c0=normal(batch, hidden, scale=0.5),
        grad_out=normal(n_steps, batch, hidden),
        grad_hT=normal(batch, hidden),
        grad_cT=normal(batch, hidden),
    )


def run(impl, cell, p, approx=None):
    """Forward + backward with ``impl``; returns a dict of every output and gradient."""
    if cell == "lstm":
        out, h_T, c_T, cache = impl.lstm_forward(
            p["xw"], p["w_hh"], p["b_hh"], p["h0"], p["c0"], approx=approx
        )
        grads = impl.lstm_backward(p["grad_out"], p["grad_hT"], p["grad_cT"], cache, p["w_hh"])
        res = dict(out=out, h_T=h_T, c_T=c_T)
    else:
        if cell == "gru":
            out, h_T, cache = impl.gru_forward(
                p["xw"], p["w_hh"], p["b_hh"], p["h0"], approx=approx
            )
            backward = impl.gru_backward
        else:
            nonlinearity = cell.split("_")[1]
            out, h_T, cache = impl.rnn_forward(
                p["xw"], p["w_hh"], p["b_hh"], p["h0"], nonlinearity, approx=approx
            )
            backward = impl.rnn_backward
        grads = backward(p["grad_out"], p["grad_hT"], cache, p["w_hh"])
        res = dict(out=out, h_T=h_T)
    res.update(grads._asdict())
    return {k: np.array(v) for k, v in res.items()}  # copies: pooled buffers get reused


def assert_all_close(got, want, rtol, atol):
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].shape == want[name].shape, name
        np.testing.assert_allclose(got[name], want[name], rtol=rtol, atol=atol, err_msg=name)


SHAPES = [(1, 1, 3), (4, 3, 5), (6, 1, 4), (1, 2, 2)]  # (T, B, H): T=1 and B=1 included


@pytest.fixture(autouse=True)
def pool_everything(monkeypatch):
    """Pool even the tiny arrays of these tests, so buffer reuse is exercised everywhere."""
    monkeypatch.setattr(nb.pool, "min_bytes", 0)


@pytest.fixture(params=["numba-loops", "numba-blas", "python"])
def stepping(request, monkeypatch):
    """Run a test with each driver of the time loop: compiled with the recurrent matmul as
    plain loops or as BLAS (numpy's, through kernels.blas), or driven from Python with
    numpy's matmul."""
    mode = request.param
    monkeypatch.setattr(nb, "STEPPING", mode.split("-")[0])
    monkeypatch.setattr(nb, "LOOPS_MAX_WORK", 2**40 if mode == "numba-loops" else -1)
    return mode


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", SHAPES)
def test_numba_matches_reference_float64(cell, shape, stepping):
    p = make_problem(cell, *shape, seed=sum(shape))
    assert_all_close(run(nb, cell, p), run(ref, cell, p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("approx", [None, False])
def test_numba_matches_reference_float32(cell, approx, stepping):
    # float32 rounding (~6e-8) and, by default, the tanh fit (max error 3.3e-7) compound
    # over the steps; 2e-5 is ~50 ulps of values of size ~1
    p32 = make_problem(cell, 8, 3, 6, dtype=np.float32, seed=1)
    p64 = {k: v.astype(np.float64) for k, v in p32.items()}
    got = run(nb, cell, p32, approx=approx)
    assert all(v.dtype == np.float32 for v in got.values())
    assert_all_close(
        {k: v.astype(np.float64) for k, v in got.items()}, run(ref, cell, p64), 2e-5, 2e-5
    )


def test_approx_flag_changes_float64_path():
    # approx=True must really switch to the rational tanh (and approx=None must not)
    p = make_problem("lstm", 3, 2, 4, seed=5)
    exact, default, approx = (run(nb, "lstm", p, a)["out"] for a in (False, None, True))
    np.testing.assert_array_equal(exact, default)
    assert 0 < np.abs(approx - exact).max() < 1e-6


@settings(max_examples=15, deadline=None)
@given(
    cell=st.sampled_from(CELLS),
    n_steps=st.integers(1, 5),
    batch=st.integers(1, 3),
    hidden=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_numba_matches_reference_random_shapes(cell, n_steps, batch, hidden, seed):
    p = make_problem(cell, n_steps, batch, hidden, seed=seed)
    assert_all_close(run(nb, cell, p), run(ref, cell, p), rtol=1e-11, atol=1e-12)


# --------------------------------------------------------------------------- gradient checks
def scalar_loss(impl, cell, inputs, weights):
    """sum(out * W_out) + sum(h_T * W_h) (+ sum(c_T * W_c)): every output matters."""
    res = run(impl, cell, {**inputs, **weights})
    loss = np.sum(res["out"] * weights["grad_out"]) + np.sum(res["h_T"] * weights["grad_hT"])
    if cell == "lstm":
        loss += np.sum(res["c_T"] * weights["grad_cT"])
    return loss


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", [(3, 2, 3), (1, 1, 2)])
def test_reference_backward_matches_central_differences(cell, shape):
    p = make_problem(cell, *shape, seed=7)
    # the random upstream gradients double as the weights of the scalar loss, so the
    # analytic gradients below are exactly d(loss)/d(input)
    weights = {k: p[k] for k in ("grad_out", "grad_hT", "grad_cT")}
    inputs = {k: p[k].copy() for k in ("xw", "w_hh", "b_hh", "h0", "c0")}
    analytic = run(ref, cell, p)
    names = {"xw": "grad_xw", "w_hh": "grad_w_hh", "b_hh": "grad_b_hh", "h0": "grad_h0"}
    if cell == "lstm":
        names["c0"] = "grad_c0"
    eps = 1e-6
    for name, grad_name in names.items():
        x = inputs[name]
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            old = x[idx]
            x[idx] = old + eps
            up = scalar_loss(ref, cell, inputs, weights)
            x[idx] = old - eps
            down = scalar_loss(ref, cell, inputs, weights)
            x[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(
            analytic[grad_name], numeric, rtol=1e-6, atol=1e-8, err_msg=f"{cell} {name}"
        )


@pytest.mark.parametrize("impl", [ref, nb], ids=["reference", "numba"])
def test_input_projection_and_its_gradients(impl):
    rng = np.random.default_rng(3)
    x, w_ih, b_ih = rng.normal(size=(3, 2, 4)), rng.normal(size=(6, 4)), rng.normal(size=6)
    g = rng.normal(size=(3, 2, 6))
    xw = impl.input_projection(x, w_ih, b_ih)
    np.testing.assert_allclose(xw, np.einsum("tbi,ki->tbk", x, w_ih) + b_ih, rtol=1e-13)
    grad_x, grad_w_ih, grad_b_ih = impl.input_backward(g, x, w_ih)
    eps = 1e-6

    def loss(x_, w_, b_):
        return np.sum(impl.input_projection(x_, w_, b_) * g)

    for arr, grad in ((x, grad_x), (w_ih, grad_w_ih), (b_ih, grad_b_ih)):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = loss(x, w_ih, b_ih)
            arr[idx] = old - eps
            down = loss(x, w_ih, b_ih)
            arr[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-7, atol=1e-9)


# --------------------------------------------------------------------------- whole layers
def make_layer_problem(cell, n_steps, batch, n_in, hidden, dtype=np.float64, seed=0):
    """Inputs, weights, initial states and upstream gradients of one whole layer."""
    rng = np.random.default_rng(seed)
    gh = GATES[cell] * hidden

    def normal(*shape, scale=1.0):
        return (scale * rng.normal(size=shape)).astype(dtype)

    return dict(
        x=normal(n_steps, batch, n_in),
        w_ih=normal(gh, n_in, scale=0.5),
        w_hh=normal(gh, hidden, scale=0.6),
        b_ih=normal(gh, scale=0.3),
        b_hh=normal(gh, scale=0.3),
        h0=normal(batch, hidden, scale=0.5),
        c0=normal(batch, hidden, scale=0.5),
        grad_out=normal(n_steps, batch, hidden),
        grad_cT=normal(batch, hidden),
    )


def run_layer(impl, cell, p, need_grad_x=True, approx=None):
    """``*_layer_forward`` + ``*_layer_backward``: a dict of the output and every gradient."""
    weights = (p["x"], p["w_ih"], p["w_hh"], p["b_ih"], p["b_hh"], p["h0"])
    if cell == "lstm":
        out, c_T, cache = impl.lstm_layer_forward(*weights, p["c0"], approx=approx)
        grads = impl.lstm_layer_backward(p["grad_out"], p["grad_cT"], cache, need_grad_x)
        res = dict(out=out, c_T=c_T)
    elif cell == "gru":
        out, cache = impl.gru_layer_forward(*weights, approx=approx)
        grads = impl.gru_layer_backward(p["grad_out"], cache, need_grad_x)
        res = dict(out=out)
    else:
        nonlinearity = cell.split("_")[1]
        out, cache = impl.rnn_layer_forward(*weights, nonlinearity, approx=approx)
        grads = impl.rnn_layer_backward(p["grad_out"], cache, need_grad_x)
        res = dict(out=out)
    res.update({k: v for k, v in grads._asdict().items() if v is not None})
    return {k: np.array(v) for k, v in res.items()}  # copies: pooled buffers get reused


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", [(1, 1, 2, 3), (5, 3, 4, 5), (7, 1, 1, 4)])
@pytest.mark.parametrize("need_grad_x", [True, False])
def test_layer_functions_match_reference(cell, shape, need_grad_x, stepping):
    p = make_layer_problem(cell, *shape, seed=sum(shape))
    got = run_layer(nb, cell, p, need_grad_x)
    want = run_layer(ref, cell, p, need_grad_x)
    assert ("grad_x" in got) == need_grad_x and ("grad_c0" in got) == (cell == "lstm")
    assert_all_close(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_layer_functions_float32(cell, stepping):
    p32 = make_layer_problem(cell, 8, 3, 5, 6, dtype=np.float32, seed=4)
    p64 = {k: v.astype(np.float64) for k, v in p32.items()}
    got = run_layer(nb, cell, p32)
    assert all(v.dtype == np.float32 for v in got.values())
    assert_all_close(
        {k: v.astype(np.float64) for k, v in got.items()}, run_layer(ref, cell, p64), 5e-5, 5e-5
    )


@pytest.mark.parametrize("cell", CELLS)
def test_layer_is_its_pieces(cell):
    # a layer is input_projection followed by the cell's forward: check the reference
    # layer against the pieces (which the tests above hold to central differences)
    p = make_layer_problem(cell, 4, 2, 3, 5, seed=8)
    xw = ref.input_projection(p["x"], p["w_ih"], p["b_ih"])
    piece = dict(xw=xw, **{k: p[k] for k in ("w_hh", "b_hh", "h0", "c0", "grad_out", "grad_cT")})
    piece["grad_hT"] = None
    pieces = run(ref, cell, piece)
    layer = run_layer(ref, cell, p)
    np.testing.assert_allclose(layer["out"], pieces["out"], rtol=1e-13)
    np.testing.assert_allclose(layer["grad_w_hh"], pieces["grad_w_hh"], rtol=1e-12)
    grad_x, grad_w_ih, grad_b_ih = ref.input_backward(pieces["grad_xw"], p["x"], p["w_ih"])
    np.testing.assert_allclose(layer["grad_x"], grad_x, rtol=1e-12)
    np.testing.assert_allclose(layer["grad_w_ih"], grad_w_ih, rtol=1e-12)
    np.testing.assert_allclose(layer["grad_b_ih"], grad_b_ih, rtol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_layer_caches_survive_reuse_and_a_second_backward(cell, stepping):
    # two forwards, then backward through the first twice: the pooled buffers of a held
    # cache are never handed out again, and the backward pass's scratch space (the
    # projections' place in a compiled layer's buffer) may be overwritten freely
    p1 = make_layer_problem(cell, 4, 2, 3, 3, seed=21)
    p2 = make_layer_problem(cell, 4, 2, 3, 3, seed=22)
    want1 = run_layer(ref, cell, p1)
    weights = [(p["x"], p["w_ih"], p["w_hh"], p["b_ih"], p["b_hh"], p["h0"]) for p in (p1, p2)]
    if cell == "lstm":
        caches = [
            nb.lstm_layer_forward(*w, p["c0"])[2] for w, p in zip(weights, (p1, p2), strict=True)
        ]
        grads = [nb.lstm_layer_backward(p1["grad_out"], p1["grad_cT"], caches[0]) for _ in "ab"]
    else:
        forward = nb.gru_layer_forward if cell == "gru" else nb.rnn_layer_forward
        backward = nb.gru_layer_backward if cell == "gru" else nb.rnn_layer_backward
        extra = () if cell == "gru" else (cell.split("_")[1],)
        caches = [forward(*w, *extra)[1] for w in weights]
        grads = [backward(p1["grad_out"], caches[0]) for _ in "ab"]
    for g in grads:
        for name, value in g._asdict().items():
            if value is not None:
                np.testing.assert_allclose(value, want1[name], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("impl", [ref, nb], ids=["reference", "numba"])
def test_layer_inputs_are_normalised(impl):
    # a batch-first view, read-only arrays, lists and None (zeros) all work like arrays
    p = make_layer_problem("lstm", 3, 2, 4, 5, seed=3)
    want = run_layer(ref, "lstm", p)
    x_bt = np.ascontiguousarray(p["x"].transpose(1, 0, 2))
    readonly = {k: v.copy() for k, v in p.items()}
    for v in readonly.values():
        v.flags.writeable = False
    variants = [dict(p, x=x_bt.transpose(1, 0, 2)), readonly, dict(p, w_ih=p["w_ih"].tolist())]
    for q in variants:
        assert_all_close(run_layer(impl, "lstm", q), want, rtol=1e-12, atol=1e-12)
    zero = dict(p, b_ih=None, b_hh=None, h0=None, c0=None)
    explicit = {k: 0 * p[k] for k in ("b_ih", "b_hh", "h0", "c0")}
    assert_all_close(
        run_layer(impl, "lstm", zero), run_layer(impl, "lstm", dict(p, **explicit)), 0, 0
    )


@pytest.mark.parametrize("impl", [ref, nb], ids=["reference", "numba"])
def test_layer_errors_name_the_op_and_shapes(impl):
    p = make_layer_problem("lstm", 3, 2, 4, 5)
    args = [p[k] for k in ("x", "w_ih", "w_hh", "b_ih", "b_hh", "h0", "c0")]
    bad_w_ih = [args[0], args[1][:, :3], *args[2:]]
    with pytest.raises(ValueError, match=r"lstm_layer_forward: w_ih must have shape \(20, 4\)"):
        impl.lstm_layer_forward(*bad_w_ih)
    with pytest.raises(ValueError, match=r"gru_layer_forward: x must have shape \(T, B, I\)"):
        impl.gru_layer_forward(args[0][0], *args[1:6])
    with pytest.raises(TypeError, match="initial state 1 is float32 but x is float64"):
        impl.lstm_layer_forward(*args[:6], args[6].astype(np.float32))
    with pytest.raises(TypeError, match="lstm_layer_forward: x must be float32 or float64"):
        impl.lstm_layer_forward(args[0].astype(np.int64), *args[1:])
    with pytest.raises(ValueError, match="rnn_layer_forward: nonlinearity must be"):
        impl.rnn_layer_forward(args[0], args[1][:5], args[2][:5], None, None, None, "gelu")
    _, _, cache = impl.lstm_layer_forward(*args)
    with pytest.raises(ValueError, match=r"grad_out must have shape \(3, 2, 5\)"):
        impl.lstm_layer_backward(np.ones((3, 2, 4)), None, cache)


# --------------------------------------------------------------------------- contracts
@pytest.mark.parametrize("cell", CELLS)
def test_two_forwards_then_two_backwards(cell, stepping):
    # buffers are reused across calls; a cache that is still held must never be overwritten
    p1 = make_problem(cell, 4, 2, 3, seed=11)
    p2 = make_problem(cell, 4, 2, 3, seed=12)
    want1, want2 = run(ref, cell, p1), run(ref, cell, p2)
    if cell == "lstm":
        fw = [nb.lstm_forward(p["xw"], p["w_hh"], p["b_hh"], p["h0"], p["c0"]) for p in (p1, p2)]
        bw = [
            nb.lstm_backward(p["grad_out"], p["grad_hT"], p["grad_cT"], f[3], p["w_hh"])
            for p, f in zip((p2, p1), fw[::-1], strict=True)
        ]
    else:
        forward = nb.gru_forward if cell == "gru" else nb.rnn_forward
        backward = nb.gru_backward if cell == "gru" else nb.rnn_backward
        extra = () if cell == "gru" else (cell.split("_")[1],)
        fw = [forward(p["xw"], p["w_hh"], p["b_hh"], p["h0"], *extra) for p in (p1, p2)]
        bw = [
            backward(p["grad_out"], p["grad_hT"], f[-1], p["w_hh"])
            for p, f in zip((p2, p1), fw[::-1], strict=True)
        ]
    np.testing.assert_allclose(fw[0][0], want1["out"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fw[1][0], want2["out"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bw[1].grad_xw, want1["grad_xw"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bw[0].grad_w_hh, want2["grad_w_hh"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", [ref, nb], ids=["reference", "numba"])
def test_none_means_zero_and_defaults(impl):
    p = make_problem("lstm", 3, 2, 4, seed=2)
    zeros = np.zeros_like(p["h0"])
    out_a, h_a, c_a, cache_a = impl.lstm_forward(p["xw"], p["w_hh"], None, None, None)
    out_b, _, _, cache_b = impl.lstm_forward(p["xw"], p["w_hh"], 0 * p["b_hh"], zeros, zeros)
    np.testing.assert_array_equal(out_a, out_b)
    g_a = impl.lstm_backward(None, p["grad_hT"], None, cache_a, p["w_hh"])
    g_b = impl.lstm_backward(0 * p["grad_out"], p["grad_hT"], zeros, cache_b, p["w_hh"])
    for a, b in zip(g_a, g_b, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.abs(g_a.grad_xw).max() > 0


@pytest.mark.parametrize("impl", [ref, nb], ids=["reference", "numba"])
def test_errors_name_the_op_and_shapes(impl):
    p = make_problem("lstm", 3, 2, 4)
    with pytest.raises(ValueError, match=r"lstm_forward: w_hh must have shape \(16, 4\)"):
        impl.lstm_forward(p["xw"], p["w_hh"][:, :3], None, None, None)
    with pytest.raises(ValueError, match=r"gru_forward: xw must have shape \(T, B, 3\*H\)"):
        impl.gru_forward(p["xw"][:, :, :10], p["w_hh"], None, None)
    with pytest.raises(TypeError, match="h0 is float32 but xw is float64"):
        impl.lstm_forward(p["xw"], p["w_hh"], None, p["h0"].astype(np.float32), None)
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        impl.rnn_forward(p["xw"][:, :, :4], p["w_hh"][:4], None, None, "sigmoid")
    _, _, _, cache = impl.lstm_forward(p["xw"], p["w_hh"], None, None, None)
    with pytest.raises(ValueError, match=r"lstm_backward: grad_out must have shape \(3, 2, 4\)"):
        impl.lstm_backward(np.ones((2, 2, 4)), None, None, cache, p["w_hh"])
    with pytest.raises(ValueError, match=r"lstm_backward: w_hh must have shape \(16, 4\)"):
        impl.lstm_backward(None, None, None, cache, p["w_hh"].T)
    with pytest.raises(TypeError, match="gru_backward: w_hh is float32 but the forward"):
        _, _, gru_cache = impl.gru_forward(p["xw"][:, :, :12], p["w_hh"][:12], None, None)
        impl.gru_backward(None, None, gru_cache, p["w_hh"][:12].astype(np.float32))
    with pytest.raises(ValueError, match="input_projection: x must be"):
        impl.input_projection(np.ones((3, 2, 5)), np.ones((16, 4)), None)


def test_stepping_auto_picks_by_size_and_rejects_typos(monkeypatch):
    # compiled everywhere; the own products for small sizes unless numpy's BLAS runs an
    # AVX-512 kernel (then BLAS takes every size)
    from tinygrad_rnn.kernels import blas

    assert not nb._python_loop(1, 128, 32) and nb._small(1, 128, 32) != blas.WIDE_KERNEL
    assert not nb._python_loop(8, 256, 64) and nb._small(8, 256, 64) != blas.WIDE_KERNEL
    assert not nb._python_loop(64, 2048, 512)  # large: compiled too, numpy's BLAS inside
    assert not nb._small(64, 2048, 512)
    monkeypatch.setattr(nb, "STEPPING", "python")
    assert nb._python_loop(1, 128, 32)
    monkeypatch.setattr(nb, "STEPPING", "fast")
    with pytest.raises(ValueError, match="STEPPING must be"):
        nb._python_loop(1, 1, 1)


def test_recurrent_ops_follows_the_switch():
    previous = kernels.numba_enabled()
    try:
        kernels.use_numba(False)
        assert kernels.recurrent_ops() is ref
        kernels.use_numba(True)
        assert kernels.recurrent_ops() is nb
    finally:
        kernels.use_numba(previous)


# --------------------------------------------------------------------------- pieces
def test_fast_tanh_accuracy():
    x = np.linspace(-20, 20, 40_001).astype(np.float32)
    for sigmoid in (False, True):
        y = x.copy()
        jit.squash_inplace(y, sigmoid, True)
        if sigmoid:
            want = 0.5 + 0.5 * np.tanh(0.5 * x.astype(np.float64))
        else:
            want = np.tanh(x.astype(np.float64))
        assert y.dtype == np.float32
        assert np.abs(y - want).max() < 4e-7
        assert np.abs(y).max() <= 1.0
    tiny = np.float32([1e-30, -1e-20, 1e-10, 0.0])
    got = tiny.copy()
    jit.squash_inplace(got, False, True)
    np.testing.assert_allclose(got, tiny, rtol=1e-7)  # tanh(x) ~ x near zero, no underflow


def test_buffer_pool_reuses_only_free_arrays():
    pool = BufferPool(min_bytes=0)
    a = pool.empty((10, 10), np.float32)
    view = a[1:]
    del a
    b = pool.empty((10, 10), np.float32)
    assert not np.shares_memory(b, view)  # the first array lives on through its view
    b_address = b.ctypes.data
    del b
    c = pool.empty((10, 10), np.float32)
    assert c.ctypes.data == b_address  # b was dropped, so its memory comes back
    assert not np.shares_memory(c, view)
    assert pool.nbytes == 2 * 400
    z = pool.zeros((10, 10), np.float64)
    assert z.dtype == np.float64 and not z.any()


def test_buffer_pool_trims_to_its_budget():
    pool = BufferPool(max_bytes=1000, min_bytes=0)
    for n in range(1, 40):
        pool.empty((n, 2), np.float64)  # each dropped at once, the largest is 624 bytes
    assert pool.nbytes <= 1000
    pool.clear()
    assert pool.nbytes == 0


# --------------------------------------------------------------------------- torch
@pytest.mark.torch
@pytest.mark.parametrize("cell", CELLS)
def test_matches_torch_float64(cell):
    torch = pytest.importorskip("torch")
    n_steps, batch, n_in, hidden = 5, 3, 4, 6
    rng = np.random.default_rng(4)
    x = rng.normal(size=(n_steps, batch, n_in))
    h0, c0 = rng.normal(size=(batch, hidden)), rng.normal(size=(batch, hidden))
    grad_out = rng.normal(size=(n_steps, batch, hidden))
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    if cell in kind:
        layer = kind[cell](n_in, hidden).double()
    else:
        layer = torch.nn.RNN(n_in, hidden, nonlinearity=cell.split("_")[1]).double()
    w = {n: p.detach().numpy().copy() for n, p in layer.named_parameters()}
    tx = torch.tensor(x, requires_grad=True)
    th0 = torch.tensor(h0[None], requires_grad=True)
    tc0 = torch.tensor(c0[None], requires_grad=True)
    out_t, _ = layer(tx, (th0, tc0)) if cell == "lstm" else layer(tx, th0)
    out_t.backward(torch.tensor(grad_out))

    for impl in (ref, nb):
        xw = impl.input_projection(x, w["weight_ih_l0"], w["bias_ih_l0"])
        args = (xw, w["weight_hh_l0"], w["bias_hh_l0"], h0)
        if cell == "lstm":
            out, _, _, cache = impl.lstm_forward(*args, c0)
            grads = impl.lstm_backward(grad_out, None, None, cache, w["weight_hh_l0"])
            np.testing.assert_allclose(grads.grad_c0, tc0.grad[0].numpy(), rtol=1e-10)
        elif cell == "gru":
            out, _, cache = impl.gru_forward(*args)
            grads = impl.gru_backward(grad_out, None, cache, w["weight_hh_l0"])
        else:
            out, _, cache = impl.rnn_forward(*args, cell.split("_")[1])
            grads = impl.rnn_backward(grad_out, None, cache, w["weight_hh_l0"])
        grad_x, grad_w_ih, grad_b_ih = impl.input_backward(grads.grad_xw, x, w["weight_ih_l0"])
        close = dict(rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(out, out_t.detach().numpy(), **close)
        np.testing.assert_allclose(grad_x, tx.grad.numpy(), **close)
        np.testing.assert_allclose(grads.grad_h0, th0.grad[0].numpy(), **close)
        named = {
            "weight_ih_l0": grad_w_ih,
            "bias_ih_l0": grad_b_ih,
            "weight_hh_l0": grads.grad_w_hh,
            "bias_hh_l0": grads.grad_b_hh,
        }
        for name, param in layer.named_parameters():
            np.testing.assert_allclose(named[name], param.grad.numpy(), err_msg=name, **close)


# --------------------------------------------------------------------------- recurrent product
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loops", [True, False])
@pytest.mark.parametrize("shape", [(1, 32, 128), (2, 5, 7), (3, 4, 8), (8, 64, 256), (5, 3, 1)])
def test_recurrent_product_loops_match_the_reference(dtype, loops, shape):
    from tinygrad_rnn.kernels import products, products_jit

    m, k, n = shape
    rng = np.random.default_rng(m * 100 + k)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    ours, reference = np.full((m, n), np.nan, dtype), np.empty((m, n), dtype)
    products_jit.recurrent_matmul(a, b, ours, loops)
    products.recurrent_matmul(a, b, reference, loops)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, reference, rtol=tol, atol=tol * k)
