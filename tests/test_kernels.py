"""Every numba kernel agrees with its numpy reference in kernels/elementwise.py.

Both dtypes, float32 and float64.

Run it twice in CI: as is (compiled) and with ``NUMBA_DISABLE_JIT=1`` (the same code as
plain Python), which also catches a kernel that only works because of compilation quirks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FAST, seeds, shapes

from tinygrad_rnn import kernels as switch
from tinygrad_rnn.kernels import elementwise

kernels = pytest.importorskip("tinygrad_rnn.kernels.elementwise_jit")

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=1e-6, atol=1e-6), np.float64: dict(rtol=1e-13, atol=1e-14)}


def random(seed, shape, dtype, scale=3.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def assert_same(ours, reference, dtype):
    assert ours.dtype == reference.dtype == dtype
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, **TOL[dtype])


# ------------------------------------------------------------------------------ activations
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu"])
@FAST
@given(shape=shapes(max_dims=3, max_side=5), seed=seeds)
def test_activation_kernels_match_numpy(name, dtype, shape, seed):
    x = random(seed, shape, dtype).reshape(-1)  # the kernels take 1-D arrays
    g = random(seed + 1, shape, dtype).reshape(-1)
    forward = getattr(kernels, f"{name}_forward")(x)
    assert_same(forward, getattr(elementwise, f"{name}_forward")(x), dtype)
    backward = getattr(kernels, f"{name}_backward")(g, forward)
    assert_same(backward, getattr(elementwise, f"{name}_backward")(g, forward), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_kernels_on_empty_and_extreme_inputs(dtype):
    empty = np.zeros(0, dtype=dtype)
    assert kernels.tanh_forward(empty).shape == (0,)
    x = np.array([-1e4, -80.0, 0.0, 80.0, 1e4], dtype=dtype)
    assert_same(kernels.sigmoid_forward(x), elementwise.sigmoid_forward(x), dtype)
    assert_same(kernels.tanh_forward(x), elementwise.tanh_forward(x), dtype)
    with np.errstate(invalid="ignore"):
        nan = np.array([np.nan], dtype=dtype)
        assert np.isnan(kernels.relu_forward(nan)[0]) and np.isnan(elementwise.relu_forward(nan)[0])


def test_float32_tanh_is_within_float32_rounding_of_the_exact_value():
    x = np.linspace(-12.0, 12.0, 200_001, dtype=np.float32)
    error = np.abs(kernels.tanh_forward(x).astype(np.float64) - np.tanh(x.astype(np.float64)))
    assert error.max() < 4e-7
    special = kernels.tanh_forward(np.array([np.nan, np.inf, -np.inf, 0.0], dtype=np.float32))
    assert np.isnan(special[0]) and special[1:].tolist() == [1.0, -1.0, 0.0]


# ---------------------------------------------------------------- softmax cross-entropy
@pytest.mark.parametrize("dtype", DTYPES)
@FAST
@given(n=st.integers(0, 6), c=st.integers(1, 7), seed=seeds, scale=st.sampled_from([1.0, 1e3]))
def test_softmax_xent_kernels_match_numpy(dtype, n, c, seed, scale):
    logits = random(seed, (n, c), dtype, scale)
    targets = np.random.default_rng(seed).integers(0, c, size=n)
    losses, lse = kernels.softmax_xent_forward(logits, targets)
    ref_losses, ref_lse = elementwise.softmax_xent_forward(logits, targets)
    tol = (
        TOL[dtype] if scale == 1.0 else dict(rtol=1e-6, atol=1e-3 if dtype == np.float32 else 1e-9)
    )
    np.testing.assert_allclose(losses, ref_losses, **tol)
    np.testing.assert_allclose(lse, ref_lse, **tol)
    assert losses.dtype == dtype and np.all(np.isfinite(losses))
    grad_losses = random(seed + 1, (n,), dtype)
    grad = kernels.softmax_xent_backward(logits, targets, lse, grad_losses)
    ref = elementwise.softmax_xent_backward(logits, targets, ref_lse, grad_losses)
    assert_same(grad, ref, dtype)


def test_softmax_xent_forward_values_by_hand():
    logits = np.array([[0.0, 0.0], [1000.0, 0.0]])
    losses, lse = kernels.softmax_xent_forward(logits, np.array([1, 1]))
    np.testing.assert_allclose(losses, [np.log(2.0), 1000.0], rtol=1e-15)
    np.testing.assert_allclose(lse, [np.log(2.0), 1000.0], rtol=1e-15)


# ------------------------------------------------------------------------------ embedding
@pytest.mark.parametrize("dtype", DTYPES)
@FAST
@given(n=st.integers(0, 20), vocab=st.integers(1, 6), dim=st.integers(1, 4), seed=seeds)
def test_embedding_backward_matches_numpy(dtype, n, vocab, dim, seed):
    grad_out = random(seed, (n, dim), dtype)
    indices = np.random.default_rng(seed).integers(0, vocab, size=n)
    ours = kernels.embedding_backward(grad_out, indices, vocab)
    assert_same(ours, elementwise.embedding_backward(grad_out, indices, vocab), dtype)


def test_embedding_backward_adds_repeated_rows():
    grad_out = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])
    ours = kernels.embedding_backward(grad_out, np.array([2, 0, 2]), 3)
    np.testing.assert_array_equal(ours, [[10.0, 20.0], [0.0, 0.0], [101.0, 202.0]])


# ------------------------------------------------------------------------------ grad norm
@FAST
@given(st.lists(st.tuples(shapes(max_dims=3, max_side=4), st.sampled_from(DTYPES)), max_size=4))
def test_grad_norm_matches_numpy(specs):
    arrays = [random(i, shape, dtype) for i, (shape, dtype) in enumerate(specs)]
    expected = elementwise.grad_norm(arrays)
    assert isinstance(kernels.grad_norm(arrays), float)
    assert kernels.grad_norm(arrays) == pytest.approx(expected, rel=1e-12)
    assert kernels.grad_norm(tuple(arrays)) == pytest.approx(expected, rel=1e-12)


def test_grad_norm_of_non_contiguous_arrays():
    a = np.arange(12.0).reshape(3, 4).T
    assert kernels.grad_norm([a, a[::2]]) == pytest.approx(elementwise.grad_norm([a, a[::2]]))
    assert kernels.grad_norm([np.array([3.0]), np.array([[4.0]])]) == 5.0


# ------------------------------------------------------------------------------- dispatch
def test_dispatch_switch_and_dtypes():
    previous = switch.numba_enabled()
    try:
        switch.use_numba(False)
        assert switch.ops_for(np.dtype(np.float32)) is elementwise
        assert not switch.numba_enabled()
        switch.use_numba(True)
        assert switch.ops_for(np.dtype(np.float64)) is kernels
        assert switch.ops_for(np.dtype(np.float16)) is elementwise  # not compiled for float16
    finally:
        switch.use_numba(previous)


def test_every_kernel_has_a_reference_with_the_same_signature():
    import inspect

    for name in switch.KERNEL_NAMES:
        ours, reference = getattr(kernels, name), getattr(elementwise, name)
        python_ours = getattr(ours, "py_func", ours)
        ours_params = list(inspect.signature(python_ours).parameters)
        assert ours_params == list(inspect.signature(reference).parameters), name


# ----------------------------------------------------------------------- cache location
def test_read_only_package_sends_the_cache_to_a_user_folder(tmp_path):
    """Simulate a read-only install: os.access says no; NUMBA_CACHE_DIR must be set."""
    from tinygrad_rnn.kernels import _numba

    source = Path(_numba.__file__)
    code = (
        "import os, importlib.util, sys\n"
        "real_access = os.access\n"
        f"os.access = lambda p, m: False if p == {str(source.parent)!r} else real_access(p, m)\n"
        f"spec = importlib.util.spec_from_file_location('k', {str(source)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(os.environ['NUMBA_CACHE_DIR'])\n"
        "print(module.cache_location())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    expected = str(tmp_path / "tinygrad_rnn" / "numba")
    assert out.stdout.split() == [expected, expected]


def test_an_edited_kernel_source_drops_the_cached_kernels_and_nothing_else(tmp_path):
    from tinygrad_rnn.kernels._numba import STAMP_NAME, drop_stale_kernels

    sources, cache = tmp_path / "kernels", tmp_path / "cache"
    sources.mkdir()
    (sources / "loops.py").write_text("x = 1\n")
    (sources / "helpers.py").write_text("y = 2\n")

    def fill():
        cache.mkdir(exist_ok=True)
        names = ["loops.step-10.py311.nbi", "loops.step-10.py311.1.nbc", "helpers.f-3.py311.nbi"]
        names += ["other.g-2.py311.nbi", "notes.txt", "loops.pyc"]  # not this package's kernels
        for name in names:
            (cache / name).write_text("cached")
        return names

    def left():
        return sorted(p.name for p in cache.iterdir() if p.name != STAMP_NAME)

    kept = sorted(["other.g-2.py311.nbi", "notes.txt", "loops.pyc"])
    fill()
    assert drop_stale_kernels(str(sources), str(cache)) == 3  # no stamp yet: nothing trusted
    assert left() == kept
    fill()
    assert drop_stale_kernels(str(sources), str(cache)) == 0  # same sources: all kept
    assert len(left()) == 6
    (sources / "helpers.py").write_text("y = 3\n")  # an inlined helper changes...
    assert drop_stale_kernels(str(sources), str(cache)) == 3  # ...so its callers' code goes too
    assert left() == kept
    stamp = (cache / STAMP_NAME).read_text()
    (sources / "helpers.py").write_text("y = 4\n")
    (cache / "loops.step-10.py311.nbi").mkdir()  # a file that cannot be removed (os.remove fails)
    drop_stale_kernels(str(sources), str(cache))
    assert (cache / STAMP_NAME).read_text() == stamp  # not marked fresh: the next import retries


def test_the_kernel_cache_folder_is_where_numba_writes(tmp_path):
    code = (
        "import numpy as np\n"
        "from tinygrad_rnn.kernels import elementwise_jit\n"
        "from tinygrad_rnn.kernels._numba import kernel_cache_dir\n"
        "elementwise_jit.relu_forward(np.zeros(3))\n"
        "print(kernel_cache_dir())\n"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    env.pop("NUMBA_DISABLE_JIT", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    folder = Path(out.stdout.split()[-1])
    assert folder.parent == tmp_path
    assert any(p.name.startswith("elementwise_jit.relu_forward") for p in folder.iterdir())
    env.pop("NUMBA_CACHE_DIR")  # the package's own folder (writable here): beside the kernels
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    from tinygrad_rnn.kernels import _numba

    assert out.stdout.split()[-1] == os.path.join(os.path.dirname(_numba.__file__), "__pycache__")


def test_warmup_compiles_every_kernel_and_names_the_cache(capsys):
    from tinygrad_rnn.kernels._numba import cache_location
    from tinygrad_rnn.kernels.warmup import warmup

    result = warmup(progress=True)
    described = [name for name, _ in result["kernels"]]
    for name in switch.KERNEL_NAMES:
        assert f"{name} (float32)" in described and f"{name} (float64)" in described
    assert result["cache_dir"] == cache_location()
    assert "numba cache:" in capsys.readouterr().out
