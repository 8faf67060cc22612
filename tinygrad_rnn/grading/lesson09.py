r"""Checks for lesson 9, the LSTM (``lessons/09_lstm_exercises.py``).

References: :func:`tinygrad_rnn.nn.lstm_step` (9.1) and the unrolled
:class:`tinygrad_rnn.nn.LSTM` from a given initial state (9.2), both in float64; central
differences of :math:`L = \sum dh \odot h_t + \sum dc \odot c_t` through the library's step
for every input of 9.3; ``nn.LSTM(...).num_parameters()`` and
:func:`tinygrad_rnn.init.lstm_forget_bias_` for 9.4. Every input is seeded and travels as
plain lists; shapes are never square where a transpose or a gate slice could hide.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array, from_plain, late_by_one, to_plain
from tinygrad_rnn.grading.checks import value_message
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson

__all__ = ["LESSON"]

WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")


def _weights(rng: np.random.Generator, n_in: int, hidden: int, scale: float) -> dict[str, Any]:
    """Random LSTM weights, rounded so that they travel to the learner's process exactly."""
    shapes = {"W_ih": (4 * hidden, n_in), "W_hh": (4 * hidden, hidden)}
    shapes |= {"b_ih": (4 * hidden,), "b_hh": (4 * hidden,)}
    return {k: (rng.standard_normal(s) * scale).round(4) for k, s in shapes.items()}


def _library_step(x_t, h_prev, c_prev, w) -> tuple[np.ndarray, np.ndarray]:
    """``(h_t, c_t)`` from the library's lstm_step in float64."""
    from tinygrad_rnn.nn import LSTMState, lstm_step
    from tinygrad_rnn.tensor import Tensor

    def t(a):
        return Tensor(np.asarray(a, dtype=np.float64), dtype=np.float64)

    state = lstm_step(t(x_t), LSTMState(t(h_prev), t(c_prev)), *(t(w[k]) for k in WEIGHTS))
    return np.asarray(state.h.data, np.float64), np.asarray(state.c.data, np.float64)


def _pair(result: Any, n: int, where: str, names: str) -> tuple[Any, ...]:
    if not isinstance(result, tuple | list) or len(result) != n:
        raise WrongType(f"{where} should return a tuple {names}, got {describe(result)}")
    return tuple(result)


# ---------------------------------------------------------------- 9.1 lstm_step

#: (B, I, H, weight scale): I != H and 4H != I so that a transpose or a slice shows
STEP_SHAPES = ((1, 1, 1, 1.0), (2, 3, 4, 0.5), (4, 5, 3, 1.0), (3, 2, 5, 0.8), (1, 4, 2, 2.0))


@cache
def _step_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(901)
    cases = []
    for batch, n_in, hidden, scale in STEP_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        x_t = rng.standard_normal((batch, n_in)).round(4)
        h_prev = rng.uniform(-1, 1, (batch, hidden)).round(4)
        c_prev = rng.standard_normal((batch, hidden)).round(4)
        h_t, c_t = _library_step(x_t, h_prev, c_prev, w)
        label = (
            f"lstm_step(x_t {x_t.shape}, h_prev {h_prev.shape}, c_prev {c_prev.shape}, "
            f"W_ih {w['W_ih'].shape}, ...)"
        )
        inputs = {"x_t": x_t.tolist(), "h_prev": h_prev.tolist(), "c_prev": c_prev.tolist()}
        cases.append(Case(inputs | to_plain(w), {"h_t": h_t, "c_t": c_t}, label))
    return tuple(cases)


def probe_lstm_step(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    args = from_plain(inputs, ("x_t", "h_prev", "c_prev", *WEIGHTS))
    h_t, c_t = _pair(learner.lstm_step(*args), 2, "lstm_step", "(h_t, c_t)")
    return {"h_t": as_array(h_t, "lstm_step's h_t"), "c_t": as_array(c_t, "lstm_step's c_t")}


def judge_lstm_step(case: Case, got: dict[str, Any]) -> str | None:
    for name in ("c_t", "h_t"):
        problem = array_problem(case.label, name, case.expected[name], got[name])
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- 9.2 lstm_forward

#: (T, B, I, H, weight scale)
FORWARD_SHAPES = ((4, 1, 1, 3, 1.0), (1, 2, 3, 2, 1.0), (6, 3, 2, 4, 0.7), (10, 2, 3, 2, 1.2))


@cache
def _forward_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import LSTM
    from tinygrad_rnn.tensor import Tensor

    rng = np.random.default_rng(902)
    cases = []
    for steps, batch, n_in, hidden, scale in FORWARD_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        xs = rng.standard_normal((steps, batch, n_in)).round(4)
        h0 = rng.uniform(-1, 1, (batch, hidden)).round(4)  # not zeros: both must be used
        c0 = rng.standard_normal((batch, hidden)).round(4)
        layer = LSTM(n_in, hidden, fused=False, rng=0, dtype=np.float64)
        layer.load_state_dict(
            {"weight_ih_l0": w["W_ih"], "weight_hh_l0": w["W_hh"]}
            | {"bias_ih_l0": w["b_ih"], "bias_hh_l0": w["b_hh"]}
        )
        state = (Tensor(h0[None], dtype=np.float64), Tensor(c0[None], dtype=np.float64))
        out, (h_n, c_n) = layer(Tensor(xs, dtype=np.float64), state)
        expected = {
            "hs": np.asarray(out.data, np.float64),
            "h_T": np.asarray(h_n.data[0], np.float64),
            "c_T": np.asarray(c_n.data[0], np.float64),
        }
        label = (
            f"lstm_forward(xs {xs.shape}, h0 {h0.shape}, c0 {c0.shape}, "
            f"W_hh {w['W_hh'].shape}, ...)"
        )
        inputs = {"xs": xs.tolist(), "h0": h0.tolist(), "c0": c0.tolist()} | to_plain(w)
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_lstm_forward(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    args = from_plain(inputs, ("xs", "h0", "c0", *WEIGHTS))
    hs, h_T, c_T = _pair(learner.lstm_forward(*args), 3, "lstm_forward", "(hs, h_T, c_T)")
    return {
        "hs": as_array(hs, "lstm_forward's hs"),
        "h_T": as_array(h_T, "lstm_forward's h_T"),
        "c_T": as_array(c_T, "lstm_forward's c_T"),
    }


def judge_lstm_forward(case: Case, got: dict[str, Any]) -> str | None:
    want, hs = case.expected["hs"], np.asarray(got["hs"], dtype=np.float64)
    late = late_by_one(case.label, want, hs)
    if late:
        return late
    for name in ("hs", "h_T", "c_T"):
        problem = array_problem(case.label, name, case.expected[name], got[name])
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- 9.3 lstm_step_backward

#: (B, I, H, weight scale)
BACKWARD_SHAPES = ((1, 1, 1, 1.0), (2, 3, 2, 0.7), (3, 2, 3, 1.0))
GRAD_INPUTS = ("x_t", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih")
GRAD_NAMES = {"x_t": "dx", "h_prev": "dh_prev", "c_prev": "dc_prev"}
GRAD_NAMES |= {"W_ih": "dW_ih", "W_hh": "dW_hh", "b_ih": "db"}


@cache
def _backward_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.grading.checks import numeric_gradient

    rng = np.random.default_rng(903)
    cases = []
    for batch, n_in, hidden, scale in BACKWARD_SHAPES:
        values = _weights(rng, n_in, hidden, scale)
        values["x_t"] = rng.standard_normal((batch, n_in)).round(4)
        values["h_prev"] = rng.uniform(-1, 1, (batch, hidden)).round(4)
        values["c_prev"] = rng.standard_normal((batch, hidden)).round(4)
        dh = rng.standard_normal((batch, hidden)).round(4)
        dc = rng.standard_normal((batch, hidden)).round(4)
        expected = {}
        for name in GRAD_INPUTS:

            def loss(flat: list[float], name=name, values=values, dh=dh, dc=dc) -> float:
                v = dict(values)
                v[name] = np.array(flat).reshape(values[name].shape)
                h_t, c_t = _library_step(v["x_t"], v["h_prev"], v["c_prev"], v)
                return float(np.sum(dh * h_t) + np.sum(dc * c_t))

            numeric = numeric_gradient(loss, values[name].ravel().tolist())
            expected[GRAD_NAMES[name]] = np.array(numeric).reshape(values[name].shape)
        label = (
            f"lstm_step_backward(x_t {values['x_t'].shape}, h_prev {values['h_prev'].shape}, "
            f"W_ih {values['W_ih'].shape}, ..., dh, dc) vs central differences"
        )
        inputs = to_plain(values) | {"dh": dh.tolist(), "dc": dc.tolist()}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_lstm_backward(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    args = from_plain(inputs, ("x_t", "h_prev", "c_prev", *WEIGHTS, "dh", "dc"))
    result = learner.lstm_step_backward(*args)
    if not isinstance(result, dict):
        raise WrongType(
            "lstm_step_backward should return a dict with keys dx, dh_prev, dc_prev, dW_ih, "
            f"dW_hh, db; got {describe(result)}"
        )
    missing = [k for k in GRAD_NAMES.values() if k not in result]
    if missing:
        raise WrongType(f"lstm_step_backward's dict has no {', '.join(missing)}")
    return {k: as_array(result[k], f"lstm_step_backward's {k}") for k in GRAD_NAMES.values()}


def judge_lstm_backward(case: Case, got: dict[str, Any]) -> str | None:
    for key in ("dc_prev", "dh_prev", "dx", "db", "dW_ih", "dW_hh"):
        problem = array_problem(case.label, key, case.expected[key], got[key], 1e-5, 1e-7)
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- 9.4 count, forget bias

#: (input_size, hidden_size, num_layers, bias)
COUNT_CASES = ((1, 16, 1, True), (3, 5, 1, False), (10, 4, 2, True), (2, 7, 3, True))
COUNT_CASES += ((6, 3, 3, False), (128, 64, 2, True))
#: (H, value)
BIAS_CASES = ((1, 1.0), (3, 2.5), (5, -1.0))


@cache
def _count_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.init import lstm_forget_bias_
    from tinygrad_rnn.nn import LSTM

    cases = []
    for n_in, hidden, layers, bias in COUNT_CASES:
        expected = LSTM(n_in, hidden, num_layers=layers, bias=bias, rng=0).num_parameters()
        label = f"lstm_num_params({n_in}, {hidden}, num_layers={layers}, bias={bias})"
        inputs = {"function": "count", "args": [n_in, hidden, layers, bias]}
        cases.append(Case(inputs, int(expected), label))
    rng = np.random.default_rng(904)
    for hidden, value in BIAS_CASES:
        before = rng.standard_normal(4 * hidden).round(4)
        expected = lstm_forget_bias_(before.copy(), value)
        label = f"set_forget_bias_(a bias of shape ({4 * hidden},), {value})"
        inputs = {"function": "bias", "bias": before.tolist(), "value": value}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_count(learner: ModuleType, inputs: dict[str, Any]) -> Any:
    if inputs["function"] == "count":
        n_in, hidden, layers, bias = inputs["args"]
        count = learner.lstm_num_params(n_in, hidden, num_layers=layers, bias=bias)
        if isinstance(count, bool) or not isinstance(count, int | np.integer):
            raise WrongType(f"lstm_num_params should return an int, got {describe(count)}")
        return int(count)
    bias = np.array(inputs["bias"], dtype=np.float64)
    returned = learner.set_forget_bias_(bias, inputs["value"])
    return {"in_place": bias, "returned_same": returned is bias}


def judge_count(case: Case, got: Any) -> str | None:
    if case.inputs["function"] == "count":
        return None if got == case.expected else value_message(case.label, case.expected, got)
    problem = array_problem(
        case.label, "the bias array after the call", case.expected, got["in_place"]
    )
    if problem:
        return problem + " (set entries H:2H in place)"
    if not got["returned_same"]:
        return f"{case.label}: return the bias array itself (the one you changed in place)"
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=9,
    exercise_file="09_lstm_exercises.py",
    exercises=(
        Exercise(
            id="9.1",
            title="One step of an LSTM",
            points=2,
            functions=("lstm_step",),
            todo="compute the gates i, f, g, o from one matmul each, then c_t and h_t",
            hint=(
                "a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh is (B, 4H); the quarters "
                "a[:, :H], a[:, H:2H], a[:, 2H:3H], a[:, 3H:] are i, f, g, o (sigmoid, sigmoid, "
                "tanh, sigmoid). c_t = f * c_prev + i * g; h_t = o * np.tanh(c_t)."
            ),
            checks=(
                Check(
                    "h_t and c_t match nn.lstm_step", _step_cases, probe_lstm_step, judge_lstm_step
                ),
            ),
        ),
        Exercise(
            id="9.2",
            title="An LSTM over a sequence",
            points=2,
            functions=("lstm_forward",),
            todo="apply lstm_step for every step from (h0, c0); return (hs, h_T, c_T)",
            hint=(
                "h, c = h0, c0; for each x_t in xs: h, c = lstm_step(x_t, h, c, ...) and append "
                "the new h. Return (np.stack(list), h, c): hs is (T, B, H) and excludes h0."
            ),
            checks=(
                Check(
                    "hs, h_T and c_T match the unrolled nn.LSTM",
                    _forward_cases,
                    probe_lstm_forward,
                    judge_lstm_forward,
                ),
            ),
        ),
        Exercise(
            id="9.3",
            title="Backward through one LSTM step",
            points=3,
            functions=("lstm_step_backward",),
            todo="recompute the step, then backpropagate dh and dc to every input",
            hint=(
                "Keep i, f, g, o and tanh(c_t) from the forward pass. The gradient reaching c_t "
                "is dc + dh * o * (1 - tanh(c_t)**2): do not forget the route through h_t. "
                "Sigmoid's slope is s * (1 - s), tanh's 1 - t**2; da stacks [di', df', dg', do'] "
                "in the order i, f, g, o."
            ),
            checks=(
                Check(
                    "all six gradients match central differences",
                    _backward_cases,
                    probe_lstm_backward,
                    judge_lstm_backward,
                ),
            ),
        ),
        Exercise(
            id="9.4",
            title="Parameters of a stacked LSTM; the forget-gate bias",
            points=1,
            functions=("lstm_num_params", "set_forget_bias_"),
            todo=(
                "add up 4H*n_in + 4H*H (+ 8H with biases) per layer",
                "set entries H:2H of the (4H,) bias to value, in place",
            ),
            hint=(
                "Per layer: 4H * n_in + 4H * H, plus 2 * 4H with biases; n_in is input_size "
                "for layer 0 and hidden_size above it. Forget bias: H = len(bias) // 4; "
                "bias[H:2 * H] = value; return bias."
            ),
            checks=(
                Check(
                    "matches nn.LSTM(...).num_parameters() and init.lstm_forget_bias_",
                    _count_cases,
                    probe_count,
                    judge_count,
                ),
            ),
        ),
    ),
)
