"""Checks for lesson 2, derivatives and autograd (``lessons/02_autograd_exercises.py``).

References: ``math`` for the derivatives of known functions, central differences for
gradients, and :mod:`tinygrad_rnn.autograd` (through ``Value.backward``) for what a backward
pass must produce, including its accumulation rules. Graphs are sent to the learner's
process as small descriptions (:mod:`~tinygrad_rnn.grading.graphs`) and rebuilt there with
the library's ops.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tinygrad_rnn.grading.checks import (
    close,
    first_gradient_error,
    fmt,
    numeric_gradient,
    value_message,
)
from tinygrad_rnn.grading.graphs import (
    build,
    evaluate,
    graph_label,
    graphs,
    node_name,
    reachable,
)
from tinygrad_rnn.grading.probes import as_list, as_number, as_value, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import cases
from tinygrad_rnn.scalar import Value

# ---------------------------------------------------------------- 2.1 numerical_derivative

#: name -> (f, f'), functions of one float.
FUNCTIONS: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "x**3 - 2x": (lambda x: x**3 - 2.0 * x, lambda x: 3.0 * x * x - 2.0),
    "sin": (math.sin, math.cos),
    "exp(x/2)": (lambda x: math.exp(0.5 * x), lambda x: 0.5 * math.exp(0.5 * x)),
    "tanh": (math.tanh, lambda x: 1.0 - math.tanh(x) ** 2),
    "1/(1+x**2)": (lambda x: 1.0 / (1.0 + x * x), lambda x: -2.0 * x / (1.0 + x * x) ** 2),
}


def _derivative_label(name: str, x: float, h: float | None) -> str:
    step = "" if h is None else f", h={h!r}"
    return f"numerical_derivative(f(x) = {name}, x={x!r}{step})"


@cases
def _derivative_default_cases() -> tuple[Case, ...]:
    rng = random.Random(201)
    cases = []
    for name, (_, df) in FUNCTIONS.items():
        for _ in range(2):
            x = round(rng.uniform(-2.0, 2.0), 4)
            cases.append(
                Case({"f": name, "x": x, "h": None}, df(x), _derivative_label(name, x, None))
            )
    return tuple(cases)


@cases
def _derivative_step_cases() -> tuple[Case, ...]:
    rng = random.Random(202)
    cases = []
    for name, (f, df) in FUNCTIONS.items():
        for h in (0.1, 0.01):
            x = round(rng.uniform(-2.0, 2.0), 4)
            expected = {
                "central": (f(x + h) - f(x - h)) / (2.0 * h),
                "one_sided": (f(x + h) - f(x)) / h,
                "true": df(x),
            }
            cases.append(Case({"f": name, "x": x, "h": h}, expected, _derivative_label(name, x, h)))
    return tuple(cases)


def probe_numerical_derivative(learner: ModuleType, inputs: dict[str, Any]) -> float:
    f = FUNCTIONS[inputs["f"]][0]
    x, h = inputs["x"], inputs["h"]
    got = learner.numerical_derivative(f, x) if h is None else learner.numerical_derivative(f, x, h)
    return as_number(got, _derivative_label(inputs["f"], x, h))


def judge_derivative_default(case: Case, got: float) -> str | None:
    if close(got, case.expected, rtol=1e-6, atol=1e-6):
        return None
    return value_message(case.label, case.expected, got, "the true derivative")


def judge_derivative_step(case: Case, got: float) -> str | None:
    e = case.expected
    if close(got, e["central"], rtol=1e-9, atol=1e-12):
        return None
    note = f"the central difference with this h; the true slope is {fmt(e['true'])}"
    if close(got, e["one_sided"], rtol=1e-9, atol=1e-12):
        note += "; you computed the one-sided (f(x+h) - f(x)) / h, stepping only forward"
    return value_message(case.label, e["central"], got, note)


# ---------------------------------------------------------------- 2.2 sin and sin_backward

#: name -> y(sin, x, w, c): works on floats with math.sin and on Values with the learner's sin.
EXPRESSIONS: dict[str, Callable[..., Any]] = {
    "sin(x) * c": lambda s, x, w, c: s(x) * c,
    "sin(x * w) + sin(x)": lambda s, x, w, c: s(x * w) + s(x),
    "sin(sin(x)) * c": lambda s, x, w, c: s(s(x)) * c,
    "sin(x) + sin(x)": lambda s, x, w, c: s(x) + s(x),
    "sin(x) * sin(w) * c": lambda s, x, w, c: s(x) * s(w) * c,
}


@cases
def _sin_forward_cases() -> tuple[Case, ...]:
    points = (-3.0, -1.2, 0.0, 0.4, 2.5, 10.0)
    return tuple(Case(x, math.sin(x), f"sin(Value({x!r}))") for x in points)


def probe_sin_forward(learner: ModuleType, x: float) -> dict[str, Any]:
    a = Value(x)
    out = as_value(learner.sin(a), f"sin(Value({x!r}))")
    return {
        "value": out.data,
        "n_inputs": len(out._prev),
        "input_is_a": len(out._prev) == 1 and out._prev[0] is a,
        "has_backward": out._backward is not None,
    }


def judge_sin_forward(case: Case, got: dict[str, Any]) -> str | None:
    if not close(got["value"], case.expected, rtol=1e-12, atol=1e-12):
        return value_message(case.label, case.expected, got["value"])
    if got["input_is_a"] is not True:
        n = got["n_inputs"]
        found = "its input is another node" if n == 1 else f"it has {n} inputs"
        return (
            f"{case.label}: the output must remember its input: out._prev should be (a,), "
            f"but {found}; the Value you return is made without a as its input"
        )
    if got["has_backward"] is not True:
        return (
            f"{case.label}: out._backward is None, so backward() cannot pass gradient "
            "through sin: the output does not know its backward rule"
        )
    return None


@cases
def _sin_grad_cases() -> tuple[Case, ...]:
    rng = random.Random(203)
    cases = []
    for name, y in EXPRESSIONS.items():
        x, w, c = (round(rng.uniform(-2.0, 2.0), 3) for _ in range(3))
        numeric = numeric_gradient(lambda p, y=y, c=c: y(math.sin, p[0], p[1], c), [x, w])
        label = f"y = {name} at x={x!r}, w={w!r}, c={c!r}"
        cases.append(Case({"expr": name, "x": x, "w": w, "c": c}, numeric, label))
    return tuple(cases)


def probe_sin_grads(learner: ModuleType, inputs: dict[str, Any]) -> list[float]:
    x, w = Value(inputs["x"]), Value(inputs["w"])
    y = EXPRESSIONS[inputs["expr"]](learner.sin, x, w, inputs["c"])
    as_value(y, "an expression built with your sin").backward()
    return [x.grad, w.grad]


def judge_sin_grads(case: Case, got: list[float]) -> str | None:
    return first_gradient_error(case.label, ["x", "w"], got, case.expected)


# ---------------------------------------------------------------- 2.3 topological_order

CHAIN = 100_000


@cases
def _order_cases() -> tuple[Case, ...]:
    return tuple(Case(graph, None, graph_label(name, graph)) for name, graph in graphs())


def probe_order(learner: ModuleType, graph: list[list[Any]]) -> dict[str, Any]:
    nodes = build(graph)
    return _order_indices(learner, nodes)


def _order_indices(learner: ModuleType, nodes: list[Value]) -> dict[str, Any]:
    order = as_list(learner.topological_order(nodes[-1]), "topological_order", "nodes")
    index = {id(node): k for k, node in enumerate(nodes)}
    foreign = next((describe(n) for n in order if id(n) not in index), None)
    return {"order": [index.get(id(n), -1) for n in order], "foreign": foreign}


def judge_order(case: Case, got: dict[str, Any]) -> str | None:
    graph, label = case.inputs, case.label
    if got["foreign"] is not None:
        return (
            f"{label}: the list holds something that is not a node of the graph: {got['foreign']}"
        )
    order = got["order"]
    twice = [k for k, n in Counter(order).items() if n > 1]
    if twice:
        k = min(twice)
        return (
            f"{label}: {node_name(graph, k)} appears {order.count(k)} times; each node must "
            "appear once (keep a set of visited nodes)"
        )
    needed = reachable(graph)
    missing = sorted(needed - set(order))
    if missing:
        return f"{label}: {node_name(graph, missing[0])} is missing from the order"
    position = {k: p for p, k in enumerate(order)}
    for k in order:
        for parent in graph[k][1:] if graph[k][0] != "leaf" else []:
            if position[parent] > position[k]:
                return (
                    f"{label}: {node_name(graph, k)} comes before its input "
                    f"{node_name(graph, parent)}; every input must come first"
                )
    return None


@cases
def _chain_order_cases() -> tuple[Case, ...]:
    return (Case(CHAIN, None, f"a chain of {CHAIN:,} tanh nodes"),)


def probe_chain_order(learner: ModuleType, length: int) -> dict[str, Any]:
    nodes = [Value(0.5)]
    for _ in range(length):
        nodes.append(nodes[-1].tanh())
    return _order_indices(learner, nodes)


def judge_chain_order(case: Case, got: dict[str, Any]) -> str | None:
    if got["foreign"] is not None:
        return f"{case.label}: the list holds something that is not a node: {got['foreign']}"
    order, n = got["order"], case.inputs + 1
    if len(order) != n:
        return f"{case.label}: expected {n:,} nodes in the order, got {len(order):,}"
    for position, k in enumerate(order):
        if k != position:  # a chain has exactly one topological order
            return (
                f"{case.label}: position {position} holds node {k}, expected node {position} "
                "(the leaf first, each step after the one it uses)"
            )
    return None


# ---------------------------------------------------------------- 2.4 backward


@cases
def _backward_cases() -> tuple[Case, ...]:
    cases = []
    for name, graph in graphs():
        leaves = [k for k, node in enumerate(graph) if node[0] == "leaf"]
        point = [graph[k][1] for k in leaves]
        numeric = numeric_gradient(lambda p, graph=graph: evaluate(graph, p), point)
        names = [node_name(graph, k) for k in leaves]
        cases.append(Case(graph, {"grads": numeric, "names": names}, graph_label(name, graph)))
    return tuple(cases)


def probe_backward(learner: ModuleType, graph: list[list[Any]]) -> list[float]:
    nodes = build(graph)
    learner.backward(nodes[-1])
    return [node.grad for node, desc in zip(nodes, graph, strict=True) if desc[0] == "leaf"]


def judge_backward(case: Case, got: list[float]) -> str | None:
    e = case.expected
    return first_gradient_error(case.label, e["names"], got, e["grads"])


def _accumulating_chain(length: int) -> tuple[Value, Value, Value]:
    x0, c = Value(0.3), Value(0.001)
    x = x0
    for _ in range(length):
        x = x + c
    return x0, c, x


@cases
def _chain_backward_cases() -> tuple[Case, ...]:
    x0, c, root = _accumulating_chain(CHAIN)
    root.backward()  # the library's answer: 1 for x0, CHAIN for c
    label = f"x = x + c repeated {CHAIN:,} times"
    return (Case(CHAIN, [x0.grad, c.grad], label),)


def probe_chain_backward(learner: ModuleType, length: int) -> list[float]:
    x0, c, root = _accumulating_chain(length)
    learner.backward(root)
    return [x0.grad, c.grad]


def judge_chain_backward(case: Case, got: list[float]) -> str | None:
    if not isinstance(got, list) or len(got) != 2:
        return f"{case.label}: expected 2 gradients back, got {got!r:.60}"
    names = ("x (the start)", "c (used at every step)")
    for name, e, g in zip(names, case.expected, got, strict=True):
        if not close(g, e, rtol=1e-9):
            return value_message(f"{case.label}: the gradient of {name}", e, g)
    return None


@cases
def _twice_cases() -> tuple[Case, ...]:
    cases = []
    for name, graph in graphs()[:5]:
        nodes = build(graph)
        nodes[-1].backward()
        nodes[-1].backward()  # the library's rules: leaves accumulate, interior nodes reset
        cases.append(Case(graph, [n.grad for n in nodes], graph_label(name, graph)))
    return tuple(cases)


def probe_twice(learner: ModuleType, graph: list[list[Any]]) -> list[float]:
    nodes = build(graph)
    learner.backward(nodes[-1])
    learner.backward(nodes[-1])
    return [n.grad for n in nodes]


def judge_twice(case: Case, got: list[float]) -> str | None:
    graph = case.inputs
    if len(got) != len(case.expected):
        return f"{case.label}: expected {len(case.expected)} gradients, got {len(got)}"
    for k, (e, g) in enumerate(zip(case.expected, got, strict=True)):
        if not close(g, e, rtol=1e-9, atol=1e-12):
            rule = (
                "a leaf accumulates: twice its single-call gradient"
                if graph[k][0] == "leaf"
                else "an interior node is reset at the start of each call"
            )
            return value_message(
                f"{case.label}, after calling backward twice: {node_name(graph, k)}", e, g, rule
            )
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=2,
    exercise_file="02_autograd_exercises.py",
    exercises=(
        Exercise(
            id="2.1",
            title="Central-difference derivative",
            points=2,
            functions=("numerical_derivative",),
            todo="return the slope of f at x by a central difference with step h",
            hint=(
                (
                    "Step to both sides of x by h and divide the change in f by the distance "
                    "between the two points. See 'The derivative as a slope' and 'Gradient "
                    "check: trust, but verify' in lesson 2."
                ),
                (
                    "Evaluate f twice, at x + h and at x - h. The distance between them is 2h, "
                    "not h. Stepping only one way, from f(x), is the one-sided difference and "
                    "is much less accurate."
                ),
                "return (f(x + h) - f(x - h)) / (2 * h)",
            ),
            forbidden=("tinygrad_rnn.gradcheck.numerical_grad",),
            rule="write the central difference yourself",
            checks=(
                Check(
                    "the central formula with a given h",
                    _derivative_step_cases,
                    probe_numerical_derivative,
                    judge_derivative_step,
                ),
                Check(
                    "close to the true derivative (default h)",
                    _derivative_default_cases,
                    probe_numerical_derivative,
                    judge_derivative_default,
                ),
            ),
        ),
        Exercise(
            id="2.2",
            title="A new op: sin and its backward",
            points=2,
            functions=("sin", "sin_backward"),
            todo=(
                "return a Value holding sin(a.data), with a as its input",
                "send the gradient of out back to its input",
            ),
            hint=(
                (
                    "A new operation needs two halves: the forward value with a link to its "
                    "input, and a backward rule from the chain rule. The derivative of sine is "
                    "cosine. See 'Adding an operation to the engine' in lesson 2."
                ),
                (
                    "sin: make a Value from math.sin of a.data with a as its one input, the way"
                    " Value's own unary ops (tanh, exp) do in the engine, and set its _backward"
                    " to sin_backward. sin_backward(out): take out's input and add the local "
                    "slope, the cosine at a, times out.grad to its grad. Add, never assign: a "
                    "node used twice gets both contributions."
                ),
                (
                    "sin: out = Value(math.sin(a.data), a, None, 'sin'); out._backward = "
                    "sin_backward\n"
                    "     return out\n"
                    "sin_backward: a = out._a; a.grad += math.cos(a.data) * out.grad"
                ),
            ),
            forbidden=("tinygrad_rnn.Value.backward",),
            rule="write the backward rule yourself",
            checks=(
                Check(
                    "forward value and graph",
                    _sin_forward_cases,
                    probe_sin_forward,
                    judge_sin_forward,
                ),
                Check(
                    "gradients match central differences",
                    _sin_grad_cases,
                    probe_sin_grads,
                    judge_sin_grads,
                ),
            ),
        ),
        Exercise(
            id="2.3",
            title="Topological order without recursion",
            points=3,
            functions=("topological_order",),
            todo=(
                "return every node reachable from root, each once, inputs before the nodes "
                "using them"
            ),
            hint=(
                (
                    "This is a depth-first search that emits a node only after all of its "
                    "inputs. The graph can be 100,000 nodes deep, so use a stack you manage "
                    "yourself instead of recursion. See 'Topological order' and 'Deep graphs' "
                    "in lesson 2."
                ),
                (
                    "Keep a list used as a stack of (node, expanded) pairs, a set of visited "
                    "nodes (by id), and the output list. Pop a pair: if it is expanded, append "
                    "the node to the output; if not and it is new, mark it, push it back as "
                    "expanded, then push each of its parents not yet visited."
                ),
                (
                    "order, seen, stack = [], set(), [(root, False)]\n"
                    "while stack:\n"
                    "    node, done = stack.pop()\n"
                    "    if done: order.append(node); continue\n"
                    "    if id(node) in seen: continue\n"
                    "    seen.add(id(node))\n"
                    "    stack.append((node, True))\n"
                    "    stack.extend((p, False) for p in node._prev if id(p) not in seen)\n"
                    "return order"
                ),
            ),
            forbidden=("tinygrad_rnn.autograd.toposort", "tinygrad_rnn.autograd.interior_toposort"),
            rule="write the graph walk yourself",
            checks=(
                Check("each node once, inputs first", _order_cases, probe_order, judge_order),
                Check(
                    f"a {CHAIN:,}-node chain",
                    _chain_order_cases,
                    probe_chain_order,
                    judge_chain_order,
                ),
            ),
            timeout=10.0,  # builds and walks a 100,000-node chain
        ),
        Exercise(
            id="2.4",
            title="The backward pass",
            points=3,
            functions=("backward",),
            todo="fill in .grad of every node reachable from root, as backward() does",
            hint=(
                (
                    "Backpropagation visits the nodes from the root back towards the inputs, "
                    "each after every node that uses it, and lets each node pass its gradient "
                    "on with its backward rule. See 'Backpropagation, automatically' and "
                    "'Gradient accumulation, and zero_grad' in lesson 2."
                ),
                (
                    "Take the order from your 2.3. Interior nodes (those with inputs) start "
                    "from a gradient of 0, leaves keep theirs (they accumulate across calls). "
                    "The root's gradient is 1. Then walk the order from the end to the start "
                    "and let each node's _backward rule pass its gradient on: the rule is "
                    "given the node itself, and a leaf has none (None)."
                ),
                (
                    "order = topological_order(root)\n"
                    "for node in order:\n"
                    "    if node._prev: node.grad = 0.0\n"
                    "root.grad = 1.0\n"
                    "for node in reversed(order):\n"
                    "    if node._backward is not None:\n"
                    "        node._backward(node)"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.autograd.backward",
                "tinygrad_rnn.autograd.toposort",
                "tinygrad_rnn.autograd.interior_toposort",
                "tinygrad_rnn.Value.backward",
            ),
            rule="write the backward pass yourself",
            checks=(
                Check(
                    "gradients match central differences",
                    _backward_cases,
                    probe_backward,
                    judge_backward,
                ),
                Check(
                    f"a {CHAIN:,}-step chain with a reused node",
                    _chain_backward_cases,
                    probe_chain_backward,
                    judge_chain_backward,
                ),
                Check(
                    "two calls: leaves accumulate, interior nodes reset",
                    _twice_cases,
                    probe_twice,
                    judge_twice,
                ),
            ),
            timeout=10.0,  # builds and walks a 100,000-node chain
        ),
    ),
)
