r"""Checks for lesson 8, vanishing and exploding gradients (``lessons/08_gradients_exercises.py``).

References: the gradients of a tanh RNN run with the Tensor engine and their norms (8.1);
:func:`tinygrad_rnn.optim.clip_grad_norm_` and :func:`~tinygrad_rnn.optim.clip_grad_value_`
(8.2); ``np.linalg.eigvals`` and central differences of a tanh RNN's last state with
respect to each earlier state (8.3); orthogonality, reproducibility and the distribution of
many seeded draws (8.4). Every input is seeded and travels as plain lists.
"""

from __future__ import annotations

import math
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array
from tinygrad_rnn.grading.checks import fmt, value_message
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson

__all__ = ["LESSON"]


def _as_float(obj: Any, where: str) -> float:
    if isinstance(obj, bool) or not isinstance(obj, int | float | np.floating | np.integer):
        raise WrongType(f"{where} should return a float, got {describe(obj)}")
    return float(obj)


def _float_problem(label: str, what: str, expected: float, got: float, rtol: float = 1e-9):
    if math.isfinite(got) and math.isclose(got, expected, rel_tol=rtol, abs_tol=1e-12):
        return None
    return value_message(label, expected, got, what)


def _tanh_run(rng: np.random.Generator, steps: int, batch: int, hidden: int, rho: float):
    """Hidden-state gradients of a small tanh RNN (Tensor engine, float64): a list of (B, H)."""
    from tinygrad_rnn.tensor import Tensor

    W = rng.standard_normal((hidden, hidden))
    W *= rho / np.max(np.abs(np.linalg.eigvals(W)))
    W_hh = Tensor(W, dtype=np.float64)
    W_ih = Tensor(rng.standard_normal((hidden, 2)), dtype=np.float64)
    xs = rng.standard_normal((steps, batch, 2))
    h = Tensor(np.zeros((batch, hidden)), requires_grad=True, dtype=np.float64)
    hs = [h]
    for t in range(steps):
        h = (Tensor(xs[t], dtype=np.float64) @ W_ih.T + h @ W_hh.T).tanh()
        hs.append(h)
    (h * Tensor(rng.standard_normal((batch, hidden)), dtype=np.float64)).sum().backward()
    return [np.array(s.grad, dtype=np.float64) for s in hs]


# ---------------------------------------------------------------- 8.1 grad_norms, factor

#: (T, B, H, spectral radius): gradients that vanish, hold, or explode
NORM_RUNS = ((6, 2, 3, 0.6), (12, 4, 5, 1.0), (10, 1, 4, 4.0), (3, 3, 2, 1.5))


@cache
def _norm_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(801)
    cases = []
    for steps, batch, hidden, rho in NORM_RUNS:
        grads = [g.round(12) for g in _tanh_run(rng, steps, batch, hidden, rho)]
        norms = np.array([math.sqrt(float(np.sum(g * g))) for g in grads])
        factor = (norms[0] / norms[-1]) ** (1.0 / (len(norms) - 1))
        label = (
            f"grad_norms of {len(grads)} gradients of shape {grads[0].shape} "
            f"(a tanh RNN with spectral radius {rho})"
        )
        inputs = {"grads": [g.tolist() for g in grads]}
        cases.append(Case(inputs, {"norms": norms, "factor": float(factor)}, label))
    # one hand-made case with shapes that differ between steps and a single step of history
    grads = [np.array([[3.0, 4.0]]), np.array([[0.0, 0.5], [0.0, 0.0]])]
    label = "grad_norms([[[3, 4]], [[0, 0.5], [0, 0]]])"
    inputs = {"grads": [g.tolist() for g in grads]}
    cases.append(Case(inputs, {"norms": np.array([5.0, 0.5]), "factor": 10.0}, label))
    return tuple(cases)


def probe_norms(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    grads = [np.array(g, dtype=np.float64) for g in inputs["grads"]]
    norms = as_array(learner.grad_norms([g.copy() for g in grads]), "grad_norms")
    # the factor is judged on the reference norms, so that one mistake is reported once
    reference = np.array([math.sqrt(float(np.sum(g * g))) for g in grads])
    factor = _as_float(learner.per_step_factor(reference.copy()), "per_step_factor")
    return {"norms": norms, "factor": factor}


def judge_norms(case: Case, got: dict[str, Any]) -> str | None:
    problem = array_problem(case.label, "the norms", case.expected["norms"], got["norms"])
    if problem:
        return problem
    label = case.label.replace("grad_norms", "per_step_factor(norms)", 1)
    return _float_problem(
        label, "the geometric mean per step, last to first", case.expected["factor"], got["factor"]
    )


# ---------------------------------------------------------------- 8.2 clipping

#: (shapes, scale of the entries, limit)
CLIP_CASES = (
    (((3,), (2, 2)), 1.0, 1.0),
    (((4,), (3, 1), (2,)), 0.1, 1.0),  # below the norm limit: nothing changes
    (((2,), (2,), (2,), (2,)), 10.0, 3.0),  # many small arrays: per-array clipping is wrong
    (((5, 5),), 2.0, 0.5),
    (((3, 2), (1,)), 1.0, 100.0),
)


@cache
def _clip_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.optim import clip_grad_norm_, clip_grad_value_
    from tinygrad_rnn.tensor import Tensor

    rng = np.random.default_rng(802)
    cases = []
    for kind in ("clip_by_norm", "clip_by_value"):
        for shapes, scale, limit in CLIP_CASES:
            if kind == "clip_by_value":
                limit = round(0.5 * scale, 4)  # some entries inside, some outside
            grads = [(rng.standard_normal(s) * scale).round(5) for s in shapes]
            tensors = [Tensor(np.zeros(s), requires_grad=True, dtype=np.float64) for s in shapes]
            for t, g in zip(tensors, grads, strict=True):
                t.grad = g.copy()
            if kind == "clip_by_norm":
                total = clip_grad_norm_(tensors, limit)
            else:
                total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
                clip_grad_value_(tensors, limit)
            after = [np.array(t.grad) for t in tensors]
            label = f"{kind}(gradients of shapes {list(shapes)}, {limit})"
            inputs = {"function": kind, "grads": [g.tolist() for g in grads], "limit": limit}
            cases.append(Case(inputs, {"total": total, "grads": after, "before": grads}, label))
    return tuple(cases)


def probe_clip(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    grads = [np.array(g, dtype=np.float64) for g in inputs["grads"]]
    function = inputs["function"]
    total = getattr(learner, function)(grads, inputs["limit"])
    total = _as_float(total, f"{function} (the total norm before clipping)")
    return {"total": total, "grads": grads}


def judge_clip(case: Case, got: dict[str, Any]) -> str | None:
    want = case.expected
    problem = _float_problem(
        case.label, "the total norm before clipping", want["total"], got["total"]
    )
    if problem:
        return problem
    changed = any(
        not np.array_equal(a, b) for a, b in zip(want["grads"], want["before"], strict=True)
    )
    untouched = all(np.array_equal(a, b) for a, b in zip(got["grads"], want["before"], strict=True))
    if changed and untouched:
        return (
            f"{case.label}: the arrays in the list were not changed; clip them in place "
            "(g *= scale, or np.clip(g, lo, hi, out=g)), do not make new ones"
        )
    for k, (expected, g) in enumerate(zip(want["grads"], got["grads"], strict=True)):
        problem = array_problem(case.label, f"gradient {k} after clipping", expected, g, 1e-5, 1e-9)
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- 8.3 spectral radius, Jacobians

#: (T, H, spectral radius of W_hh, input scale)
JACOBIAN_RUNS = ((1, 2, 0.8, 1.0), (4, 3, 1.0, 1.0), (6, 4, 2.5, 0.5), (8, 3, 0.5, 2.0))


def _rotation_heavy(rng: np.random.Generator, n: int) -> np.ndarray:
    """A non-normal matrix with complex eigenvalues: rho, the norm and max Re differ."""
    W = rng.standard_normal((n, n)).round(4)
    W[0, 1] += 3.0  # a large off-diagonal entry makes the largest singular value exceed rho
    return W


@cache
def _radius_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(8031)
    matrices = [np.array([[0.0, 2.0], [-2.0, 0.0]]), np.array([[-3.0, 0.0], [0.0, 1.0]])]
    matrices += [_rotation_heavy(rng, n) for n in (3, 4, 5, 6)]
    cases = []
    for W in matrices:
        rho = float(np.max(np.abs(np.linalg.eigvals(W))))
        label = f"spectral_radius({np.array2string(W, precision=3, threshold=9)})"
        cases.append(Case({"W": W.tolist()}, rho, label))
    return tuple(cases)


def probe_radius(learner: ModuleType, inputs: dict[str, Any]) -> float:
    return _as_float(
        learner.spectral_radius(np.array(inputs["W"], dtype=np.float64)), "spectral_radius"
    )


def judge_radius(case: Case, got: float) -> str | None:
    W = np.array(case.inputs["W"])
    if math.isclose(got, float(np.linalg.norm(W, 2)), rel_tol=1e-9) and not math.isclose(
        got, case.expected, rel_tol=1e-9
    ):
        return value_message(
            case.label, case.expected, got, "that is the largest singular value, not |eigenvalue|"
        )
    return _float_problem(case.label, "the largest |eigenvalue|", case.expected, got, 1e-7)


def _tanh_states(xs, W_ih, W_hh, b, h0) -> np.ndarray:
    h, hs = h0, [h0]
    for x_t in xs:
        h = np.tanh(W_ih @ x_t + b + W_hh @ h)
        hs.append(h)
    return np.stack(hs)  # (T+1, H)


@cache
def _jacobian_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.grading.checks import numeric_gradient

    rng = np.random.default_rng(803)
    cases = []
    for steps, hidden, rho, scale in JACOBIAN_RUNS:
        W_hh = rng.standard_normal((hidden, hidden))
        W_hh = (W_hh * rho / np.max(np.abs(np.linalg.eigvals(W_hh)))).round(6)
        W_ih = rng.standard_normal((hidden, 2)) * scale
        b = rng.standard_normal(hidden) * 0.3
        xs = rng.standard_normal((steps, 2))
        h0 = rng.uniform(-0.5, 0.5, hidden)
        hs = _tanh_states(xs, W_ih, W_hh, b, h0)
        norms = []
        for k in range(steps + 1):  # d h_T / d h_k by central differences, column by column
            columns = []
            for j in range(hidden):

                def last(v, k=k, j=j, hs=hs, xs=xs, W_ih=W_ih, W_hh=W_hh, b=b):
                    start = hs[k].copy()
                    start[j] = v[0]
                    return _tanh_states(xs[k:], W_ih, W_hh, b, start)[-1]

                columns.append(
                    [
                        numeric_gradient(lambda v, i=i, f=last: float(f(v)[i]), [hs[k][j]])[0]
                        for i in range(hidden)
                    ]
                )
            norms.append(float(np.linalg.norm(np.array(columns).T, 2)))
        label = (
            f"jacobian_norms(W_hh {W_hh.shape} with spectral radius {rho}, hs {hs.shape}) "
            "vs central differences of h_T"
        )
        inputs = {"W_hh": W_hh.tolist(), "hs": hs.tolist()}
        cases.append(Case(inputs, np.array(norms), label))
    return tuple(cases)


def probe_jacobian(learner: ModuleType, inputs: dict[str, Any]) -> np.ndarray:
    W_hh = np.array(inputs["W_hh"], dtype=np.float64)
    hs = np.array(inputs["hs"], dtype=np.float64)
    return as_array(learner.jacobian_norms(W_hh, hs), "jacobian_norms")


def judge_jacobian(case: Case, got: Any) -> str | None:
    return array_problem(case.label, "the norms", case.expected, got, 1e-6, 1e-9)


# ---------------------------------------------------------------- 8.4 orthogonal, identity

HAAR_DRAWS, HAAR_SIZE = 400, 4


@cache
def _init_cases() -> tuple[Case, ...]:
    cases = []
    for n, gain, seed in ((5, 1.0, 8401), (16, 1.0, 8402), (8, math.sqrt(2.0), 8403)):
        label = f"orthogonal({n}, np.random.default_rng({seed}), gain={gain:.4g})"
        cases.append(Case({"function": "orthogonal", "n": n, "gain": gain, "seed": seed}, n, label))
    label = f"{HAAR_DRAWS} draws of orthogonal({HAAR_SIZE}, rng) from one generator"
    cases.append(Case({"function": "haar", "seed": 8404}, None, label))
    for n, gain in ((3, 1.0), (5, 0.5)):
        label = f"identity({n}, gain={gain})"
        cases.append(Case({"function": "identity", "n": n, "gain": gain}, gain * np.eye(n), label))
    return tuple(cases)


def probe_init(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    function = inputs["function"]
    if function == "identity":
        return {"W": as_array(learner.identity(inputs["n"], gain=inputs["gain"]), "identity")}
    if function == "haar":
        rng = np.random.default_rng(inputs["seed"])
        draws = [
            as_array(learner.orthogonal(HAAR_SIZE, rng), "orthogonal") for _ in range(HAAR_DRAWS)
        ]
        if any(d.shape != (HAAR_SIZE, HAAR_SIZE) for d in draws):
            raise WrongType(
                f"orthogonal({HAAR_SIZE}, rng) should return a {HAAR_SIZE}x{HAAR_SIZE} array"
            )
        stack = np.stack(draws)  # (draws, n, n)
        return {"mean": stack.mean(axis=0), "variance": stack.var(axis=0)}
    n, gain, seed = inputs["n"], inputs["gain"], inputs["seed"]
    where = f"orthogonal({n}, rng, gain={gain:.4g})"
    W = as_array(learner.orthogonal(n, np.random.default_rng(seed), gain=gain), where)
    again = as_array(learner.orthogonal(n, np.random.default_rng(seed), gain=gain), where)
    other = as_array(learner.orthogonal(n, np.random.default_rng(seed + 100), gain=gain), where)
    return {
        "W": W,
        "same_seed_same": bool(again.shape == W.shape and np.array_equal(again, W)),
        "other_seed_differs": bool(other.shape != W.shape or not np.array_equal(other, W)),
    }


def judge_init(case: Case, got: dict[str, Any]) -> str | None:
    function, label = case.inputs["function"], case.label
    if function == "identity":
        return array_problem(label, "the matrix", case.expected, got["W"])
    if function == "haar":
        # Uniform over orthogonal matrices: every entry has mean 0 and variance 1/n.
        n = HAAR_SIZE
        mean, variance = np.asarray(got["mean"]), np.asarray(got["variance"])
        bound = 5.0 * math.sqrt(1.0 / n / HAAR_DRAWS)
        worst = np.unravel_index(int(np.argmax(np.abs(mean))), mean.shape)
        if abs(mean[worst]) > bound:
            return (
                f"{label}: entry {tuple(int(i) for i in worst)} averages {fmt(float(mean[worst]))}"
                f" over the draws; for a uniformly random orthogonal matrix every entry averages"
                f" 0 (within ±{bound:.3f} here). Multiply each column j of Q by sign(R[j, j])"
            )
        if np.any(np.abs(variance - 1.0 / n) > 0.08):
            return (
                f"{label}: the entries' variance is {np.round(variance, 3).tolist()}, "
                f"expected about 1/n = {1.0 / n}"
            )
        return None
    n, gain = case.inputs["n"], case.inputs["gain"]
    W = np.asarray(got["W"])
    if W.shape != (n, n):
        return f"{label}: the matrix has the wrong shape: expected {(n, n)}, got {W.shape}"
    if not np.all(np.isfinite(W)):
        return f"{label}: the matrix holds nan or inf"
    gram = W.T @ W
    if not np.allclose(gram, gain * gain * np.eye(n), atol=1e-9):
        off = float(np.abs(gram - gain * gain * np.eye(n)).max())
        return (
            f"{label}: W.T @ W should be gain² I = {gain * gain:.4g} I, but it is off by up "
            f"to {off:.3g}: the matrix is not (a multiple of) an orthogonal one"
        )
    if not got["same_seed_same"]:
        return (
            f"{label}: two generators with the same seed gave different matrices; draw from "
            "the rng argument, not from np.random"
        )
    if not got["other_seed_differs"]:
        return f"{label}: generators with different seeds gave the same matrix"
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=8,
    exercise_file="08_gradients_exercises.py",
    exercises=(
        Exercise(
            id="8.1",
            title="The gradient's size through time",
            points=1,
            functions=("grad_norms", "per_step_factor"),
            todo=(
                "return the norm of every array, as an array (T,)",
                "return (norms[0] / norms[-1]) ** (1 / (len(norms) - 1))",
            ),
            hint=(
                "grad_norms: np.array([np.sqrt(np.sum(g * g)) for g in grads]) (all entries "
                "of each array, not one row). per_step_factor: the ratio first/last, to the "
                "power 1/(n-1): n norms are n-1 steps apart."
            ),
            checks=(
                Check(
                    "norms of a tanh RNN's gradients and their per-step factor",
                    _norm_cases,
                    probe_norms,
                    judge_norms,
                ),
            ),
        ),
        Exercise(
            id="8.2",
            title="Clipping by norm and by value",
            points=2,
            functions=("clip_by_norm", "clip_by_value"),
            todo=(
                "scale every array in place so the total norm is at most max_norm",
                "clamp every entry into [-clip_value, clip_value] in place; return the norm",
            ),
            hint=(
                "Both first compute total = sqrt(sum of np.sum(g * g) over all arrays) and "
                "return it. By norm: only if total > max_norm, g *= max_norm / total for every "
                "g. By value: np.clip(g, -clip_value, clip_value, out=g) for every g."
            ),
            checks=(
                Check(
                    "matches optim.clip_grad_norm_ / clip_grad_value_, in place",
                    _clip_cases,
                    probe_clip,
                    judge_clip,
                ),
            ),
        ),
        Exercise(
            id="8.3",
            title="Spectral radius and the product of Jacobians",
            points=3,
            functions=("spectral_radius", "jacobian_norms"),
            todo=(
                "return the largest |eigenvalue| of W",
                "multiply J_t = diag(1 - h_t**2) W_hh from t = T down; norm of each product",
            ),
            hint=(
                "spectral_radius: np.max(np.abs(np.linalg.eigvals(W))). jacobian_norms: start "
                "with P = I (k = T); for t = T down to 1: P = P @ ((1 - hs[t]**2)[:, None] * "
                "W_hh), and record np.linalg.norm(P, 2) as the entry for k = t - 1."
            ),
            checks=(
                Check(
                    "spectral_radius matches the eigenvalues",
                    _radius_cases,
                    probe_radius,
                    judge_radius,
                ),
                Check(
                    "jacobian_norms match central differences of h_T",
                    _jacobian_cases,
                    probe_jacobian,
                    judge_jacobian,
                ),
            ),
        ),
        Exercise(
            id="8.4",
            title="Orthogonal and identity starts for W_hh",
            points=2,
            functions=("orthogonal", "identity"),
            todo=(
                "QR of a Gaussian matrix from rng, columns times sign(diag(R)), times gain",
                "return gain * the (n, n) identity matrix",
            ),
            hint=(
                "Q, R = np.linalg.qr(rng.standard_normal((n, n))); Q = Q * np.sign(np.diag(R)) "
                "(this scales columns); return gain * Q. identity: gain * np.eye(n)."
            ),
            checks=(
                Check(
                    "orthogonal, seeded, uniformly random; identity",
                    _init_cases,
                    probe_init,
                    judge_init,
                ),
            ),
        ),
    ),
)
