"""Bug for 8.6: clips by norm array by array, which does turn the gradient."""

import numpy as np

BUG_FOR = "8.6"
CAUGHT_BY = "cos_norm is"


def clip_by_norm(grads: list[np.ndarray], max_norm: float) -> float:
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


def clip_by_value(grads: list[np.ndarray], clip_value: float) -> float:
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return total


def clipping_directions(grads: list[np.ndarray], threshold: float) -> tuple[float, float]:

    def flat(gs):
        return np.concatenate([g.ravel() for g in gs])

    by_norm = [g.copy() for g in grads]
    for g in by_norm:
        clip_by_norm([g], threshold)
    by_value = [g.copy() for g in grads]
    clip_by_value(by_value, threshold)
    a = flat(grads)

    def cos(b):
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    return cos(flat(by_norm)), cos(flat(by_value))
