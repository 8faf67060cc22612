"""Lesson 12 exercises: applications.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 12        # every exercise of lesson 12
    tinygrad-rnn grade 12.3      # just one exercise

Everything here is plain numpy.

| id   | points | what you write                                                        |
|------|--------|-----------------------------------------------------------------------|
| 12.1 | 1      | ``sliding_windows``: (past window, future values) pairs of a series   |
| 12.2 | 2      | ``accuracy`` and ``confusion_matrix`` of a classifier's predictions   |
| 12.3 | 2      | ``rollout``: forecast ``n`` steps by feeding predictions back in      |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def sliding_windows(series: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 12.1 (1 point): every (past, future) pair of one series, for forecasting.

    Pair ``i`` has the past ``series[i : i + window]`` and the future that follows it
    directly, ``series[i + window : i + window + horizon]``. Take every ``i`` for which the
    whole future fits inside the series (so ``len(series) - window - horizon + 1`` pairs).

    Args:
        series: ``(L,)`` values.
        window: ``W``, how many past values the model sees.
        horizon: ``K``, how many future values it must predict.

    Returns:
        ``(past, future)``: arrays of shape ``(N, W)`` and ``(N, K)``.

    Example:
        >>> past, future = sliding_windows(np.arange(6.0), window=3, horizon=2)
        >>> past.tolist(), future.tolist()
        ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]])

    Explained in: lesson 12, "Multi-step forecasting".
    """
    raise NotImplementedError(
        "Exercise 12.1: return (past, future): every window of the series and the values after it"
    )


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Exercise 12.2 (2 points, with ``confusion_matrix``): the share of right predictions.

    Example:
        >>> accuracy(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]))
        0.75

    Explained in: lesson 12, "Sequence classification".
    """
    raise NotImplementedError("Exercise 12.2: return the share of predictions that are right")


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Exercise 12.2: count each (true class, predicted class) pair.

    Entry ``[i, j]`` is the number of examples of true class ``i`` that were predicted as
    class ``j``: rows are the truth, columns the predictions, the diagonal the right
    answers. Classes that never occur still get their row and column (of zeros).

    Args:
        y_true: ``(N,)`` integer class ids.
        y_pred: ``(N,)`` integer class ids.
        n_classes: ``C``.

    Returns:
        An integer array of shape ``(C, C)``.

    Example:
        >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 3).tolist()
        [[1, 0, 0], [1, 1, 0], [0, 0, 0]]
    """
    raise NotImplementedError("Exercise 12.2: return the (n_classes, n_classes) table of counts")


def rollout(
    step: Callable[[np.ndarray, Any], tuple[np.ndarray, Any]],
    x: np.ndarray,
    state: Any,
    n: int,
) -> np.ndarray:
    r"""Exercise 12.3 (2 points): forecast ``n`` steps by feeding each prediction back in.

    ``step(x, state)`` is a one-step model: given the current input ``x`` ``(B, 1)`` and its
    recurrent state, it returns ``(y, new_state)``, with ``y`` ``(B, 1)`` its prediction of
    the **next** value. Starting from ``x`` and ``state``, call it ``n`` times; each time,
    the prediction becomes the next input and the new state the next state. Return the
    ``n`` predictions in order. (The state is whatever the model uses; don't look inside
    it, just pass it on.)

    Args:
        step: the one-step model.
        x: ``(B, 1)`` the last observed value (or the first prediction).
        state: the model's state after reading the observed values.
        n: how many steps to forecast.

    Returns:
        ``(n, B, 1)``: the predictions, first to last.

    Example:
        >>> def halve(x, state):                 # "the next value is half this one"
        ...     return x / 2, state
        >>> rollout(halve, np.array([[8.0]]), None, 3).ravel().tolist()
        [4.0, 2.0, 1.0]

    Explained in: lesson 12, "Multi-step forecasting".
    """
    raise NotImplementedError(
        "Exercise 12.3: return the n predictions, stacked, each fed back in as the next input"
    )
