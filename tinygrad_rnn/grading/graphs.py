"""Small computation graphs as plain data, for exercises about graph walks (2.3, 2.4).

A graph travels to the learner's process as a list of nodes, ``["leaf", value]`` or
``[op, input index, ...]`` with ``op`` one of ``add mul tanh sigmoid``; the last node is the
root. :func:`build` makes the Values with the library's ops; :func:`evaluate` computes the
root with floats, for central differences.
"""

from __future__ import annotations

import math
import random
from functools import cache
from typing import Any

from tinygrad_rnn.scalar import Value

__all__ = ["GRAPHS", "build", "evaluate", "graph_label", "graphs", "node_name", "reachable"]


#: Hand-written graphs, each a list of nodes: ["leaf", value] or [op, input index, ...].
#: The last node is the root.
GRAPHS: dict[str, list[list[Any]]] = {
    "b = a + a; c = b * a": [["leaf", 2.0], ["add", 0, 0], ["mul", 1, 0]],
    # A trap for "reverse breadth-first": n0 is one step from the root and three from a leaf.
    "n1 = tanh(n0); n2 = tanh(n1); root = n2 * n0": [
        ["leaf", 0.7],
        ["tanh", 0],
        ["tanh", 1],
        ["mul", 2, 0],
    ],
    "diamond: b = tanh(a), c = sigmoid(a), d = b * c, e = d + d": [
        ["leaf", -0.4],
        ["tanh", 0],
        ["sigmoid", 0],
        ["mul", 1, 2],
        ["add", 3, 3],
    ],
}

UNARY = ("tanh", "sigmoid")
BINARY = ("add", "mul")


def random_graph(rng: random.Random, n_leaves: int, n_ops: int) -> list[list[Any]]:
    nodes: list[list[Any]] = [["leaf", round(rng.uniform(-1.5, 1.5), 3)] for _ in range(n_leaves)]
    for _ in range(n_ops):
        recent = max(0, len(nodes) - 5)  # favour recent nodes: deeper graphs
        if rng.random() < 0.35:
            nodes.append([rng.choice(UNARY), rng.randrange(recent, len(nodes))])
        else:
            i = rng.randrange(recent, len(nodes))
            r = rng.random()
            if r < 0.1:
                j = i  # a node used twice by one op: i + i
            elif r < 0.55:
                j = rng.randrange(len(nodes))  # reach far back: nodes with several users
            else:
                j = rng.randrange(recent, len(nodes))
            nodes.append([rng.choice(BINARY), i, j])
    return nodes


@cache
def graphs() -> tuple[tuple[str, list[list[Any]]], ...]:
    rng = random.Random(204)
    found = list(GRAPHS.items())
    for k in range(6):
        found.append((f"random graph #{k + 1}", random_graph(rng, 2 + k % 3, 8 + 2 * k)))
    return tuple(found)


def build(graph: list[list[Any]]) -> list[Value]:
    """The Values of a graph description, built with the library's ops."""
    nodes: list[Value] = []
    for op, *args in graph:
        if op == "leaf":
            nodes.append(Value(args[0]))
        elif op == "add":
            nodes.append(nodes[args[0]] + nodes[args[1]])
        elif op == "mul":
            nodes.append(nodes[args[0]] * nodes[args[1]])
        else:
            nodes.append(getattr(nodes[args[0]], op)())
    return nodes


def evaluate(graph: list[list[Any]], leaf_values: list[float]) -> float:
    """The root of a graph description computed with floats (for central differences)."""
    values: list[float] = []
    leaves = iter(leaf_values)
    for op, *args in graph:
        if op == "leaf":
            values.append(next(leaves))
        elif op == "add":
            values.append(values[args[0]] + values[args[1]])
        elif op == "mul":
            values.append(values[args[0]] * values[args[1]])
        elif op == "tanh":
            values.append(math.tanh(values[args[0]]))
        else:
            values.append(1.0 / (1.0 + math.exp(-values[args[0]])))
    return values[-1]


def node_name(graph: list[list[Any]], k: int) -> str:
    op, *args = graph[k]
    if op == "leaf":
        return f"node {k} (a leaf holding {args[0]})"
    if op in BINARY:
        sign = "+" if op == "add" else "*"
        return f"node {k} (= node {args[0]} {sign} node {args[1]})"
    return f"node {k} (= {op}(node {args[0]}))"


def reachable(graph: list[list[Any]]) -> set[int]:
    seen, stack = set(), [len(graph) - 1]
    while stack:
        k = stack.pop()
        if k not in seen:
            seen.add(k)
            stack.extend(args for args in graph[k][1:] if graph[k][0] != "leaf")
    return seen


def graph_label(name: str, graph: list[list[Any]]) -> str:
    return f"graph '{name}' ({len(graph)} nodes)"
