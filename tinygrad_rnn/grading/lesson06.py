"""Checks for lesson 6, training well (``lessons/06_training_exercises.py``).

References: :class:`tinygrad_rnn.optim.SGD` and :class:`tinygrad_rnn.optim.Adam` run step
by step on the same gradients (6.1, 6.2); the formulas of :mod:`tinygrad_rnn.init` and the
shape of the normal distribution, checked statistically on large seeded draws (6.3); the
Tensor engine's backward pass through the same deep network (6.4). Every input is seeded.

The array helpers (:func:`~tinygrad_rnn.grading.arrays.array_problem`, ``as_array``) and
:func:`~tinygrad_rnn.grading.calls.as_tuple` are the ones every array lesson shares. No check
here is a single call: 6.1 and 6.2 run several steps, 6.3 judges statistics of draws, 6.4 a
list of one gradient per layer.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array
from tinygrad_rnn.grading.calls import as_tuple
from tinygrad_rnn.grading.checks import shape_message, value_message
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

__all__ = ["LESSON"]


def _grads(rng: np.random.Generator, shape: tuple[int, ...], steps: int, scale: float):
    return [(rng.standard_normal(shape) * scale).round(6) for _ in range(steps)]


# ---------------------------------------------------------------- 6.1 sgd_momentum_step

#: (shape, momentum, learning rates per step, gradient scale)
SGD_CASES = (
    ((3,), 0.9, (0.1, 0.1, 0.1, 0.1, 0.1), 1.0),
    ((2, 3), 0.5, (0.2, 0.1, 0.05, 0.3, 0.01), 1.0),  # a schedule: lr changes every step
    ((4, 1), 0.99, (0.01, 0.02, 0.03, 0.04), 5.0),
    ((5,), 0.0, (0.1, 0.2, 0.3), 1.0),  # no momentum: plain SGD
    ((2, 2), 0.9, (1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125), 0.1),
)


@cases
def _sgd_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import Parameter
    from tinygrad_rnn.optim import SGD

    rng = case_rng(601)
    cases = []
    for shape, mu, lrs, scale in SGD_CASES:
        theta0 = rng.standard_normal(shape).round(4)
        grads = _grads(rng, shape, len(lrs), scale)
        p = Parameter(theta0.copy(), dtype=np.float64)
        opt = SGD([p], lr=lrs[0], momentum=mu)
        thetas, bufs = [], []
        for lr, g in zip(lrs, grads, strict=True):
            opt.lr = lr
            p.grad = g.copy()
            opt.step()
            thetas.append(p.data.copy())
            bufs.append(opt.state[0]["momentum"].copy() if mu else g.copy())
        inputs = {
            "theta": theta0.tolist(),
            "grads": [g.tolist() for g in grads],
            "lrs": list(lrs),
            "momentum": mu,
        }
        label = f"{len(lrs)} steps of sgd_momentum_step on shape {shape}, momentum={mu}, lr={lrs}"
        cases.append(Case(inputs, {"theta": thetas, "buf": bufs}, label))
    return tuple(cases)


def probe_sgd_momentum(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    theta = np.array(inputs["theta"], dtype=np.float64)
    buf = None
    thetas, bufs = [], []
    for g, lr in zip(inputs["grads"], inputs["lrs"], strict=True):
        grad = np.array(g, dtype=np.float64)
        result = learner.sgd_momentum_step(
            theta.copy(), grad, None if buf is None else buf.copy(), lr, inputs["momentum"]
        )
        theta, buf = as_tuple(result, 2, "sgd_momentum_step", "(theta, buf)")
        theta = as_array(theta, "the theta returned by sgd_momentum_step")
        buf = as_array(buf, "the buf returned by sgd_momentum_step")
        thetas.append(theta)
        bufs.append(buf)
    return {"theta": thetas, "buf": bufs}


def _judge_steps(case: Case, got: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for step in range(len(case.expected[names[0]])):
        for name in names:
            label = f"{case.label}: after step {step + 1}"
            problem = array_problem(label, name, case.expected[name][step], got[name][step])
            if problem:
                return problem
    return None


def judge_sgd_momentum(case: Case, got: dict[str, Any]) -> str | None:
    return _judge_steps(case, got, ("buf", "theta"))


# ---------------------------------------------------------------- 6.2 adam_step

#: (shape, lr, beta1, beta2, eps, steps, gradient scale)
ADAM_CASES = (
    ((3,), 0.1, 0.9, 0.999, 1e-8, 6, 1.0),
    ((2, 3), 0.01, 0.9, 0.999, 1e-8, 5, 10.0),
    ((4,), 0.05, 0.5, 0.9, 1e-8, 6, 1.0),
    ((3,), 0.1, 0.9, 0.999, 1e-8, 4, 1e-6),  # tiny gradients: where eps sits matters
    ((2, 2), 0.02, 0.8, 0.99, 1e-3, 5, 0.01),
)


@cases
def _adam_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import Parameter
    from tinygrad_rnn.optim import Adam

    rng = case_rng(602)
    cases = []
    for shape, lr, beta1, beta2, eps, steps, scale in ADAM_CASES:
        theta0 = rng.standard_normal(shape).round(4)
        grads = _grads(rng, shape, steps, 1.0)
        grads = [g * scale for g in grads]
        p = Parameter(theta0.copy(), dtype=np.float64)
        opt = Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
        expected: dict[str, list[np.ndarray]] = {"theta": [], "m": [], "v": []}
        for g in grads:
            p.grad = g.copy()
            opt.step()
            expected["theta"].append(p.data.copy())
            expected["m"].append(opt.state[0]["m"].copy())
            expected["v"].append(opt.state[0]["v"].copy())
        inputs = {
            "theta": theta0.tolist(),
            "grads": [g.tolist() for g in grads],
            "lr": lr,
            "beta1": beta1,
            "beta2": beta2,
            "eps": eps,
        }
        label = (
            f"{steps} steps of adam_step on shape {shape} with lr={lr}, betas=({beta1}, "
            f"{beta2}), eps={eps:g}, gradients of size ~{scale:g}"
        )
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_adam(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    theta = np.array(inputs["theta"], dtype=np.float64)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    out: dict[str, list[np.ndarray]] = {"theta": [], "m": [], "v": []}
    for t, g in enumerate(inputs["grads"], start=1):
        result = learner.adam_step(
            theta.copy(),
            np.array(g, dtype=np.float64),
            m.copy(),
            v.copy(),
            t,
            lr=inputs["lr"],
            beta1=inputs["beta1"],
            beta2=inputs["beta2"],
            eps=inputs["eps"],
        )
        theta, m, v = as_tuple(result, 3, "adam_step", "(theta, m, v)")
        theta = as_array(theta, "the theta returned by adam_step")
        m = as_array(m, "the m returned by adam_step")
        v = as_array(v, "the v returned by adam_step")
        for name, value in (("theta", theta), ("m", m), ("v", v)):
            out[name].append(value)
    return out


def judge_adam(case: Case, got: dict[str, Any]) -> str | None:
    return _judge_steps(case, got, ("m", "v", "theta"))


# ---------------------------------------------------------------- 6.3 initialisers

#: weight shapes (n_out, n_in), not square so that fan in and fan out differ
INIT_SHAPES = ((400, 100), (100, 400), (160, 160), (50, 1000))
NORMAL_WITHIN_ONE_SIGMA = math.erf(1.0 / math.sqrt(2.0))  # 0.6827; a uniform gives 0.577


def _init_std(kind: str, shape: tuple[int, int]) -> float:
    """The standard deviation the scheme should have, from the library's own formula."""
    from tinygrad_rnn import init

    fan_in, fan_out = init.fans(shape)
    if kind == "xavier_normal":
        return math.sqrt(2.0 / (fan_in + fan_out))
    return init.calculate_gain("relu") / math.sqrt(fan_in)


@cases
def _init_cases() -> tuple[Case, ...]:
    cases = []
    for kind in ("xavier_normal", "kaiming_normal"):
        for k, shape in enumerate(INIT_SHAPES):
            inputs = {"function": kind, "shape": list(shape), "seed": 6300 + k}
            label = f"{kind}({shape}, rng=np.random.default_rng({6300 + k}))"
            cases.append(Case(inputs, {"std": _init_std(kind, shape), "shape": shape}, label))
    return tuple(cases)


def probe_init(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    function = getattr(learner, inputs["function"])
    shape, seed = tuple(inputs["shape"]), inputs["seed"]
    where = f"{inputs['function']}({shape}, rng)"
    w = as_array(function(shape, np.random.default_rng(seed)), where)
    again = as_array(function(shape, np.random.default_rng(seed)), where)
    other = as_array(function(shape, np.random.default_rng(seed + 1000)), where)
    same_seed_same = bool(again.shape == w.shape and np.array_equal(again, w))
    other_seed_differs = bool(other.shape != w.shape or not np.array_equal(other, w))
    std = float(w.std()) if w.size else 0.0
    within = float(np.mean(np.abs(w - w.mean()) < std)) if w.size else 0.0
    return {
        "shape": list(w.shape),
        "mean": float(w.mean()) if w.size else 0.0,
        "std": std,
        "within_one_std": within,
        "same_seed_same": same_seed_same,
        "other_seed_differs": other_seed_differs,
        "size": int(w.size),
    }


def judge_init(case: Case, got: dict[str, Any]) -> str | None:
    label, want = case.label, case.expected
    if tuple(got["shape"]) != tuple(want["shape"]):
        return shape_message(label, "the weight", tuple(want["shape"]), tuple(got["shape"]))
    if not got["same_seed_same"]:
        return (
            f"{label}: two generators with the same seed gave different weights; draw from "
            "the rng argument, not from np.random"
        )
    if not got["other_seed_differs"]:
        return f"{label}: generators with different seeds gave the same weights"
    sigma, n = want["std"], got["size"]
    if not math.isfinite(got["std"]) or abs(got["std"] - sigma) > 0.03 * sigma:
        return value_message(
            label, sigma, got["std"], "the standard deviation of the weights, within 3 %"
        )
    if abs(got["mean"]) > 5.0 * sigma / math.sqrt(n):
        return value_message(label, 0.0, got["mean"], "the mean of the weights")
    if abs(got["within_one_std"] - NORMAL_WITHIN_ONE_SIGMA) > 0.02:
        return (
            f"{label}: {got['within_one_std']:.1%} of the weights lie within one standard "
            f"deviation of the mean; a normal distribution has {NORMAL_WITHIN_ONE_SIGMA:.1%} "
            "there (a uniform one 57.7 %): draw from a normal distribution"
        )
    return None


# ---------------------------------------------------------------- 6.4 mlp_weight_grads

#: (activation, layer widths n_0 .. n_L, batch, weight scale); widths differ so that a
#: transpose in the wrong place shows, and the scales keep every activation responsive
MLP_CASES = (
    ("tanh", (3, 2), 4, 0.8),
    ("sigmoid", (2, 4, 3), 3, 1.0),
    ("relu", (3, 5, 4, 2), 5, 0.8),
    ("tanh", (4, 3, 5, 2, 3), 2, 0.7),
    ("relu", (2, 6, 6, 6, 6, 1), 6, 0.7),
    ("sigmoid", (5, 3, 4, 2), 4, 1.5),
)


def _library_grads(
    x: np.ndarray, weights: list[np.ndarray], activation: str, grad_out: np.ndarray
) -> list[np.ndarray]:
    """The Tensor engine's gradients for the same network and loss, float64."""
    from tinygrad_rnn.tensor import Tensor

    tensors = [Tensor(W, requires_grad=True, dtype=np.float64) for W in weights]
    h = Tensor(x, dtype=np.float64)
    for W in tensors:
        h = getattr(h @ W.T, activation)()  # (B, n_l)
    (h * Tensor(grad_out, dtype=np.float64)).sum().backward()
    return [np.asarray(W.grad, dtype=np.float64) for W in tensors]


@cases
def _mlp_cases() -> tuple[Case, ...]:
    rng = case_rng(604)
    cases = []
    for activation, widths, batch, scale in MLP_CASES:
        x = rng.standard_normal((batch, widths[0])).round(4)
        weights = [
            (rng.standard_normal((n_out, n_in)) * scale / np.sqrt(n_in)).round(4)
            for n_in, n_out in zip(widths[:-1], widths[1:], strict=True)
        ]
        grad_out = rng.standard_normal((batch, widths[-1])).round(4)
        expected = _library_grads(x, weights, activation, grad_out)
        label = (
            f"mlp_weight_grads(x {x.shape}, weights of shapes "
            f"{[w.shape for w in weights]}, {activation!r}, grad_out {grad_out.shape})"
        )
        inputs = {
            "x": x.tolist(),
            "weights": [w.tolist() for w in weights],
            "activation": activation,
            "grad_out": grad_out.tolist(),
        }
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_mlp_grads(learner: ModuleType, inputs: dict[str, Any]) -> list[np.ndarray]:
    weights = [np.array(w, dtype=np.float64) for w in inputs["weights"]]
    with np.errstate(all="ignore"):  # an overflow should show as a wrong number, not a warning
        result = learner.mlp_weight_grads(
            np.array(inputs["x"], dtype=np.float64),
            [w.copy() for w in weights],
            inputs["activation"],
            np.array(inputs["grad_out"], dtype=np.float64),
        )
    if not isinstance(result, list | tuple):
        raise WrongType(
            "mlp_weight_grads should return a list of arrays, one per layer, got "
            + describe(result)
        )
    return [as_array(g, f"the gradient of layer {k + 1}") for k, g in enumerate(result)]


def judge_mlp_grads(case: Case, got: list[np.ndarray]) -> str | None:
    want = case.expected
    if len(got) != len(want):
        return (
            f"{case.label}: expected a list of {len(want)} gradients (one per layer), "
            f"got {len(got)}"
        )
    for k in range(len(want), 0, -1):  # the last layer first: where backprop starts
        problem = array_problem(
            case.label, f"dL/dW_{k} (vs the Tensor engine)", want[k - 1], got[k - 1], 1e-7, 1e-9
        )
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=6,
    exercise_file="06_training_exercises.py",
    exercises=(
        Exercise(
            id="6.1",
            title="SGD with momentum",
            points=2,
            functions=("sgd_momentum_step",),
            todo="return (theta, buf) after one step of SGD with momentum",
            hint=(
                (
                    "Momentum keeps a running buffer of past gradients, each older one weighed "
                    "down once more by the momentum factor; the parameters move along the "
                    "buffer, not the latest gradient. See 'Momentum: a heavy ball' in lesson 6."
                ),
                (
                    "Two updates, in this order: first the buffer, which weighs the old buffer "
                    "down by the momentum factor and takes in the new gradient (the learning "
                    "rate stays out of it); then the parameters, which step against the new "
                    "buffer, scaled by the learning rate. Both keep theta's shape."
                ),
                (
                    "buf = grad.copy() if buf is None else momentum * buf + grad\n"
                    "theta = theta - lr * buf\nreturn theta, buf"
                ),
            ),
            forbidden=("tinygrad_rnn.optim.SGD",),
            rule="write the momentum step yourself",
            checks=(
                Check(
                    "every step matches optim.SGD(momentum=...)",
                    _sgd_cases,
                    probe_sgd_momentum,
                    judge_sgd_momentum,
                ),
            ),
        ),
        Exercise(
            id="6.2",
            title="Adam with bias correction",
            points=3,
            functions=("adam_step",),
            todo="return (theta, m, v) after one step of Adam",
            hint=(
                (
                    "Adam keeps two running averages, of the gradient and of its square, "
                    "corrects both for starting at zero, and divides one by the root of the "
                    "other to get a step size per parameter. See 'Adam: a step size per "
                    "parameter' in lesson 6."
                ),
                (
                    "m and v are exponential moving averages, of the gradient with beta1 and of "
                    "its square with beta2. The bias correction undoes their start at zero and "
                    "depends on the step count t, which starts at 1. The step divides the "
                    "corrected m by the root of the corrected v, with eps added outside the "
                    "root, and scales by lr. Return the uncorrected m and v."
                ),
                (
                    "m = beta1 * m + (1 - beta1) * grad\n"
                    "v = beta2 * v + (1 - beta2) * grad**2\n"
                    "m_hat = m / (1 - beta1**t); v_hat = v / (1 - beta2**t)\n"
                    "theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
                    "return theta, m, v"
                ),
            ),
            forbidden=("tinygrad_rnn.optim.Adam", "tinygrad_rnn.optim.AdamW"),
            rule="write the Adam step yourself",
            checks=(
                Check(
                    "every step matches optim.Adam (m, v and theta)",
                    _adam_cases,
                    probe_adam,
                    judge_adam,
                ),
            ),
        ),
        Exercise(
            id="6.3",
            title="Xavier and Kaiming initialisation",
            points=2,
            functions=("xavier_normal", "kaiming_normal"),
            todo=(
                "return a Xavier-normal draw of this shape from rng",
                "return a Kaiming-normal draw of this shape from rng",
            ),
            hint=(
                (
                    "Both draw from a normal distribution with mean 0 and a variance chosen "
                    "from the layer's fans, so the signal keeps its size through depth: Xavier "
                    "averages fan in and fan out, Kaiming uses fan in with a factor 2 for ReLU."
                    " See 'Initialisation: keep the signal's size' in lesson 6."
                ),
                (
                    "A weight of shape (fan_out, fan_in): both schemes set the variance from "
                    "the fans, Xavier from their average, Kaiming from fan_in with ReLU's gain "
                    "of 2. The normal draw takes a standard deviation, the square root of that "
                    "variance, and the shape. Draw from the rng you are given so the grader's "
                    "seed decides the numbers."
                ),
                (
                    "fan_out, fan_in = shape\n"
                    "xavier: return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), "
                    "size=shape)\n"
                    "kaiming: return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.init.xavier_normal_",
                "tinygrad_rnn.init.kaiming_normal_",
                "tinygrad_rnn.init.xavier_uniform_",
                "tinygrad_rnn.init.kaiming_uniform_",
            ),
            rule="write the initialiser yourself",
            checks=(
                Check(
                    "shape, seed, standard deviation and normal shape on large draws",
                    _init_cases,
                    probe_init,
                    judge_init,
                ),
            ),
        ),
        Exercise(
            id="6.4",
            title="Backpropagation through a deep network",
            points=3,
            functions=("mlp_weight_grads",),
            todo="return the list of dL/dW_l, one per layer, by backpropagation by hand",
            hint=(
                (
                    "Backpropagation runs the forward pass keeping every layer's output, then "
                    "walks back: each layer's weight gradient is an outer product of the "
                    "gradient arriving at its output (through the activation's slope) and its "
                    "input. See 'ReLU against sigmoid and tanh: gradients through depth' in "
                    "lesson 6."
                ),
                (
                    "Forward: keep every layer's output, from h_0 = x (B, n_0) to h_L (B, n_L); "
                    "each layer multiplies by its weight (n_l, n_{l-1}), transposed, then "
                    "applies the activation. Backward from the top, with the gradient at h_l "
                    "(grad_out first): the activation's slope, read from h_l, turns it into "
                    "delta (B, n_l); W_l's gradient pairs delta with the layer's input h_{l-1} "
                    "into (n_l, n_{l-1}); the gradient passed down goes back through W_l to "
                    "(B, n_{l-1})."
                ),
                (
                    "act = {'tanh': np.tanh, 'sigmoid': lambda v: 1 / (1 + np.exp(-v)),\n"
                    "       'relu': lambda v: np.maximum(v, 0.0)}[activation]\n"
                    "slope = {'tanh': lambda h: 1 - h**2, 'sigmoid': lambda h: h * (1 - h),\n"
                    "         'relu': lambda h: (h > 0).astype(h.dtype)}[activation]\n"
                    "hs = [x]\n"
                    "for W in weights: hs.append(act(hs[-1] @ W.T))\n"
                    "g, grads = grad_out, [None] * len(weights)\n"
                    "for l in reversed(range(len(weights))):\n"
                    "    delta = g * slope(hs[l + 1])\n"
                    "    grads[l] = delta.T @ hs[l]\n"
                    "    g = delta @ weights[l]\n"
                    "return grads"
                ),
            ),
            forbidden=("tinygrad_rnn.tensor.Tensor.backward",),
            rule="backpropagate by hand",
            checks=(
                Check(
                    "every dL/dW_l matches the Tensor engine",
                    _mlp_cases,
                    probe_mlp_grads,
                    judge_mlp_grads,
                ),
            ),
        ),
    ),
)
