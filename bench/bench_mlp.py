"""One training step of an MLP 784-256-256-10 (float32, one thread): Tensor vs numpy vs torch.

A step is forward, cross-entropy loss, backward and an SGD update of all six parameters.
Three implementations run the same step on the same data and weights:

* ``tinygrad_rnn``: the Tensor engine (``x @ W + b``, ``relu``, ``cross_entropy``);
* ``numpy``: the same maths written out by hand, no graph, no objects: the floor;
* ``torch``: PyTorch CPU with autograd, when it is installed.

Run:  python bench/bench_mlp.py [--batches 64 512] [--steps 50] [--rounds 7]

Each number is the median over rounds of the mean time of ``steps`` consecutive steps; the
engines take turns within each round.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread, set before numpy (and its BLAS) is imported

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tinygrad_rnn import kernels  # noqa: E402
from tinygrad_rnn.nn.functional import cross_entropy  # noqa: E402
from tinygrad_rnn.tensor import Tensor, no_grad  # noqa: E402

SIZES = (784, 256, 256, 10)
LR = 0.01


def init_params(seed: int = 0) -> list[np.ndarray]:
    """He-initialised weights ``(fan_in, fan_out)`` and zero biases, float32."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        params.append(rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in))
        params.append(np.zeros(fan_out))
    return [p.astype(np.float32) for p in params]


# ---------------------------------------------------------------------------- tinygrad_rnn
def tensor_step_fn(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable:
    w1, b1, w2, b2, w3, b3 = ps = [Tensor(p.copy(), requires_grad=True) for p in params]
    x_t = Tensor(x)

    def step() -> float:
        h1 = (x_t @ w1 + b1).relu()  # (B, 256)
        h2 = (h1 @ w2 + b2).relu()  # (B, 256)
        loss = cross_entropy(h2 @ w3 + b3, y)
        for p in ps:
            p.grad = None
        loss.backward()
        with no_grad():
            for p in ps:
                p.data -= LR * p.grad
        return float(loss.data)

    return step


# ----------------------------------------------------------------------------------- numpy
def numpy_step_fn(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable:
    w1, b1, w2, b2, w3, b3 = ps = [p.copy() for p in params]
    rows = np.arange(len(y))

    def step() -> float:
        a1 = x @ w1 + b1
        h1 = np.maximum(a1, 0)
        a2 = h1 @ w2 + b2
        h2 = np.maximum(a2, 0)
        z = h2 @ w3 + b3  # (B, 10)
        z_max = z.max(axis=1, keepdims=True)
        e = np.exp(z - z_max)
        total = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) + z_max[:, 0] - z[rows, y]))
        dz = e / total
        dz[rows, y] -= 1
        dz /= len(y)
        dw3, db3 = h2.T @ dz, dz.sum(axis=0)
        dh2 = dz @ w3.T
        dh2 *= h2 > 0
        dw2, db2 = h1.T @ dh2, dh2.sum(axis=0)
        dh1 = dh2 @ w2.T
        dh1 *= h1 > 0
        dw1, db1 = x.T @ dh1, dh1.sum(axis=0)
        for p, g in zip(ps, (dw1, db1, dw2, db2, dw3, db3), strict=True):
            p -= LR * g
        return loss

    return step


# ----------------------------------------------------------------------------------- torch
def torch_step_fn(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    ps = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    w1, b1, w2, b2, w3, b3 = ps
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        h1 = torch.relu(x_t @ w1 + b1)
        h2 = torch.relu(h1 @ w2 + b2)
        loss = torch.nn.functional.cross_entropy(h2 @ w3 + b3, y_t)
        for p in ps:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in ps:
                p -= LR * p.grad
        return float(loss.detach())

    return step


# ---------------------------------------------------------------------------------- timing
def time_steps(engines: dict[str, Callable], steps: int, rounds: int) -> dict[str, float]:
    """Median over ``rounds`` of the mean milliseconds per step, for each engine.

    The engines take turns within every round, so a burst of load from another process
    hits all of them alike instead of one engine's whole measurement.
    """
    for step in engines.values():
        for _ in range(5):
            step()  # warm caches, BLAS and the numba kernels
    means: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(rounds):
        for name, step in engines.items():
            start = time.perf_counter()
            for _ in range(steps):
                step()
            means[name].append((time.perf_counter() - start) / steps * 1e3)
    return {name: statistics.median(values) for name, values in means.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--no-numba", action="store_true", help="Tensor ops on numpy only")
    args = parser.parse_args()
    kernels.use_numba(not args.no_numba)

    console = Console()
    table = Table(title="MLP 784-256-256-10 train step, float32, 1 thread (ms per step)")
    for column in ("batch", "engine", "ms / step", "vs numpy", "vs torch", "first loss"):
        table.add_column(column, justify="right")
    params = init_params()
    for batch in args.batches:
        rng = np.random.default_rng(batch)
        x = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
        y = rng.integers(0, SIZES[-1], size=batch)
        candidates = {
            "tinygrad_rnn": tensor_step_fn(params, x, y),
            "numpy": numpy_step_fn(params, x, y),
            "torch": torch_step_fn(params, x, y),
        }
        engines = {name: f for name, f in candidates.items() if f is not None}
        first_loss = {name: f() for name, f in engines.items()}
        ms = time_steps(engines, args.steps, args.rounds)
        for name in ms:
            vs_torch = f"{ms[name] / ms['torch']:.2f}x" if "torch" in ms else "-"
            table.add_row(
                str(batch),
                name,
                f"{ms[name]:.3f}",
                f"{ms[name] / ms['numpy']:.2f}x",
                vs_torch,
                f"{first_loss[name]:.5f}",
            )
        table.add_section()
    console.print(table)
    console.print(f"numba kernels: {'on' if kernels.numba_enabled() else 'off'}")


if __name__ == "__main__":
    main()
