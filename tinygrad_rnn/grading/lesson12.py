"""Checks for lesson 12, applications (``lessons/12_applications_exercises.py``).

References: index arithmetic in numpy for 12.1 and 12.2 (``np.add.at`` for the confusion
matrix); for 12.3 the grader and the learner's process build the same small one-step model
(a one-layer tanh recurrence with a linear readout, from seeded weights sent as plain
lists) and the grader rolls it out itself. The judge of 12.3 recognises the two classic
mistakes: feeding the first input every time instead of the prediction, and dropping the
state between steps.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array
from tinygrad_rnn.grading.calls import call
from tinygrad_rnn.grading.checks import close, value_message
from tinygrad_rnn.grading.probes import as_number
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

# ---------------------------------------------------------------- 12.1 sliding_windows

#: (length, window, horizon)
WINDOW_CASES = ((6, 3, 2), (10, 4, 1), (30, 7, 5), (12, 1, 3), (9, 4, 5))


@cases
def _window_cases() -> tuple[Case, ...]:
    rng = case_rng(1201)
    cases = []
    for length, window, horizon in WINDOW_CASES:
        series = rng.standard_normal(length).round(4)
        count = length - window - horizon + 1
        index = np.arange(count)[:, None]
        past = series[index + np.arange(window)]  # (N, W)
        future = series[index + window + np.arange(horizon)]  # (N, K)
        label = f"sliding_windows(series of length {length}, window={window}, horizon={horizon})"
        inputs = {"series": series.tolist(), "window": window, "horizon": horizon}
        cases.append(Case(inputs, {"past": past, "future": future}, label))
    return tuple(cases)


# ---------------------------------------------------------------- 12.2 accuracy + confusion

#: (N, classes, share of right answers): a class that never occurs in the last case
CONFUSION_CASES = ((10, 2, 0.7), (50, 4, 0.5), (7, 3, 0.0), (100, 5, 0.9), (20, 6, 0.6))


@cases
def _confusion_cases() -> tuple[Case, ...]:
    rng = case_rng(1202)
    cases = []
    for n, classes, right in CONFUSION_CASES:
        high = classes - 1 if classes == 6 else classes  # class 5 of 6 never occurs
        y_true = rng.integers(0, high, n)
        y_pred = np.where(rng.random(n) < right, y_true, rng.integers(0, high, n))
        matrix = np.zeros((classes, classes), dtype=np.int64)
        np.add.at(matrix, (y_true, y_pred), 1)
        label = f"confusion_matrix(y_true, y_pred of {n} examples, n_classes={classes})"
        inputs = {"y_true": y_true.tolist(), "y_pred": y_pred.tolist(), "n_classes": classes}
        expected = {"matrix": matrix, "accuracy": float(np.mean(y_true == y_pred))}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_confusion(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    y_true = np.array(inputs["y_true"], dtype=np.int64)
    y_pred = np.array(inputs["y_pred"], dtype=np.int64)
    acc = as_number(learner.accuracy(y_true.copy(), y_pred.copy()), "accuracy")
    matrix = learner.confusion_matrix(y_true, y_pred, inputs["n_classes"])
    return {"accuracy": acc, "matrix": as_array(matrix, "confusion_matrix")}


def judge_confusion(case: Case, got: dict[str, Any]) -> str | None:
    want = case.expected
    if not close(got["accuracy"], want["accuracy"], 1e-12, 1e-12):
        return value_message(
            case.label.replace("confusion_matrix", "accuracy"), want["accuracy"], got["accuracy"]
        )
    matrix = np.asarray(got["matrix"], dtype=np.float64)
    expected = want["matrix"].astype(np.float64)
    if matrix.shape == expected.shape and not np.array_equal(matrix, expected):
        if np.array_equal(matrix, expected.T):
            return (
                f"{case.label}: the matrix is transposed: rows must be the true classes and "
                "columns the predicted ones"
            )
    return array_problem(case.label, "the matrix", expected, matrix)


# ---------------------------------------------------------------- 12.3 rollout


def make_step(weights: dict[str, Any]) -> Callable[[np.ndarray, Any], tuple[np.ndarray, Any]]:
    """The one-step model of a case: h' = tanh(h A^T + x b^T), y = h' c^T + d (float64)."""
    A = np.array(weights["A"], dtype=np.float64)  # (H, H)
    b = np.array(weights["b"], dtype=np.float64)  # (H, 1)
    c = np.array(weights["c"], dtype=np.float64)  # (1, H)
    d = float(weights["d"])

    def step(x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 1:
            raise ValueError(f"step: x must have shape (B, 1), got {x.shape}")
        h_new = np.tanh(h @ A.T + x @ b.T)  # (B, H)
        return h_new @ c.T + d, h_new  # (B, 1), (B, H)

    return step


def _roll(step, x, state, n, feed_back=True, carry=True) -> np.ndarray:
    out, x_in = [], x
    for _ in range(n):
        y, new_state = step(x_in, state)
        out.append(y)
        x_in = y if feed_back else x
        state = new_state if carry else state
    return np.stack(out)


#: (B, H, n)
ROLLOUT_SHAPES = ((1, 3, 5), (4, 2, 8), (2, 5, 1), (3, 4, 12))


@cases
def _rollout_cases() -> tuple[Case, ...]:
    rng = case_rng(1203)
    cases = []
    for batch, hidden, n in ROLLOUT_SHAPES:
        weights = {
            "A": (rng.standard_normal((hidden, hidden)) * 0.8).round(4).tolist(),
            "b": rng.standard_normal((hidden, 1)).round(4).tolist(),
            "c": rng.standard_normal((1, hidden)).round(4).tolist(),
            "d": round(float(rng.standard_normal()) * 0.3, 4),
        }
        x = rng.standard_normal((batch, 1)).round(4)
        h = rng.uniform(-1, 1, (batch, hidden)).round(4)
        step = make_step(weights)
        expected = {
            "right": _roll(step, x, h, n),
            "no feedback": _roll(step, x, h, n, feed_back=False),
            "no state": _roll(step, x, h, n, carry=False),
        }
        label = f"rollout(step, x {x.shape}, state {h.shape}, n={n})"
        inputs = {"weights": weights, "x": x.tolist(), "h": h.tolist(), "n": n}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_rollout(learner: ModuleType, inputs: dict[str, Any]) -> np.ndarray:
    step = make_step(inputs["weights"])
    x = np.array(inputs["x"], dtype=np.float64)
    h = np.array(inputs["h"], dtype=np.float64)
    return as_array(learner.rollout(step, x, h, inputs["n"]), "rollout")


def judge_rollout(case: Case, got: np.ndarray) -> str | None:
    want = case.expected
    got = np.asarray(got, dtype=np.float64)
    if got.shape == want["right"].shape and not np.allclose(got, want["right"], atol=1e-9):
        if case.inputs["n"] > 1 and np.allclose(got, want["no feedback"], atol=1e-9):
            return f"{case.label}: every step read the first x; feed each prediction back in"
        if case.inputs["n"] > 1 and np.allclose(got, want["no state"], atol=1e-9):
            return f"{case.label}: every step started from the first state; pass the new one on"
    return array_problem(case.label, "the predictions", want["right"], got)


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=12,
    exercise_file="12_applications_exercises.py",
    exercises=(
        Exercise(
            id="12.1",
            title="Sliding windows for forecasting",
            points=1,
            functions=("sliding_windows",),
            todo="return (past, future): every window of the series and the values after it",
            hint=(
                (
                    "Forecasting learns from pairs: a window of past values and the values that"
                    " followed it. Slide the window one step at a time over the series, as far "
                    "as a whole future still fits. See 'Multi-step forecasting' in lesson 12."
                ),
                (
                    "For every start i from 0 while i + window + horizon is at most the length:"
                    " the past is the window values from i, the future the horizon values right"
                    " after. Stack them into (N, window) and (N, horizon) arrays."
                ),
                (
                    "count = len(series) - window - horizon + 1\n"
                    "past = np.stack([series[i:i + window] for i in range(count)])\n"
                    "future = np.stack([series[i + window:i + window + horizon] for i in "
                    "range(count)])\n"
                    "return past, future"
                ),
            ),
            checks=(
                call(
                    "pairs match the definition",
                    _window_cases,
                    "sliding_windows",
                    ("series", "window:raw", "horizon:raw"),
                    returns=("past", "future"),
                ),
            ),
        ),
        Exercise(
            id="12.2",
            title="Accuracy and the confusion matrix",
            points=2,
            functions=("accuracy", "confusion_matrix"),
            todo=(
                "return the share of predictions that are right",
                "return the (n_classes, n_classes) table of counts",
            ),
            hint=(
                (
                    "Accuracy is the fraction of examples whose prediction equals the truth. "
                    "The confusion matrix counts each pair of true class and predicted class, "
                    "rows for the truth. See 'Sequence classification' in lesson 12."
                ),
                (
                    "accuracy: compare the two arrays elementwise and take the mean, as a "
                    "float. confusion_matrix: an (n_classes, n_classes) integer table of zeros;"
                    " for each example add one at row true class, column predicted class. "
                    "Repeated pairs must add up."
                ),
                (
                    "accuracy: return float(np.mean(y_true == y_pred))\n"
                    "confusion: M = np.zeros((n_classes, n_classes), dtype=np.int64); "
                    "np.add.at(M, (y_true, y_pred), 1); return M"
                ),
            ),
            checks=(
                Check(
                    "accuracy and counts per (true, predicted)",
                    _confusion_cases,
                    probe_confusion,
                    judge_confusion,
                ),
            ),
        ),
        Exercise(
            id="12.3",
            title="Autoregressive rollout",
            points=2,
            functions=("rollout",),
            todo="return the n predictions, stacked, each fed back in as the next input",
            hint=(
                (
                    "An autoregressive forecast feeds every prediction back as the next input, "
                    "carrying the model's state along. See 'Multi-step forecasting' in lesson "
                    "12."
                ),
                (
                    "Repeat n times: call step on the current input and state, which gives a "
                    "prediction and the new state; keep the prediction and make it the next "
                    "input. Stack the n predictions in order. Do not look inside the state: "
                    "just pass it on."
                ),
                (
                    "ys = []\n"
                    "for _ in range(n):\n"
                    "    y, state = step(x, state)\n"
                    "    ys.append(y)\n"
                    "    x = y\n"
                    "return np.stack(ys)"
                ),
            ),
            checks=(
                Check(
                    "matches the rollout of the same step function",
                    _rollout_cases,
                    probe_rollout,
                    judge_rollout,
                ),
            ),
        ),
    ),
)
