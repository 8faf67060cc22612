r"""Checks for lesson 9, the LSTM (``lessons/09_lstm_exercises.py``).

References: :func:`tinygrad_rnn.nn.lstm_step` (9.1) and the unrolled
:class:`tinygrad_rnn.nn.LSTM` from a given initial state (9.2), both in float64; central
differences of :math:`L = \sum dh \odot h_t + \sum dc \odot c_t` through the library's step
for every input of 9.3; ``nn.LSTM(...).num_parameters()`` and
:func:`tinygrad_rnn.init.lstm_forget_bias_` for 9.4. Every input is seeded and travels as
plain lists; shapes are never square where a transpose or a gate slice could hide.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array, late_by_one, to_plain
from tinygrad_rnn.grading.calls import as_tuple, call
from tinygrad_rnn.grading.checks import value_message
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

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


# ---------------------------------------------------------------- 9.1 lstm_step

#: (B, I, H, weight scale): I != H and 4H != I so that a transpose or a slice shows
STEP_SHAPES = ((1, 1, 1, 1.0), (2, 3, 4, 0.5), (4, 5, 3, 1.0), (3, 2, 5, 0.8), (1, 4, 2, 2.0))


@cases
def _step_cases() -> tuple[Case, ...]:
    rng = case_rng(901)
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


# ---------------------------------------------------------------- 9.2 lstm_forward

#: (T, B, I, H, weight scale)
FORWARD_SHAPES = ((4, 1, 1, 3, 1.0), (1, 2, 3, 2, 1.0), (6, 3, 2, 4, 0.7), (10, 2, 3, 2, 1.2))


@cases
def _forward_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import LSTM
    from tinygrad_rnn.tensor import Tensor

    rng = case_rng(902)
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


def _states_late(case: Case, got: dict[str, np.ndarray]) -> str | None:
    return late_by_one(case.label, case.expected["hs"], got["hs"])


# ---------------------------------------------------------------- 9.3 lstm_step_backward

#: (B, I, H, weight scale)
BACKWARD_SHAPES = ((1, 1, 1, 1.0), (2, 3, 2, 0.7), (3, 2, 3, 1.0))
GRAD_INPUTS = ("x_t", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih")
GRAD_NAMES = {"x_t": "dx", "h_prev": "dh_prev", "c_prev": "dc_prev"}
GRAD_NAMES |= {"W_ih": "dW_ih", "W_hh": "dW_hh", "b_ih": "db"}


@cases
def _backward_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.grading.checks import numeric_gradient

    rng = case_rng(903)
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


# ---------------------------------------------------------------- 9.4 count, forget bias

#: (input_size, hidden_size, num_layers, bias)
COUNT_CASES = ((1, 16, 1, True), (3, 5, 1, False), (10, 4, 2, True), (2, 7, 3, True))
COUNT_CASES += ((6, 3, 3, False), (128, 64, 2, True))
#: (H, value)
BIAS_CASES = ((1, 1.0), (3, 2.5), (5, -1.0))


@cases
def _count_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.init import lstm_forget_bias_
    from tinygrad_rnn.nn import LSTM

    cases = []
    for n_in, hidden, layers, bias in COUNT_CASES:
        expected = LSTM(n_in, hidden, num_layers=layers, bias=bias, rng=0).num_parameters()
        label = f"lstm_num_params({n_in}, {hidden}, num_layers={layers}, bias={bias})"
        inputs = {"function": "count", "args": [n_in, hidden, layers, bias]}
        cases.append(Case(inputs, int(expected), label))
    rng = case_rng(904)
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
        return problem + " (only the forget gate's block of the bias should change, in place)"
    if not got["returned_same"]:
        return f"{case.label}: return the bias array itself (the one you changed in place)"
    return None


# ---------------------------------------------------------------- 9.5 lstm_bptt


def _np_lstm(xs, h0, c0, w, W_hh_at=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(hs, h_T, c_T)`` in numpy; ``W_hh_at = (t, W)`` uses ``W`` at step ``t`` only."""
    H = h0.shape[1]
    h, c, hs = h0, c0, []
    for t, x_t in enumerate(xs):
        W_hh = W_hh_at[1] if W_hh_at is not None and W_hh_at[0] == t else w["W_hh"]
        a = x_t @ w["W_ih"].T + w["b_ih"] + h @ W_hh.T + w["b_hh"]
        i, f = 0.5 * (1 + np.tanh(0.5 * a[:, :H])), 0.5 * (1 + np.tanh(0.5 * a[:, H : 2 * H]))
        g, o = np.tanh(a[:, 2 * H : 3 * H]), 0.5 * (1 + np.tanh(0.5 * a[:, 3 * H :]))
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs), h, c


def _transposed(label: str, key: str, want: np.ndarray, got: Any) -> str | None:
    """The message for a gradient that came back with its parameter's shape reversed."""
    shape = np.shape(got)
    if len(shape) == 2 and shape != want.shape and shape == want.shape[::-1]:
        return (
            f"{label}: {key} has shape {shape}, the transpose of {want.shape}: a gradient has "
            "the shape of the array it belongs to"
        )
    return None


#: (T, B, I, H, weight scale): I != H and 4H != I
LSTM_BPTT_SHAPES = ((1, 2, 3, 2, 1.0), (3, 1, 1, 2, 1.0), (5, 2, 3, 3, 0.8), (6, 3, 2, 2, 1.1))
LSTM_BPTT_GRADS = {"xs": "dxs", "h0": "dh0", "c0": "dc0", "W_ih": "dW_ih", "W_hh": "dW_hh"}
LSTM_BPTT_GRADS["b_ih"] = "db"


@cases
def _lstm_bptt_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.grading.checks import numeric_gradient

    rng = case_rng(905)
    cases = []
    for steps, batch, n_in, hidden, scale in LSTM_BPTT_SHAPES:
        v = _weights(rng, n_in, hidden, scale)
        v["xs"] = rng.standard_normal((steps, batch, n_in)).round(4)
        v["h0"] = rng.uniform(-1, 1, (batch, hidden)).round(4)
        v["c0"] = rng.standard_normal((batch, hidden)).round(4)
        dhs = rng.standard_normal((steps, batch, hidden)).round(4)
        hs = _np_lstm(v["xs"], v["h0"], v["c0"], v)[0]
        h, c = v["h0"], v["c0"]
        for t in range(steps):  # the numpy run used for the differences is the library's
            h, c = _library_step(v["xs"][t], h, c, v)
            if not np.allclose(h, hs[t], rtol=1e-12, atol=1e-12):
                raise AssertionError("lesson 9: the numpy LSTM differs from nn.lstm_step")
        expected = {}
        for name, key in LSTM_BPTT_GRADS.items():

            def loss(flat, name=name, v=v, dhs=dhs) -> float:
                u = dict(v, **{name: np.array(flat).reshape(v[name].shape)})
                return float(np.sum(dhs * _np_lstm(u["xs"], u["h0"], u["c0"], u)[0]))

            expected[key] = np.array(numeric_gradient(loss, v[name].ravel().tolist())).reshape(
                v[name].shape
            )
        if steps > 1:

            def first(flat, v=v, dhs=dhs) -> float:
                W = np.array(flat).reshape(v["W_hh"].shape)
                return float(np.sum(dhs * _np_lstm(v["xs"], v["h0"], v["c0"], v, (0, W))[0]))

            expected["first_step_dW_hh"] = np.array(
                numeric_gradient(first, v["W_hh"].ravel().tolist())
            ).reshape(v["W_hh"].shape)
        label = (
            f"lstm_bptt(xs {v['xs'].shape}, h0 {v['h0'].shape}, c0, W_ih {v['W_ih'].shape}, "
            "..., dhs) with L = sum(dhs * hs), vs central differences"
        )
        cases.append(Case(to_plain(v) | {"dhs": dhs.tolist()}, expected, label))
    return tuple(cases)


#: the order 9.5's gradients are compared: the carried states' first, the weights' last
LSTM_BPTT_ORDER = ("dh0", "dc0", "dxs", "db", "dW_ih", "dW_hh")


def _bptt_mistakes(case: Case, got: dict[str, np.ndarray]) -> str | None:
    """dW_hh from the first step only, no cell gradient carried back, a transposed gradient."""
    want = case.expected
    first = want.get("first_step_dW_hh")
    dW_hh = np.asarray(got["dW_hh"])
    if first is not None and dW_hh.shape == first.shape and np.allclose(dW_hh, first, 1e-5, 1e-7):
        return (
            f"{case.label}: dW_hh holds only the first step's share: W_hh is used at every "
            "step, so add every step's share (+=) instead of replacing it (=)"
        )
    dc0 = np.asarray(got["dc0"])
    if dc0.shape == want["dc0"].shape and not dc0.any() and want["dc0"].any():
        return (
            f"{case.label}: dc0 is all zeros: the gradient of the cell state must be carried "
            "back from step to step (through the forget gate) all the way to c0"
        )
    for key in LSTM_BPTT_ORDER:  # a transpose is named where the comparison would stop
        transposed = _transposed(case.label, key, want[key], got[key])
        if transposed or array_problem(case.label, key, want[key], got[key], 1e-5, 1e-7):
            return transposed  # None: the comparison reports the first difference
    return None


# ---------------------------------------------------------------- 9.6 experiment: step 1 of 50

#: (seed, forget-gate bias of the LSTM, does the LSTM keep the gradient?)
MEMORY_RUNS = ((0, 1.0, True), (2, 1.0, True), (0, -3.0, False))
MEMORY_STEPS, MEMORY_IN, MEMORY_HIDDEN = 50, 3, 8
#: the lesson's claim: orders of magnitude; the runs above give 1e4 .. 1e10 with bias +1
MEMORY_RATIO = 100.0


def _library_input_grads(xs, u, w, cell) -> np.ndarray:
    """||dL/dx_t|| for every t, L = sum(u * h_T), from the library's unrolled layer."""
    from tinygrad_rnn.nn import LSTM, RNN
    from tinygrad_rnn.tensor import Tensor

    layer = (LSTM if cell == "lstm" else RNN)(
        xs.shape[2], u.shape[1], fused=False, rng=0, dtype=np.float64
    )
    layer.load_state_dict(
        {"weight_ih_l0": w["W_ih"], "weight_hh_l0": w["W_hh"]}
        | {"bias_ih_l0": w["b_ih"], "bias_hh_l0": w["b_hh"]}
    )
    x = Tensor(xs, requires_grad=True, dtype=np.float64)
    out, _ = layer(x)
    (out[len(xs) - 1] * Tensor(u, dtype=np.float64)).sum().backward()
    return np.sqrt((np.asarray(x.grad, dtype=np.float64) ** 2).sum(axis=(1, 2)))


@cases
def _memory_cases() -> tuple[Case, ...]:
    cases = []
    T, n_in, H = MEMORY_STEPS, MEMORY_IN, MEMORY_HIDDEN
    for seed, forget_bias, keeps in MEMORY_RUNS:
        rng = case_rng(960 + seed)
        s = 1.0 / np.sqrt(H)  # PyTorch's default start for both layers
        xs = rng.standard_normal((T, 1, n_in)).round(4)
        dh_T = rng.standard_normal((1, H)).round(4)
        rnn = {
            k: rng.uniform(-s, s, shape).round(4)
            for k, shape in (("W_ih", (H, n_in)), ("W_hh", (H, H)), ("b_ih", (H,)), ("b_hh", (H,)))
        }
        lstm = {
            k: rng.uniform(-s, s, shape).round(4)
            for k, shape in (
                ("W_ih", (4 * H, n_in)),
                ("W_hh", (4 * H, H)),
                ("b_ih", (4 * H,)),
                ("b_hh", (4 * H,)),
            )
        }
        lstm["b_ih"][H : 2 * H], lstm["b_hh"][H : 2 * H] = forget_bias, 0.0
        expected = {
            "rnn": _library_input_grads(xs, dh_T, rnn, "rnn"),
            "lstm": _library_input_grads(xs, dh_T, lstm, "lstm"),
            "keeps": keeps,
            "forget_bias": forget_bias,
        }
        label = (
            f"first_step_gradients(xs ({T}, 1, {n_in}), an RNN and an LSTM of H = {H} started "
            f"as PyTorch does, the LSTM's forget-gate bias {forget_bias:+g})"
        )
        inputs = {"xs": xs.tolist(), "dh_T": dh_T.tolist()}
        inputs |= {"rnn": to_plain(rnn), "lstm": to_plain(lstm)}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_memory(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    xs, dh_T = (np.array(inputs[k], dtype=np.float64) for k in ("xs", "dh_T"))
    rnn = {k: np.array(v, dtype=np.float64) for k, v in inputs["rnn"].items()}
    lstm = {k: np.array(v, dtype=np.float64) for k, v in inputs["lstm"].items()}
    result = as_tuple(
        learner.first_step_gradients(xs, dh_T, rnn, lstm),
        2,
        "first_step_gradients",
        "(rnn_norms, lstm_norms)",
    )
    return {
        "rnn": as_array(result[0], "first_step_gradients's rnn_norms"),
        "lstm": as_array(result[1], "first_step_gradients's lstm_norms"),
    }


def judge_memory(case: Case, got: dict[str, Any]) -> str | None:
    want = case.expected
    rnn, lstm = np.asarray(got["rnn"]), np.asarray(got["lstm"])
    for name, arr in (("rnn_norms", rnn), ("lstm_norms", lstm)):
        if arr.shape != (MEMORY_STEPS,):
            return f"{case.label}: {name} should have shape ({MEMORY_STEPS},), got {arr.shape}"
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            return f"{case.label}: {name} should hold norms (finite, >= 0)"
    # the baseline first: the RNN's numbers, then the effect, then the LSTM's numbers
    problem = array_problem(case.label, "rnn_norms", want["rnn"], rnn, 1e-6, 0.0)
    if problem:  # relative tolerance only: the norms near step 1 are as small as 1e-47
        return problem + " (||dL/dx_t|| for L = sum(dh_T * h_T))"
    if rnn[0] > 0 and lstm[0] > 0:
        ratio = lstm[0] / rnn[0]
        if want["keeps"] and ratio < MEMORY_RATIO:
            return (
                f"{case.label}: your LSTM's gradient at step 1 is {ratio:.3g} times your RNN's; "
                f"with the forget gate open it should be orders of magnitude larger (at least "
                f"{MEMORY_RATIO:g} times): is the cell state's gradient carried back through f?"
            )
        if not want["keeps"] and ratio >= 1.0:
            return (
                f"{case.label}: your LSTM's gradient at step 1 is {ratio:.3g} times your RNN's, "
                "but with the forget gate nearly shut (sigmoid(-3) = 0.05) the cell forgets "
                "and its gradient should vanish faster than the RNN's"
            )
    problem = array_problem(case.label, "lstm_norms", want["lstm"], lstm, 1e-6, 0.0)
    return problem + " (||dL/dx_t|| for L = sum(dh_T * h_T))" if problem else None


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
            todo="return (h_t, c_t), each (B, H), after one LSTM step",
            hint=(
                (
                    "An LSTM step computes four gates from one affine map of the input and the "
                    "previous state, then updates the cell state with the forget and input "
                    "gates and reads it out through the output gate. See 'Gates and the cell "
                    "state' in lesson 9."
                ),
                (
                    "One (B, 4H) pre-activation holds all four gates: both affine maps (the "
                    "weights are (4H, I) and (4H, H), so each is used transposed) and both "
                    "biases. Cut it into four (B, H) blocks in PyTorch's order i, f, g, o; "
                    "sigmoid squashes the three gates, tanh the candidate g. The forget gate "
                    "weighs the old cell, the input gate the candidate, and the output gate "
                    "reads the new cell out through tanh."
                ),
                (
                    "a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh\n"
                    "H = h_prev.shape[1]\n"
                    "i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2*H]), np.tanh(a[:, "
                    "2*H:3*H]), sigmoid(a[:, 3*H:])\n"
                    "c_t = f * c_prev + i * g\n"
                    "return o * np.tanh(c_t), c_t"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.lstm_step",
                "tinygrad_rnn.nn.LSTMCell",
                "tinygrad_rnn.nn.LSTM",
            ),
            rule="write the step yourself",
            checks=(
                call(
                    "h_t and c_t match nn.lstm_step",
                    _step_cases,
                    "lstm_step",
                    ("x_t", "h_prev", "c_prev", *WEIGHTS),
                    returns=("h_t", "c_t"),
                    order=("c_t", "h_t"),  # the cell first: h_t is read from it
                ),
            ),
        ),
        Exercise(
            id="9.2",
            title="An LSTM over a sequence",
            points=2,
            functions=("lstm_forward",),
            todo="return (hs, h_T, c_T) after running the LSTM over the sequence",
            hint=(
                (
                    "Run your step at every time step, carrying both states, the hidden state "
                    "and the cell state, into the next. See 'The LSTM's graph, unrolled over "
                    "two steps' in lesson 9."
                ),
                (
                    "Start from (h0, c0). For each input in order, the step gives the new (h, "
                    "c); keep every new h. hs is the kept states stacked, (T, B, H); h_T and "
                    "c_T are the states after the last step. Carry c too: resetting it each "
                    "step loses the memory."
                ),
                (
                    "h, c, hs = h0, c0, []\n"
                    "for x_t in xs:\n"
                    "    h, c = lstm_step(x_t, h, c, W_ih, W_hh, b_ih, b_hh)\n"
                    "    hs.append(h)\n"
                    "return np.stack(hs), h, c"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.lstm_step",
                "tinygrad_rnn.nn.LSTMCell",
                "tinygrad_rnn.nn.LSTM",
            ),
            rule="unroll the LSTM yourself",
            checks=(
                call(
                    "hs, h_T and c_T match the unrolled nn.LSTM",
                    _forward_cases,
                    "lstm_forward",
                    ("xs", "h0", "c0", *WEIGHTS),
                    returns=("hs", "h_T", "c_T"),
                    diagnose=_states_late,
                ),
            ),
        ),
        Exercise(
            id="9.3",
            title="Backward through one LSTM step",
            points=3,
            functions=("lstm_step_backward",),
            todo="return the dict of gradients of one LSTM step, one per input",
            hint=(
                (
                    "Backward through a step is the chain rule applied to each line of the "
                    "forward pass in reverse. The cell state gets gradient from dc and, through"
                    " tanh, from dh; the four gate pre-activations then get theirs, and the "
                    "weights gather them. See 'Why the cell state keeps the gradient alive' in "
                    "lesson 9."
                ),
                (
                    "Recompute the forward values i, f, g, o, c_t and tanh(c_t), then go back "
                    "through the lines in reverse. The output gate's gradient comes from dh; "
                    "the cell's total gradient is dc plus dh's route through o and tanh's slope;"
                    " from that come the gradients of i, f, g and of c_prev. Each gate's slope "
                    "turns its gradient into one (B, H) block of the (B, 4H) pre-activation "
                    "gradient, which then gives the weights' gradients ((4H, I) and (4H, H)), "
                    "the bias's (4H,) and the inputs' ((B, I) and (B, H))."
                ),
                (
                    "a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh; H = h_prev.shape[1]\n"
                    "i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2*H]), sigmoid(a[:, 3*H:])\n"
                    "g = np.tanh(a[:, 2*H:3*H]); c_t = f * c_prev + i * g\n"
                    "tc = np.tanh(c_t); dct = dc + dh * o * (1 - tc**2)\n"
                    "da = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),\n"
                    "    dct * i * (1 - g**2), dh * tc * o * (1 - o)], axis=1)\n"
                    "return {'dx': da @ W_ih, 'dh_prev': da @ W_hh, 'dc_prev': dct * f,\n"
                    "        'dW_ih': da.T @ x_t, 'dW_hh': da.T @ h_prev, 'db': da.sum(axis=0)}"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.lstm_step",
                "tinygrad_rnn.nn.LSTMCell",
                "tinygrad_rnn.nn.LSTM",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
            rule="backpropagate through the step yourself",
            checks=(
                call(
                    "all six gradients match central differences",
                    _backward_cases,
                    "lstm_step_backward",
                    ("x_t", "h_prev", "c_prev", *WEIGHTS, "dh", "dc"),
                    returns=tuple(GRAD_NAMES.values()),
                    keyed=True,
                    order=("dc_prev", "dh_prev", "dx", "db", "dW_ih", "dW_hh"),
                    rtol=1e-5,
                    atol=1e-7,
                ),
            ),
        ),
        Exercise(
            id="9.4",
            title="Parameters of a stacked LSTM; the forget-gate bias",
            points=1,
            functions=("lstm_num_params", "set_forget_bias_"),
            todo=(
                "return how many numbers the stacked LSTM layer learns",
                "set the forget gate's part of the (4H,) bias to value, in place",
            ),
            hint=(
                (
                    "An LSTM has four gates, so each weight and bias is four times an RNN's; "
                    "the forget gate is the second of the four blocks. Starting it open lets "
                    "memory last from the first step. See 'The forget-gate bias' and 'Stacking "
                    "LSTMs' in lesson 9."
                ),
                (
                    "Per layer: W_ih is 4H by the layer's input size, W_hh 4H by H, the two "
                    "biases 4H each; layer 0 reads input_size, the others hidden_size. The bias"
                    " vector is (4H,) in the order i, f, g, o: the forget block is entries H to"
                    " 2H. Write into the array you were given, do not make a new one."
                ),
                (
                    "lstm_num_params: sum over layers of 4*H*n_in + 4*H*H (+ 8*H with bias)\n"
                    "set_forget_bias_: H = bias.shape[0] // 4; bias[H:2*H] = value; return bias"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.LSTM",
                "tinygrad_rnn.nn.LSTMCell",
                "tinygrad_rnn.init.lstm_forget_bias_",
            ),
            rule="count and set the parameters yourself",
            checks=(
                Check(
                    "matches nn.LSTM(...).num_parameters() and init.lstm_forget_bias_",
                    _count_cases,
                    probe_count,
                    judge_count,
                ),
            ),
        ),
        Exercise(
            id="9.5",
            title="Backpropagation through time for the LSTM",
            points=4,
            functions=("lstm_bptt",),
            todo="return every gradient of L = sum(dhs * hs) over the whole sequence",
            hint=(
                "Lesson 9, 'The LSTM's graph': the step's backward (9.3) applied from the last "
                "step to the first, with two gradients travelling back in time, one for h and "
                "one for c, and the weight gradients summed over the steps.",
                "Keep every state of the forward pass, h and c, h0 and c0 included. Walk back "
                "from the last step carrying two (B, H) gradients, for h and for c, zero at "
                "the start. At each step the gradient reaching h_t is its own loss term plus "
                "the carried one; 9.3's backward of that step gives the step's input gradient, "
                "its shares of the weight gradients (summed over the steps) and the two "
                "gradients carried to the step before. What is carried past the first step "
                "belongs to h0 and c0.",
                "Worked answer: hs, cs = [h0], [c0] from the forward pass; for t in reversed("
                "range(T)): g = lstm_step_backward(xs[t], hs[t], cs[t], W_ih, W_hh, b_ih, b_hh, "
                "dhs[t] + dh, dc); dxs[t] = g['dx']; dW_ih += g['dW_ih']; dW_hh += g['dW_hh']; "
                "db += g['db']; dh, dc = g['dh_prev'], g['dc_prev']; return the dict with "
                "dh0 = dh and dc0 = dc.",
            ),
            checks=(
                call(
                    "every gradient matches central differences",
                    _lstm_bptt_cases,
                    "lstm_bptt",
                    ("xs", "h0", "c0", *WEIGHTS, "dhs"),
                    returns=tuple(LSTM_BPTT_GRADS.values()),
                    keyed=True,
                    order=LSTM_BPTT_ORDER,
                    rtol=1e-5,
                    atol=1e-7,
                    diagnose=_bptt_mistakes,
                ),
            ),
            timeout=20.0,
            forbidden=(
                "tinygrad_rnn.nn.lstm_step",
                "tinygrad_rnn.nn.LSTM",
                "tinygrad_rnn.nn.LSTMCell",
                "tinygrad_rnn.autograd.backward",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
        ),
        Exercise(
            id="9.6",
            title="Experiment: the gradient at step 1 of 50, LSTM against RNN",
            points=3,
            functions=("first_step_gradients",),
            todo="return ||dL/dx_t|| for every step, for the RNN and for the LSTM",
            hint=(
                "Lesson 9, 'Why the cell state keeps the gradient alive', against lesson 8: "
                "backpropagate the same loss on h_T through both models with your own BPTT "
                "and measure how much gradient reaches each input.",
                "Only h_T is scored, so the gradient arriving from the loss is dh_T at the last "
                "step and zero at the others. For the LSTM, 9.5's lstm_bptt on such a (T, B, H)"
                " gradient gives every input's gradient; for the RNN, 7.3's backward loop, "
                "also sending each step's delta back through W_ih to that step's (B, I) input. "
                "Each model's result is (T,): the norm of one step's input gradient over all "
                "its entries.",
                "Worked answer: RNN: hs from rnn_forward; g = dh_T; for t from T-1 down to 0: "
                "delta = g * (1 - hs[t]**2); rnn[t] = norm(delta @ W_ih); g = delta @ W_hh. "
                "LSTM: dhs = np.zeros((T, B, H)); dhs[-1] = dh_T; dxs = lstm_bptt(xs, zeros, "
                "zeros, ..., dhs)['dxs']; lstm = np.sqrt((dxs ** 2).sum(axis=(1, 2))).",
            ),
            checks=(
                Check(
                    "the LSTM keeps the gradient when its forget gate is open, not when shut",
                    _memory_cases,
                    probe_memory,
                    judge_memory,
                ),
            ),
            timeout=30.0,
            forbidden=(
                "tinygrad_rnn.nn.lstm_step",
                "tinygrad_rnn.nn.LSTM",
                "tinygrad_rnn.nn.rnn_step",
                "tinygrad_rnn.nn.RNN",
                "tinygrad_rnn.autograd.backward",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
        ),
    ),
)
