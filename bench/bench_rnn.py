"""Benchmark the recurrent LAYERS (RNN, LSTM, GRU): fused, unrolled, torch.nn and JAX.

What is timed is what a training step pays for one layer, through the public API, in two
ways (``--loop``):

* ``given`` (the default): ``layer.zero_grad()``, ``out, state = layer(x, state0)`` and
  ``out.backward(grad_out)``, with the same ``x`` every step and ``x`` requiring a gradient
  (so ``dx`` is computed too).
* ``user``: the way a learner's training loop calls a layer: a fresh input Tensor made from
  a numpy batch each step (it needs no gradient), no initial state, and a loss node on
  top: ``layer.zero_grad(); out, _ = layer(Tensor(xb)); (out * g).sum().backward()``.

Ours runs as a ``tinygrad_rnn.nn`` layer with ``fused=True`` (one Tensor op per layer) and,
unless ``--no-unrolled``, ``fused=False`` (the unrolled per-step graph the lessons draw).
The peers, when installed (never needed by the course): ``torch.nn.LSTM/GRU/RNN`` with the
same weights and ``torch.set_num_threads(1)``, and JAX: ``jax.jit(jax.grad(loss))`` of a
``lax.scan`` over the same cell with the same weights (its compile time, the first call's
extra cost, is reported apart). Everything runs in float32 on ONE core: the process pins
itself to one CPU (``--cpu``, like ``taskset -c``) before numpy, torch or XLA start a thread,
because XLA otherwise spreads over every core whatever its thread flags say.

The contenders take turns in rounds, each running ``--block`` steps in a row per round
(10: a training loop's steady state; 1: strictly alternating, every step starting with
caches full of the other's code and data), so that a busy machine slows them alike; the
median (``--stat min``: the fastest step, steadier on a shared machine) is reported.
``--block`` and ``--loop`` take several values; each combination is one row per cell.

Every row also gives GFLOP/s: the multiply-adds of the layer's matrix products (input
projection, recurrent product, and in the backward pass ``dW_ih``, ``dW_hh``, ``dh`` and,
when needed, ``dx``: ``2*T*B*G*H*(I+H)`` forward, ``2*T*B*G*H*(I+2H)`` backward plus
``2*T*B*G*H*I`` for ``dx``), counted twice per multiply-add, divided by the time, and that
rate as a fraction of a one-thread float32 matmul peak (numpy, 2048 x 2048) measured at the
start of the same run.

Run:
    .venv/bin/python bench/bench_rnn.py --no-unrolled                 # all sizes, all cells
    .venv/bin/python bench/bench_rnn.py --sizes tiny --loop given user --block 10 1
    .venv/bin/python bench/bench_rnn.py --tree /tmp/old-checkout      # time another tree
    .venv/bin/python bench/bench_rnn.py --no-jax --no-torch           # ours only
"""

from __future__ import annotations

import os
import sys

# one thread everywhere; must be set before numpy (and its BLAS), torch or XLA start
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

SIZES = {  # name: (T, B, I, H)
    "tiny": (100, 1, 16, 32),
    "medium": (50, 32, 64, 128),
    "large": (100, 64, 256, 512),
}
CELLS = ("lstm", "gru", "rnn")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
N_BATCHES = 4  # the user loop cycles through this many different input batches


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument(
        "--loop", nargs="+", choices=["given", "user"], default=["given"], help="see above"
    )
    parser.add_argument(
        "--block",
        nargs="+",
        type=int,
        default=[10],
        help="steps each contender runs in a row per round (1: strictly alternating); "
        "the large size always uses 1",
    )
    parser.add_argument("--repeats", type=int, default=200, help="timed steps per contender")
    parser.add_argument("--no-unrolled", action="store_true", help="skip the unrolled layers")
    parser.add_argument("--no-torch", action="store_true", help="leave torch out")
    parser.add_argument("--no-jax", action="store_true", help="leave JAX out")
    parser.add_argument(
        "--stat",
        choices=["median", "min"],
        default="median",
        help="summary of the repeats; 'min' is steadier on a busy machine",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=None,
        help="the core to pin the process to (default: the first one it may use); -1: no pin",
    )
    parser.add_argument(
        "--tree",
        default=None,
        help="time the tinygrad_rnn of another checkout (a git worktree), e.g. an older commit",
    )
    args = parser.parse_args(argv)
    if any(b < 1 for b in args.block) or args.repeats < 1:
        parser.error("--block and --repeats must be >= 1")
    if args.tree is not None and not os.path.isdir(os.path.join(args.tree, "tinygrad_rnn")):
        parser.error(f"--tree {args.tree}: no tinygrad_rnn package in that folder")
    return args


def pin(cpu):
    """Pin this process to one core (before any thread starts); return the core or None."""
    if cpu == -1 or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[0] if cpu is None else cpu
    os.sched_setaffinity(0, {core})
    return core


def sgemm_peak(np, n=2048, rounds=4):
    """GFLOP/s of numpy's float32 matmul on (n, n) matrices, best of a few, one thread."""
    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=(n, n)).astype(np.float32) for _ in range(2))
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def flops(cell, size, need_dx):
    """Floating-point operations of one step's matrix products (see the module docstring)."""
    n_steps, batch, n_in, hidden = size
    tbg = n_steps * batch * GATES[cell] * hidden
    total = 2 * tbg * (n_in + hidden) + 2 * tbg * (n_in + 2 * hidden)
    return total + (2 * tbg * n_in if need_dx else 0)


def make_inputs(np, cell, size, seed=0):
    n_steps, batch, n_in, hidden = size
    rng = np.random.default_rng(seed)
    n_state = 2 if cell == "lstm" else 1
    return dict(
        x=rng.normal(size=(n_steps, batch, n_in)).astype(np.float32),
        xs=[rng.normal(size=(n_steps, batch, n_in)).astype(np.float32) for _ in range(N_BATCHES)],
        state=[(0.1 * rng.normal(size=(1, batch, hidden))).astype(np.float32)] * n_state,
        grad_out=rng.normal(size=(n_steps, batch, hidden)).astype(np.float32),
    )


# --------------------------------------------------------------------------- ours
def ours_step(np, cell, size, fused, data, loop):
    """Build our layer; return a closure running one training step, and the layer."""
    from tinygrad_rnn import nn
    from tinygrad_rnn.tensor import Tensor

    layer_cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
    layer = layer_cls(size[2], size[3], fused=fused, rng=0, dtype=np.float32)
    if loop == "user":
        xs, g = data["xs"], Tensor(data["grad_out"])
        k = [0]

        def user_step():
            k[0] = (k[0] + 1) % N_BATCHES
            layer.zero_grad()
            out, _ = layer(Tensor(xs[k[0]]))
            (out * g).sum().backward()

        return user_step, layer
    x = Tensor(data["x"], requires_grad=True, dtype=np.float32)
    state = layer.state_type(*(Tensor(s, dtype=np.float32) for s in data["state"]))
    grad_out = data["grad_out"]

    def step():
        layer.zero_grad()
        x.grad = None
        out, _ = layer(x, state)
        out.backward(grad_out)

    return step, layer


# --------------------------------------------------------------------------- torch
def torch_step(torch, cell, size, data, state_dict, loop):
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](
        size[2], size[3]
    )
    layer.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state_dict.items()})
    if loop == "user":
        xs, g = data["xs"], torch.from_numpy(data["grad_out"])
        k = [0]

        def user_step():
            k[0] = (k[0] + 1) % N_BATCHES
            layer.zero_grad(set_to_none=True)
            out, _ = layer(torch.from_numpy(xs[k[0]]))
            (out * g).sum().backward()

        return user_step
    x = torch.from_numpy(data["x"]).requires_grad_(True)
    states = tuple(torch.from_numpy(s) for s in data["state"])
    state = states if cell == "lstm" else states[0]
    grad_out = torch.from_numpy(data["grad_out"])

    def step():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = layer(x, state)
        out.backward(grad_out)

    return step


# --------------------------------------------------------------------------- JAX
def jax_step(np, cell, size, data, state_dict, loop):
    """``jax.jit(jax.grad(loss))`` of a ``lax.scan`` cell; returns (step, compile seconds)."""
    import jax
    import jax.numpy as jnp

    hidden = size[3]
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    params = tuple(jnp.asarray(state_dict[n]) for n in names)

    def cell_step(carry, xw_t, w_hh, b_hh):
        # xw_t = x_t @ W_ih.T + b_ih, computed for all steps before the scan
        if cell == "lstm":
            h, c = carry
            a = xw_t + h @ w_hh.T + b_hh
            i, f, g, o = jnp.split(a, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h
        (h,) = carry
        if cell == "rnn":
            h = jnp.tanh(xw_t + h @ w_hh.T + b_hh)
            return (h,), h
        hw = h @ w_hh.T + b_hh
        x_r, x_z, x_n = jnp.split(xw_t, 3, axis=-1)
        h_r, h_z, h_n = jnp.split(hw, 3, axis=-1)
        r, z = jax.nn.sigmoid(x_r + h_r), jax.nn.sigmoid(x_z + h_z)
        n = jnp.tanh(x_n + r * h_n)
        h = n + z * (h - n)
        return (h,), h

    def loss(params, x, carry0, g):
        w_ih, w_hh, b_ih, b_hh = params
        xw = x @ w_ih.T + b_ih

        def body(carry, xw_t):
            return cell_step(carry, xw_t, w_hh, b_hh)

        _, out = jax.lax.scan(body, carry0, xw)
        return jnp.sum(out * g)

    n_state = 2 if cell == "lstm" else 1
    g = jnp.asarray(data["grad_out"])
    if loop == "user":
        grad = jax.jit(jax.grad(loss))
        zeros = tuple(jnp.zeros((size[1], hidden), jnp.float32) for _ in range(n_state))
        xs = data["xs"]
        k = [0]

        def user_step():
            k[0] = (k[0] + 1) % N_BATCHES
            jax.block_until_ready(grad(params, xs[k[0]], zeros, g))  # a numpy batch, as given

        step = user_step
    else:
        grad = jax.jit(jax.grad(loss, argnums=(0, 1)))
        x = jnp.asarray(data["x"])
        carry0 = tuple(jnp.asarray(s[0]) for s in data["state"])

        def step():
            jax.block_until_ready(grad(params, x, carry0, g))

    t0 = time.perf_counter()
    step()  # compiles
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    step()
    return step, max(0.0, first - (time.perf_counter() - t0))


# --------------------------------------------------------------------------- timing
def interleaved(steps, repeats, warmup, stat="median", block=1):
    """Median (or minimum) milliseconds per call of each closure, in interleaved rounds.

    Each round runs every closure ``block`` times in a row, timing each call. With
    ``block=1`` every step starts right after another contender's, with caches full of
    the other's code and data; a training loop runs one framework's steps back to back,
    which ``block`` > 1 reproduces while still interleaving the contenders.
    """
    for fn in steps.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in steps}
    for _ in range(max(1, repeats // block)):
        for name, fn in steps.items():
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    summary = statistics.median if stat == "median" else min
    return {name: 1e3 * summary(ts) for name, ts in times.items()}


def target(size_name, cell, loop, block):
    """The issue's target for a row: (text, minimum speed-up over torch and JAX)."""
    if size_name == "tiny":
        if loop == "user" and block == 1:
            return ">= 2x torch, JAX", 2.0
        return ">= 3x torch, JAX", 3.0
    if size_name == "medium":
        return (">= 1.2x torch", 1.2) if cell == "lstm" else (">= 1.5x torch", 1.5)
    return ">= 1.1x torch", 1.1


def tree_description(path):
    try:
        rev = subprocess.run(
            ["git", "-C", path, "log", "-1", "--format=%h %cs"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"{path} ({rev})" if rev else path


def main(argv=None):
    args = parse_args(argv)
    core = pin(args.cpu)
    if args.tree is not None:
        sys.path.insert(0, os.path.abspath(args.tree))

    import numpy as np
    from rich.console import Console
    from rich.table import Table

    import tinygrad_rnn

    tree = os.path.dirname(os.path.dirname(os.path.abspath(tinygrad_rnn.__file__)))
    torch = jax = None
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            torch = None
    if not args.no_jax:
        try:
            import jax
        except ImportError:
            jax = None

    console = Console(width=180)
    peak = sgemm_peak(np)
    console.print(f"tinygrad_rnn from {tree_description(tree)}")
    console.print(
        f"pinned to core {core}; one-thread sgemm peak (numpy float32 2048^2): "
        f"{peak:.1f} GFLOP/s; torch {torch.__version__ if torch else 'absent'}, "
        f"JAX {jax.__version__ if jax else 'absent'}"
        if core is not None
        else f"not pinned; sgemm peak {peak:.1f} GFLOP/s"
    )
    try:  # an older tree (--tree) may have no kernels.blas
        from tinygrad_rnn.kernels import blas

        blas_core, backend = blas.CORE or "unknown", blas.BACKEND
    except ImportError:
        blas_core, backend = "unknown", "numba's np.dot (this tree has no kernels.blas)"
    console.print(f"numpy's BLAS kernel: {blas_core}; compiled products: {backend}")
    if os.environ.get("OPENBLAS_CORETYPE"):
        console.print(
            f"[yellow]OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} forces that kernel; "
            "run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` to time the one numpy "
            "would pick for this processor[/yellow]"
        )
    table = Table(
        title=f"recurrent layer training step, float32, one core ({args.stat} ms)",
        caption=f"GF/s: GFLOP/s of the layer's matrix products; peak: of {peak:.1f} GFLOP/s "
        "sgemm; x: the peer's time / fused time (> 1: fused faster)",
    )
    cols = ["size", "cell", "loop", "block", "fused ms", "GF/s", "peak"]
    cols += ["unrolled", "torch ms", "x", "JAX ms", "x", "JAX compile s", "target"]
    for col in cols:
        table.add_column(col, justify="left" if col == "target" else "right")
    for size_name in args.sizes:
        size = SIZES[size_name]
        big = size_name == "large"
        repeats = max(5, args.repeats // 40) if big else args.repeats
        if size_name == "medium":
            repeats = max(10, args.repeats // 4)
        for cell in args.cells:
            data = make_inputs(np, cell, size)
            for loop in args.loop:
                steps = {}
                steps["fused"], layer = ours_step(np, cell, size, True, data, loop)
                weights = {k: v.copy() for k, v in layer.state_dict().items()}
                unrolled_step = None
                if not args.no_unrolled:
                    unrolled_step, unrolled = ours_step(np, cell, size, False, data, loop)
                    unrolled.load_state_dict(weights)
                if torch is not None:
                    steps["torch"] = torch_step(torch, cell, size, data, weights, loop)
                compile_s = None
                if jax is not None:
                    steps["jax"], compile_s = jax_step(np, cell, size, data, weights, loop)
                blocks = [1] if big else list(dict.fromkeys(args.block))
                for block in blocks:
                    ms = interleaved(steps, repeats, 1 if big else 3, args.stat, block)
                    if unrolled_step is not None and block == blocks[0]:
                        reps = 2 if big else max(3, repeats // 4)
                        ms.update(interleaved({"unrolled": unrolled_step}, reps, 1, args.stat))
                    gflops = flops(cell, size, loop == "given") / (ms["fused"] * 1e-3) / 1e9
                    goal, need = target(size_name, cell, loop, block)
                    ratios = [ms[p] / ms["fused"] for p in ("torch", "jax") if p in ms]
                    if size_name != "tiny":
                        ratios = ratios[:1] if "torch" in ms else []
                    verdict = ("met" if min(ratios) >= need else "MISSED") if ratios else "-"
                    row = [size_name, cell, loop, str(block), f"{ms['fused']:.3g}"]
                    row += [f"{gflops:.1f}", f"{gflops / peak:.2f}"]
                    row.append(f"{ms['unrolled']:.3g}" if "unrolled" in ms else "-")
                    for peer in ("torch", "jax"):
                        if peer in ms:
                            row += [f"{ms[peer]:.3g}", f"{ms[peer] / ms['fused']:.2f}"]
                        else:
                            row += ["-", "-"]
                    row.append(f"{compile_s:.2f}" if compile_s is not None else "-")
                    row.append(f"{goal}: {verdict}")
                    table.add_row(*row)
                    console.print(
                        f"  {size_name} {cell} {loop} block {block}: "
                        + ", ".join(f"{k} {v:.3f} ms" for k, v in ms.items())
                    )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
