"""Benchmark the recurrent LAYERS (RNN, LSTM, GRU): fused, unrolled, and torch.nn.

What is timed is what a training step pays for one layer, through the public API:
``layer.zero_grad()``, ``out, state = layer(x, state0)`` and ``out.backward(grad_out)``,
with ``x`` requiring a gradient. Ours runs as a ``tinygrad_rnn.nn`` layer with
``fused=True`` (one Tensor op per layer: the input projections, the recurrence and every
gradient in numba kernels, one compiled call per direction for small models) and with
``fused=False`` (the unrolled per-step graph of Tensor ops, what the lessons draw). torch
runs ``torch.nn.LSTM/GRU/RNN`` with the same weights. All in float32 on one thread. The
contenders take turns in rounds, each running ``--block`` steps in a row per round (default
10: a training loop's steady state; 1: strictly alternating, every step starting with caches
full of the other's code and data), so that a busy machine slows them alike; the median
(or, with ``--stat min``, the fastest step, steadier when other work shares the CPU) is
reported.

Targets for the fused layers: at the tiny size at least 3x faster than torch; at the medium
size no slower; at the large size within 1.2x.

Run:
    .venv/bin/python bench/bench_rnn.py                        # all sizes, all cells
    .venv/bin/python bench/bench_rnn.py --sizes tiny medium --repeats 100
    .venv/bin/python bench/bench_rnn.py --sizes tiny --block 1   # strictly alternating steps
    .venv/bin/python bench/bench_rnn.py --no-unrolled          # skip the slow unrolled rows
"""

from __future__ import annotations

import os

# one thread everywhere; must be set before numpy (and its BLAS) is imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
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


def target_met(size_name: str, fused_ms: float, torch_ms: float) -> tuple[str, bool]:
    """The issue's target for a size, and whether the fused layer meets it."""
    ratio = torch_ms / fused_ms
    if size_name == "tiny":
        return ">= 3x faster", ratio >= 3.0
    if size_name == "medium":
        return "no slower", ratio >= 1.0
    return "within 1.2x", fused_ms <= 1.2 * torch_ms


def make_inputs(cell: str, size: tuple[int, int, int, int], seed: int = 0) -> dict:
    n_steps, batch, n_in, hidden = size
    rng = np.random.default_rng(seed)
    n_state = 2 if cell == "lstm" else 1
    return dict(
        x=rng.normal(size=(n_steps, batch, n_in)).astype(np.float32),
        state=[(0.1 * rng.normal(size=(1, batch, hidden))).astype(np.float32)] * n_state,
        grad_out=rng.normal(size=(n_steps, batch, hidden)).astype(np.float32),
    )


def ours_step(cell: str, size: tuple, fused: bool, data: dict):
    """Build our layer; return a closure running one forward + backward, and the layer."""
    from tinygrad_rnn import nn
    from tinygrad_rnn.tensor import Tensor

    layer_cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
    layer = layer_cls(size[2], size[3], fused=fused, rng=0, dtype=np.float32)
    x = Tensor(data["x"], requires_grad=True, dtype=np.float32)
    state = layer.state_type(*(Tensor(s, dtype=np.float32) for s in data["state"]))
    grad_out = data["grad_out"]

    def step():
        layer.zero_grad()
        x.grad = None
        out, _ = layer(x, state)
        out.backward(grad_out)

    return step, layer


def torch_step(torch, cell: str, size: tuple, data: dict, state_dict: dict):
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](
        size[2], size[3]
    )
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
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


def interleaved_medians(
    steps: dict, repeats: int, warmup: int, stat: str = "median", block: int = 1
) -> dict[str, float]:
    """Median (or minimum) milliseconds per call of each closure, in interleaved rounds.

    Each round runs every closure ``block`` times in a row, timing each call. With
    ``block=1`` every step starts right after the other contender's, with caches full
    of the other's code and data; a training loop runs one framework's steps back to
    back, which ``block`` > 1 reproduces while still interleaving the contenders.
    """
    for fn in steps.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(max(1, repeats // block)):
        for name, fn in steps.items():
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    summary = statistics.median if stat == "median" else min
    return {name: 1e3 * summary(ts) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--repeats", type=int, default=200, help="timed steps per contender")
    parser.add_argument("--no-unrolled", action="store_true", help="skip the unrolled layers")
    parser.add_argument(
        "--stat",
        choices=["median", "min"],
        default="median",
        help="summary of the repeats; 'min' is steadier on a busy machine",
    )
    parser.add_argument(
        "--block",
        type=int,
        default=10,
        help="steps each contender runs in a row per round (1: strictly alternating)",
    )
    args = parser.parse_args(argv)

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    console = Console(width=150)
    table = Table(
        title=f"recurrent layer, forward + backward, float32, 1 thread ({args.stat} ms)",
        caption="torch/fused > 1 means the fused layer is faster",
    )
    for col in ("size", "T, B, I, H", "cell", "fused", "unrolled", "torch", "torch/fused"):
        table.add_column(col, justify="right")
    table.add_column("target", justify="left")
    for size_name in args.sizes:
        size = SIZES[size_name]
        big = size_name == "large"
        repeats = max(3, args.repeats // 20) if big else args.repeats
        for cell in args.cells:
            data = make_inputs(cell, size)
            steps = {}
            steps["fused"], layer = ours_step(cell, size, True, data)
            if not args.no_unrolled:
                steps["unrolled"], unrolled = ours_step(cell, size, False, data)
                unrolled.load_state_dict(layer.state_dict())
            if torch is not None:
                steps["torch"] = torch_step(torch, cell, size, data, layer.state_dict())
            unrolled_step = steps.pop("unrolled", None)
            block = 1 if big else args.block
            ms = interleaved_medians(steps, repeats, 1 if big else 3, args.stat, block)
            if unrolled_step is not None:
                reps = 2 if big else max(3, repeats // 4)
                unrolled_ms = interleaved_medians({"unrolled": unrolled_step}, reps, 1, args.stat)
                ms.update(unrolled_ms)
            row = [size_name, str(size), cell, f"{ms['fused']:.2f}"]
            row.append(f"{ms['unrolled']:.1f}" if "unrolled" in ms else "-")
            if "torch" in ms:
                goal, ok = target_met(size_name, ms["fused"], ms["torch"])
                ratio = ms["torch"] / ms["fused"]
                row += [
                    f"{ms['torch']:.2f}",
                    f"{ratio:.2f}x",
                    f"{goal}: {'met' if ok else 'MISSED'}",
                ]
            else:
                row += ["-", "-", "torch not installed"]
            table.add_row(*row)
            console.print(
                f"  {size_name} {cell}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in ms.items())
            )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
