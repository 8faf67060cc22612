"""Bug for 8.7: predicts from the matrix norm (largest singular value) instead of the radius."""

import numpy as np

BUG_FOR = "8.7"
CAUGHT_BY = "not the norm"


def spectral_radius(W: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def predict_growth(W_hh: np.ndarray) -> str:
    return "vanish" if np.linalg.norm(W_hh, 2) < 1.0 else "explode"


def measure_growth(W_hh: np.ndarray, u: np.ndarray, steps: int) -> float:
    g = u.copy()
    for _ in range(steps):  # h_t = 0 at every step: tanh's slope 1 - 0**2 is 1
        g = g @ W_hh
    return float((np.linalg.norm(g) / np.linalg.norm(u)) ** (1.0 / steps))
