"""Compile every numba kernel once, for float32 and float64, and say where the cache is.

numba compiles a kernel the first time it is called with a new dtype: a few seconds per
kernel. With ``cache=True`` the machine code is saved to disk, so every later process loads
it in milliseconds. ``tinygrad-rnn warmup`` pays the whole cost up front, with a progress
bar, so that the first lesson that trains does not stall.

Example:
    >>> result = warmup(progress=False)  # doctest: +SKIP
    >>> result["cache_dir"]  # doctest: +SKIP
    '/home/me/tinygrad_rnn/tinygrad_rnn/kernels/__pycache__'
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["warmup", "kernel_calls"]

_DTYPES = (np.float32, np.float64)


def _tensor_kernel_calls(kernels: Any, dtype: type) -> list[tuple[str, Callable[[], object]]]:
    """One tiny call per kernel of :mod:`tinygrad_rnn.kernels.elementwise_jit` in ``dtype``."""
    x = np.linspace(-1.0, 1.0, 6, dtype=dtype).reshape(2, 3)
    flat = x.reshape(-1)  # the elementwise kernels take 1-D arrays
    targets = np.array([0, 2], dtype=np.int64)

    def xent_backward() -> object:
        losses, lse = kernels.softmax_xent_forward(x, targets)
        return kernels.softmax_xent_backward(x, targets, lse, np.ones_like(losses))

    return [
        ("tanh_forward", lambda: kernels.tanh_forward(flat)),
        ("tanh_backward", lambda: kernels.tanh_backward(flat, flat)),
        ("sigmoid_forward", lambda: kernels.sigmoid_forward(flat)),
        ("sigmoid_backward", lambda: kernels.sigmoid_backward(flat, flat)),
        ("relu_forward", lambda: kernels.relu_forward(flat)),
        ("relu_backward", lambda: kernels.relu_backward(flat, flat)),
        ("softmax_xent_forward", lambda: kernels.softmax_xent_forward(x, targets)),
        ("softmax_xent_backward", xent_backward),
        ("embedding_backward", lambda: kernels.embedding_backward(x, targets, 3)),
        ("grad_norm", lambda: kernels.grad_norm([x, x[0]])),
    ]


def _recurrent_kernel_calls(rnn: Any, dtype: type) -> list[tuple[str, Callable[[], object]]]:
    """Forward and backward of each fused recurrent layer on a 2-step, 1-sample sequence.

    The ``layer`` calls compile what small models run (one compiled call per direction);
    the ``cell`` calls step the time loop from Python, as bigger models do, so the
    per-step kernels are compiled too.
    """
    hidden = 2

    def cell(name: str, gates: int, **kwargs: Any) -> Callable[[], object]:
        def run() -> object:
            stepping, rnn.STEPPING = rnn.STEPPING, "python"
            try:
                return stepped(name, gates, **kwargs)
            finally:
                rnn.STEPPING = stepping

        return run

    def stepped(name: str, gates: int, **kwargs: Any) -> object:
        rng = np.random.default_rng(0)
        xw = rng.standard_normal((2, 1, gates * hidden)).astype(dtype)
        w_hh = rng.standard_normal((gates * hidden, hidden)).astype(dtype)
        b_hh = np.zeros(gates * hidden, dtype=dtype)
        if name == "lstm":
            out, _, _, cache = rnn.lstm_forward(xw, w_hh, b_hh, None, None)
            return rnn.lstm_backward(np.ones_like(out), None, None, cache, w_hh)
        forward = getattr(rnn, f"{name}_forward")
        backward = getattr(rnn, f"{name}_backward")
        out, _, cache = forward(xw, w_hh, b_hh, None, **kwargs)
        return backward(np.ones_like(out), None, cache, w_hh)

    def layer(name: str, gates: int, **kwargs: Any) -> Callable[[], object]:
        def run() -> object:
            rng = np.random.default_rng(0)
            x = rng.standard_normal((2, 1, 3)).astype(dtype)
            w_ih = rng.standard_normal((gates * hidden, 3)).astype(dtype)
            w_hh = rng.standard_normal((gates * hidden, hidden)).astype(dtype)
            forward = getattr(rnn, f"{name}_layer_forward")
            backward = getattr(rnn, f"{name}_layer_backward")
            if name == "lstm":
                out, _, cache = forward(x, w_ih, w_hh, None, None, None, None)
                return backward(np.ones_like(out), None, cache, True)
            out, cache = forward(x, w_ih, w_hh, None, None, None, **kwargs)
            return backward(np.ones_like(out), cache, True)

        return run

    return [
        ("rnn layer", layer("rnn", 1, nonlinearity="tanh")),
        ("lstm layer", layer("lstm", 4)),
        ("gru layer", layer("gru", 3)),
        ("rnn, stepped", cell("rnn", 1, nonlinearity="tanh")),
        ("lstm, stepped", cell("lstm", 4)),
        ("gru, stepped", cell("gru", 3)),
    ]


def kernel_calls() -> list[tuple[str, Callable[[], object]]]:
    """Every ``(description, call)`` that :func:`warmup` runs, for both dtypes."""
    from tinygrad_rnn.kernels import elementwise_jit, recurrent_jit

    calls: list[tuple[str, Callable[[], object]]] = []
    for dtype in _DTYPES:
        name = np.dtype(dtype).name
        calls += [(f"{k} ({name})", c) for k, c in _tensor_kernel_calls(elementwise_jit, dtype)]
        calls += [(f"{k} ({name})", c) for k, c in _recurrent_kernel_calls(recurrent_jit, dtype)]
    return calls


def warmup(progress: bool = True) -> dict[str, Any]:
    """Compile (or load from the on-disk cache) every numba kernel, in float32 and float64.

    Args:
        progress: show a rich progress bar and print a summary.

    Returns:
        ``{"cache_dir": str, "seconds": float, "kernels": [(description, seconds), ...]}``
        (``cache_dir`` is ``None`` and the list empty when numba is not installed).
    """
    start = time.perf_counter()
    if importlib.util.find_spec("numba") is None:
        print("warmup: numba is not installed; the Tensor ops run on numpy instead.")
        return {"cache_dir": None, "seconds": 0.0, "kernels": []}
    from tinygrad_rnn.kernels._numba import cache_location  # imports numba

    calls = kernel_calls()
    timings: list[tuple[str, float]] = []
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console()
        columns = (
            TextColumn("{task.description:<32}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("compiling kernels", total=len(calls))
            for description, call in calls:
                bar.update(task, description=description)
                tick = time.perf_counter()
                call()
                timings.append((description, time.perf_counter() - tick))
                bar.advance(task)
            bar.update(task, description="all kernels ready")
    else:
        for description, call in calls:
            tick = time.perf_counter()
            call()
            timings.append((description, time.perf_counter() - tick))
    total = time.perf_counter() - start
    cache_dir = cache_location()
    if progress:
        slowest = max(timings, key=lambda item: item[1])
        console.print(
            f"{len(timings)} kernel calls ready in {total:.1f} s "
            f"(slowest: {slowest[0]}, {slowest[1]:.2f} s). A compile takes seconds; "
            "a load from the cache, milliseconds."
        )
        console.print(f"numba cache: {cache_dir}")
    return {"cache_dir": cache_dir, "seconds": total, "kernels": timings}
