"""How fast a recurrent layer's training step could be: the time of its matrix products alone.

A fused layer's forward and backward pass are mostly matrix products, and they are all
handed to BLAS. This script times each product of one training step by itself, with numpy's
matmul into a preallocated array (the same OpenBLAS the kernels call), and adds them up:

* the input projection of all steps, ``X @ W_ih.T`` ((T*B, I) by (I, G*H)), once;
* the recurrent product of every step, ``T`` times, in the faster of its two layouts:
  ``h @ W_hh.T`` into (B, G*H) rows, or ``W_hh @ h.T`` into (G*H, B) columns (a general BLAS
  repacks the weight on every call, and OpenBLAS is faster at one of the two shapes);
* the same for the backward step's ``dA @ W_hh`` (rows) or ``W_hh.T @ dA.T`` (columns);
* ``dW_hh = dA.T @ H``, ``dW_ih = dA.T @ X`` and ``dX = dA @ W_ih`` over all steps at once.

That sum is a floor for any implementation built on this BLAS, whatever it does between the
products. Beside it, in the same run and interleaved: the fused layer's compiled forward and
backward (``tinygrad_rnn.kernels.recurrent_jit``, no Tensor bookkeeping) and, when installed,
``torch.nn`` (forward with an initial state, ``backward`` with ``dX``). The last column says
what the issue's targets ask of the fused layer: 1.2 times faster than PyTorch for the medium
LSTM, 1.5 times for the medium GRU and RNN, 0.85 of the sgemm peak for the large LSTM; when
the floor alone is slower than that, no arrangement of these BLAS calls can meet it.

The tiny size is left out: its products take about a microsecond, no more than numpy's
Python overhead for one call, so a sum of numpy calls says nothing about them.

Run (unset the variables that hold numpy's OpenBLAS to its AVX2 kernel on this machine):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/bench_rnn_floor.py
    .venv/bin/python bench/bench_rnn_floor.py --sizes medium --cells lstm --repeats 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_rnn as common  # noqa: E402  (sets one thread everywhere before numpy loads)
import bench_rnn_kernels as kernel_bench  # noqa: E402

SIZES = {name: common.SIZES[name] for name in ("medium", "large")}
TARGETS = {  # (size, cell): (what the issue asks, how to turn it into a time)
    ("medium", "lstm"): ("1.2x torch", "torch", 1.2),
    ("medium", "gru"): ("1.5x torch", "torch", 1.5),
    ("medium", "rnn"): ("1.5x torch", "torch", 1.5),
    ("large", "lstm"): ("0.85 of peak", "peak", 0.85),
    ("large", "gru"): ("1.1x torch", "torch", 1.1),
    ("large", "rnn"): ("1.1x torch", "torch", 1.1),
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--cells", nargs="+", choices=common.CELLS, default=list(common.CELLS))
    parser.add_argument("--repeats", type=int, default=40, help="timed calls per product")
    parser.add_argument("--no-torch", action="store_true", help="leave torch out")
    parser.add_argument("--cpu", type=int, default=None, help="core to pin to; -1: no pin")
    args = parser.parse_args(argv)
    if args.repeats < 3:
        parser.error("--repeats must be >= 3")
    return args


def median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def product_floor(np, cell, size, repeats):
    """``{product: ms}`` for one training step's products, each timed alone, and the
    layout chosen for the two per-step products."""
    n_steps, batch, n_in, hidden = size
    gh = common.GATES[cell] * hidden
    rng = np.random.default_rng(0)

    def rand(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    w_ih, w_hh = rand(gh, n_in), rand(gh, hidden)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    h, h_t = rand(batch, hidden), rand(hidden, batch)
    da, da_t = rand(batch, gh), rand(gh, batch)
    x2, da2, h2 = (
        rand(n_steps * batch, n_in),
        rand(n_steps * batch, gh),
        rand(n_steps * batch, hidden),
    )
    rows_f, cols_f = np.empty((batch, gh), np.float32), np.empty((gh, batch), np.float32)
    rows_b, cols_b = np.empty((batch, hidden), np.float32), np.empty((hidden, batch), np.float32)
    xw, dx = np.empty((n_steps * batch, gh), np.float32), np.empty_like(x2)
    dw_hh, dw_ih = np.empty_like(w_hh), np.empty_like(w_ih)
    per_step = repeats if batch * gh * hidden >= 2**22 else max(repeats, 200)  # us each: more
    forward = {
        "rows": median_ms(lambda: np.matmul(h, w_hh_t, out=rows_f), per_step),
        "columns": median_ms(lambda: np.matmul(w_hh, h_t, out=cols_f), per_step),
    }
    backward = {
        "rows": median_ms(lambda: np.matmul(da, w_hh, out=rows_b), per_step),
        "columns": median_ms(lambda: np.matmul(w_hh_t, da_t, out=cols_b), per_step),
    }
    best_f, best_b = min(forward, key=forward.get), min(backward, key=backward.get)
    parts = {
        "projection": median_ms(lambda: np.matmul(x2, w_ih.T, out=xw), repeats),
        f"steps forward ({best_f})": n_steps * forward[best_f],
        f"steps backward ({best_b})": n_steps * backward[best_b],
        "dW_hh": median_ms(lambda: np.matmul(da2.T, h2, out=dw_hh), repeats),
        "dW_ih": median_ms(lambda: np.matmul(da2.T, x2, out=dw_ih), repeats),
        "dX": median_ms(lambda: np.matmul(da2, w_ih, out=dx), repeats),
    }
    return parts


def layer_steps(np, torch, cell, size):
    """Closures for one training step of the fused layer (kernel level, bench_rnn_kernels'
    step) and of torch.nn with the same weights (bench_rnn's given loop: ``zero_grad``, an
    initial state, ``backward`` with ``dX``)."""
    from tinygrad_rnn.kernels import recurrent_jit

    problem = kernel_bench.make_problem(cell, size, seed=1)
    steps = {"fused": lambda: kernel_bench.ours_step(recurrent_jit, cell, problem)}
    if torch is not None:
        names = {"w_ih": "weight_ih_l0", "w_hh": "weight_hh_l0"}
        names.update(b_ih="bias_ih_l0", b_hh="bias_hh_l0")
        weights = {torch_name: problem[ours] for ours, torch_name in names.items()}
        data = common.make_inputs(np, cell, size)
        steps["torch"] = common.torch_step(torch, cell, size, data, weights, "given")
    return steps


def main(argv=None):
    args = parse_args(argv)
    core = common.pin(args.cpu)
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    torch = None
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            torch = None
    from tinygrad_rnn.kernels import blas

    console = Console(width=160)
    peak = common.sgemm_peak(np)
    console.print(
        f"pinned to core {core}; sgemm peak {peak:.1f} GFLOP/s; numpy's BLAS kernel: "
        f"{blas.CORE or 'unknown'}; torch {torch.__version__ if torch else 'absent'}"
    )
    if os.environ.get("OPENBLAS_CORETYPE"):
        console.print(
            f"[yellow]OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} forces numpy's "
            "kernel; unset it to time the one numpy would pick[/yellow]"
        )
    table = Table(
        title="a training step's matrix products alone (the BLAS floor) and whole steps, ms",
        caption="floor: sum of the products, each timed alone with numpy (per-step products "
        "in their faster layout); rest: fused - floor; need: the fused time the target asks for",
    )
    for col in (
        "size",
        "cell",
        "floor",
        "GF/s",
        "peak",
        "fused",
        "rest",
        "torch",
        "target",
        "need",
    ):
        table.add_column(col, justify="left" if col == "target" else "right")
    for size_name in args.sizes:
        size = SIZES[size_name]
        repeats = args.repeats if size_name == "medium" else max(3, args.repeats // 8)
        for cell in args.cells:
            parts = product_floor(np, cell, size, repeats)
            floor = sum(parts.values())
            steps = layer_steps(np, torch, cell, size)
            ms = common.interleaved(steps, repeats, 2, "median", 1)
            gflops = common.flops(cell, size, True) / (floor * 1e-3) / 1e9
            goal, kind, factor = TARGETS[(size_name, cell)]
            if kind == "peak":
                need = common.flops(cell, size, True) / (factor * peak * 1e9) * 1e3
            else:
                need = ms["torch"] / factor if "torch" in ms else float("nan")
            verdict = "floor too slow" if floor > need else "reachable"
            table.add_row(
                size_name,
                cell,
                f"{floor:.3g}",
                f"{gflops:.1f}",
                f"{gflops / peak:.2f}",
                f"{ms['fused']:.3g}",
                f"{ms['fused'] - floor:.3g}",
                f"{ms['torch']:.3g}" if "torch" in ms else "-",
                goal,
                f"{need:.3g} ({verdict})",
            )
            console.print(
                f"  {size_name} {cell}: "
                + ", ".join(f"{k} {v:.3f}" for k, v in parts.items())
                + f"; floor {floor:.3f} ms, fused {ms['fused']:.3f}"
                + (f", torch {ms['torch']:.3f}" if "torch" in ms else "")
            )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
