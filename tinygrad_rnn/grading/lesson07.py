"""Checks for lesson 7, sequences and the unrolled RNN (``lessons/07_rnn_exercises.py``).

References: :func:`tinygrad_rnn.nn.rnn_step` and the unrolled :class:`tinygrad_rnn.nn.RNN`
in float64 for the values of 7.1 and 7.2; central differences of the loss
:math:`\\sum_t d_t \\cdot h_t` for the gradient of 7.3; ``nn.RNN(...).num_parameters()``
for 7.4. Every input is seeded; shapes are never square where a transpose could hide.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, late_by_one, to_plain
from tinygrad_rnn.grading.calls import call
from tinygrad_rnn.grading.checks import numeric_gradient, shape_message
from tinygrad_rnn.grading.registry import Case, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")


def _weights(rng: np.random.Generator, n_in: int, hidden: int, scale: float) -> dict[str, Any]:
    """Random RNN weights (rounded, so that they travel to the learner's process exactly)."""
    shapes = {"W_ih": (hidden, n_in), "W_hh": (hidden, hidden), "b_ih": (hidden,)}
    shapes["b_hh"] = (hidden,)
    return {k: (rng.standard_normal(s) * scale).round(4) for k, s in shapes.items()}


def _library_rnn(xs: np.ndarray, h0: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """The hidden states h_1..h_T from the library's unrolled RNN layer, float64."""
    from tinygrad_rnn.nn import RNN
    from tinygrad_rnn.tensor import Tensor

    layer = RNN(xs.shape[2], h0.shape[1], fused=False, rng=0, dtype=np.float64)
    layer.load_state_dict(
        {"weight_ih_l0": w["W_ih"], "weight_hh_l0": w["W_hh"]}
        | {"bias_ih_l0": w["b_ih"], "bias_hh_l0": w["b_hh"]}
    )
    out, _ = layer(Tensor(xs, dtype=np.float64), Tensor(h0[None], dtype=np.float64))
    return np.asarray(out.data, dtype=np.float64)


# ---------------------------------------------------------------- 7.1 rnn_step

#: (B, I, H, weight scale): I != H so that a missing transpose shows
STEP_SHAPES = ((1, 1, 1, 1.0), (2, 3, 4, 0.5), (4, 5, 3, 1.0), (3, 2, 5, 0.3), (1, 4, 2, 2.0))


@cases
def _step_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import RNNState, rnn_step
    from tinygrad_rnn.tensor import Tensor

    rng = case_rng(701)
    cases = []
    for batch, n_in, hidden, scale in STEP_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        x_t = rng.standard_normal((batch, n_in)).round(4)
        h_prev = rng.uniform(-1, 1, (batch, hidden)).round(4)
        tensors = [Tensor(w[k], dtype=np.float64) for k in WEIGHTS]
        (h_t,) = rnn_step(
            Tensor(x_t, dtype=np.float64), RNNState(Tensor(h_prev, dtype=np.float64)), *tensors
        )
        label = f"rnn_step(x_t {x_t.shape}, h_prev {h_prev.shape}, W_ih {w['W_ih'].shape}, ...)"
        inputs = {"x_t": x_t.tolist(), "h_prev": h_prev.tolist()} | to_plain(w)
        cases.append(Case(inputs, np.asarray(h_t.data, dtype=np.float64), label))
    return tuple(cases)


# ---------------------------------------------------------------- 7.2 rnn_forward

#: (T, B, I, H, weight scale)
FORWARD_SHAPES = ((1, 2, 3, 2, 1.0), (4, 1, 1, 3, 1.0), (6, 3, 2, 4, 0.7), (10, 2, 3, 2, 1.5))


@cases
def _forward_cases() -> tuple[Case, ...]:
    rng = case_rng(702)
    cases = []
    for steps, batch, n_in, hidden, scale in FORWARD_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        xs = rng.standard_normal((steps, batch, n_in)).round(4)
        h0 = rng.uniform(-1, 1, (batch, hidden)).round(4)  # not zeros: h_0 must be used
        label = f"rnn_forward(xs {xs.shape}, h0 {h0.shape}, W_hh {w['W_hh'].shape}, ...)"
        inputs = {"xs": xs.tolist(), "h0": h0.tolist()} | to_plain(w)
        cases.append(Case(inputs, {"hs": _library_rnn(xs, h0, w), "h0": h0}, label))
    return tuple(cases)


def _states_late(case: Case, got: np.ndarray) -> str | None:
    return late_by_one(case.label, case.expected["hs"], got, case.expected["h0"])


# ---------------------------------------------------------------- 7.3 rnn_bptt


def _forward_np(xs, h0, W_ih, W_hh, b_ih, b_hh) -> np.ndarray:
    h, hs = h0, []
    for x_t in xs:
        h = np.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    return np.stack(hs)


#: (T, B, I, H, weight scale)
BPTT_SHAPES = ((1, 2, 2, 3, 1.0), (3, 1, 1, 2, 1.0), (5, 2, 3, 3, 0.8), (8, 3, 2, 2, 1.2))


@cases
def _bptt_cases() -> tuple[Case, ...]:
    rng = case_rng(703)
    cases = []
    for steps, batch, n_in, hidden, scale in BPTT_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        xs = rng.standard_normal((steps, batch, n_in)).round(4)
        h0 = rng.uniform(-1, 1, (batch, hidden)).round(4)
        dhs = rng.standard_normal((steps, batch, hidden)).round(4)

        def loss(flat: list[float], w=w, xs=xs, h0=h0, dhs=dhs) -> float:
            W_hh = np.array(flat).reshape(w["W_hh"].shape)
            hs = _forward_np(xs, h0, w["W_ih"], W_hh, w["b_ih"], w["b_hh"])
            return float(np.sum(dhs * hs))

        grad = np.array(numeric_gradient(loss, w["W_hh"].ravel().tolist()))
        label = (
            f"rnn_bptt(xs {xs.shape}, h0 {h0.shape}, W_hh {w['W_hh'].shape}, ...) "
            "with L = sum(dhs * hs)"
        )
        inputs = {"xs": xs.tolist(), "h0": h0.tolist(), "dhs": dhs.tolist()} | to_plain(w)
        cases.append(Case(inputs, grad.reshape(w["W_hh"].shape), label))
    return tuple(cases)


# ---------------------------------------------------------------- 7.4 rnn_num_params

#: (input_size, hidden_size, num_layers, bias)
COUNT_CASES = (
    (1, 16, 1, True),
    (3, 5, 1, False),
    (10, 4, 2, True),
    (2, 7, 3, True),
    (6, 3, 3, False),
    (128, 64, 2, True),
)


@cases
def _count_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import RNN

    cases = []
    for n_in, hidden, layers, bias in COUNT_CASES:
        expected = RNN(n_in, hidden, num_layers=layers, bias=bias, rng=0).num_parameters()
        label = f"rnn_num_params({n_in}, {hidden}, num_layers={layers}, bias={bias})"
        inputs = {"input_size": n_in, "hidden_size": hidden, "num_layers": layers, "bias": bias}
        cases.append(Case(inputs, int(expected), label))
    return tuple(cases)


# ---------------------------------------------------------------- 7.5 truncated_bptt

#: (T, B, I, H, window, weight scale): windows that divide T, that do not, and one window
TBPTT_SHAPES = ((7, 2, 3, 2, 3, 1.0), (8, 1, 2, 3, 4, 0.9), (5, 3, 1, 2, 2, 1.2))
TBPTT_SHAPES += ((6, 2, 2, 3, 6, 0.8),)


def _window_grads(xs, h0, w, dhs, window, carry: bool, detach: bool) -> np.ndarray:
    """dW_hh of each window's loss by central differences; ``carry``/``detach`` as named."""
    steps, grads = len(xs), []
    for start in range(0, steps, window):
        end = min(start + window, steps)
        h_start = _forward_np(xs[:start], h0, **w)[-1] if start and carry else h0

        def loss(flat: list[float], start=start, end=end, h_start=h_start) -> float:
            W_hh = np.array(flat).reshape(w["W_hh"].shape)
            if detach or not start:  # the window alone, from a constant start state
                hs = _forward_np(xs[start:end], h_start, w["W_ih"], W_hh, w["b_ih"], w["b_hh"])
            else:  # the gradient flows on through every earlier window
                hs = _forward_np(xs[:end], h0, w["W_ih"], W_hh, w["b_ih"], w["b_hh"])[start:]
            return float(np.sum(dhs[start:end] * hs))

        grad = numeric_gradient(loss, w["W_hh"].ravel().tolist())
        grads.append(np.array(grad).reshape(w["W_hh"].shape))
    return np.stack(grads)


@cases
def _tbptt_cases() -> tuple[Case, ...]:
    rng = case_rng(705)
    cases = []
    for steps, batch, n_in, hidden, window, scale in TBPTT_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        xs = rng.standard_normal((steps, batch, n_in)).round(4)
        h0 = rng.uniform(-1, 1, (batch, hidden)).round(4)
        dhs = rng.standard_normal((steps, batch, hidden)).round(4)
        expected = {
            "grads": _window_grads(xs, h0, w, dhs, window, carry=True, detach=True),
            "h_T": _forward_np(xs, h0, **w)[-1],
            "from_h0": _window_grads(xs, h0, w, dhs, window, carry=False, detach=True),
            "not_detached": _window_grads(xs, h0, w, dhs, window, carry=True, detach=False),
        }
        label = (
            f"truncated_bptt(xs {xs.shape}, h0 {h0.shape}, W_hh {w['W_hh'].shape}, ..., dhs, "
            f"window={window})"
        )
        inputs = {"xs": xs.tolist(), "h0": h0.tolist(), "dhs": dhs.tolist(), "window": window}
        cases.append(Case(inputs | to_plain(w), expected, label))
    return tuple(cases)


def _window_mistakes(case: Case, got: dict[str, Any]) -> str | None:
    want, grads = case.expected, np.asarray(got["grads"])
    n = len(want["grads"])
    if grads.shape != want["grads"].shape:
        return shape_message(
            case.label,
            f"grads (one dW_hh per window, {n} windows)",
            want["grads"].shape,
            grads.shape,
        )
    if n > 1 and np.allclose(grads, want["from_h0"], 1e-6, 1e-8):
        return (
            f"{case.label}: every window started again from h0: the state at the end of "
            "one window is where the next one starts (carry it)"
        )
    if n > 1 and np.allclose(grads, want["not_detached"], 1e-6, 1e-8):
        return (
            f"{case.label}: the gradient of each window flows back into the windows before "
            "it: the state carried into a window is a constant there (detached), so "
            "backpropagation stops at the window's first step"
        )
    problem = array_problem(case.label, "h_T", want["h_T"], got["h_T"])
    if problem:
        return problem + " (the state after the last step)"
    for k in range(n):
        problem = array_problem(
            case.label,
            f"grads[{k}] (window {k}'s dW_hh vs central differences)",
            want["grads"][k],
            grads[k],
            1e-6,
            1e-8,
        )
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=7,
    exercise_file="07_rnn_exercises.py",
    exercises=(
        Exercise(
            id="7.1",
            title="One step of an RNN",
            points=2,
            functions=("rnn_step",),
            todo="return h_t, the new hidden state (B, H)",
            hint=(
                (
                    "The new state mixes the input and the previous state through one weight "
                    "matrix each, adds both biases and squashes with tanh. See 'The recurrence'"
                    " and 'The data flow' in lesson 7."
                ),
                (
                    "One example per row: the input x_t (B, I) times W_ih transposed (I, H) "
                    "gives (B, H), and h_prev (B, H) times W_hh transposed (H, H) too. Add b_ih"
                    " and b_hh (each (H,), broadcast over the rows), then tanh."
                ),
                "return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)",
            ),
            forbidden=(
                "tinygrad_rnn.nn.rnn_step",
                "tinygrad_rnn.nn.RNNCell",
                "tinygrad_rnn.nn.RNN",
            ),
            rule="write the step yourself",
            checks=(
                call(
                    "h_t matches nn.rnn_step",
                    _step_cases,
                    "rnn_step",
                    ("x_t", "h_prev", *WEIGHTS),
                    what="h_t",
                ),
            ),
        ),
        Exercise(
            id="7.2",
            title="Unrolling over a sequence",
            points=2,
            functions=("rnn_forward",),
            todo="return every hidden state h_1..h_T as one (T, B, H) array",
            hint=(
                (
                    "Unrolling applies the same step at every time step, feeding each new state"
                    " into the next step. See 'Unrolling: the real graph, one cluster per time "
                    "step' in lesson 7."
                ),
                (
                    "Start the state at h0. Loop over the T inputs in order; at each one "
                    "compute the new state with your rnn_step and keep it. The result holds the"
                    " states after each input, h_1 to h_T, stacked along a new first axis; h0 "
                    "is not part of it."
                ),
                (
                    "h, hs = h0, []\n"
                    "for x_t in xs:\n"
                    "    h = rnn_step(x_t, h, W_ih, W_hh, b_ih, b_hh)\n"
                    "    hs.append(h)\n"
                    "return np.stack(hs)"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.rnn_step",
                "tinygrad_rnn.nn.RNNCell",
                "tinygrad_rnn.nn.RNN",
            ),
            rule="unroll the recurrence yourself",
            checks=(
                call(
                    "hidden states match the unrolled nn.RNN",
                    _forward_cases,
                    "rnn_forward",
                    ("xs", "h0", *WEIGHTS),
                    returns="hs",
                    what="the hidden states hs",
                    diagnose=_states_late,
                ),
            ),
        ),
        Exercise(
            id="7.3",
            title="Backpropagation through time",
            points=3,
            functions=("rnn_bptt",),
            todo="return dL/dW_hh (H, H) for L = sum(dhs * hs), by backpropagation through time",
            hint=(
                (
                    "W_hh is used at every step, so its gradient is a sum over the steps; the "
                    "gradient reaching each state comes from its own loss term and from the "
                    "next step, carried back through tanh and W_hh. See 'Backpropagation "
                    "through time' in lesson 7."
                ),
                (
                    "Run the forward pass keeping h_0 to h_T. Walk t from the last step down to"
                    " the first, with a carried gradient starting at zero: the gradient at h_t "
                    "is dhs[t] plus the carry; through tanh it becomes delta (B, H), times one "
                    "minus h_t squared; W_hh's gradient gains delta transposed times the state "
                    "before step t (H, H); the carry for the step before is delta times W_hh."
                ),
                (
                    "hs = [h0] + list(rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh))\n"
                    "dW, carry = np.zeros_like(W_hh), np.zeros_like(h0)\n"
                    "for t in reversed(range(len(xs))):\n"
                    "    delta = (dhs[t] + carry) * (1 - hs[t + 1] ** 2)\n"
                    "    dW += delta.T @ hs[t]\n"
                    "    carry = delta @ W_hh\n"
                    "return dW"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.rnn_step",
                "tinygrad_rnn.nn.RNNCell",
                "tinygrad_rnn.nn.RNN",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
            rule="backpropagate through time yourself",
            checks=(
                call(
                    "dW_hh matches central differences",
                    _bptt_cases,
                    "rnn_bptt",
                    ("xs", "h0", *WEIGHTS, "dhs"),
                    what="dW_hh (vs central differences)",
                    rtol=1e-6,
                    atol=1e-8,
                ),
            ),
        ),
        Exercise(
            id="7.4",
            title="Counting an RNN's parameters",
            points=1,
            functions=("rnn_num_params",),
            todo="return how many numbers the stacked RNN layer learns",
            hint=(
                (
                    "Every layer has an input weight, a recurrent weight and, with bias, two "
                    "bias vectors; only the first layer reads the inputs, the layers above read"
                    " the layer below. See 'Parameters are shared across time' in lesson 7."
                ),
                (
                    "Per layer: W_ih is H by the layer's input size, W_hh is H by H, the biases"
                    " are H each. The input size is input_size for layer 0 and hidden_size "
                    "above. Add the layers up."
                ),
                (
                    "total = 0\n"
                    "for layer in range(num_layers):\n"
                    "    n_in = input_size if layer == 0 else hidden_size\n"
                    "    total += hidden_size * n_in + hidden_size * hidden_size\n"
                    "    total += 2 * hidden_size if bias else 0\n"
                    "return total"
                ),
            ),
            forbidden=("tinygrad_rnn.nn.RNN", "tinygrad_rnn.nn.RNNCell"),
            rule="count the parameters yourself",
            checks=(
                call(
                    "matches nn.RNN(...).num_parameters()",
                    _count_cases,
                    "rnn_num_params",
                    ("input_size:raw", "hidden_size:raw"),
                    keywords=("num_layers:raw", "bias:raw"),
                    returns="count:int",
                    what="the count",
                ),
            ),
        ),
        Exercise(
            id="7.5",
            title="Truncated BPTT with a carried state",
            points=3,
            functions=("truncated_bptt",),
            todo="return (grads, h_T): one dW_hh per window, and the final state",
            hint=(
                "Lesson 11, 'Truncated backpropagation through time': the forward pass runs on "
                "through the whole sequence, while each window's backward pass stops at the "
                "window's first step. The state a window starts from comes from the window "
                "before, but no gradient goes back into it.",
                "Loop over window starts s = 0, window, 2 * window, ... with e = min(s + "
                "window, T): the window's dW_hh is 7.3's BPTT on xs[s:e] and dhs[s:e] started "
                "from the current state; then move the state forward to the end of the window "
                "(the last of rnn_forward(xs[s:e], state, ...)). Stack the windows' (H, H) "
                "gradients into (number of windows, H, H).",
                "Worked answer: h, grads = h0, []; for s in range(0, T, window): e = min(s + "
                "window, T); grads.append(rnn_bptt(xs[s:e], h, W_ih, W_hh, b_ih, b_hh, "
                "dhs[s:e])); h = rnn_forward(xs[s:e], h, W_ih, W_hh, b_ih, b_hh)[-1]; "
                "return np.stack(grads), h.",
            ),
            checks=(
                call(
                    "each window's dW_hh matches central differences from the carried state",
                    _tbptt_cases,
                    "truncated_bptt",
                    ("xs", "h0", *WEIGHTS, "dhs", "window:raw"),
                    returns=("grads", "h_T"),
                    rtol={"grads": 1e-6, "h_T": 1e-9},
                    atol={"grads": 1e-8, "h_T": 1e-12},
                    diagnose=_window_mistakes,
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.rnn_step",
                "tinygrad_rnn.nn.RNN",
                "tinygrad_rnn.nn.RNNCell",
                "tinygrad_rnn.nn.detach_state",
                "tinygrad_rnn.autograd.backward",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
        ),
    ),
)
