"""Checks for lesson 5, fast hot loops with numba (``lessons/05_numba_exercises.py``).

References: the numpy functions of :mod:`tinygrad_rnn.kernels.elementwise` (``tanh_forward`` and
``tanh_backward``, ``grad_norm``, ``embedding_backward``), which the library's own kernels
are tested against. The grader's process never imports numba.

The learner's kernels (5.1 and 5.3) run compiled: a function without ``@njit`` is compiled
by the probe, so code that only works as Python fails here as it would in the library. With
``NUMBA_DISABLE_JIT=1`` in the environment numba compiles nothing and the same checks run the
loops as Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem
from tinygrad_rnn.grading.calls import as_tuple
from tinygrad_rnn.grading.checks import value_message
from tinygrad_rnn.grading.probes import WrongType, as_number, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

# Compiling a kernel takes about a second per dtype on a quiet machine; numba's own start-up
# as much again. A busy machine (a test suite running beside) can multiply that.
KERNEL_TIMEOUT = 60.0

TOL = {"float32": {"rtol": 2e-6, "atol": 1e-6}, "float64": {"rtol": 1e-12, "atol": 1e-13}}

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


_jitted: dict[str, Callable[..., Any]] = {}  # compile each learner function once per process


def _compiled(fn: Any, name: str) -> Callable[..., Any]:
    """The learner's function compiled by numba, with the learner's options but no disk cache.

    The grader imports the learner's file under a module name of its own. numba's on-disk
    cache is keyed by the file but its machine code remembers the module name, so code
    cached here would fail to load when the learner later runs the file (and the other way
    round). A function without ``@njit`` is compiled too, so Python-only code fails here.
    """
    from tinygrad_rnn.kernels._numba import numba  # the one door to numba

    if name not in _jitted:
        if isinstance(fn, numba.core.registry.CPUDispatcher):
            options = {k: v for k, v in fn.targetoptions.items() if k != "nopython"}
            _jitted[name] = numba.njit(**options)(fn.py_func)
        else:
            _jitted[name] = numba.njit(fn)
    return _jitted[name]


def _numba_error(name: str, exc: Exception) -> WrongType:
    """A numba compile error cut down to the reason and the line of the learner's code."""
    lines = [line.strip() for line in _ANSI.sub("", str(exc)).splitlines() if line.strip()]
    reason = next((ln for ln in lines if not ln.startswith("Failed in")), "unknown reason")
    where = next((ln.rstrip(":") for ln in lines if ln.startswith("File ")), "")
    return WrongType(
        f"numba could not compile {name}: {reason}"
        + (f" ({where})" if where else "")
        + ". Inside a kernel use loops, numbers and numpy arrays only"
    )


_stub_checked: set[str] = set()


def _run_kernel(learner: ModuleType, name: str, *args: Any) -> Any:
    from tinygrad_rnn.kernels._numba import numba  # the one door to numba

    raw = getattr(learner, name)
    if name not in _stub_checked:
        # An untouched stub raises NotImplementedError at once as plain Python: say so
        # without spending a second compiling it. Any other error surfaces compiled below.
        _stub_checked.add(name)
        try:
            getattr(raw, "py_func", raw)(
                *[a.copy() if isinstance(a, np.ndarray) else a for a in args]
            )
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001 - the compiled run reports it properly
            pass
    fn = _compiled(raw, name)
    try:
        return fn(*args)
    except numba.core.errors.NumbaError as exc:
        raise _numba_error(name, exc) from None


# The kernels are graded in their own dtype, so their results travel with it: _array and
# _compare keep the dtype that arrays.as_array would turn into float64; past the dtype check,
# arrays.array_problem compares shape and values as for every other lesson.
def _array(obj: Any, where: str) -> np.ndarray:
    if not isinstance(obj, np.ndarray):
        raise WrongType(f"{where} should be a numpy array, got {describe(obj)}")
    return obj


def _plain(a: np.ndarray) -> dict[str, Any]:
    """An array's dtype, shape and values (as float64) for the trip back to the grader."""
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": a.astype(np.float64).tolist()}


def _compare(label: str, what: str, expected: np.ndarray, got: dict[str, Any]) -> str | None:
    """None when ``got`` has the dtype, shape and values of ``expected``."""
    if got["dtype"] != str(expected.dtype):
        return (
            f"{label}: {what} should have dtype {expected.dtype} (the dtype of the input), "
            f"got {got['dtype']}; make the outputs in the input's dtype"
        )
    values = np.array(got["values"], dtype=np.float64).reshape(got["shape"])
    tol = TOL[str(expected.dtype)]
    return array_problem(label, what, expected.astype(np.float64), values, **tol)


# ---------------------------------------------------------------- 5.1 tanh_fused


@cases
def _tanh_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.kernels.elementwise import tanh_backward, tanh_forward

    rng = case_rng(501)
    cases = []
    for size, dtype, scale in (
        (7, "float64", 2.0),
        (1000, "float64", 4.0),
        (33, "float32", 3.0),
        (1, "float32", 1.0),
        (0, "float64", 1.0),
        (64, "float64", 40.0),
    ):
        x = (rng.standard_normal(size) * scale).astype(dtype)
        g = rng.standard_normal(size).astype(dtype)
        y = tanh_forward(x)
        expected = {"y": y, "grad_x": tanh_backward(g, y)}
        label = f"tanh_fused(x of {size} {dtype} values up to {np.abs(x).max(initial=0):.3g})"
        cases.append(
            Case({"x": x.tolist(), "grad_out": g.tolist(), "dtype": dtype}, expected, label)
        )
    return tuple(cases)


def probe_tanh_fused(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    x = np.array(inputs["x"], dtype=inputs["dtype"])
    g = np.array(inputs["grad_out"], dtype=inputs["dtype"])
    y, grad_x = as_tuple(_run_kernel(learner, "tanh_fused", x, g), 2, "tanh_fused", "(y, grad_x)")
    y = _array(y, "the y of tanh_fused")
    grad_x = _array(grad_x, "the grad_x of tanh_fused")
    return {"y": _plain(y), "grad_x": _plain(grad_x)}


def judge_tanh_fused(case: Case, got: dict[str, Any]) -> str | None:
    for name in ("y", "grad_x"):
        problem = _compare(case.label, name, case.expected[name], got[name])
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- 5.2 global_grad_norm

#: Each case: a list of (shape, dtype, scale) for the arrays.
NORM_SPECS = (
    [((3,), "float64", 1.0)],
    [((2, 3), "float64", 1.0), ((4,), "float64", 2.0), ((), "float64", 3.0)],
    [((5, 2), "float32", 1.0), ((3,), "float64", 1.0)],
    [((2, 2, 3), "float32", 0.5), ((1,), "float32", 10.0)],
    [((4,), "float32", 1e20), ((2, 2), "float32", 3e19)],  # squares overflow float32
    [],
)


@cases
def _norm_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.kernels.elementwise import grad_norm

    rng = case_rng(502)
    cases = []
    for spec in NORM_SPECS:
        arrays = [
            (rng.standard_normal(shape) * scale).astype(dtype) for shape, dtype, scale in spec
        ]
        described = ", ".join(f"{a.dtype} {a.shape}" for a in arrays) or "an empty list"
        inputs = [
            {"values": a.tolist(), "dtype": str(a.dtype), "shape": list(a.shape)} for a in arrays
        ]
        cases.append(Case(inputs, grad_norm(arrays), f"global_grad_norm([{described}])"))
    return tuple(cases)


def probe_global_grad_norm(learner: ModuleType, inputs: list[dict[str, Any]]) -> float:
    arrays = [np.array(a["values"], dtype=a["dtype"]).reshape(a["shape"]) for a in inputs]
    with np.errstate(all="ignore"):  # an overflow should show as inf in the result, not warn
        result = learner.global_grad_norm(arrays)
    return as_number(result, "global_grad_norm")


def judge_global_grad_norm(case: Case, got: float) -> str | None:
    if not np.isfinite(got) and np.isfinite(case.expected):
        return value_message(
            case.label,
            case.expected,
            got,
            "float32 squares overflowed: convert to float64 before squaring",
        )
    if np.isclose(got, case.expected, rtol=1e-6, atol=1e-300):
        return None
    return value_message(case.label, case.expected, got)


# ---------------------------------------------------------------- 5.3 scatter_add_rows


@cases
def _scatter_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.kernels.elementwise import embedding_backward

    rng = case_rng(503)
    cases = []
    # (N, D, V, dtype): repeats are certain whenever N > V
    for n, d, v, dtype in (
        (6, 2, 3, "float64"),
        (50, 4, 7, "float64"),
        (20, 3, 40, "float32"),
        (1, 1, 1, "float64"),
        (0, 3, 4, "float64"),
        (200, 8, 5, "float32"),
    ):
        grad_out = rng.standard_normal((n, d)).astype(dtype)
        indices = rng.integers(0, v, size=n).astype(np.int64)
        expected = embedding_backward(grad_out, indices, v)
        label = f"scatter_add_rows(grad_out {grad_out.shape} {dtype}, {n} indices into {v} rows)"
        inputs = {
            "grad_out": grad_out.tolist(),
            "dtype": dtype,
            "shape": [n, d],
            "indices": indices.tolist(),
            "num_rows": v,
        }
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_scatter_add_rows(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    grad_out = np.array(inputs["grad_out"], dtype=inputs["dtype"]).reshape(inputs["shape"])
    indices = np.array(inputs["indices"], dtype=np.int64)
    result = _run_kernel(learner, "scatter_add_rows", grad_out, indices, inputs["num_rows"])
    return _plain(_array(result, "scatter_add_rows"))


def judge_scatter_add_rows(case: Case, got: dict[str, Any]) -> str | None:
    problem = _compare(case.label, "the table gradient", case.expected, got)
    if problem and case.inputs["shape"][0] > case.inputs["num_rows"]:
        problem += " (indices repeat here: does every repeat add its row?)"
    return problem


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=5,
    exercise_file="05_numba_exercises.py",
    exercises=(
        Exercise(
            id="5.1",
            title="A fused tanh kernel",
            points=2,
            functions=("tanh_fused",),
            todo="return (tanh(x), the gradient through it) computed in one compiled loop",
            hint=(
                (
                    "One pass over the elements computes both the output and the gradient, so "
                    "the data is read once. The slope of tanh is one minus its output squared. "
                    "See 'Three ways to run one elementwise operation' in lesson 5."
                ),
                (
                    "Two output arrays with x's shape and dtype, filled in one loop over the "
                    "indices: at each index compute the tanh once, store it as the output and "
                    "use it again for the gradient there, grad_out's entry times tanh's slope."
                ),
                (
                    "y = np.empty_like(x); grad_x = np.empty_like(x)\n"
                    "for i in range(x.size):\n"
                    "    t = np.tanh(x[i]); y[i] = t; grad_x[i] = grad_out[i] * (1 - t * t)\n"
                    "return y, grad_x"
                ),
            ),
            checks=(
                Check(
                    "compiled, it matches numpy (float32 and float64)",
                    _tanh_cases,
                    probe_tanh_fused,
                    judge_tanh_fused,
                ),
            ),
            timeout=KERNEL_TIMEOUT,
        ),
        Exercise(
            id="5.2",
            title="The global gradient norm",
            points=2,
            functions=("global_grad_norm",),
            todo="return the norm of all the arrays' entries together, as a float64",
            hint=(
                (
                    "The global norm treats every entry of every array as one long vector: the "
                    "square root of the sum of all the squares. Sum in float64 even when the "
                    "arrays are float32. See 'Clipping the step' in lesson 6 for why clipping "
                    "needs it."
                ),
                (
                    "For each array, convert it to float64 and add the sum of its squared "
                    "entries to a running total (a plain float). At the end take the square "
                    "root. An empty list has norm 0."
                ),
                (
                    "total = 0.0\n"
                    "for a in arrays:\n"
                    "    a64 = a.astype(np.float64)\n"
                    "    total += float(np.sum(a64 * a64))\n"
                    "return math.sqrt(total)"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.kernels.elementwise.grad_norm",
                "tinygrad_rnn.optim.clip_grad_norm_",
            ),
            rule="sum the squares yourself",
            checks=(
                Check(
                    "matches the library, also for float32 entries near 1e20",
                    _norm_cases,
                    probe_global_grad_norm,
                    judge_global_grad_norm,
                ),
            ),
        ),
        Exercise(
            id="5.3",
            title="Scatter-add: the embedding backward",
            points=3,
            functions=("scatter_add_rows",),
            todo="return the (num_rows, D) table with each row of grad_out added at its index",
            hint=(
                (
                    "An embedding lookup copies rows; its backward adds each output row's "
                    "gradient back into the row it came from. When an index repeats, the "
                    "gradients add up instead of overwriting each other. See 'Where a compiled "
                    "loop wins' in lesson 5."
                ),
                (
                    "Start from a (num_rows, D) table of zeros in grad_out's dtype. Loop over "
                    "the N rows of grad_out and its D columns, adding each entry into the table"
                    " row that its index names (add, never assign). Fancy-index assignment "
                    "would drop the repeats."
                ),
                (
                    "out = np.zeros((num_rows, grad_out.shape[1]), dtype=grad_out.dtype)\n"
                    "for n in range(indices.shape[0]):\n"
                    "    for d in range(grad_out.shape[1]):\n"
                    "        out[indices[n], d] += grad_out[n, d]\n"
                    "return out"
                ),
            ),
            checks=(
                Check(
                    "compiled, it matches np.add.at (repeats accumulate)",
                    _scatter_cases,
                    probe_scatter_add_rows,
                    judge_scatter_add_rows,
                ),
            ),
            timeout=KERNEL_TIMEOUT,
        ),
    ),
)
