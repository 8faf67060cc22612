"""Checks for lesson 1, a single neuron (``lessons/01_neuron_exercises.py``).

The reference is :class:`tinygrad_rnn.scalar.Neuron` and the slopes the ``Value`` engine's
own backward rules produce; gradients are checked against central differences of that
reference. All inputs are seeded, so a failure can be reproduced.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tinygrad_rnn.grading.calls import call
from tinygrad_rnn.grading.checks import (
    close,
    first_gradient_error,
    fmt,
    numeric_gradient,
    shape_message,
    value_message,
)
from tinygrad_rnn.grading.probes import WrongType, as_list, as_number, as_value
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import cases
from tinygrad_rnn.scalar import Neuron, Value

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def _neuron(w: list[float], x: list[float], b: float, activation: str) -> float:
    """The library's neuron with these weights, evaluated at ``x``."""
    neuron = Neuron(len(w), activation=activation)
    for w_i, v in zip(neuron.w, w, strict=True):
        w_i.data = v
    neuron.b.data = b
    return neuron(x).data


def _draw(rng: random.Random, n: int, scale: float) -> list[float]:
    return [round(rng.uniform(-scale, scale), 3) for _ in range(n)]


def _away_from_kink(w: list[float], x: list[float], b: float) -> bool:
    """ReLU has a corner at 0; central differences across it are meaningless."""
    return abs(sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b) > 0.05


# ---------------------------------------------------------------- 1.1 neuron_forward


@cases
def _neuron_cases() -> tuple[Case, ...]:
    rng = random.Random(101)
    cases = []
    for k in range(16):
        activation = ACTIVATIONS[k % 4]
        n = 1 + k % 5
        while True:
            w, x, b = _draw(rng, n, 2.0), _draw(rng, n, 2.0), round(rng.uniform(-1, 1), 3)
            if _away_from_kink(w, x, b):
                break
        x_values = k % 3 != 2  # sometimes plain numbers, as the docstring allows
        names = [f"w[{i}]" for i in range(n)]
        names += [f"x[{i}]" for i in range(n)] if x_values else []
        names.append("b")

        def f(p: list[float], n: int = n, act: str = activation, xv: bool = x_values, x=x) -> float:
            x_now = p[n : 2 * n] if xv else x
            return _neuron(p[:n], x_now, p[-1], act)

        point = w + (x if x_values else []) + [b]
        expected = {
            "value": _neuron(w, x, b, activation),
            "grads": numeric_gradient(f, point),
            "names": names,
        }
        inputs = {"w": w, "x": x, "b": b, "activation": activation, "x_values": x_values}
        label = f"neuron_forward(w={w}, x={x}, b={b}, activation={activation!r})"
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_neuron_forward(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    w = [Value(v) for v in inputs["w"]]
    x = [Value(v) for v in inputs["x"]] if inputs["x_values"] else list(inputs["x"])
    b = Value(inputs["b"])
    out = as_value(learner.neuron_forward(w, x, b, inputs["activation"]), "neuron_forward")
    out.backward()
    grads = [p.grad for p in w] + ([p.grad for p in x] if inputs["x_values"] else []) + [b.grad]
    return {"value": out.data, "grads": grads}


def judge_neuron_value(case: Case, got: dict[str, Any]) -> str | None:
    if close(got["value"], case.expected["value"]):
        return None
    return value_message(case.label, case.expected["value"], got["value"])


def judge_neuron_grads(case: Case, got: dict[str, Any]) -> str | None:
    e = case.expected
    return first_gradient_error(case.label, e["names"], got["grads"], e["grads"])


# ---------------------------------------------------------------- 1.2 slopes

SLOPE_POINTS = (-800.0, -30.0, -4.2, -1.0, -0.35, 0.0, 0.2, 1.0, 2.7, 30.0, 800.0)


def _library_slope(activation: str, z: float) -> float:
    v = Value(z)
    getattr(v, activation)().backward()
    return v.grad


def _slope_cases(activation: str) -> tuple[Case, ...]:
    rng = random.Random(102)
    points = list(SLOPE_POINTS) + [round(rng.uniform(-6, 6), 4) for _ in range(6)]
    return tuple(
        Case({"z": z}, _library_slope(activation, z), f"{activation}_slope({z!r})") for z in points
    )


@cases
def _relu_cases() -> tuple[Case, ...]:
    return _slope_cases("relu")


@cases
def _sigmoid_cases() -> tuple[Case, ...]:
    return _slope_cases("sigmoid")


@cases
def _tanh_cases() -> tuple[Case, ...]:
    return _slope_cases("tanh")


def _slope(
    activation: str,
    cases: Callable[[], tuple[Case, ...]],
    diagnose: Callable[[Case, float], str | None] | None = None,
) -> Check:
    """The check of one slope: ``<activation>_slope(z)`` is a float close to the engine's."""
    name = f"{activation}_slope"
    # what="": the message is "expected X, got Y", the case label already names the slope
    return call(
        name,
        cases,
        name,
        ("z:raw",),
        returns="result:number",
        what="",
        rtol=1e-7,
        atol=1e-10,
        diagnose=diagnose,
    )


def _corner(case: Case, got: float) -> str | None:
    """ReLU at z = 0, where the slope is a convention."""
    if case.inputs["z"] != 0.0 or close(got, case.expected, rtol=1e-7, atol=1e-10):
        return None
    note = "this course takes the slope at the corner z = 0 to be 0"
    return value_message(case.label, case.expected, got, note)


# ---------------------------------------------------------------- 1.3 layer_forward

LAYER_SHAPES = ((3, 2), (2, 4), (1, 3), (4, 1), (3, 5), (2, 3))  # (neurons, inputs)


@cases
def _layer_cases() -> tuple[Case, ...]:
    rng = random.Random(103)
    cases = []
    for k, (nout, nin) in enumerate(LAYER_SHAPES):
        activation = ACTIVATIONS[k % 4]
        while True:
            W = [_draw(rng, nin, 1.5) for _ in range(nout)]
            x, b = _draw(rng, nin, 2.0), _draw(rng, nout, 1.0)
            if all(_away_from_kink(W[j], x, b[j]) for j in range(nout)):
                break
        c = [round(rng.uniform(0.5, 2.0), 2) for _ in range(nout)]  # loss = sum_j c_j out_j

        def loss(
            p: list[float], nout: int = nout, nin: int = nin, act: str = activation, c=c
        ) -> float:
            W_p = [p[j * nin : (j + 1) * nin] for j in range(nout)]
            x_p, b_p = p[nout * nin : nout * nin + nin], p[nout * nin + nin :]
            outs = [_neuron(W_p[j], x_p, b_p[j], act) for j in range(nout)]
            return sum(c_j * o for c_j, o in zip(c, outs, strict=True))

        point = [v for row in W for v in row] + x + b
        names = [f"W[{j}][{i}]" for j in range(nout) for i in range(nin)]
        names += [f"x[{i}]" for i in range(nin)] + [f"b[{j}]" for j in range(nout)]
        expected = {
            "values": [_neuron(W[j], x, b[j], activation) for j in range(nout)],
            "grads": numeric_gradient(loss, point),
            "names": names,
        }
        inputs = {"W": W, "x": x, "b": b, "activation": activation, "c": c}
        label = f"layer_forward(W {nout}x{nin}={W}, x={x}, b={b}, activation={activation!r})"
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_layer_forward(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    W = [[Value(v) for v in row] for row in inputs["W"]]
    x = [Value(v) for v in inputs["x"]]
    b = [Value(v) for v in inputs["b"]]
    result = learner.layer_forward(W, x, b, inputs["activation"])
    if isinstance(result, Value):
        raise WrongType(
            "layer_forward should return a list with one Value per neuron (a list of one "
            "for a single neuron), got a single Value"
        )
    outs = [as_value(o, "each output of layer_forward") for o in as_list(result, "layer_forward")]
    if len(outs) != len(W):
        return {"values": [o.data for o in outs], "grads": None}
    loss = Value(0.0)
    for c_j, out_j in zip(inputs["c"], outs, strict=True):
        loss = loss + c_j * out_j
    loss.backward()
    grads = [w.grad for row in W for w in row] + [v.grad for v in x] + [v.grad for v in b]
    return {"values": [o.data for o in outs], "grads": grads}


def _layer_shape_error(case: Case, got: dict[str, Any]) -> str | None:
    nout, nin = len(case.inputs["W"]), len(case.inputs["x"])
    if len(got["values"]) != nout:
        return shape_message(
            case.label,
            f"the list of outputs (one per neuron; W is {nout}x{nin})",
            f"({nout},)",
            f"({len(got['values'])},)",
        )
    return None


def judge_layer_values(case: Case, got: dict[str, Any]) -> str | None:
    problem = _layer_shape_error(case, got)
    if problem:
        return problem
    for j, (e, g) in enumerate(zip(case.expected["values"], got["values"], strict=True)):
        if not close(g, e):
            return value_message(f"{case.label}, neuron {j}", e, g)
    return None


def judge_layer_grads(case: Case, got: dict[str, Any]) -> str | None:
    problem = _layer_shape_error(case, got)
    if problem:
        return problem
    e = case.expected
    label = f"{case.label} with loss = sum of {case.inputs['c']} * outputs"
    return first_gradient_error(label, e["names"], got["grads"], e["grads"])


# ---------------------------------------------------------------- 1.4 gate_weights

GATES = {
    "and": {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1},
    "or": {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1},
    "nand": {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0},
}


@cases
def _gate_cases() -> tuple[Case, ...]:
    return tuple(Case(gate, GATES[gate], f"gate_weights({gate!r})") for gate in GATES)


def probe_gate_weights(learner: ModuleType, gate: str) -> dict[str, Any]:
    where = f"gate_weights({gate!r})"
    result = learner.gate_weights(gate)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise WrongType(f"{where} should return a pair (w, b), got {result!r:.60}")
    w, b = result
    if type(w).__module__ == "numpy" and getattr(w, "ndim", 0) == 1:
        w = w.tolist()  # an array of two weights is fine too
    w = as_list(w, f"the w of {where}", "two numbers")
    if len(w) != 2:
        raise WrongType(f"{where}: w should hold 2 weights (one per input), got {len(w)}")
    return {"w": [as_number(v, f"each weight of {where}") for v in w], "b": as_number(b, where)}


def judge_gate(case: Case, got: dict[str, Any]) -> str | None:
    w, b = got["w"], got["b"]
    for (x0, x1), target in case.expected.items():
        out = _neuron(w, [float(x0), float(x1)], b, "sigmoid")
        good = out >= 0.9 if target == 1 else out <= 0.1
        if not good:
            need = "at least 0.9" if target == 1 else "at most 0.1"
            return (
                f"{case.label} = (w={fmt(w)}, b={fmt(b)}): for input ({x0}, {x1}) the neuron "
                f"outputs {out:.4f}, but {case.inputs.upper()} is {target} there, so it must "
                f"be {need}"
            )
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=1,
    exercise_file="01_neuron_exercises.py",
    exercises=(
        Exercise(
            id="1.1",
            title="A neuron's forward pass",
            points=2,
            functions=("neuron_forward",),
            todo="return the neuron's output as a Value",
            hint=(
                (
                    "A neuron is a weighted sum of its inputs plus a bias, passed through the "
                    "activation. Build it from Value arithmetic so the graph reaches every "
                    "weight. See 'Weighted sum, bias, activation' in lesson 1."
                ),
                (
                    "Start the sum from the bias b and add each weight times its input, then "
                    "apply the activation the name asks for (Value has relu, sigmoid and tanh "
                    "methods); 'linear' means no activation. Every step must be a Value "
                    "operation."
                ),
                (
                    "z = b\n"
                    "for wi, xi in zip(w, x):\n"
                    "    z = z + wi * xi\n"
                    "return z if activation == 'linear' else getattr(z, activation)()"
                ),
            ),
            forbidden=("tinygrad_rnn.scalar.Neuron", "tinygrad_rnn.scalar.Layer"),
            rule="build the neuron from Value operations yourself",
            checks=(
                Check(
                    "output matches the library's Neuron",
                    _neuron_cases,
                    probe_neuron_forward,
                    judge_neuron_value,
                ),
                Check(
                    "gradients match central differences",
                    _neuron_cases,
                    probe_neuron_forward,
                    judge_neuron_grads,
                ),
            ),
        ),
        Exercise(
            id="1.2",
            title="Slopes of ReLU, sigmoid and tanh",
            points=2,
            functions=("relu_slope", "sigmoid_slope", "tanh_slope"),
            todo=(
                "return the slope of relu at z (a float)",
                "return the slope of the sigmoid at z (a float)",
                "return the slope of tanh at z (a float)",
            ),
            hint=(
                (
                    "Each slope is the derivative of the activation, written as a formula in z."
                    " The sigmoid's and tanh's derivatives are neatest written through their "
                    "own outputs. See 'Activation functions and their slopes' in lesson 1."
                ),
                (
                    "ReLU: 1 for z > 0 and 0 otherwise (0 at z = 0 too, as the engine does). "
                    "Sigmoid and tanh: the docstrings give each slope through the activation's "
                    "own output, so compute that output at z first with the math module. The "
                    "catch is z = -800: math.exp(-z) overflows there, so for negative z use the"
                    " equal form of the sigmoid that exponentiates z itself. Return plain "
                    "floats."
                ),
                (
                    "relu_slope: return 1.0 if z > 0 else 0.0\n"
                    "sigmoid_slope: s = 1 / (1 + math.exp(-z)) if z >= 0 else "
                    "math.exp(z) / (1 + math.exp(z))\n"
                    "               return s * (1 - s)\n"
                    "tanh_slope: t = math.tanh(z); return 1 - t * t"
                ),
            ),
            checks=(
                _slope("relu", _relu_cases, diagnose=_corner),
                _slope("sigmoid", _sigmoid_cases),
                _slope("tanh", _tanh_cases),
            ),
        ),
        Exercise(
            id="1.3",
            title="A layer of neurons",
            points=3,
            functions=("layer_forward",),
            todo="return the layer's outputs, one Value per neuron, as a list",
            hint=(
                (
                    "A layer is several neurons that all read the same inputs; each has its own"
                    " row of weights and its own bias. You wrote one neuron in 1.1. See 'From "
                    "one neuron to a layer' in lesson 1."
                ),
                (
                    "Loop over the neurons j: neuron j uses the weights W[j] (one per input) "
                    "and the bias b[j]. The result has one Value per neuron, len(W) of them, in"
                    " order."
                ),
                "return [neuron_forward(W[j], x, b[j], activation) for j in range(len(W))]",
            ),
            forbidden=("tinygrad_rnn.scalar.Neuron", "tinygrad_rnn.scalar.Layer"),
            rule="build the layer from your own neurons",
            checks=(
                Check(
                    "outputs match the library",
                    _layer_cases,
                    probe_layer_forward,
                    judge_layer_values,
                ),
                Check(
                    "gradients match central differences",
                    _layer_cases,
                    probe_layer_forward,
                    judge_layer_grads,
                ),
            ),
        ),
        Exercise(
            id="1.4",
            title="A neuron as a logic gate",
            points=3,
            functions=("gate_weights",),
            todo="return ([w0, w1], b) for a sigmoid neuron that computes the given gate",
            hint=(
                (
                    "A sigmoid neuron says 1 when its weighted sum is clearly positive and 0 "
                    "when clearly negative; the line where the sum is zero separates the "
                    "inputs. Choose that line for each gate. See 'What one neuron can decide' "
                    "in lesson 1."
                ),
                (
                    "Use large weights so the sigmoid is near 0 or 1. For AND, only the input "
                    "(1, 1) may give a positive sum: equal weights and a bias between minus one"
                    " weight and minus two weights. For OR, every input except (0, 0) must be "
                    "positive. NAND is AND with every sign flipped."
                ),
                (
                    "table = {'and': ([10.0, 10.0], -15.0), 'or': ([10.0, 10.0], -5.0),\n"
                    "         'nand': ([-10.0, -10.0], 15.0)}\n"
                    "return table[gate]"
                ),
            ),
            checks=(
                Check("truth tables of AND, OR, NAND", _gate_cases, probe_gate_weights, judge_gate),
            ),
        ),
    ),
)
