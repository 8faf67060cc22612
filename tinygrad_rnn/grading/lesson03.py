"""Checks for lesson 3, a feedforward network (``lessons/03_feedforward_exercises.py``).

The reference for 3.1 is :class:`tinygrad_rnn.scalar.MLP` with the case's weights copied in;
the losses of 3.2 and the update of 3.3 are one-line formulas computed here in plain
floats; gradients are checked against central differences. 3.4 trains in the learner's
process and is judged on 200 new points whose labels never leave the grader. All inputs
are seeded, so a failure can be reproduced.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

from tinygrad_rnn.grading.checks import (
    close,
    first_gradient_error,
    numeric_gradient,
    shape_message,
    value_message,
)
from tinygrad_rnn.grading.probes import WrongType, as_list, as_number, as_value, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import cases
from tinygrad_rnn.scalar import MLP, Value

# ---------------------------------------------------------------- 3.1 mlp_forward

# (inputs, layer sizes, activation); the last size is the output layer.
ARCHITECTURES = (
    (2, (3, 1), "relu"),
    (3, (4, 2), "tanh"),
    (1, (2, 2, 1), "sigmoid"),
    (2, (3, 3, 1), "relu"),
    (2, (1,), "tanh"),  # no hidden layer at all: the output layer alone, no activation
    (4, (3, 2, 3), "tanh"),
)


def _draw(rng: random.Random, n: int, scale: float) -> list[float]:
    return [round(rng.uniform(-scale, scale), 3) for _ in range(n)]


def _reference_mlp(nin: int, layers: list[dict[str, Any]], activation: str) -> MLP:
    """The library's MLP with the given weights copied in."""
    model = MLP(nin, [len(layer["b"]) for layer in layers], activation=activation, seed=0)
    for layer, mlp_layer in zip(layers, model.layers, strict=True):
        for row, b_j, neuron in zip(layer["W"], layer["b"], mlp_layer.neurons, strict=True):
            for w, v in zip(neuron.w, row, strict=True):
                w.data = v
            neuron.b.data = b_j
    return model


def _outputs(nin: int, layers: list[dict[str, Any]], activation: str, x: list[float]) -> list:
    out = _reference_mlp(nin, layers, activation)(x)
    return [o.data for o in out] if isinstance(out, list) else [out.data]


def _min_abs_preactivation(layers: list[dict[str, Any]], x: list[float]) -> float:
    """How close any hidden neuron sits to ReLU's corner (central differences need room)."""
    h, closest = x, float("inf")
    for layer in layers[:-1]:
        z = [
            sum(w * v for w, v in zip(row, h, strict=True)) + b
            for row, b in zip(layer["W"], layer["b"], strict=True)
        ]
        closest = min(closest, *(abs(v) for v in z))
        h = [max(v, 0.0) for v in z]
    return closest


@cases
def _mlp_cases() -> tuple[Case, ...]:
    rng = random.Random(301)
    cases = []
    for k, (nin, sizes, activation) in enumerate(ARCHITECTURES):
        while True:
            fan_in = [nin, *sizes[:-1]]
            layers = [
                {"W": [_draw(rng, n_in, 1.2) for _ in range(n_out)], "b": _draw(rng, n_out, 0.5)}
                for n_in, n_out in zip(fan_in, sizes, strict=True)
            ]
            x = _draw(rng, nin, 2.0)
            if activation != "relu" or _min_abs_preactivation(layers, x) > 0.05:
                break
        c = [round(rng.uniform(0.5, 2.0), 2) for _ in range(sizes[-1])]
        x_values = k % 2 == 0
        flat = [v for layer in layers for row in layer["W"] for v in row]
        flat += [v for layer in layers for v in layer["b"]]
        names = [
            f"layers[{li}] W[{j}][{i}]"
            for li, layer in enumerate(layers)
            for j, row in enumerate(layer["W"])
            for i in range(len(row))
        ]
        names += [
            f"layers[{li}] b[{j}]"
            for li, layer in enumerate(layers)
            for j in range(len(layer["b"]))
        ]
        if x_values:
            names += [f"x[{i}]" for i in range(nin)]

        def loss(
            p: list[float], layers=layers, x=x, c=c, nin=nin, act=activation, xv=x_values
        ) -> float:
            it = iter(p)
            new = [
                {"W": [[next(it) for _ in row] for row in layer["W"]], "b": layer["b"]}
                for layer in layers
            ]
            for layer in new:
                layer["b"] = [next(it) for _ in layer["b"]]
            x_now = [next(it) for _ in range(nin)] if xv else x
            return sum(cj * o for cj, o in zip(c, _outputs(nin, new, act, x_now), strict=True))

        point = flat + (x if x_values else [])
        expected = {
            "values": _outputs(nin, layers, activation, x),
            "grads": numeric_gradient(loss, point),
            "names": names,
        }
        shape = " -> ".join(str(s) for s in (nin, *sizes))
        label = f"mlp_forward(network {shape}, activation={activation!r}, x={x})"
        inputs = {"layers": layers, "x": x, "activation": activation, "c": c, "x_values": x_values}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_mlp_forward(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    layers = [
        ([[Value(v) for v in row] for row in layer["W"]], [Value(v) for v in layer["b"]])
        for layer in inputs["layers"]
    ]
    x = [Value(v) for v in inputs["x"]] if inputs["x_values"] else list(inputs["x"])
    result = learner.mlp_forward(layers, x, inputs["activation"])
    if isinstance(result, Value):
        raise WrongType(
            "mlp_forward should return a list of Values (a list of one for a "
            "single output), got a single Value"
        )
    outs = [as_value(o, "each output of mlp_forward") for o in as_list(result, "mlp_forward")]
    if len(outs) != len(inputs["c"]):
        return {"values": [o.data for o in outs], "grads": None}
    total = Value(0.0)
    for c_j, o in zip(inputs["c"], outs, strict=True):
        total = total + c_j * o
    total.backward()
    grads = [w.grad for W, _ in layers for row in W for w in row]
    grads += [v.grad for _, b in layers for v in b]
    if inputs["x_values"]:
        grads += [v.grad for v in x]
    return {"values": [o.data for o in outs], "grads": grads}


def _mlp_shape_error(case: Case, got: dict[str, Any]) -> str | None:
    n_out = len(case.expected["values"])
    if len(got["values"]) != n_out:
        return shape_message(
            case.label,
            "the list of outputs (one per output neuron)",
            f"({n_out},)",
            f"({len(got['values'])},)",
        )
    return None


def judge_mlp_values(case: Case, got: dict[str, Any]) -> str | None:
    problem = _mlp_shape_error(case, got)
    if problem:
        return problem
    for j, (e, g) in enumerate(zip(case.expected["values"], got["values"], strict=True)):
        if not close(g, e):
            return value_message(f"{case.label}, output {j}", e, g)
    return None


def judge_mlp_grads(case: Case, got: dict[str, Any]) -> str | None:
    problem = _mlp_shape_error(case, got)
    if problem:
        return problem
    e = case.expected
    label = f"{case.label} with loss = sum of {case.inputs['c']} * outputs"
    return first_gradient_error(label, e["names"], got["grads"], e["grads"])


# ---------------------------------------------------------------- 3.2 losses


def _hinge(scores: list[float], targets: list[float]) -> float:
    return sum(max(0.0, 1.0 - t * s) for s, t in zip(scores, targets, strict=True)) / len(scores)


def _mse(scores: list[float], targets: list[float]) -> float:
    return sum((s - t) ** 2 for s, t in zip(scores, targets, strict=True)) / len(scores)


def _loss_cases(kind: str) -> tuple[Case, ...]:
    rng = random.Random(302 if kind == "hinge" else 303)
    cases = []
    for n in (1, 2, 3, 5, 8, 4):
        while True:
            scores = _draw(rng, n, 2.5)
            if kind == "hinge":
                targets = [rng.choice((-1.0, 1.0)) for _ in range(n)]
                # away from the hinge's corner at margin 1, where the slope jumps
                if all(abs(1.0 - t * s) > 0.05 for s, t in zip(scores, targets, strict=True)):
                    break
            else:
                targets = _draw(rng, n, 2.0)
                break
        f = _hinge if kind == "hinge" else _mse
        expected = {
            "value": f(scores, targets),
            "grads": numeric_gradient(lambda p, t=targets, f=f: f(p, t), scores),
            "names": [f"scores[{i}]" for i in range(n)],
        }
        label = f"{kind}_loss(scores={scores}, targets={targets})"
        cases.append(Case({"scores": scores, "targets": targets}, expected, label))
    return tuple(cases)


@cases
def _hinge_cases() -> tuple[Case, ...]:
    return _loss_cases("hinge")


@cases
def _mse_cases() -> tuple[Case, ...]:
    return _loss_cases("mse")


def _probe_loss(function: Any, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    scores = [Value(v) for v in inputs["scores"]]
    out = as_value(function(scores, list(inputs["targets"])), name)
    out.backward()
    return {"value": out.data, "grads": [s.grad for s in scores]}


def probe_hinge_loss(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    return _probe_loss(learner.hinge_loss, "hinge_loss", inputs)


def probe_mse_loss(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    return _probe_loss(learner.mse_loss, "mse_loss", inputs)


def judge_loss(case: Case, got: dict[str, Any]) -> str | None:
    e = case.expected
    if not close(got["value"], e["value"]):
        n = len(case.inputs["scores"])
        note = ""
        if n > 1 and close(got["value"], e["value"] * n):
            note = f"that is the sum over the {n} examples; the loss is their mean"
        return value_message(case.label, e["value"], got["value"], note)
    return first_gradient_error(case.label, e["names"], got["grads"], e["grads"])


# ---------------------------------------------------------------- 3.3 sgd_step


@cases
def _sgd_cases() -> tuple[Case, ...]:
    rng = random.Random(304)
    cases = []
    for n, lr in ((1, 0.1), (3, 0.5), (5, 1.0), (4, 0.01), (2, 2.0)):
        data, grads = _draw(rng, n, 2.0), _draw(rng, n, 1.5)
        expected = [d - lr * g for d, g in zip(data, grads, strict=True)]
        label = f"sgd_step(params with data={data} and grad={grads}, lr={lr})"
        cases.append(Case({"data": data, "grads": grads, "lr": lr}, expected, label))
    return tuple(cases)


def probe_sgd_step(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    params = [Value(v) for v in inputs["data"]]
    for p, g in zip(params, inputs["grads"], strict=True):
        p.grad = g
    model_holds = list(params)  # the objects a model would keep, whatever sgd_step does to the list
    learner.sgd_step(params, inputs["lr"])
    data = [as_number(p.data, "p.data after sgd_step") for p in model_holds]
    grads = [as_number(p.grad, "p.grad after sgd_step") for p in model_holds]
    return {"data": data, "grads": grads}


def judge_sgd_data(case: Case, got: dict[str, Any]) -> str | None:
    for k, (e, g) in enumerate(zip(case.expected, got["data"], strict=True)):
        if not close(g, e, rtol=1e-12, atol=1e-12):
            note = ""
            if close(g, case.inputs["data"][k], rtol=1e-12, atol=1e-12):
                note = "unchanged: update p.data of the Values you were given, in place"
            elif close(g, 2 * case.inputs["data"][k] - e, rtol=1e-12, atol=1e-12):
                note = "that is a step up the gradient; descent steps against it"
            return value_message(f"{case.label}, params[{k}].data", e, g, note)
    return None


def judge_sgd_grads(case: Case, got: dict[str, Any]) -> str | None:
    for k, g in enumerate(got["grads"]):
        if g != 0.0:
            return (
                f"{case.label}: params[{k}].grad is {g} after the step; set it to 0.0 so the "
                "next backward() does not add onto this step's gradient"
            )
    return None


# ---------------------------------------------------------------- 3.4 train_moons

N_TRAIN, N_TEST, TARGET = 60, 200, 0.9


@cases
def _moons_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.data import make_moons

    X, y = make_moons(N_TRAIN, noise=0.1, seed=11)
    X_test, y_test = make_moons(N_TEST, noise=0.1, seed=12)
    inputs = {"X": X.tolist(), "y": y.tolist(), "X_test": X_test.tolist()}
    label = f"train_moons on {N_TRAIN} points, tested on {N_TEST} new ones"
    return (Case(inputs, y_test.tolist(), label),)


def probe_train_moons(learner: ModuleType, inputs: dict[str, Any]) -> list[int]:
    import numpy as np

    X = np.array(inputs["X"], dtype=np.float64)
    y = np.array(inputs["y"], dtype=np.int64)
    model = learner.train_moons(X, y)
    if not callable(model):
        raise WrongType(f"train_moons should return a model you can call, got {describe(model)}")
    predictions = []
    for x0, x1 in inputs["X_test"]:
        score = model([float(x0), float(x1)])
        if isinstance(score, (list, tuple)) and len(score) == 1:
            score = score[0]
        if isinstance(score, Value):
            score = score.data
        predictions.append(1 if as_number(score, "model([x0, x1])") > 0 else 0)
    return predictions


def judge_moons(case: Case, got: list[int]) -> str | None:
    if not isinstance(got, list) or len(got) != len(case.expected):
        return shape_message(case.label, "the predictions", len(case.expected), len(got))
    right = sum(int(p == t) for p, t in zip(got, case.expected, strict=True))
    accuracy = right / len(case.expected)
    if accuracy >= TARGET:
        return None
    note = ""
    if accuracy < 0.5:
        note = " (below chance: are the classes swapped? score > 0 must mean class 1)"
    return (
        f"{case.label}: {right} of {len(case.expected)} new points right ({accuracy:.1%}); "
        f"needs at least {TARGET:.0%}{note}"
    )


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=3,
    exercise_file="03_feedforward_exercises.py",
    exercises=(
        Exercise(
            id="3.1",
            title="The forward pass of a network",
            points=3,
            functions=("mlp_forward",),
            todo="return the network's outputs for x, as a list of Values",
            hint=(
                (
                    "A network is layers applied one after another: each layer's outputs are "
                    "the next layer's inputs. The last layer has no activation, so its scores "
                    "can be any size. See 'The forward pass, step by step' in lesson 3."
                ),
                (
                    "Keep the current inputs in a variable, starting from x. For each layer (W,"
                    " b), compute every neuron's weighted sum plus bias (as in 1.3), apply the "
                    "activation unless it is the last layer, and make that list the new inputs."
                    " Return the last list."
                ),
                (
                    "h = list(x)\n"
                    "for k, (W, b) in enumerate(layers):\n"
                    "    last = k == len(layers) - 1\n"
                    "    z = [sum((wi * hi for wi, hi in zip(row, h)), bj) for row, bj in "
                    "zip(W, b)]\n"
                    "    h = z if last else [getattr(v, activation)() for v in z]\n"
                    "return h"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.scalar.MLP",
                "tinygrad_rnn.scalar.Layer",
                "tinygrad_rnn.scalar.Neuron",
            ),
            rule="write the forward pass yourself",
            checks=(
                Check(
                    "outputs match the library's MLP",
                    _mlp_cases,
                    probe_mlp_forward,
                    judge_mlp_values,
                ),
                Check(
                    "gradients match central differences",
                    _mlp_cases,
                    probe_mlp_forward,
                    judge_mlp_grads,
                ),
            ),
        ),
        Exercise(
            id="3.2",
            title="Hinge and squared-error losses",
            points=2,
            functions=("hinge_loss", "mse_loss"),
            todo=(
                "return the mean hinge loss as a Value",
                "return the mean squared error as a Value",
            ),
            hint=(
                (
                    "Both losses are averages over the examples of a per-example penalty. The "
                    "hinge loss penalises a score on the wrong side of the margin 1; the "
                    "squared error penalises distance from the target. See 'A loss: how wrong "
                    "is the network?' in lesson 3."
                ),
                (
                    "Hinge: with targets -1 or +1, target times score is the example's margin;"
                    " its penalty is 0 once the margin reaches 1 and grows by one per unit "
                    "below that, which one of Value's activations gives you. Squared error: "
                    "the difference of score and target, squared. Sum the penalties as Values "
                    "and divide by the number of examples."
                ),
                (
                    "hinge: return sum((1 - y * s).relu() for s, y in zip(scores, targets)) / "
                    "len(scores)\n"
                    "mse: return sum((s - y) ** 2 for s, y in zip(scores, targets)) / "
                    "len(scores)"
                ),
            ),
            checks=(
                Check("hinge_loss value and gradients", _hinge_cases, probe_hinge_loss, judge_loss),
                Check("mse_loss value and gradients", _mse_cases, probe_mse_loss, judge_loss),
            ),
        ),
        Exercise(
            id="3.3",
            title="One step of gradient descent",
            points=2,
            functions=("sgd_step",),
            todo=(
                "update every parameter by one step of gradient descent, then clear its gradient"
            ),
            hint=(
                (
                    "Gradient descent moves each parameter a small step against its gradient, "
                    "then clears the gradient so the next backward pass starts fresh. See "
                    "'Gradient descent' in lesson 3."
                ),
                (
                    "For each parameter p: subtract lr times p.grad from p.data, in place (the "
                    "network holds these very objects), then set p.grad back to 0."
                ),
                ("for p in params:\n    p.data -= lr * p.grad\n    p.grad = 0.0"),
            ),
            checks=(
                Check(
                    "parameters move against the gradient",
                    _sgd_cases,
                    probe_sgd_step,
                    judge_sgd_data,
                ),
                Check("gradients are cleared", _sgd_cases, probe_sgd_step, judge_sgd_grads),
            ),
        ),
        Exercise(
            id="3.4",
            title="A classifier for the two moons",
            points=3,
            functions=("train_moons",),
            todo="return a trained model whose score is positive for class 1",
            hint=(
                (
                    "Put together what lesson 3 built: a small network, a loss, backward, and "
                    "gradient descent, repeated until the moons are separated. See 'Training on"
                    " the moons' in lesson 3."
                ),
                (
                    "An MLP with two inputs, two hidden layers of about 8 neurons and one "
                    "output works. Labels become -1 and +1 for the hinge loss of 3.2. Each "
                    "step: score every point, take the loss, clear the gradients, backward, and"
                    " take your 3.3 step with a learning rate that shrinks from 1.0 to 0.1 over"
                    " about 30 steps."
                ),
                (
                    "rows = [[float(a), float(b)] for a, b in X]\n"
                    "targets = [1.0 if label == 1 else -1.0 for label in y]\n"
                    "model = MLP(2, [8, 8, 1], seed=0)\n"
                    "for step in range(30):\n"
                    "    loss = hinge_loss([model(r) for r in rows], targets)\n"
                    "    model.zero_grad(); loss.backward()\n"
                    "    sgd_step(model.parameters(), 1.0 - 0.9 * step / 30)\n"
                    "return model"
                ),
            ),
            checks=(
                Check(
                    f"at least {TARGET:.0%} right on new points",
                    _moons_cases,
                    probe_train_moons,
                    judge_moons,
                ),
            ),
            timeout=60.0,
        ),
    ),
)
