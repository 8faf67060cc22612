"""Small 2-D classification sets, made by code so nothing is downloaded.

Each function takes a seed and returns ``(X, y)`` as numpy arrays: ``X`` of shape ``(n, 2)``
(float64) and ``y`` of shape ``(n,)`` with integer class labels.

Example:
    >>> X, y = make_moons(100, noise=0.1, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 2), [0, 1])
"""

from __future__ import annotations

import numpy as np

__all__ = ["make_moons", "make_spirals", "make_blobs"]


def _check_n(n: int, name: str) -> None:
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"{name}: n must be an integer of at least 2, got {n!r}")


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = 0):
    """Two interleaving half circles: the classic set a straight line cannot separate.

    Args:
        n: number of points (split as evenly as possible between the two moons).
        noise: standard deviation of Gaussian noise added to each coordinate.
        seed: random seed (``None`` for fresh randomness).

    Returns:
        ``(X, y)`` with ``X`` of shape ``(n, 2)`` and labels 0 (upper moon) and 1 (lower).
    """
    _check_n(n, "make_moons")
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    angle_upper = np.linspace(0.0, np.pi, n_upper)
    angle_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(angle_upper), np.sin(angle_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(angle_lower), 0.5 - np.sin(angle_lower)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def make_spirals(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int | None = 0):
    """Interleaved spiral arms, one per class: hard for a linear model, easy for a small MLP.

    Args:
        n: total number of points.
        classes: number of arms (and classes).
        noise: noise added to the angle, in radians.
        seed: random seed.

    Returns:
        ``(X, y)`` with ``X`` of shape ``(n, 2)`` and labels ``0 .. classes-1``.
    """
    _check_n(n, "make_spirals")
    if classes < 2:
        raise ValueError(f"make_spirals: classes must be at least 2, got {classes}")
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    radius = rng.uniform(0.05, 1.0, size=n)
    angle = labels * (2 * np.pi / classes) + radius * 4.0 + rng.normal(0.0, noise, size=n)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return X, labels.astype(np.int64)


def make_blobs(n: int = 100, centers: int = 2, spread: float = 0.5, seed: int | None = 0):
    """Gaussian blobs around centres on a circle: the easy, linearly separable case.

    Args:
        n: total number of points.
        centers: number of blobs (and classes).
        spread: standard deviation of each blob.
        seed: random seed.

    Returns:
        ``(X, y)`` with ``X`` of shape ``(n, 2)`` and labels ``0 .. centers-1``.
    """
    _check_n(n, "make_blobs")
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % centers
    angles = 2 * np.pi * labels / centers
    X = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = X + rng.normal(0.0, spread, size=(n, 2))
    return X, labels.astype(np.int64)
