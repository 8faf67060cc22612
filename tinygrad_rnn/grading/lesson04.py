"""Checks for lesson 4, from scalars to tensors (``lessons/04_tensors_exercises.py``).

References: :func:`tinygrad_rnn.function.unbroadcast` for 4.1, numpy for the forward values,
:func:`tinygrad_rnn.kernels.elementwise.softmax_xent_forward` (the numpy reference) for the
loss of 4.4, and central differences in float64 for every gradient. All inputs are seeded.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem
from tinygrad_rnn.grading.calls import call
from tinygrad_rnn.grading.checks import numeric_gradient
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

# Inputs travel to the learner's process as JSON, so cases hold lists (``.tolist()``), and
# probes (calls.call's among them) turn them back into arrays.
RTOL = 1e-7
ATOL = 1e-9


def _array_problem(
    label: str, what: str, expected: np.ndarray, got: Any, rtol: float = RTOL, atol: float = ATOL
) -> str | None:
    """:func:`~tinygrad_rnn.grading.arrays.array_problem` with this lesson's tolerances."""
    return array_problem(label, what, expected, got, rtol, atol)


def _numeric(f, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Central-difference gradient of ``f(*arrays) -> float`` for each array."""
    flat = np.concatenate([a.reshape(-1) for a in arrays])
    sizes = np.cumsum([a.size for a in arrays])[:-1]

    def g(values: list[float]) -> float:
        parts = np.split(np.array(values), sizes)
        return f(*[p.reshape(a.shape) for p, a in zip(parts, arrays, strict=True)])

    grad = np.array(numeric_gradient(g, flat.tolist()))
    return [p.reshape(a.shape) for p, a in zip(np.split(grad, sizes), arrays, strict=True)]


# ---------------------------------------------------------------- 4.1 unbroadcast

#: (shape of the output gradient, shape of the input), from easy to tricky.
UNBROADCAST_SHAPES = (
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((5, 4), (1, 4)),
    ((5, 4), (5, 1)),
    ((2, 5, 4), (5, 4)),
    ((2, 5, 4), (5, 1)),
    ((2, 5, 4), (2, 1, 4)),
    ((2, 5, 4), (1, 1, 1)),
    ((2, 5, 4), (1,)),
    ((3, 1, 4), (1, 4)),  # an axis of size 1 on both sides: nothing to sum there
    ((2, 3), ()),
    ((6,), (1,)),
)


@cases
def _unbroadcast_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.function import unbroadcast

    rng = case_rng(401)
    cases = []
    for out_shape, in_shape in UNBROADCAST_SHAPES:
        grad = rng.standard_normal(out_shape).round(3)
        expected = np.asarray(unbroadcast(grad, in_shape), dtype=np.float64)
        label = f"unbroadcast(grad of shape {out_shape}, shape={in_shape})"
        cases.append(Case({"grad": grad.tolist(), "shape": list(in_shape)}, expected, label))
    return tuple(cases)


# ---------------------------------------------------------------- 4.2 linear_forward

LINEAR_SHAPES = ((5, 3, 4), (1, 3, 2), (4, 2, 1), (6, 4, 3), (3, 1, 5))  # (B, in, out)


@cases
def _linear_cases() -> tuple[Case, ...]:
    rng = case_rng(402)
    cases = []
    for batch, n_in, n_out in LINEAR_SHAPES:
        x = rng.standard_normal((batch, n_in)).round(3)
        W = rng.standard_normal((n_out, n_in)).round(3)
        b = rng.standard_normal(n_out).round(3)
        r = rng.standard_normal((batch, n_out)).round(3)  # loss = sum(r * Z)

        def loss(x_, W_, b_, r=r):
            return float(np.sum(r * (x_ @ W_.T + b_)))

        dx, dW, db = _numeric(loss, [x, W, b])
        expected = {"value": x @ W.T + b, "grads": {"x": dx, "W": dW, "b": db}}
        label = f"linear_forward(x {x.shape}, W {W.shape}, b {b.shape})"
        cases.append(
            Case(
                {"x": x.tolist(), "W": W.tolist(), "b": b.tolist(), "r": r.tolist()},
                expected,
                label,
            )
        )
    return tuple(cases)


def probe_linear_forward(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    from tinygrad_rnn.tensor import Tensor

    tensors = {
        name: Tensor(np.array(inputs[name]), requires_grad=True, dtype=np.float64)
        for name in ("x", "W", "b")
    }
    out = learner.linear_forward(tensors["x"], tensors["W"], tensors["b"])
    if not isinstance(out, Tensor):
        raise WrongType(f"linear_forward should return a Tensor, got {describe(out)}")
    value = np.asarray(out.data, dtype=np.float64)
    grads: dict[str, Any] = {}
    if out.requires_grad and out.shape == np.shape(inputs["r"]):
        out.backward(np.array(inputs["r"], dtype=out.dtype))
        grads = {name: t.grad for name, t in tensors.items()}
    return {"value": value, "grads": grads}


def judge_linear_value(case: Case, got: dict[str, Any]) -> str | None:
    return _array_problem(case.label, "the output", case.expected["value"], got["value"])


def judge_linear_grads(case: Case, got: dict[str, Any]) -> str | None:
    problem = judge_linear_value(case, got)
    if problem:
        return problem
    if not got["grads"]:
        return (
            f"{case.label}: the output is not connected to x, W and b in the graph: it was "
            "computed outside it (on .data or with numpy), where backward() cannot follow"
        )
    label = f"{case.label} with loss = sum(r * output)"
    for name, expected in case.expected["grads"].items():
        problem = _array_problem(
            label,
            f"the gradient of {name} (backprop vs central differences)",
            expected,
            got["grads"][name],
            1e-6,
            1e-7,
        )
        if problem:
            return problem
    return None


#: (x shape, W shape, b shape, shapes the message must name)
LINEAR_ERRORS = (
    ((5, 3), (4, 2), (4,), ((5, 3), (4, 2))),
    ((5, 3), (3, 4), (4,), ((5, 3), (3, 4))),
    ((5, 3), (4, 3), (5,), ((5,),)),
    ((4, 3), (4, 3), (4, 1), ((4, 1),)),
    ((5, 3), (4, 3), (5, 1), ((5, 1),)),
    ((3,), (4, 3), (4,), ((3,),)),
)


@cases
def _linear_error_cases() -> tuple[Case, ...]:
    cases = []
    for x_shape, w_shape, b_shape, named in LINEAR_ERRORS:
        label = f"linear_forward(x {x_shape}, W {w_shape}, b {b_shape})"
        inputs = {"x": list(x_shape), "W": list(w_shape), "b": list(b_shape)}
        cases.append(Case(inputs, [str(tuple(s)) for s in named], label))
    return tuple(cases)


def probe_linear_error(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    from tinygrad_rnn.tensor import Tensor

    rng = np.random.default_rng(0)
    args = [Tensor(rng.standard_normal(tuple(inputs[n])), dtype=np.float64) for n in "xWb"]
    try:
        out = learner.linear_forward(*args)
    except ValueError as exc:
        return {"raised": type(exc).__name__, "message": str(exc)}
    return {"raised": None, "shape": list(np.shape(getattr(out, "data", out)))}


def judge_linear_error(case: Case, got: dict[str, Any]) -> str | None:
    if got["raised"] is None:
        return (
            f"{case.label}: these shapes do not fit, but linear_forward returned a result of "
            f"shape {tuple(got['shape'])} instead of raising ValueError"
        )
    missing = [s for s in case.expected if s not in got["message"]]
    if missing:
        return (
            f"{case.label}: the ValueError should name the shape{'s' if len(missing) > 1 else ''} "
            f"{' and '.join(missing)}; its message was {got['message']!r}"
        )
    return None


# ---------------------------------------------------------------- 4.3 matmul_backward

MATMUL_SHAPES = ((2, 3, 4), (4, 2, 3), (1, 5, 2), (3, 1, 3), (3, 4, 1), (1, 1, 1))  # n, k, m


@cases
def _matmul_cases() -> tuple[Case, ...]:
    rng = case_rng(403)
    cases = []
    for n, k, m in MATMUL_SHAPES:
        A = rng.standard_normal((n, k)).round(3)
        B = rng.standard_normal((k, m)).round(3)
        dC = rng.standard_normal((n, m)).round(3)
        dA, dB = _numeric(lambda a, b, dC=dC: float(np.sum(dC * (a @ b))), [A, B])
        label = (
            f"matmul_backward(A {A.shape}, B {B.shape}, dC {dC.shape}) "
            "with loss = sum(dC * (A @ B))"
        )
        cases.append(
            Case({"A": A.tolist(), "B": B.tolist(), "dC": dC.tolist()}, {"dA": dA, "dB": dB}, label)
        )
    return tuple(cases)


# ---------------------------------------------------------------- 4.4 softmax_cross_entropy


def _xent_loss(logits: np.ndarray, targets: np.ndarray) -> float:
    from tinygrad_rnn.kernels.elementwise import softmax_xent_forward

    losses, _ = softmax_xent_forward(logits, targets)
    return float(losses.mean())


def _xent_grad(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    from tinygrad_rnn.kernels.elementwise import softmax_xent_backward, softmax_xent_forward

    _, lse = softmax_xent_forward(logits, targets)
    scale = np.full(len(targets), 1.0 / len(targets))
    return softmax_xent_backward(logits, targets, lse, scale)


@cases
def _xent_cases() -> tuple[Case, ...]:
    rng = case_rng(404)
    cases = []
    for n, c, scale in ((4, 3, 1.0), (1, 5, 2.0), (6, 2, 3.0), (3, 7, 1.0), (5, 4, 0.1)):
        logits = (rng.standard_normal((n, c)) * scale).round(3)
        targets = rng.integers(0, c, size=n)
        cases.append((logits, targets))
    # Large logits: exp would overflow without the max trick; one row has a tie for the top.
    cases.append((np.array([[1000.0, 998.0, -5.0], [-800.0, -801.0, -799.5]]), np.array([1, 2])))
    cases.append((np.array([[3000.0, 3000.0, 10.0, -3000.0]]), np.array([0])))
    out = []
    for logits, targets in cases:
        if np.abs(logits).max() < 100:
            (grad,) = _numeric(lambda z, t=targets: _xent_loss(z, t), [logits])
        else:  # at 1000s a step of 1e-6 is lost in rounding: the library's backward instead
            grad = _xent_grad(logits, targets)
        expected = {"loss": _xent_loss(logits, targets), "dlogits": grad}
        label = (
            f"softmax_cross_entropy(logits {logits.shape} up to "
            f"{np.abs(logits).max():g} in size, targets={targets.tolist()})"
        )
        out.append(Case({"logits": logits.tolist(), "targets": targets.tolist()}, expected, label))
    return tuple(out)


def _overflowed(case: Case, got: dict[str, Any]) -> str | None:
    """An unstable loss (the call runs quiet, so an overflow arrives as inf or nan)."""
    if np.isfinite(got["loss"]):
        return None
    return (
        f"{case.label}: the loss is {got['loss']}: exp overflowed. Subtract each row's "
        "maximum before exponentiating"
    )


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=4,
    exercise_file="04_tensors_exercises.py",
    exercises=(
        Exercise(
            id="4.1",
            title="Summing a broadcast gradient back",
            points=2,
            functions=("unbroadcast",),
            todo="return grad summed back to exactly the given shape",
            hint=(
                (
                    "An input that was broadcast was used several times, so its gradient is the"
                    " sum over its copies. Broadcasting copies in two ways: extra axes on the "
                    "left, and axes of size 1. See 'Broadcasting: how + b works' in lesson 4."
                ),
                (
                    "First sum away the leading axes grad has and shape lacks (axis 0, as many "
                    "times as the difference in the number of axes). Then, for every axis where"
                    " shape has size 1 and grad does not, sum it with keepdims=True."
                ),
                (
                    "while grad.ndim > len(shape):\n"
                    "    grad = grad.sum(axis=0)\n"
                    "for axis, size in enumerate(shape):\n"
                    "    if size == 1 and grad.shape[axis] != 1:\n"
                    "        grad = grad.sum(axis=axis, keepdims=True)\n"
                    "return grad"
                ),
            ),
            forbidden=("tinygrad_rnn.function.unbroadcast",),
            rule="write the gradient's sum yourself",
            checks=(
                call(
                    "result matches the library",
                    _unbroadcast_cases,
                    "unbroadcast",
                    ("grad", "shape:tuple"),
                    what="the result",
                    rtol=RTOL,
                    atol=ATOL,
                ),
            ),
        ),
        Exercise(
            id="4.2",
            title="A batched linear layer",
            points=3,
            functions=("linear_forward",),
            todo="check the shapes, then return the layer's output as a Tensor",
            hint=(
                (
                    "A batched layer computes every example's weighted sums at once with one "
                    "matrix product, then adds the bias to every row. Check the shapes first, "
                    "so a mistake is named. See 'Batching: one array instead of many numbers' "
                    "in lesson 4."
                ),
                (
                    "x is (B, I), W is (H, I), b is (H,). The product with the transpose of W "
                    "gives (B, H); b broadcasts over the rows. Raise ValueError naming the "
                    "shapes when x is not 2-D, the I of x and W differ, or b is not (H,)."
                ),
                (
                    "if x.ndim != 2 or W.shape[1] != x.shape[1] or b.shape != (W.shape[0],):\n"
                    "    raise ValueError(f'linear_forward: x {x.shape}, W {W.shape}, b "
                    "{b.shape}')\n"
                    "return x @ W.T + b"
                ),
            ),
            forbidden=("tinygrad_rnn.nn.functional.linear", "tinygrad_rnn.nn.Linear"),
            rule="write the layer yourself",
            checks=(
                Check(
                    "output matches x @ W.T + b",
                    _linear_cases,
                    probe_linear_forward,
                    judge_linear_value,
                ),
                Check(
                    "gradients match central differences",
                    _linear_cases,
                    probe_linear_forward,
                    judge_linear_grads,
                ),
                Check(
                    "shapes that do not fit raise ValueError naming them",
                    _linear_error_cases,
                    probe_linear_error,
                    judge_linear_error,
                ),
            ),
        ),
        Exercise(
            id="4.3",
            title="The gradient of a matrix product",
            points=2,
            functions=("matmul_backward",),
            todo="return (dA, dB), the gradients of sum(dC * (A @ B)) for A and B",
            hint=(
                (
                    "Each gradient is another matrix product of dC with the other factor; the "
                    "shapes tell you which factor is transposed and on which side. See 'The "
                    "matrix product and its gradient' in lesson 4."
                ),
                (
                    "A is (n, k), B is (k, m), dC is (n, m). dA must have A's shape and dB "
                    "B's shape. Each is a product of dC with the other factor: write the shapes"
                    " side by side and find the order, and which factor to transpose, for which"
                    " the inner sizes meet and the outer ones come out right."
                ),
                "return dC @ B.T, A.T @ dC",
            ),
            forbidden=("tinygrad_rnn.tensor.Tensor.backward",),
            rule="derive the gradients yourself",
            checks=(
                call(
                    "dA and dB match central differences",
                    _matmul_cases,
                    "matmul_backward",
                    ("A", "B", "dC"),
                    returns=("dA", "dB"),
                    what={"dA": "dA (vs central differences)", "dB": "dB (vs central differences)"},
                    rtol=1e-6,
                    atol=1e-7,
                ),
            ),
        ),
        Exercise(
            id="4.4",
            title="Softmax cross-entropy, forward and backward",
            points=3,
            functions=("softmax_cross_entropy",),
            todo="return (mean cross-entropy, its gradient for logits), without overflow",
            hint=(
                (
                    "Cross-entropy is the mean over rows of minus the log-softmax at the "
                    "target. Subtracting each row's maximum first changes nothing in the result"
                    " but keeps exp from overflowing. The gradient of softmax cross-entropy is "
                    "famously simple. See 'A loss over many classes, computed safely' in lesson"
                    " 4."
                ),
                (
                    "With z the logits minus the row maximum: the log-sum-exp of a row is log "
                    "of the sum of exp(z); the loss of row n is that minus z at the target. The"
                    " gradient has the shape of the logits. Differentiate one row's loss by one"
                    " logit: the log-sum-exp gives one term for every entry, minus z at the "
                    "target a second term for the target's entry only. The loss is a mean over"
                    " the N rows, so the gradient carries that too."
                ),
                (
                    "z = logits - logits.max(axis=1, keepdims=True)\n"
                    "lse = np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
                    "n = len(targets); loss = float(np.mean(lse[:, 0] - z[np.arange(n), "
                    "targets]))\n"
                    "grad = np.exp(z - lse); grad[np.arange(n), targets] -= 1\n"
                    "return loss, grad / n"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.functional.cross_entropy",
                "tinygrad_rnn.nn.functional.log_softmax",
                "tinygrad_rnn.nn.functional.softmax",
                "tinygrad_rnn.kernels.elementwise.softmax_xent_forward",
                "tinygrad_rnn.kernels.elementwise.softmax_xent_backward",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
            rule="write the loss and its gradient yourself",
            checks=(
                call(
                    "the loss matches the library, also for huge logits",
                    _xent_cases,
                    "softmax_cross_entropy",
                    ("logits", "targets:ints"),
                    returns=("loss:number", "dlogits"),
                    compare=("loss",),
                    what={"loss": "the mean loss"},
                    rtol=1e-9,
                    atol=1e-10,
                    diagnose=_overflowed,
                    quiet=True,
                ),
                call(
                    "the gradient matches central differences (the library at huge logits)",
                    _xent_cases,
                    "softmax_cross_entropy",
                    ("logits", "targets:ints"),
                    returns=("loss:number", "dlogits"),
                    compare=("dlogits",),
                    what={"dlogits": "dlogits (vs central differences of the loss)"},
                    rtol=1e-5,
                    atol=1e-7,
                    quiet=True,
                ),
            ),
        ),
    ),
)
