r"""Checks for lesson 8, vanishing and exploding gradients (``lessons/08_gradients_exercises.py``).

References: the gradients of a tanh RNN run with the Tensor engine and their norms (8.1);
:func:`tinygrad_rnn.optim.clip_grad_norm_` and :func:`~tinygrad_rnn.optim.clip_grad_value_`
(8.2); ``np.linalg.eigvals`` and central differences of a tanh RNN's last state with
respect to each earlier state (8.3); orthogonality, reproducibility and the distribution of
many seeded draws (8.4). Every input is seeded and travels as plain lists.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array
from tinygrad_rnn.grading.calls import as_tuple, call
from tinygrad_rnn.grading.checks import fmt, value_message
from tinygrad_rnn.grading.probes import WrongType, as_number, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

__all__ = ["LESSON"]


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


@cases
def _norm_cases() -> tuple[Case, ...]:
    rng = case_rng(801)
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
    factor = as_number(learner.per_step_factor(reference.copy()), "per_step_factor")
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


@cases
def _clip_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.optim import clip_grad_norm_, clip_grad_value_
    from tinygrad_rnn.tensor import Tensor

    rng = case_rng(802)
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
    total = as_number(total, f"{function} (the total norm before clipping)")
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
            f"{case.label}: the arrays in the list were not changed; clip them in place, "
            "writing into the arrays you were given, not into new ones"
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


@cases
def _radius_cases() -> tuple[Case, ...]:
    rng = case_rng(8031)
    matrices = [np.array([[0.0, 2.0], [-2.0, 0.0]]), np.array([[-3.0, 0.0], [0.0, 1.0]])]
    matrices += [_rotation_heavy(rng, n) for n in (3, 4, 5, 6)]
    cases = []
    for W in matrices:
        rho = float(np.max(np.abs(np.linalg.eigvals(W))))
        label = f"spectral_radius({np.array2string(W, precision=3, threshold=9)})"
        cases.append(Case({"W": W.tolist()}, rho, label))
    return tuple(cases)


def _singular_value(case: Case, got: float) -> str | None:
    W = np.array(case.inputs["W"])
    if math.isclose(got, float(np.linalg.norm(W, 2)), rel_tol=1e-9) and not math.isclose(
        got, case.expected, rel_tol=1e-9
    ):
        return value_message(
            case.label, case.expected, got, "that is the largest singular value, not |eigenvalue|"
        )
    return None


def _tanh_states(xs, W_ih, W_hh, b, h0) -> np.ndarray:
    h, hs = h0, [h0]
    for x_t in xs:
        h = np.tanh(W_ih @ x_t + b + W_hh @ h)
        hs.append(h)
    return np.stack(hs)  # (T+1, H)


@cases
def _jacobian_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.grading.checks import numeric_gradient

    rng = case_rng(803)
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


# ---------------------------------------------------------------- 8.4 orthogonal, identity

HAAR_DRAWS, HAAR_SIZE = 400, 4


@cases
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
                f" 0 (within ±{bound:.3f} here): the signs of Q's columns are left as the QR "
                "routine chose them, not fixed with sign(R[j, j])"
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


# ---------------------------------------------------------------- 8.5 rnn_train_step

TRAIN_WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")
#: (T, B, I, H, weight scale, target scale, lr, max_norm): clipped hard, not at all, a little
TRAIN_STEP_CASES = (
    (4, 2, 3, 2, 1.0, 3.0, 0.1, 0.5),
    (3, 1, 2, 3, 0.5, 0.2, 0.05, 100.0),
    (6, 3, 1, 2, 1.2, 2.0, 0.2, 2.0),
    (5, 2, 2, 4, 0.8, 5.0, 0.01, 1.0),
)


def _rnn_hs(xs, h0, W_ih, W_hh, b_ih, b_hh) -> np.ndarray:
    h, hs = h0, []
    for x_t in xs:
        h = np.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    return np.stack(hs)


def _train_loss(p: dict[str, np.ndarray], xs, h0, ys) -> float:
    hs = _rnn_hs(xs, h0, *(p[k] for k in TRAIN_WEIGHTS))
    return float(0.5 * np.sum((hs - ys) ** 2) / len(h0))


@cases
def _train_step_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.grading.checks import numeric_gradient

    rng = case_rng(805)
    cases = []
    for steps, batch, n_in, H, scale, target, lr, max_norm in TRAIN_STEP_CASES:
        shapes = {"W_ih": (H, n_in), "W_hh": (H, H), "b_ih": (H,), "b_hh": (H,)}
        p = {k: (rng.standard_normal(s) * scale).round(4) for k, s in shapes.items()}
        xs = rng.standard_normal((steps, batch, n_in)).round(4)
        h0 = rng.uniform(-1, 1, (batch, H)).round(4)
        ys = (rng.uniform(-1, 1, (steps, batch, H)) * target).round(4)
        grads = {}
        for k in TRAIN_WEIGHTS:

            def loss(flat, k=k, p=p, xs=xs, h0=h0, ys=ys) -> float:
                return _train_loss(dict(p, **{k: np.array(flat).reshape(p[k].shape)}), xs, h0, ys)

            grads[k] = np.array(numeric_gradient(loss, p[k].ravel().tolist())).reshape(p[k].shape)
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
        scale_by = max_norm / (norm + 1e-6) if norm > max_norm else 1.0
        variants = {
            "the update used the gradient before clipping": 1.0,
            "each array was clipped by its own norm, not by the norm of all of them together": {
                k: min(1.0, max_norm / (float(np.sqrt(np.sum(g * g))) + 1e-6))
                for k, g in grads.items()
            },
            "the entries were clipped one by one (by value), not scaled by the total norm": None,
        }
        expected = {
            "loss": _train_loss(p, xs, h0, ys),
            "norm": norm,
            "max_norm": max_norm,
            "new": {k: p[k] - lr * scale_by * grads[k] for k in TRAIN_WEIGHTS},
            "variants": {},
        }
        for why, how in variants.items():
            if how is None:
                step = {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}
            elif isinstance(how, dict):
                step = {k: g * how[k] for k, g in grads.items()}
            else:
                step = {k: g * how for k, g in grads.items()}
            expected["variants"][why] = {k: p[k] - lr * step[k] for k in TRAIN_WEIGHTS}
        label = (
            f"rnn_train_step(params with W_ih {p['W_ih'].shape}, xs {xs.shape}, h0, ys, "
            f"lr={lr:g}, max_norm={max_norm:g}) [gradient norm {norm:.3g}]"
        )
        inputs = {"params": {k: v.tolist() for k, v in p.items()}, "xs": xs.tolist()}
        inputs |= {"h0": h0.tolist(), "ys": ys.tolist(), "lr": lr, "max_norm": max_norm}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_train_step(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    params = {k: np.array(v, dtype=np.float64) for k, v in inputs["params"].items()}
    xs, h0, ys = (np.array(inputs[k], dtype=np.float64) for k in ("xs", "h0", "ys"))
    result = learner.rnn_train_step(params, xs, h0, ys, inputs["lr"], inputs["max_norm"])
    loss, norm, new = as_tuple(result, 3, "rnn_train_step", "(loss, norm, new_params)")
    if not isinstance(new, dict) or any(k not in new for k in TRAIN_WEIGHTS):
        raise WrongType(
            "rnn_train_step's new_params should be a dict with W_ih, W_hh, b_ih, b_hh; "
            f"got {describe(new)}"
        )
    return {
        "loss": as_number(loss, "rnn_train_step's loss"),
        "norm": as_number(norm, "rnn_train_step's norm"),
        "new": {k: as_array(new[k], f"rnn_train_step's new_params[{k!r}]") for k in TRAIN_WEIGHTS},
    }


def judge_train_step(case: Case, got: dict[str, Any]) -> str | None:
    want = case.expected
    problem = _float_problem(
        case.label, "the loss before the step", want["loss"], got["loss"], 1e-9
    )
    if problem:
        return problem
    if want["norm"] > want["max_norm"] and math.isclose(
        got["norm"], want["max_norm"], rel_tol=1e-4
    ):
        return (
            f"{case.label}: the norm you return is max_norm, the norm after clipping; return "
            f"the norm before clipping ({want['norm']:.10g}): it is what tells you how often "
            "and how hard clipping acts"
        )
    problem = _float_problem(
        case.label, "the gradient norm before clipping", want["norm"], got["norm"], 1e-6
    )
    if problem:
        return problem
    new = got["new"]

    def same(target: dict[str, np.ndarray]) -> bool:
        return all(
            np.shape(new[k]) == target[k].shape and np.allclose(new[k], target[k], 1e-6, 1e-9)
            for k in TRAIN_WEIGHTS
        )

    if not same(want["new"]):
        for why, target in want["variants"].items():
            if same(target):
                return f"{case.label}: the new parameters are off: {why}"
    for k in TRAIN_WEIGHTS:
        problem = array_problem(
            case.label, f"new_params[{k!r}]", want["new"][k], new[k], 1e-6, 1e-9
        )
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- 8.6 experiment: directions


@cases
def _direction_cases() -> tuple[Case, ...]:
    rng = case_rng(806)
    spiky = [rng.standard_normal((3, 2)) * 0.1, rng.standard_normal(4) * 0.1]
    spiky[0][1, 1] = 40.0  # one exploding entry, as after a gradient spike
    runs = [
        ("one entry far larger than the rest", spiky, 1.0),
        ("every entry of the same size", [np.full((2, 3), 2.0), -np.full(3, 2.0)], 0.5),
        ("entries of mixed sizes", [rng.standard_normal((4, 3)) * 3, rng.standard_normal(5)], 1.0),
        ("a gradient already below both thresholds", [rng.standard_normal(3) * 0.05], 1.0),
    ]
    cases = []
    for what, grads, threshold in runs:
        grads = [g.round(4) for g in grads]
        flat = np.concatenate([g.ravel() for g in grads])
        clipped = np.clip(flat, -threshold, threshold)
        cos_value = float(flat @ clipped / (np.linalg.norm(flat) * np.linalg.norm(clipped)))
        label = f"clipping_directions({what}, threshold={threshold:g})"
        inputs = {"grads": [g.tolist() for g in grads], "threshold": threshold}
        expected = {"cos_value": cos_value, "changes": cos_value < 0.99}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_directions(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    grads = [np.array(g, dtype=np.float64) for g in inputs["grads"]]
    before = [g.copy() for g in grads]
    result = as_tuple(
        learner.clipping_directions(grads, inputs["threshold"]),
        2,
        "clipping_directions",
        "(cos_norm, cos_value)",
    )
    unchanged = all(np.array_equal(a, b) for a, b in zip(grads, before, strict=True))
    return {
        "cos_norm": as_number(result[0], "clipping_directions's cos_norm"),
        "cos_value": as_number(result[1], "clipping_directions's cos_value"),
        "unchanged": unchanged,
    }


def judge_directions(case: Case, got: dict[str, Any]) -> str | None:
    if not got["unchanged"]:
        return (
            f"{case.label}: the gradient arrays you were given changed: clip copies, so that "
            "the original direction is still there to compare with"
        )
    if not math.isclose(got["cos_norm"], 1.0, rel_tol=0, abs_tol=1e-9):
        return (
            f"{case.label}: cos_norm is {got['cos_norm']:.10g}, but clipping by the norm "
            "multiplies every entry of every array by the same number, which keeps the "
            "direction exactly (cosine 1)"
        )
    want = case.expected
    if want["changes"] and got["cos_value"] > 0.99:
        return (
            f"{case.label}: cos_value is {got['cos_value']:.6g}, but clipping entry by entry "
            "cuts the large entries and leaves the small ones, which turns the gradient "
            f"(the cosine is {want['cos_value']:.6g})"
        )
    return _float_problem(case.label, "cos_value", want["cos_value"], got["cos_value"], 1e-7)


# ---------------------------------------------------------------- 8.7 experiment: predict


GROWTH_STEPS = 300


def _growth_matrices() -> list[tuple[str, np.ndarray]]:
    theta = np.deg2rad(80.0)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return [
        (
            "non-normal: ||W|| = 3.9 but every eigenvalue inside 0.9",
            np.array([[0.9, 3.0, 1.0], [0.0, -0.8, 2.5], [0.0, 0.0, 0.7]]),
        ),
        (
            "a rotation scaled by 1.1: the real parts of its eigenvalues are 0.19",
            (1.1 * rotation).round(6),
        ),
        ("zero diagonal, eigenvalues +-1.095", np.array([[0.0, 1.2], [1.0, 0.0]])),
        ("symmetric, spectral radius 0.6", np.array([[0.5, 0.2], [0.2, 0.2]])),
        (
            "spectral radius 1.02, close to the edge",
            np.array([[1.02, 0.0, 0.0], [0.3, 0.4, 0.1], [0.0, -0.2, 0.5]]),
        ),
    ]


@cases
def _growth_cases() -> tuple[Case, ...]:
    rng = case_rng(807)
    cases = []
    for what, W in _growth_matrices():
        u = rng.standard_normal((1, len(W))).round(4)
        g = u
        for _ in range(GROWTH_STEPS):  # at the fixed point h = 0, tanh's slope is 1
            g = g @ W
        factor = (np.linalg.norm(g) / np.linalg.norm(u)) ** (1.0 / GROWTH_STEPS)
        rho = float(np.max(np.abs(np.linalg.eigvals(W))))
        label = f"predict_growth / measure_growth on W_hh = {what}"
        inputs = {"W_hh": W.tolist(), "u": u.tolist(), "steps": GROWTH_STEPS}
        cases.append(Case(inputs, {"factor": float(factor), "rho": rho}, label))
    return tuple(cases)


def probe_growth(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    W, u = np.array(inputs["W_hh"], dtype=np.float64), np.array(inputs["u"], dtype=np.float64)
    verdict = learner.predict_growth(W.copy())
    if verdict not in ("vanish", "explode"):
        raise WrongType(
            f"predict_growth should return 'vanish' or 'explode', got {describe(verdict)}"
        )
    factor = as_number(learner.measure_growth(W.copy(), u, inputs["steps"]), "measure_growth")
    return {"verdict": verdict, "factor": factor}


def judge_growth(case: Case, got: dict[str, Any]) -> str | None:
    want = case.expected
    problem = _float_problem(
        case.label, "measure_growth's per-step factor", want["factor"], got["factor"], 1e-6
    )
    if problem:
        return problem
    shows = "vanish" if got["factor"] < 1.0 else "explode"
    if got["verdict"] != shows:
        return (
            f"{case.label}: predict_growth says {got['verdict']!r}, but your own measurement "
            f"gives a per-step factor of {got['factor']:.4g} over {GROWTH_STEPS} steps: the "
            f"gradient does {shows}. The long-run factor is the spectral radius "
            f"(here {want['rho']:.4g}), not the norm, the diagonal or the real parts"
        )
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
                "return the average factor by which the norm changes per step",
            ),
            hint=(
                (
                    "The gradient through time shrinks or grows by roughly the same factor at "
                    "every step, so measure its size at each step and take the geometric mean "
                    "of the change. See 'The gradient through time is a product' in lesson 8."
                ),
                (
                    "grad_norms: one number per array, its Frobenius norm over all its entries,"
                    " collected in a float64 array (T,). per_step_factor: a geometric mean: the "
                    "change from the last norm to the first, spread evenly over the T - 1 steps "
                    "between them."
                ),
                (
                    "grad_norms: return np.array([np.sqrt(np.sum(g * g)) for g in grads])\n"
                    "per_step_factor: return float((norms[0] / norms[-1]) ** (1 / (len(norms) -"
                    " 1)))"
                ),
            ),
            forbidden=("tinygrad_rnn.kernels.elementwise.grad_norm",),
            rule="measure the norms yourself",
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
                (
                    "clip the arrays in place so their total norm is at most max_norm; return "
                    "the norm"
                ),
                "clamp every entry into [-clip_value, clip_value] in place; return the norm",
            ),
            hint=(
                (
                    "Clipping by norm scales every array by the same factor, so the direction "
                    "of the whole gradient is kept; clipping by value clamps each entry on its "
                    "own. Both change the arrays in place, as the optimiser reads them. See "
                    "'Exploding gradients' and 'Four remedies' in lesson 8."
                ),
                (
                    "By norm: the total norm over all the arrays first; only when it is above "
                    "max_norm, scale every array in place by one common factor that brings the "
                    "total down to max_norm (the library adds a tiny 1e-6 to the norm in that "
                    "factor). By value: clamp each array's entries with an out= argument so the "
                    "same memory changes. Both return the norm before clipping."
                ),
                (
                    "norm = sqrt(sum over arrays of (g ** 2).sum())\n"
                    "by norm: if norm > max_norm: for g in grads: g *= max_norm / (norm + 1e-6)"
                    "\n"
                    "by value: for g in grads: np.clip(g, -clip_value, clip_value, out=g)\n"
                    "return norm"
                ),
            ),
            forbidden=("tinygrad_rnn.optim.clip_grad_norm_", "tinygrad_rnn.optim.clip_grad_value_"),
            rule="write the clipping yourself",
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
                "return the spectral radius of W",
                "return the norm of the Jacobian product from each step to the last",
            ),
            hint=(
                (
                    "The spectral radius is the size of the largest eigenvalue; for a tanh RNN "
                    "it predicts whether gradients vanish or explode. The gradient from the "
                    "last state back to step t is a product of one Jacobian per step. See 'How "
                    "big is W_hh? The spectral radius' in lesson 8."
                ),
                (
                    "spectral_radius: the largest size among the eigenvalues, which may be "
                    "complex. jacobian_norms: one step's (H, H) Jacobian is W_hh with each row "
                    "scaled by tanh's slope at the new state. Start from the identity at the "
                    "last step (norm 1) and take one more step's Jacobian into the product, on "
                    "the right, as you go back; record the matrix 2-norm of each product, then "
                    "put the (T + 1,) norms in time order."
                ),
                (
                    "spectral_radius: return float(np.max(np.abs(np.linalg.eigvals(W))))\n"
                    "jacobian_norms: P = np.eye(W_hh.shape[0]); norms = [1.0]\n"
                    "for t in range(len(hs) - 1, 0, -1):\n"
                    "    P = P @ ((1.0 - hs[t] ** 2)[:, None] * W_hh)\n"
                    "    norms.append(float(np.linalg.norm(P, 2)))\n"
                    "return np.array(norms[::-1])"
                ),
            ),
            checks=(
                call(
                    "spectral_radius matches the eigenvalues",
                    _radius_cases,
                    "spectral_radius",
                    ("W",),
                    returns="result:number",
                    what="the largest |eigenvalue|",
                    rtol=1e-7,
                    diagnose=_singular_value,
                ),
                call(
                    "jacobian_norms match central differences of h_T",
                    _jacobian_cases,
                    "jacobian_norms",
                    ("W_hh", "hs"),
                    what="the norms",
                    rtol=1e-6,
                    atol=1e-9,
                ),
            ),
        ),
        Exercise(
            id="8.4",
            title="Orthogonal and identity starts for W_hh",
            points=2,
            functions=("orthogonal", "identity"),
            todo=(
                "return a random (n, n) orthogonal matrix times gain, drawn from rng",
                "return the IRNN's start: gain times the (n, n) identity",
            ),
            hint=(
                (
                    "An orthogonal W_hh keeps a vector's length at every step, so the gradient "
                    "neither vanishes nor explodes through it at the start. The QR "
                    "decomposition of a random Gaussian matrix gives one. See 'Four remedies' "
                    "in lesson 8."
                ),
                (
                    "Draw an (n, n) standard normal matrix from rng and take its QR "
                    "decomposition. Q is orthogonal, but the signs of its columns are whatever "
                    "the routine chose, which makes the draw not uniform: the diagonal of R "
                    "tells you how to fix each column. Scale by gain. The identity start needs "
                    "no randomness, only gain."
                ),
                (
                    "orthogonal: A = rng.standard_normal((n, n)); Q, R = np.linalg.qr(A)\n"
                    "return gain * Q * np.sign(np.diag(R))\n"
                    "identity: return gain * np.eye(n)"
                ),
            ),
            forbidden=("tinygrad_rnn.init.orthogonal_", "tinygrad_rnn.init.identity_"),
            rule="write the initialiser yourself",
            checks=(
                Check(
                    "orthogonal, seeded, uniformly random; identity",
                    _init_cases,
                    probe_init,
                    judge_init,
                ),
            ),
        ),
        Exercise(
            id="8.5",
            title="Gradient clipping inside a training step",
            points=3,
            functions=("rnn_train_step",),
            todo="return (loss, norm, new_params) after one clipped gradient-descent step",
            hint=(
                "Lesson 8, 'Exploding gradients' and 'Four remedies': compute the loss and "
                "every weight's gradient by backpropagation through time, measure all the "
                "gradients together, scale them down only when they are too large, then take "
                "the step.",
                "Forward: the states hs (T, B, H) from h0; the loss is half the summed squared "
                "error over every entry, divided by the batch size B, so each state's own "
                "error over B is the gradient reaching it from the loss. Backward as in 7.3, "
                "now for all four arrays: each step's delta (B, H) pairs with that step's input"
                " for W_ih (H, I), with the state before it for W_hh (H, H), and sums over the "
                "batch for both biases (H,). Then one total norm over the four arrays, 8.2's "
                "clip_by_norm, and one gradient-descent step for each array.",
                "Worked answer: hs = rnn_forward(...); g = zeros; for t from T-1 down to 0: "
                "g = (hs[t] - ys[t]) / B + g; delta = g * (1 - hs[t]**2); accumulate the four "
                "gradients with prev = h0 if t == 0 else hs[t-1]; g = delta @ W_hh. grads = "
                "[dW_ih, dW_hh, db_ih, db_hh]; norm = clip_by_norm(grads, max_norm); new = "
                "{k: params[k] - lr * grad for each}; return loss, norm, new.",
            ),
            checks=(
                Check(
                    "loss, norm before clipping and the new parameters, clipped by total norm",
                    _train_step_cases,
                    probe_train_step,
                    judge_train_step,
                ),
            ),
            forbidden=(
                "tinygrad_rnn.optim.clip_grad_norm_",
                "tinygrad_rnn.optim.clip_grad_value_",
                "tinygrad_rnn.optim.SGD",
                "tinygrad_rnn.nn.rnn_step",
                "tinygrad_rnn.nn.RNN",
                "tinygrad_rnn.autograd.backward",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
        ),
        Exercise(
            id="8.6",
            title="Experiment: which clipping keeps the direction?",
            points=2,
            functions=("clipping_directions",),
            todo="return (cos_norm, cos_value): the cosine between the gradient and each "
            "clipped copy",
            hint=(
                "Lesson 8, 'Four remedies': compare the direction of the gradient before and "
                "after each kind of clipping, with the cosine of the angle between them (1: the "
                "same direction). Clip copies, never the arrays you are given.",
                "Flatten all the arrays into one long vector. Make two copies of the list, "
                "clip one by norm and one by value (8.2) at the threshold, and flatten those "
                "too. The cosine between two vectors is their dot product divided by both of "
                "their lengths.",
                "Worked answer: flat = lambda gs: np.concatenate([g.ravel() for g in gs]); "
                "by_norm = [g.copy() for g in grads]; clip_by_norm(by_norm, threshold); "
                "by_value = [g.copy() for g in grads]; clip_by_value(by_value, threshold); "
                "a = flat(grads); cos = lambda b: float(a @ b / (np.linalg.norm(a) * "
                "np.linalg.norm(b))); return cos(flat(by_norm)), cos(flat(by_value)).",
            ),
            checks=(
                Check(
                    "norm clipping keeps the direction, value clipping turns a spiky gradient",
                    _direction_cases,
                    probe_directions,
                    judge_directions,
                ),
            ),
            forbidden=("tinygrad_rnn.optim.clip_grad_norm_", "tinygrad_rnn.optim.clip_grad_value_"),
        ),
        Exercise(
            id="8.7",
            title="Experiment: predict vanish or explode, then measure",
            points=2,
            functions=("predict_growth", "measure_growth"),
            todo=(
                "return 'vanish' or 'explode' for a tanh RNN with this W_hh",
                "return the per-step factor of the gradient's norm over the given steps",
            ),
            hint=(
                "Lesson 8, 'How big is W_hh? The spectral radius' and 'The gradient through "
                "time is a product': predict from the one number the lesson says decides, "
                "then check the prediction by carrying a gradient back through many steps "
                "and seeing how its size changes per step.",
                "predict_growth: compare the spectral radius (8.3) with 1. measure_growth: at "
                "the fixed point h = 0 every step's Jacobian is W_hh (tanh's slope is 1 "
                "there), so carrying the row vector u (1, H) back one step is one product with "
                "W_hh. After all the steps, the per-step factor is the geometric mean of the "
                "growth of the norm, as in 8.1.",
                "Worked answer: predict_growth: return 'vanish' if spectral_radius(W_hh) < 1 "
                "else 'explode'. measure_growth: g = u.copy(); for _ in range(steps): "
                "g = g @ W_hh; return float((np.linalg.norm(g) / np.linalg.norm(u)) ** "
                "(1 / steps)).",
            ),
            checks=(
                Check(
                    "the prediction agrees with your own measurement on matrices that fool "
                    "the norm, the diagonal and the real parts",
                    _growth_cases,
                    probe_growth,
                    judge_growth,
                ),
            ),
        ),
    ),
)
