"""Shared hypothesis strategies: shapes that broadcast, and reproducible random arrays.

Arrays are drawn as a seed and filled with numpy's generator rather than element by
element: hypothesis then shrinks shapes (the interesting part) and the values stay smooth
and distinct, which is what central differences need (no ties at a ``max``, no point
exactly on the kink of a ``relu``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

__all__ = [
    "FAST",
    "seeds",
    "shapes",
    "broadcast_pairs",
    "broadcast_triples",
    "matmul_shapes",
    "random_array",
]

#: Settings for gradient checks: few examples, no deadline (the first call may compile).
FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy:
    """Shapes with 0 to 3 axes of sizes 1 to 3 (size-1 axes and 0-d included)."""
    return st.lists(
        st.integers(min_value=1, max_value=max_side), min_size=min_dims, max_size=max_dims
    ).map(tuple)


def broadcast_pairs(max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy:
    """Two shapes that broadcast together, like ``(3, 1)`` and ``(2, 1, 4)`` (0-d too)."""
    return mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda b: b.input_shapes)


def broadcast_triples(max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy:
    """Three mutually broadcastable shapes (for ``where``)."""
    return mutually_broadcastable_shapes(
        num_shapes=3, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda b: b.input_shapes)


@st.composite
def matmul_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Operand shapes for ``a @ b``: 1-D, 2-D, or batched with broadcasting batch axes."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    kind_a = draw(st.sampled_from(["vector", "matrix", "batched"]))
    kind_b = draw(st.sampled_from(["vector", "matrix", "batched"]))
    batch_a, batch_b = draw(
        mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3).map(
            lambda b: b.input_shapes
        )
    )
    shape_a = {"vector": (k,), "matrix": (n, k), "batched": (*batch_a, n, k)}[kind_a]
    shape_b = {"vector": (k,), "matrix": (k, m), "batched": (*batch_b, k, m)}[kind_b]
    return shape_a, shape_b


def random_array(
    seed: int,
    shape: tuple[int, ...],
    low: float = -2.0,
    high: float = 2.0,
    away_from: float | None = None,
    margin: float = 0.05,
) -> np.ndarray:
    """A float64 array of uniform values in ``[low, high)``, reproducible from ``seed``.

    Args:
        seed: the generator seed (draw it with :data:`seeds`).
        shape: the array's shape.
        low: smallest value.
        high: largest value.
        away_from: a point to keep values away from (a kink such as 0 for relu).
        margin: the smallest allowed distance to ``away_from``.
    """
    rng = np.random.default_rng(seed)
    values = rng.uniform(low, high, size=shape)
    if away_from is not None:
        too_close = np.abs(values - away_from) < margin
        values = np.where(
            too_close, away_from + np.copysign(margin * 2, values - away_from), values
        )
    return values
