"""Benchmark the fused RNN/LSTM/GRU kernels against torch.nn, forward + backward, one thread.

What is timed for our side is everything a layer does, without the Tensor bookkeeping
around it: ``*_layer_forward`` (the input projection for all steps as one matmul, then the
recurrence) and ``*_layer_backward`` (BPTT and the ``dW_ih``, ``dW_hh``, ``dx``, ``db``
products and sums). For torch: ``torch.nn.LSTM``/``GRU``/``RNN`` forward on (T, B, I) with an
initial state, then ``out.backward(grad_out)``. Both in float32, one thread, the median of
``--repeats`` runs after warm-up, the two interleaved (the best run is shown too, since this
machine is shared). torch is optional (``pip install torch==2.13.0``).

Run:
    .venv/bin/python bench/bench_rnn_kernels.py              # all sizes
    .venv/bin/python bench/bench_rnn_kernels.py --sizes tiny medium --repeats 20
    .venv/bin/python bench/bench_rnn_kernels.py --compile-times
"""

from __future__ import annotations

import os

# one thread everywhere; these must be set before numpy (and its BLAS) is imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import functools  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

SIZES = {  # name: (T, B, I, H)
    "tiny": (100, 1, 16, 32),
    "medium": (50, 32, 64, 128),
    "large": (100, 64, 256, 512),
}
CELLS = ("lstm", "gru", "rnn")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def make_problem(cell, size, seed=0):
    """Random float32 weights, inputs and upstream gradient for one (cell, size)."""
    n_steps, batch, n_in, hidden = size
    gh = GATES[cell] * hidden
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden)

    def u(*shape):
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    return dict(
        x=rng.normal(size=(n_steps, batch, n_in)).astype(np.float32),
        w_ih=u(gh, n_in),
        w_hh=u(gh, hidden),
        b_ih=u(gh),
        b_hh=u(gh),
        h0=rng.normal(size=(batch, hidden)).astype(np.float32) * 0.1,
        c0=rng.normal(size=(batch, hidden)).astype(np.float32) * 0.1,
        grad_out=rng.normal(size=(n_steps, batch, hidden)).astype(np.float32),
    )


def ours_step(kernels, cell, p):
    """One forward + backward of a full layer: the kernels' ``*_layer_*`` functions, which
    the fused nn layers call (input projections, recurrence and every weight gradient)."""
    args = (p["x"], p["w_ih"], p["w_hh"], p["b_ih"], p["b_hh"], p["h0"])
    if cell == "lstm":
        _, _, cache = kernels.lstm_layer_forward(*args, p["c0"])
        return kernels.lstm_layer_backward(p["grad_out"], None, cache)
    forward = getattr(kernels, f"{cell}_layer_forward")
    backward = getattr(kernels, f"{cell}_layer_backward")
    _, cache = forward(*args)
    return backward(p["grad_out"], cache)


def torch_setup(torch, cell, p):
    """Build the torch layer with our weights; return a closure doing forward + backward."""
    n_in, hidden = p["x"].shape[2], p["h0"].shape[1]
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](n_in, hidden)
    with torch.no_grad():
        for name in ("w_ih", "w_hh", "b_ih", "b_hh"):
            torch_name = {"w_ih": "weight_ih_l0", "w_hh": "weight_hh_l0"}.get(
                name, name.replace("b_", "bias_") + "_l0"
            )
            getattr(layer, torch_name).copy_(torch.from_numpy(p[name]))
    x = torch.from_numpy(p["x"]).requires_grad_(True)
    h0 = torch.from_numpy(p["h0"])[None]
    c0 = torch.from_numpy(p["c0"])[None]
    grad_out = torch.from_numpy(p["grad_out"])

    def step():
        out, _ = layer(x, (h0, c0)) if cell == "lstm" else layer(x, h0)
        out.backward(grad_out)

    return step


def time_interleaved(fns, repeats, warmup):
    """Median and best time in ms of each function, runs interleaved.

    Interleaving means a burst of load from other processes on this shared machine slows
    all contenders alike instead of whichever happened to be running.
    """
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [(1e3 * statistics.median(ts), 1e3 * min(ts)) for ts in times]


def run_benchmarks(sizes, repeats):
    from tinygrad_rnn.kernels import recurrent_jit as rnn_kernels

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    console = Console(width=120)
    table = Table(title="fused recurrent layer, forward + backward, float32, 1 thread")
    for col in ("cell", "T, B, I, H", "ours ms", "torch ms", "torch / ours", "best: ours, torch"):
        table.add_column(col, justify="right")
    for size_name in sizes:
        size = SIZES[size_name]
        # big problems take seconds per run: fewer repeats there
        n_rep = max(3, repeats // 4) if size_name == "large" else repeats
        warmup = 1 if size_name == "large" else 3
        for cell in CELLS:
            p = make_problem(cell, size)
            fns = [functools.partial(ours_step, rnn_kernels, cell, p)]
            if torch is not None:
                fns.append(torch_setup(torch, cell, p))
            timings = time_interleaved(fns, n_rep, warmup)
            ours, ours_best = timings[0]
            if torch is not None:
                theirs, theirs_best = timings[1]
                row = [f"{theirs:.2f}", f"{theirs / ours:.2f}x"]
                row.append(f"{ours_best:.2f}, {theirs_best:.2f}")
            else:
                row = ["(no torch)", "-", f"{ours_best:.2f}, -"]
            table.add_row(cell, str(size), f"{ours:.2f}", *row)
            console.print(f"  {size_name} {cell}: ours {ours:.2f} ms, torch {row[0]} ms")
    console.print(table)


_COMPILE_SNIPPET = """
import time
t0 = time.perf_counter()
import numpy as np
from tinygrad_rnn.kernels import recurrent_jit as k
t1 = time.perf_counter()
rng = np.random.default_rng(0)
for dt in (np.float32, np.float64):
    xw4, xw3, xw1 = (rng.normal(size=(3, 2, g * 4)).astype(dt) for g in (4, 3, 1))
    h0 = np.zeros((2, 4), dt)
    go = np.ones((3, 2, 4), dt)
    _, _, _, c = k.lstm_forward(xw4, np.ones((16, 4), dt), None, h0, h0)
    k.lstm_backward(go, None, None, c, np.ones((16, 4), dt))
    _, _, c = k.gru_forward(xw3, np.ones((12, 4), dt), None, h0)
    k.gru_backward(go, None, c, np.ones((12, 4), dt))
    _, _, c = k.rnn_forward(xw1, np.ones((4, 4), dt), None, h0)
    k.rnn_backward(go, None, c, np.ones((4, 4), dt))
    x = np.ones((3, 2, 5), dt)
    for name, g in (("lstm", 4), ("gru", 3), ("rnn", 1)):
        w_ih, w_hh = np.ones((4 * g, 5), dt), np.ones((4 * g, 4), dt)
        states = (h0, h0) if name == "lstm" else (h0,)
        res = getattr(k, name + "_layer_forward")(x, w_ih, w_hh, None, None, *states)
        back = getattr(k, name + "_layer_backward")
        back(go, None, res[-1]) if name == "lstm" else back(go, res[-1])
print(f"{t1 - t0:.3f} {time.perf_counter() - t1:.3f} {time.process_time():.3f}")
"""


def compile_times():
    """Compile all kernels (float32 + float64) in a fresh cache dir, then load them again.

    Wall-clock seconds depend on what else runs on the machine; the process CPU time
    (import included) is the steadier number.
    """
    console = Console()
    table = Table(title="kernel compile / cache load (all kernels, float32 + float64)")
    for col in ("run", "import s", "first calls s", "process CPU s"):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as cache_dir:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
        for label in ("cold (compile)", "warm (cache load)"):
            res = subprocess.run(
                [sys.executable, "-c", _COMPILE_SNIPPET],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            table.add_row(label, *res.stdout.split())
    console.print(table)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--compile-times", action="store_true", help="measure compile/load")
    args = parser.parse_args(argv)
    if args.compile_times:
        compile_times()
    else:
        run_benchmarks(args.sizes, args.repeats)


if __name__ == "__main__":
    main()
